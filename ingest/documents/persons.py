"""Persons are not bodies: a name with a civility (« Mme ARSAC », « M. Jouve »), a first name and a
surname in capitals (« Anne LACOSTE », « Marie-Jeanne LUCIANI »), as attendance lists and signatures
write them, or a transcript's speaker (« MARIE-JEANNE LUCIANI : … »). Pure."""
from __future__ import annotations

import re

from search.text import STOP_WORDS, fold

__all__ = ["holds_office", "person", "speaker_turn"]

# A transcript's turn: a speaker in capitals (two words or more), or « Q » / « R », then a colon.
_SPEAKER = re.compile(r"(?:[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+(?:[ \u00a0]+[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+){1,3}|Q|R)"
                      r"(?=[ \u00a0]*:[ \u00a0])")


def speaker_turn(line: str) -> bool:
    """« LAURENT PAOLI : Sur quoi, alors ? », « Q : … »: a transcript's turn (not a title either)."""
    return bool(_SPEAKER.match(line))

# A person: a civility before or at the start of the entity (« Mme ARSAC », « M. Jouve »), or a first
# name and a surname in capitals (« Anne LACOSTE »).
_CIVILITY_BEFORE = re.compile(r"(?:\b(?:M|Mme|Mlle|MM|Mmes|Dr|Pr)\.?|\bMonsieur|\bMadame)[ \u00a0]*$")
_PERSON = re.compile(r"(?:(?:M|Mme|Mlle|MM|Mmes|Dr|Pr)\.?|Monsieur|Madame)[ \u00a0]"
                     r"|[A-ZÉÈ][a-zéèëïîôç]+(?:-[A-ZÉÈ][a-zéèëïîôç]+)?[ \u00a0]+[A-ZÉÈ][A-ZÉÈÀÔÏ'’-]{2,}$")


# a first name right before a surname in capitals (« Marie-Jeanne LUCIANI », the entity « LUCIANI »);
# capitalised words that start a sentence or a title instead
_NOT_FIRST_NAMES = frozenset("""
avec entre pour par dans sur sous vers chez depuis selon ainsi enfin puis alors donc mais signe syndicat
agence communaute commune ville pays parc region departement metropole etat projet contrat convention
""".split())
_FIRST_NAME_BEFORE = re.compile(r"\b[A-ZÉÈ][a-zéèëïîôç]+(?:-[A-ZÉÈ][a-zéèëïîôç]+)?[ \u00a0]+$")


def person(text: str, s: int, e: int) -> bool:
    """The entity ``text[s:e]`` names a person, not a body: a civility, a first name and a surname in
    capitals, or the speaker of a transcript's turn (« MARIE-JEANNE LUCIANI : … »)."""
    if _PERSON.match(text, s, e) or _CIVILITY_BEFORE.search(text, max(0, s - 12), s):
        return True
    entity = text[s:e]
    if not (entity.isupper() and sum(c.isalpha() for c in entity) >= 3):
        return False
    first = _FIRST_NAME_BEFORE.search(text, max(0, s - 30), s)
    if first and fold(first.group().split("-")[0].strip()) not in STOP_WORDS | _NOT_FIRST_NAMES:
        return True  # not « Le SMTC », « Avec SYVADEC »
    line = text.rfind("\n", 0, s) + 1
    turn = _SPEAKER.match(text, line)
    return turn is not None and e <= turn.end()


# A name followed by the office its bearer holds: « Alain Sarrat, président de la communauté de
# communes de la Haute-Ariège », « Marie Durand (maire de Foix) »: the person who signs, not a body.
_OFFICE_AFTER = re.compile(r"[ \u00a0]*[,(][ \u00a0]*(?:(?:le|la|l['’])[ \u00a0]*)?(?:premi[eè]re?[ \u00a0]+)?(?:vice-)?"
                           r"(?:pr[ée]sidente?|maires?|adjointe?|directeur|directrice|conseill[eè]re?|charg[ée]e?[ \u00a0]+de"
                           r"|d[ée]l[ée]gu[ée]e?|secr[ée]taire|DGS|DGA|s[ée]nat(?:eur|rice)|d[ée]put[ée]e?|pr[ée]f[eè]te?"
                           r"|sous-pr[ée]f[eè]te?|chef|cheffe|responsable|coordinat(?:eur|rice)|animat(?:eur|rice))\b",
                           re.IGNORECASE)


def holds_office(text: str, end: int) -> bool:
    """The name ending at ``end`` is followed by its bearer's office (« , président de … »)."""
    return bool(_OFFICE_AFTER.match(text, end))
