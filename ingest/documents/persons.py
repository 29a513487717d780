"""Persons are not bodies: a name with a civility (« Mme ARSAC », « M. Jouve ») or a first name and a
surname in capitals (« Anne LACOSTE »), as attendance lists and signatures write them. Pure."""
from __future__ import annotations

import re

__all__ = ["person"]

# A person: a civility before or at the start of the entity (« Mme ARSAC », « M. Jouve »), or a first
# name and a surname in capitals (« Anne LACOSTE »).
_CIVILITY_BEFORE = re.compile(r"(?:\b(?:M|Mme|Mlle|MM|Mmes|Dr|Pr)\.?|\bMonsieur|\bMadame)[ \u00a0]*$")
_PERSON = re.compile(r"(?:(?:M|Mme|Mlle|MM|Mmes|Dr|Pr)\.?|Monsieur|Madame)[ \u00a0]"
                     r"|[A-ZÉÈ][a-zéèëïîôç]+(?:-[A-ZÉÈ][a-zéèëïîôç]+)?[ \u00a0]+[A-ZÉÈ][A-ZÉÈÀÔÏ'’-]{2,}$")


def person(text: str, s: int, e: int) -> bool:
    """The entity ``text[s:e]`` names a person, not a body."""
    return bool(_PERSON.match(text, s, e) or _CIVILITY_BEFORE.search(text, max(0, s - 12), s))
