"""Rule 9: paragraphs that put a practice's name in bold, in turn, are practices of their own.

A ministerial answer, an article or a report may describe several practices one paragraph after
another under a single heading, each introduced by its name in bold: « … s'appuie d'abord sur **la
Conférence TransJurassienne (CTJ)**. … », then « **L'Agglomération urbaine du Doubs (AUD)**,
groupement local de coopération transfrontalière … », then « … avec le **pôle d'équilibre
territorial et rural du Pays Horloger** … un **contrat local de santé** … ». When nothing else
in the document starts a practice (:mod:`.starts`, nor the examples of :mod:`.examples`), each
paragraph of some length whose bold run naming the practice differs from the previous one's starts
a practice titled by that run (the first naming an instrument type and no body, else the first
naming a place, a structure or an instrument type: :func:`.naming.names_practice`), running to the next such paragraph or the next heading — when two paragraphs or more do. A
paragraph naming again the practice of the one before (the same bold name) continues it. Pure:
blocks in, block indices and title spans out.
"""
from __future__ import annotations

from .examples import BOLD
from .labels import fold, label_key
from .model import Block
from .naming import INSTRUMENT, Span, names_practice, structure_names

__all__ = ["MIN_WORDS", "bold_practices"]

MIN_WORDS = 25  # a paragraph describing a practice, not a caption or a label line


def _bold_name(text: str, b: Block) -> Span | None:
    """The span of the bold run of paragraph ``b`` that names its practice (not the whole paragraph):
    the first naming an instrument type and no body (« contrat local de santé »), else the first
    naming a place, a structure or an instrument type."""
    if b.kind != "paragraph" or len(b.text.split()) < MIN_WORDS:
        return None
    runs = []
    for m in BOLD.finditer(b.text):
        run = m.group(1).strip()
        if run and len(run) < len(b.text) // 2 and names_practice(run):
            start = b.start + m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
            runs.append((start, start + len(run)))
    instrument = [sp for sp in runs if INSTRUMENT.search(fold(text[sp[0]:sp[1]]))
                  and not structure_names(text[sp[0]:sp[1]])]
    return (instrument or runs or [None])[0]


def bold_practices(text: str, bs: list[Block]) -> dict[int, Span]:
    """Block index of each paragraph starting a practice by its bold name -> the name's span (see the
    module doc); empty when fewer than two do."""
    out: dict[int, Span] = {}
    previous = None
    for i, b in enumerate(bs):
        if b.kind == "heading":
            previous = None
        span = _bold_name(text, b)
        if span is None:
            continue
        key = label_key(text[span[0]:span[1]])
        if key and key != previous:
            out[i] = span
        previous = key
    return out if len(out) >= 2 else {}
