"""Numbered parts of a document that are practices.

Rule 7b, :func:`agenda_items`: the numbered items of an agenda or a record of decisions (« 7.
Convention-cadre de partenariat 2025-2027 avec le Syndicat mixte du Parc … » over its report, its
debate and « → Adopté à l'unanimité. »), each a practice when it names an instrument type and says
enough about it. An item is a top-level bullet written with a number (« 7. », « 8) ») whose own text
holds at least ``MIN_ITEM_CHARS`` characters and names an instrument type
(:data:`.naming.INSTRUMENT`); it runs to the next top-level bullet or the next non-label heading (its
« → Adopté … » arrows are its). At least two such items are needed: one long item among short ones is
a list's, not an agenda's. The practice is titled by the item's first line.

Rule 7c, :func:`labelled_parts`: slides or sections opened by a numbered label on a line of its own
(« Chantier n°1 » over « UN CHEF DE PROJET PETITES VILLES DE DEMAIN POUR DEUX VILLES », then « Chantier
n°2 » over « L'ENTENTE « DESTINATION BOCAGE » »), two or more with the same label word and different
numbers: each is a practice titled by the line under its label, running to the next one.

Pure: blocks in, block indices out.
"""
from __future__ import annotations

import re

from .blocks import is_label_heading, numbered
from .labels import fold
from .model import Block
from .naming import INSTRUMENT, generic

__all__ = ["MIN_ITEM_CHARS", "agenda_items", "item_title", "labelled_parts"]

MIN_ITEM_CHARS = 400  # a report on the item, not a line of a list


def agenda_items(text: str, bs: list[Block]) -> dict[int, int]:
    """Block index of each numbered agenda item that is a practice -> the index after its last block;
    empty when fewer than two are."""
    out: dict[int, int] = {}
    for i, b in enumerate(bs):
        if b.kind != "bullet" or b.level or len(b.text) < MIN_ITEM_CHARS or not INSTRUMENT.search(fold(b.text)):
            continue
        if not numbered(text, b) or generic(text[slice(*item_title(b))]):
            continue  # (not a report's « 1. Le mot de la présidente » or « 5. Perspectives 2025 »)
        out[i] = next((k for k in range(i + 1, len(bs)) if bs[k].kind == "bullet" and not bs[k].level
                       or bs[k].kind == "heading" and not is_label_heading(bs[k])), len(bs))
    return out if len(out) >= 2 else {}


def item_title(b: Block) -> tuple[int, int]:
    """The span of an item's first line (its title: « Convention de mise en commun du service … »)."""
    line = b.text.split("\n", 1)[0].rstrip()
    return b.start, b.start + len(line)


# « Chantier n°1 », « Projet 2 », « Action n° 3 », « Volet B »: a label word and a number, alone on its line
_LABEL = re.compile(r"[ \t]*(?P<word>Chantier|Projet|Action|Fiche|Volet|Exemple|Initiative|Expérience|Cas)s?[ \t]+"
                    r"(?:n[°o][ \t]*)?(?P<number>\d{1,2}|[A-H])[ \t]*\n[ \t]*(?=\S)", re.IGNORECASE)


def labelled_parts(text: str, bs: list[Block]) -> dict[int, tuple[int, int]]:
    """Block index of each paragraph or heading opened by a numbered label line, in a run of two or more
    with one label word and different numbers -> the span of the line under the label (its title)."""
    found: dict[str, dict[str, tuple[int, tuple[int, int]]]] = {}
    for i, b in enumerate(bs):
        if b.kind not in ("paragraph", "heading"):
            continue
        m = _LABEL.match(b.text)
        if m is None:
            continue
        start = b.start + m.end()
        line_end = text.find("\n", start)
        end = len(text) if line_end < 0 or line_end > b.end else line_end
        found.setdefault(m.group("word").lower(), {}).setdefault(m.group("number").upper(), (i, (start, end)))
    runs = [parts for parts in found.values() if len(parts) >= 2]
    return {i: span for parts in runs for i, span in parts.values()}
