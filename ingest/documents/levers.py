"""The lever a candidate's structure gives: the lever of the innermost enclosing heading "Levier N –
…" of the candidate (method ``structure``), with the heading's span in the text when it is found
there, else the candidate's title.
"""
from __future__ import annotations

import re

from .confidence import CONF_STRUCTURE
from .lexicon import LexEntry, Lexicon
from .model import Candidate, Mention
from .semantic import _strip_span

_LEVER_HEADING = re.compile(r"^[\W_]*levier\s+(\d{1,2})\b", re.IGNORECASE)


def _lever_by_number(lexicon: Lexicon) -> dict[int, LexEntry]:
    out = lexicon.cache.get("lever_numbers")
    if out is None:
        out = {}
        for e in lexicon.by_kind("lever"):
            m = re.fullmatch(r"L(\d+)", e.notation or "")
            if m:
                out[int(m.group(1))] = e
        lexicon.cache["lever_numbers"] = out
    return out


def _find_heading(text: str, heading: str, before: int) -> tuple[int, int] | None:
    """Span of ``heading`` (whitespace collapsed, as the segmenter gives it) in ``text``: its last
    occurrence starting before ``before``, else its first one, else None."""
    words = heading.split()
    if not words:
        return None
    rx = re.compile(r"[\s*_#]+".join(re.escape(w) for w in words))
    last = None
    for m in rx.finditer(text):
        if m.start() >= before and last is not None:
            break
        last = (m.start(), m.end())
        if m.start() >= before:
            break
    return last


def heading_levers(text: str, candidate: Candidate, lexicon: Lexicon) -> list[Mention]:
    """A lever mention (method ``structure``) for the innermost enclosing heading "Levier N – …"
    (``candidate.headings``, outermost first, when the segmenter gives them): its span is the
    heading's last occurrence before the candidate (or anywhere in the text), else the title."""
    headings = tuple(getattr(candidate, "headings", ()) or ())
    levers = _lever_by_number(lexicon)
    for heading in reversed(headings):
        m = _LEVER_HEADING.match(heading or "")
        if not m or int(m.group(1)) not in levers:
            continue
        entry = levers[int(m.group(1))]
        found = _find_heading(text, heading, candidate.start)
        if found is not None:
            s, e = found
        elif candidate.title_start is not None and candidate.title_end is not None and \
                candidate.title_end > candidate.title_start:
            s, e = candidate.title_start, candidate.title_end
        else:
            nl = text.find("\n", candidate.start, candidate.end)
            span = _strip_span(text, candidate.start, nl if nl > candidate.start else candidate.end)
            if span is None:
                return []
            s, e = span
        return [Mention("lever", text[s:e], s, e, "structure", CONF_STRUCTURE, entry.iri)]
    return []
