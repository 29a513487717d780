"""Grid labels and the keys texts are compared by: the labels people write for the grid fields
(``LABEL_VARIANTS``), the field a label names (``normalise_label``: "Éléments déclencheurs :" ->
``triggers``), a label's comparison key (``label_key``: accents, case, a leading article, plural
marks ignored), folded text (``fold``) and whitespace-collapsed text (``collapse``).
"""
from __future__ import annotations

import re
import unicodedata

from .model import GRID_FIELDS

__all__ = ["LABEL_VARIANTS", "collapse", "fold", "label_key", "normalise_label"]

# Grid labels as people write them, per field (matched by ``label_key``: accents, case, articles,
# punctuation and final plural -s/-x are ignored, so "Éléments déclencheurs :" = "element declencheur").
LABEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "triggers": ("éléments déclencheurs", "déclencheurs", "contexte", "contexte et déclencheurs"),
    "partners_scale": ("partenaires / échelle", "partenaires", "échelle", "partenaires et échelle", "partenariat",
                       "partenaires associés", "partenaires bénéficiaires", "partenaires financiers",
                       "partenaires du projet"),
    "stakes": ("enjeux",),
    "ambitions": ("ambitions", "objectifs"),
    "object": ("objet", "contenu", "actions"),
    "actors": ("acteurs", "acteurs impliqués", "qui ?", "présents", "membres présents", "participants",
               "excusés", "membres excusés", "invités", "invité", "invitée", "invitées", "porteurs", "porteur",
               "porteurs du projet", "porteur du projet", "signataires", "membres"),
    "governance": ("gouvernance", "instances", "pilotage"),
}
assert set(LABEL_VARIANTS) == set(GRID_FIELDS)

_ARTICLES = {"le", "la", "les", "l", "nos", "notre", "ses", "son", "sa", "leurs", "leur"}  # « Nos membres »


_SECTION_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*[.)]?\s+(?=\D)")  # « 1. Contexte », « 2.1 Objet »


def label_key(text: str) -> str:
    """A comparison key for a label: a leading section number dropped (« 1. Contexte »), no accents,
    lower case, words of letters/digits only, a leading article or possessive dropped (« Nos membres »),
    one final ``s``/``x`` dropped
    from each word."""
    decomposed = unicodedata.normalize("NFKD", _SECTION_NUMBER.sub("", text, count=1))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", plain)
    if words and words[0] in _ARTICLES and len(words) > 1:
        words = words[1:]
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words)


_LABEL_KEYS = {label_key(v): f for f, variants in LABEL_VARIANTS.items() for v in variants}


def normalise_label(text: str) -> str | None:
    """The grid field (one of ``GRID_FIELDS``) a label names, or None.

    >>> normalise_label("Eléments déclencheurs"), normalise_label("**Partenaires / échelle** :")
    ('triggers', 'partners_scale')
    """
    if len(text) > 60:
        return None
    return _LABEL_KEYS.get(label_key(text))


def collapse(text: str) -> str:
    """Whitespace runs as single spaces; no space inside brackets ("( Lille)" -> "(Lille)")."""
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", " ".join(text.split())))


def fold(text: str) -> str:
    """Lower case, no accents, words of letters/digits joined by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))
