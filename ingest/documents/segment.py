"""Segmentation: a read document's text -> structural blocks -> case candidates.

Input is ``Document.text`` as produced by the readers: one markdown-like plain text (``# `` headings,
``- `` list items, table rows as TAB-joined cells, paragraphs separated by blank lines), or a raw .txt
slide export kept as it is (seed style: ``→`` arrows, TAB grids whose cells hold HTML list fragments
``<ul ...> ✓ a ✓ b``, ``**bold**``, OCR'd ``v'`` check marks).

``blocks`` (:mod:`.blocks`) and ``candidates`` (here) are pure and deterministic. Each rule is
documented in the module that implements it:

* :mod:`.labels`: grid labels ("Contexte", "Partenaires / échelle", "Enjeux"…) and the keys texts
  are compared by;
* :mod:`.naming`: what a title names: a place, a structure, an instrument type, or nothing of the
  practice (agenda, CV and cover labels);
* :mod:`.blocks`: the text read line by line into blocks (headings, grid items, arrows, bullets,
  paragraphs) whose spans exclude markup, and the fields of the blocks under label headings;
* :mod:`.starts`: sections, and the blocks that start a practice (rules 1, 2, 3, 6, 7 and 8;
  containers dropped: the deepest starts win);
* :mod:`.tables`: the rows of a record table that name an instrument type (rule 8);
* :mod:`.running`: running slide titles (rule 5) and the titles they give;
* :mod:`.examples`: the items of an "Exemples" lead, when nothing starts a practice (rule 4);
* :mod:`.emphasis`: paragraphs naming their practice in bold in turn, when neither does (rule 9);
* :mod:`.subsections`: a subsection naming another kind of instrument in a one-practice document
  (rule 10);
* :mod:`.titles`: the title of a whole-document candidate, and the headings enclosing a candidate.

Candidates (``candidates``)
---------------------------
Each start that remains (:mod:`.starts`) yields one candidate titled by its heading/arrow text
(rule 5: :mod:`.running`; rule 6: its subject), covering its blocks up to the end of its section or
the next start (trailing non-label headings excluded). Blocks before the first start (title page,
agenda, definitions, "de quoi parlons-nous ?") and between a section's end and the next start belong
to no candidate.

Only when nothing starts a practice, the paragraphs and bullets naming a place or a structure under
an "Exemple(s)" lead are the candidates, when there are two or more (rule 4: :mod:`.examples`).

Otherwise the document describes (at most) one practice: exactly ONE candidate covers all its
blocks — not one per heading. Its title is chosen by :mod:`.titles`. An empty document (or one with
only decoration) yields none. A lone grid under a slide title that names no practice (« Qui fait
quoi ? ») is no start of its own: it is a part of the document's one practice.

Merging. Candidates whose titles are equal once normalised (``label_key``: accents, case, a
leading article, plural marks) are the same practice shown on two slides (seed 003's "Bassin de
Bourg en Bresse" under levers 3 and 4): they become one candidate, at the place of the first, with
its title, title span and headings; its blocks and grid items are concatenated in text order, and
its span runs from the first start to the last end. Such a span may cover other candidates' text
(``document.text[start:end]`` stays a valid slice, but the candidates are no longer disjoint
spans: consumers wanting only the practice's own text should read ``Candidate.blocks``). Two
candidates share no text through their blocks, except the predicate of a subject "X et Y" (rule 4),
a block of X's lying inside a block of Y's.

``Candidate.grid`` maps each field to the candidate's blocks that carry it, in document order;
``Candidate.blocks`` lists all the candidate's blocks in order; ``title_start``/``title_end`` locate
the title in the text when it comes from it (None for ``Document.title`` not found, file stems,
composed or whitespace-collapsed titles). ``Candidate.headings`` is the chain of headings enclosing
the candidate's first block, outermost first, its own title heading excluded (:mod:`.titles`).

Known limits
------------
* Rules 4 and 5 title a candidate by a place or by its slide title, not by the practice
  ("Chartres Métropole").
* A merged candidate's span covers what lies between its parts, other candidates included.
* "Is this a practice?" is not judged: a document without structure always yields one candidate,
  even a generic one; downstream extraction decides what it is worth.
"""
from __future__ import annotations

