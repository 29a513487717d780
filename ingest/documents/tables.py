"""Rule 8: the rows of a record table that name an instrument type are practices.

When nothing else in a document starts a practice (:mod:`.starts`), a spreadsheet export or a
table of actions lists one record per row: a header row of short labels
(« Réf. », « Action », « Pilote », « Partenaires », « Cadre / outil », « Budget »…) over rows of as
many TAB-separated cells. When two rows or more name an instrument type outside the bodies' names
(:data:`.naming.INSTRUMENT`: « Convention de coopération transfrontalière … », « Projet Interreg
FWVL … »; not « PETR du Pays de Langres » as a row's pilot), each of those rows is
a practice of its own, and only that row: its pilot and partners are its participants, not the
other rows'. The rows naming none (an inventory, a stand at a fair) start nothing. The practice is
titled by the row's cell under an « Action » / « Projet » / « Intitulé » / « Objet » header, else
by its first cell of three words or more. Pure: blocks in, block indices and title spans out.
"""
from __future__ import annotations

import re

from .labels import fold
from .model import Block
from .naming import INSTRUMENT
from .patterns import find_institutions

__all__ = ["MIN_COLUMNS", "MIN_PRACTICE_ROWS", "record_rows"]

MIN_COLUMNS = 4
MIN_PRACTICE_ROWS = 2  # rows naming an instrument, for the table to list practices
_MAX_LABEL_WORDS = 4  # a header cell is a short label
_TITLE_WORDS = 3  # without an « Action » column, the row's first cell of this many words titles it
_TITLE_HEADER = re.compile(r"(?:actions?|projets?|intitules?|objet|operations?|dispositifs?|libelles?|nom)\b")

Span = tuple[int, int]


def _cells(b: Block) -> list[Span]:
    """The spans of a row's cells in the document, whitespace trimmed."""
    out, pos = [], b.start
    for part in b.text.split("\t"):
        lead = len(part) - len(part.lstrip())
        out.append((pos + lead, pos + len(part.rstrip())))
        pos += len(part) + 1
    return out


def _row(b: Block) -> bool:
    return b.kind == "paragraph" and b.text.count("\t") >= MIN_COLUMNS - 1


def _names_instrument(b: Block) -> bool:
    """The row names an instrument type outside the bodies' names (« Convention de coopération … »,
    not « PETR du Pays de Langres » as its pilot)."""
    row = b.text
    for m in find_institutions(row):
        row = row[:m.start] + " " * (m.end - m.start) + row[m.end:]
    return bool(INSTRUMENT.search(fold(row)))


def _label(cell: str) -> bool:
    return 0 < len(cell.split()) <= _MAX_LABEL_WORDS and not any(ch.isdigit() for ch in cell)


def record_rows(text: str, bs: list[Block]) -> dict[int, Span]:
    """Block index of each row of a record table that names an instrument type -> its title's span
    (see the module doc); empty when no table lists two such rows."""
    out: dict[int, Span] = {}
    i = 0
    while i < len(bs):
        if not _row(bs[i]):
            i += 1
            continue
        j = i
        while j < len(bs) and _row(bs[j]):
            j += 1
        header = [text[s:e] for s, e in _cells(bs[i])]
        if j - i > MIN_PRACTICE_ROWS and all(_label(c) for c in header):
            column = next((n for n, c in enumerate(header) if _TITLE_HEADER.match(fold(c))), None)
            found = {}
            for k in range(i + 1, j):
                if _names_instrument(bs[k]):
                    cells = [c for c in _cells(bs[k]) if c[1] > c[0]]
                    own = _cells(bs[k])
                    cell = own[column] if column is not None and column < len(own) else None
                    if cell is None or cell[1] - cell[0] < 2:  # the first cell of a few words, else the longest
                        cell = next((c for c in cells if len(text[c[0]:c[1]].split()) >= _TITLE_WORDS),
                                    max(cells, key=lambda c: c[1] - c[0]))
                    found[k] = cell
            if len(found) >= MIN_PRACTICE_ROWS:
                out.update(found)
        i = j
    return out
