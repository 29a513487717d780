"""The one normal form of every reader's text: NFC, ``\\n`` line ends, no invisible control, no
trailing whitespace, words hyphenated at a line's end written whole, at most two blank lines."""
from __future__ import annotations

import re
import unicodedata

from .hyphens import join_hyphenated_lines

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# NUL, other C0 controls except TAB and LF, DEL, C1 controls, soft hyphen, zero-width space, BOM.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u200b\ufeff]")
_TRAILING = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{4,}")


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no NUL or invisible control, no trailing whitespace on a line, words
    hyphenated at a line's end written whole (:func:`.hyphens.join_hyphenated_lines`), at most two
    consecutive blank lines, no leading blank line and no trailing line break."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = join_hyphenated_lines(_TRAILING.sub("", text))
    text = _TRAILING.sub("", text)
    text = _BLANK_RUN.sub("\n\n\n", text)
    return text.lstrip("\n").rstrip()
