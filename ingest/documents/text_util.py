"""Span and sentence helpers shared by :mod:`.extract` and :mod:`.descriptions` (offsets index
``Document.text``): the sentences of a span, a name's spacing and apostrophes normalised, and
whether two spans overlap or one lies inside the other."""
from __future__ import annotations

import re

# Where a sentence ends: strong punctuation, a blank line, a line starting a new item, a tab.
_SENTENCE_END = re.compile(r"[.!?…;](?=\s)|\n\s*\n|\n(?=\s*[A-ZÀ-ÝŒ•✓\-–→*\d])|\t")


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    s = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.end() > s:
            out.append((s, m.end()))
        s = m.end()
    if s < end:
        out.append((s, end))
    return out


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub("[’ʼ]", "'", text)).strip()


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]
