"""The corpus's convention for actors a source does not name.

Such an actor's label is a description, not a name: it says that the source does not name it or
does not say who it is — « Communes du Pays de Figeac (non nommées dans la source) »,
« Participants au conseil d'administration élargi … (composition non détaillée dans la source) ».
Extraction never links them by name, query expansion never takes their labels as synonyms, and the
extraction evaluation compares them apart. :data:`PLACEHOLDER_WORDS` tells them;
:data:`PLACEHOLDER_MARK` is the parenthesised note to drop from the label to keep what it describes.
"""
from __future__ import annotations

import re

_NOT_SAID = r"non[ \u00a0]+(?:nomm|d[ée]taill|pr[ée]cis|identifi|list)"
PLACEHOLDER_WORDS = re.compile(rf"\b{_NOT_SAID}", re.IGNORECASE)
PLACEHOLDER_MARK = re.compile(rf"\([^()]*\b{_NOT_SAID}[^()]*\)", re.IGNORECASE)


def is_placeholder_label(label: str | None) -> bool:
    """Whether an actor's label is a placeholder's description (see :data:`PLACEHOLDER_WORDS`)."""
    return bool(label) and bool(PLACEHOLDER_WORDS.search(label))
