"""Names written in capitals, given their usual case: « MAIRIE D'AUDUN-LE-TICHE » is « Mairie
d'Audun-le-Tiche », « COMMUNAUTÉ DE COMMUNES DE LA PIEVE DE L'ORNANO ET DU TARAVO » is « Communauté
de communes de la Pieve de l'Ornano et du Taravo ».

Letterheads, registers and PDF covers set bodies' names in capitals; the actor's label should read as
the body writes it elsewhere. Each word is capitalised, the articles and connectors (de, du, la,
l', d', et, sur, lès…) lowered, also inside hyphenated names, and the acronyms of a kind of body
(PETR, PNR, SCoT, GECT…) kept; a word alone in capitals is an acronym (« SMMC »). Pure.
"""
from __future__ import annotations

import re

__all__ = ["in_usual_case"]

_LOWER = frozenset("de du des la le les l d et en sur sous au aux lès à".split())
# acronyms of a kind of body, as they are written
_ACRONYMS = {a.upper(): a for a in "PETR PNR SCoT GECT GLCT EPCI EPTB SIVU SIVOM CC CA CU GAL CCI CMA CHU GHT".split()}
_PART = re.compile(r"([^\W\d_]+)", re.UNICODE)


def _word(part: str, first: bool) -> str:
    if part in _ACRONYMS:
        return _ACRONYMS[part]
    low = part.lower()
    if low in _LOWER and not first:
        return low
    return low[:1].upper() + low[1:]


def in_usual_case(name: str, *, pairs: bool = False) -> str:
    """``name`` with its runs of words in capitals in their usual case (« Communauté de communes DE LA
    PIEVE » → « … de la Pieve »): three words or more, or two with a connector (« MAIRIE DE THIL »); a
    word alone, or two without a connector (« CC CCPOT »), are acronyms — unless ``pairs``: the part
    of a name that was in capitals (« GRAND CHÂTEAUDUN » of « … DU GRAND CHÂTEAUDUN »)."""
    pieces = _PART.split(name)
    words = [n for n, p in enumerate(pieces) if _PART.fullmatch(p)]
    upper = {n for n in words if pieces[n].isupper()}
    out = list(pieces)
    run: list[int] = []
    for n in words + [None]:
        if n is not None and n in upper:
            run.append(n)
            continue
        if len(run) >= 3 or len(run) == 2 and (pairs or any(pieces[k].lower() in _LOWER for k in run)):
            for k in run:
                out[k] = _word(pieces[k], k == words[0])
        run = []
    return "".join(out)