from .agenda import agenda_items, item_title, labelled_parts
from .blocks import is_label_heading, split
from .emphasis import bold_practices
from .examples import find_examples
from .labels import collapse, label_key
from .model import Block, Candidate, Document
from .naming import names_practice, one_practice_title
from .running import find_running_titles, running_title
from .starts import find_starts, item_subject, subject_slides
from .subsections import sub_practices
from .tables import record_rows
from .titles import fallback_title, heading_chains

__all__ = ["candidates"]


def _sub_block(text: str, b: Block, start: int, end: int) -> Block:
    """``b`` itself for its whole span, else a block of its kind, label and field on a part of it."""
    if (start, end) == (b.start, b.end):
        return b
    return Block(b.kind, text[start:end], start, end, b.level, b.label, b.field)


def _make(bs: list[Block], title: str, span: tuple[int, int] | None, headings: tuple[str, ...] = ()) -> Candidate:
    grid: dict[str, list[Block]] = {}
    for b in bs:
        if b.field is not None:
            grid.setdefault(b.field, []).append(b)
    return Candidate(
        title=title,
        start=min(b.start for b in bs),
        end=max(b.end for b in bs),
        title_start=span[0] if span else None,
        title_end=span[1] if span else None,
        blocks=list(bs),
        grid=grid,
        headings=headings,
    )


def _merge(cands: list[Candidate]) -> list[Candidate]:
    """One candidate per normalised title (``label_key``): the same practice on two slides. The first
    keeps its title and headings; blocks (and grid items) are concatenated in text order; the span
    runs from the first start to the last end, so it may cover other candidates' text."""
    out: list[Candidate] = []
    index: dict[str, int] = {}
    for c in cands:
        key = label_key(c.title)
        if key and key in index:
            first = out[index[key]]
            blocks = sorted(first.blocks + c.blocks, key=lambda b: (b.start, b.end))
            span = (first.title_start, first.title_end) if first.title_start is not None else None
            out[index[key]] = _make(blocks, first.title, span, first.headings)
        else:
            index[key] = len(out)
            out.append(c)
    return out


def _bold_candidates(text: str, bs: list[Block], bold: dict[int, tuple[int, int]],
                     chains: list[tuple[str, ...]]) -> list[Candidate]:
    """Rule 9: one candidate per paragraph naming its practice in bold, to the next one or the next
    non-label heading."""
    order = sorted(bold)
    out = []
    for n, i in enumerate(order):
        end = order[n + 1] if n + 1 < len(order) else len(bs)
        end = next((j for j in range(i + 1, end) if bs[j].kind == "heading" and not is_label_heading(bs[j])), end)
        s, e = bold[i]
        out.append(_make(bs[i:end], text[s:e], (s, e), chains[i]))
    return out


def _with_sub_practices(bs: list[Block], first: int, end: int, title: str, span: tuple[int, int] | None,
                        headings: tuple[str, ...], chains: list[tuple[str, ...]]) -> list[Candidate]:
    """The document's one practice (blocks ``first``..``end``), and its subsections naming another
    kind of instrument as practices of their own (rule 10: :mod:`.subsections`)."""
    subs = [(i + first, e + first) for i, e in sub_practices(bs[first:end], title)]
    inside = {k for i, e in subs for k in range(i, e)}
    rest = [bs[k] for k in range(first, end) if k not in inside]
    return [_make(rest, title, span, headings)] + [_make(bs[i:e], bs[i].text, (bs[i].start, bs[i].end), chains[i])
                                                   for i, e in subs]


