"""Rule 10: in a one-practice document, a subsection naming another kind of instrument is a practice
of its own.

A body's « Qui sommes-nous ? » page describes the body (a GECT: its members, its governance, what it
does) and, under a subheading, the flagship project it leads: « ### Projet phare : « Cerdanya a prop »
(Interreg VI-A POCTEFA 2021-2027) ». When nothing else starts a practice (:mod:`.starts`, the
examples, the bold paragraphs), a heading below the top level of the document's headings (not its
first heading) whose instrument words (:data:`.naming.INSTRUMENT`: « Interreg ») are not all words of
the document's title (« … GECT Pirineus-Cerdanya »), and whose section holds a description and less
than half of the document's text, is a practice of its own: its section is its candidate, the rest of the document the document's one
practice. Pure: blocks in, (block index, section end) out.
"""
from __future__ import annotations

from .blocks import is_label_heading
from .labels import fold
from .model import Block
from .naming import INSTRUMENT
from .starts import alternatives, section_end

__all__ = ["sub_practices"]

_MAX_SHARE = 0.5  # of the document's text: a subsection, not the document under a cover heading


def _instruments(text: str) -> set[str]:
    return {m.group() for m in INSTRUMENT.finditer(fold(text))}


def sub_practices(bs: list[Block], title: str) -> list[tuple[int, int]]:
    """(block index, section end) of the subsections of a one-practice document that name another
    kind of instrument than its title (see the module doc)."""
    headings = [i for i, b in enumerate(bs) if b.kind == "heading" and b.level > 0 and not is_label_heading(b)]
    if len(headings) < 2:
        return []
    top = min(bs[i].level for i in headings)
    own = _instruments(title)
    out = []
    for i in headings[1:]:
        words = _instruments(bs[i].text)
        if bs[i].level <= top or not words or words <= own or alternatives(bs, i):
            continue  # (« 2.2. Une entente … » under « 2. Les options envisageables »: an option, no practice)
        end = section_end(bs, i)
        if bs[end - 1].end - bs[i].start > _MAX_SHARE * (bs[-1].end - bs[0].start):
            continue  # the document's own title over its whole text (« # Fiche n° 11 » > « ## Un conseil … »)
        if any(b.kind in ("paragraph", "bullet") for b in bs[i + 1:end]) and not any(s <= i < e for s, e in out):
            out.append((i, end))
    return out