def candidates(document: Document, blocks: list[Block] | None = None) -> list[Candidate]:
    """The case candidates of a document, in text order of their starts (rules in the module
    docstring).

    ``blocks`` are the document's blocks when already computed (``blocks(document)``)."""
    bs = split(document) if blocks is None else list(blocks)
    if not bs:
        return []
    text = document.text
    running = find_running_titles(text, bs)
    chains = heading_chains(bs, running)
    title = document.title
    title_block = 0 if bs[0].kind == "heading" and title and collapse(bs[0].text) == collapse(title) else None
    starts = find_starts(text, bs, running, title_block)
    if len(starts) >= 2 and one_practice_title(title):
        starts = []  # « CCTP - Accompagnement à l'élaboration d'un contrat de réciprocité »: its sections are its parts
    if len(starts) == 1 and bs[starts[0][0]].kind == "heading" and not names_practice(bs[starts[0][0]].text) \
            and not fallback_title(document, bs)[0] == bs[starts[0][0]].text:
        starts = []  # one grid under a slide titled "Qui fait quoi ?": a part of the document's one practice
    if not starts:
        examples = find_examples(document, bs)
        if len(examples) < 2:
            bold = bold_practices(text, bs)
            if bold:
                return _bold_candidates(text, bs, bold, chains)
            title, span = fallback_title(document, bs)
            return _with_sub_practices(bs, 0, len(bs), title, span, (), chains)
        out = []
        for i, parts in examples:
            b = bs[i]
            for (ps, pe), (ns, ne), shared in parts:
                members = [_sub_block(text, b, ps, pe)]
                if shared is not None:
                    members.append(_sub_block(text, b, *shared))
                out.append(_make(members, text[ns:ne], (ns, ne), chains[i]))
        return _merge(out)
    out = []
    subjects = subject_slides(text, bs)
    rows = record_rows(text, bs)
    agenda = agenda_items(text, bs)
    labelled = labelled_parts(text, bs)
    by_suffix: dict[str, tuple[str, tuple[int, int] | None]] = {}  # a running suffix -> its first title
    for n, (i, end) in enumerate(starts):
        if n + 1 < len(starts):
            end = min(end, starts[n + 1][0])
        members = bs[i:end]
        while len(members) > 1 and members[-1].kind == "heading" and not is_label_heading(members[-1]):
            members.pop()
        if i in running and running[i] is not None:
            key = label_key(text[running[i][0]:running[i][1]])
            if key not in by_suffix:
                by_suffix[key] = running_title(text, bs, i, end, running[i])
            title, span = by_suffix[key]  # the same suffix again: the same practice, merged below
        elif i in rows:
            span = rows[i]  # a record table's row: its « Action » cell
            title = text[span[0]:span[1]]
        elif i in labelled:
            span = labelled[i]  # « Chantier n°1 » over its title: that title
            title = text[span[0]:span[1]]
        elif i in agenda:
            span = item_title(bs[i])  # an agenda's numbered item: its first line
            title = text[span[0]:span[1]]
        elif (subject := item_subject(bs, i)) is not None:
            title, span = subject.text, (subject.start, subject.end)  # « OBJET : … » of a register's item
        elif i in subjects:
            title = subjects[i]
            span = (bs[i].start, bs[i].start + len(title)) if bs[i].text.startswith(title) else None
        else:
            title, span = bs[i].text, (bs[i].start, bs[i].end)
        out.append(_make(members, title, span, chains[i]))
    if len(out) == 1 and len(starts) == 1:  # one practice: its subsections of another kind (rule 10)
        (i, _), c = starts[0], out[0]
        end = i + len(c.blocks)
        if bs[i:end] == c.blocks:
            span = (c.title_start, c.title_end) if c.title_start is not None else None
            return _with_sub_practices(bs, i, end, c.title, span, c.headings, chains)
    return _merge(out)
