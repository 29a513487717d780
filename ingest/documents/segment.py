"""Segmentation: a read document's text -> structural blocks -> case candidates.

Input is ``Document.text`` as produced by the readers: one markdown-like plain text (``# `` headings,
``- `` list items, table rows as TAB-joined cells, paragraphs separated by blank lines), or a raw .txt
slide export kept as it is (seed style: ``→`` arrows, TAB grids whose cells hold HTML list fragments
``<ul ...> ✓ a ✓ b``, ``**bold**``, OCR'd ``v'`` check marks).

Both functions are pure and deterministic.

Blocks (``blocks``)
-------------------
The text is read line by line. Lines without any run of two letters/digits (slide decorations such
as ``x o + o`` or ``×  ○  +``) are ignored. A line is, in this order of precedence:

* ``heading``: a markdown ``#``..``######`` line (``level`` = number of ``#``);
* ``grid``: a row ``Label<TAB>content`` whose first cell is a grid label (``normalise_label``);
  the content is split into items at ``<...>`` tags, TABs, `` ; `` (a line break inside a converted
  table cell) and inline item marks (``✓ ✔ • ▪ ◦ ● ■ ➢``): one ``grid`` block per item, all with the
  row's ``label`` (as written) and ``field``;
* ``arrow``: a line starting with ``→ ⇒ ➔ ➜ -> =>``;
* ``bullet``: a line starting with ``- – — • ✓ ✔ ▪ ◦ ■ ➢``, ``* ``, ``1.``, ``1)``, ``1°)``, or the
  OCR artefacts ``v'`` / ``v `` of a check mark (marks may repeat: ``- ✓ item``); ``level`` = indentation
  depth (0 = top). An item that itself holds inline item marks (``✓ a ✓ b``) gives one bullet per
  item; so does a plain line holding two inline marks or more. Plain lines directly under a bullet or
  an arrow (no blank line between) continue it;
* a one-line label ``Label : content`` (also as a bullet, also ``**Label** :``) gives ``grid``
  blocks like a TAB row; ``Label :`` with no content is a ``heading`` (level 0);
* other TAB rows: one ``paragraph`` per row;
* anything else: consecutive lines form one ``paragraph``. A paragraph of a single line is a
  *slide title* — a ``heading`` with ``level`` 0 ("inferred", below every markdown level) — when
  it is short (at most 20 words, 150 characters), its first letter or digit is a capital or a digit
  (or it opens with a quote; ``// GOUVERNANCE`` counts), it does not end with ``. , ; : !`` or an
  ellipsis, and some block follows it.

Paragraphs and bullets that follow a *label heading* (a heading whose text is a grid label:
"Contexte", "## Acteurs", "Enjeux :") are items of that field: they get the heading's ``label`` and
``field`` (their ``kind`` is kept). The scope runs across blank lines and ends at the next arrow or
at the next heading that is not deeper (any heading, for an inferred label heading). Bullets that
directly follow a ``Label : content`` line (no blank line between) also continue its field.

Spans and markup. Every block satisfies ``block.text == document.text[block.start:block.end]``:
markup is removed by choosing the span, never by rewriting the text. A span excludes the line
markers (``#``, ``→``, ``-``, ``✓``...), for grid rows the label and the TAB or colon, and at both
ends whitespace and HTML tags (``<ul style=...>``, ``</li>``, ``<p>``). Emphasis marks (``**``,
``__``, ``*``) at an end are excluded when they wrap the whole span (``**Chargée de projet**``) or
are unbalanced (``**Enjeux`` cut from ``**Enjeux :**``); otherwise they stay, so that emphasis
inside a span is always balanced (``**LEVIER 1** - Soigner les **équilibres**``): items are split
at tags, TABs and item marks, never inside a sentence because of inline bold.

Candidates (``candidates``)
---------------------------
A *section* is the run of blocks that a heading or an arrow introduces: for a heading, up to the
next non-label heading of the same or a higher level (an inferred heading counts as the deepest
level, so any non-label heading ends its section); for an arrow, up to the next arrow or the next
non-label heading. Label headings never end a section: they structure the practice.

A heading or an arrow *starts a practice* when

1. its section holds grid items of at least two fields (TAB rows, ``Label :`` lines, blocks under
   label headings) — seed 002: ``→ Entente interterritoriale TRIDAN`` followed by its grid; a
   ``# Title`` followed by ``## Contexte`` / ``## Acteurs`` sections; a slide title followed by
   ``Enjeux : ...`` / ``Objet : ...`` lines. (One stray ``Objectif : ...`` line is not a grid.)
2. it is an arrow whose section holds a description (paragraph, bullet, grid), and at least two
   arrows of the document do: a deck of ``→ practice`` slides;
3. it is a markdown heading (not an inferred slide title) that names a place or a structure
   (``place_like``: "Pays de Vitré", "Communauté de communes du Haut-Lignon", "TRIDAN"), whose
   section holds a description, and at least two headings of the same level do.

A start whose section contains another start is a container (a deck title, a running slide title
such as seed 002's "Quels outils pour formaliser des coopérations ?") and is dropped: the deepest
starts win. Each remaining start yields one candidate titled by its heading/arrow text, covering its
blocks up to the end of its section or the next start (trailing non-label headings excluded).
Blocks before the first start (title page, agenda, definitions, "de quoi parlons-nous ?") and
between a section's end and the next start belong to no candidate.

4. Only when nothing starts a practice: under an "Exemple(s)" lead (a heading "Exemples de ...", or
   a paragraph "Exemples :", up to the next non-label heading), each paragraph or bullet naming a
   place or structure is a one-block candidate titled by that name (the first bold run holding a
   name, else the first name) — seed 003's "Exemples de pratiques de dialogue" slides. At least two
   such items are required.

Otherwise the document describes (at most) one practice: exactly ONE candidate covers all its
blocks — not one per heading — titled by ``Document.title``, else the first heading, else the file
stem. An empty document (or one with only decoration) yields none.

``Candidate.grid`` maps each field to the candidate's blocks that carry it, in document order;
``Candidate.blocks`` lists all the candidate's blocks in order; ``title_start``/``title_end`` locate
the title in the text when it comes from it (None for ``Document.title`` not found, file stems).

Known limits
------------
* Slide-title inference is lexical: a short unpunctuated sentence standing alone becomes a heading,
  and a title wrapped over two lines stays a paragraph (seed 001's two-line slide titles, so its six
  practices stay one candidate).
* A non-label inferred heading inside an arrow-introduced practice ends that practice early.
* Rule 3 only uses markdown headings: a raw .txt deck introducing each practice by a plain slide
  title (no arrow, no grid) gives one candidate for the whole deck. Conversely, a one-practice
  markdown document with two sibling headings naming structures ("## Le Pays de X",
  "## La communauté de communes Y") is split in two, and its introduction is dropped.
* Rule 4 titles a candidate by a place, not by the practice ("Chartres Métropole"); a paragraph
  describing two places' practices stays one candidate; the same place under two example slides
  gives two candidates (left to deduplication downstream).
* Items that lost their separators in the source ("... relations ville-campagne La mise en place
  ...") stay one item; ``<p>Pilotage : ...</p>`` inside a grid cell is an item of the row's field,
  not a new label.
* "Is this a practice?" is not judged: a document without structure always yields one candidate,
  even a generic one; downstream extraction decides what it is worth.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from pathlib import PurePath

from .model import GRID_FIELDS, Block, Candidate, Document

__all__ = ["LABEL_VARIANTS", "blocks", "candidates", "label_key", "normalise_label", "place_like"]

# Grid labels as people write them, per field (matched by ``label_key``: accents, case, articles,
# punctuation and final plural -s/-x are ignored, so "Éléments déclencheurs :" = "element declencheur").
LABEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "triggers": ("éléments déclencheurs", "déclencheurs", "contexte", "contexte et déclencheurs"),
    "partners_scale": ("partenaires / échelle", "partenaires", "échelle", "partenaires et échelle"),
    "stakes": ("enjeux",),
    "ambitions": ("ambitions", "objectifs"),
    "object": ("objet", "contenu", "actions"),
    "actors": ("acteurs", "acteurs impliqués", "qui ?"),
    "governance": ("gouvernance", "instances", "pilotage"),
}
assert set(LABEL_VARIANTS) == set(GRID_FIELDS)

_ARTICLES = {"le", "la", "les", "l"}


def label_key(text: str) -> str:
    """A comparison key for a label: no accents, lower case, words of letters/digits only, a leading
    article dropped, one final ``s``/``x`` dropped from each word."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", plain)
    if words and words[0] in _ARTICLES and len(words) > 1:
        words = words[1:]
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words)


_LABEL_KEYS = {label_key(v): f for f, variants in LABEL_VARIANTS.items() for v in variants}


def normalise_label(text: str) -> str | None:
    """The grid field (one of ``GRID_FIELDS``) a label names, or None.

    >>> normalise_label("Eléments déclencheurs"), normalise_label("**Partenaires / échelle** :")
    ('triggers', 'partners_scale')
    """
    if len(text) > 60:
        return None
    return _LABEL_KEYS.get(label_key(text))


# --- names of places and structures (rules 3 and 4) -----------------------------------------------

_UP = "A-ZÀ-ÖØ-Þ"
_PROPER = rf"[{_UP}][\w'’-]*"  # a capitalised word
_STRUCT = (
    r"(?:Pays|Parc|PNR|PETR|SCoT|Scot|SCOT|[Cc]ommunauté|Métropole|Agglomération|Syndicat|Pôle|"
    r"Département|Région|Entente|Ville|[Cc]ommune|Bassin|Intercommunalité|CC|CA|CU)"
)
_KIND = r"(?:\s+(?:de\s+communes|d['’]agglomération|urbaine|métropolitain|naturel\s+régional|mixte))?"
_LINK = r"(?:\s+(?:de\s+la|de\s+l['’]|du|des|de|d['’]|en))?"
_JOIN = r"(?:\s+|-|\s+(?:de|du|des|de\s+la|en|sur)\s+|\s+d['’])"
# "Pays de la Baie du Mont Saint Michel", "communauté d'agglomération du Grand Besançon", "Chartres Métropole"
_NAME = re.compile(
    rf"\b{_STRUCT}{_KIND}{_LINK}\s*{_PROPER}(?:{_JOIN}{_PROPER})*"
    rf"|\b{_PROPER}\s+Métropole\b"
)
_ACRONYM = re.compile(r"\b[A-Z]{3,}\b")


def place_like(text: str) -> bool:
    """Whether a heading names a place or a structure: a structure word followed by a proper name
    ("Pays de Vitré", "Communauté de communes du Haut-Lignon", "Chartres Métropole"), or an acronym
    of three capitals or more after the first word (TRIDAN; not "LEVIER 9 - ...") in a heading that
    is not all capitals."""
    if _NAME.search(text):
        return True
    first = re.match(r"\s*\S+", text)
    return text.upper() != text and bool(_ACRONYM.search(text, first.end() if first else 0))


def _name_span(text: str, offset: int) -> tuple[int, int] | None:
    """The span (shifted by ``offset``) of the place a text is about: the first bold run holding a
    structure name, else the first structure name."""
    for m in re.finditer(r"\*\*(.+?)\*\*", text):
        if _NAME.search(m.group(1)):
            return offset + m.start(1), offset + m.end(1)
    m = _NAME.search(text)
    return (offset + m.start(), offset + m.end()) if m else None


# --- line reading ---------------------------------------------------------------------------------

_TAG = re.compile(r"<[A-Za-z/!][^<>\n]{0,300}>")
_WORDY = re.compile(r"[^\W_]{2}")
_MD_HEADING = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+")
_ARROW = re.compile(r"[ \t]*(?:→|⇒|➔|➜|->|=>)[ \t]*")
_MARKS = "✓✔•▪◦●■➢"
_BULLET = re.compile(
    r"(?:[-–—•✓✔▪◦■➢](?=[\s«\"“(]|[^\W\d_])"  # a dash or a mark, then a space or a letter
    r"|\*(?=\s)"  # "* item" (not "**bold**")
    r"|\d{1,2}[.)](?=\s)"  # "1. item", "1) item"
    r"|\d{1,2}°\s*\)?"  # "1°) item"
    r"|v(?:['’\"]|\s)(?=\s*[^\W\d_«\"“])"  # OCR'd check mark: "v'Objectif", "v Organiser"
    r")[ \t]*"
)
_REPEAT_MARK = re.compile(rf"[-–—{_MARKS}][ \t]*")
_ITEM_SEP = re.compile(rf"<[A-Za-z/!][^<>\n]{{0,300}}>|[{_MARKS}]|\t")
_CELL_SEP = re.compile(rf"{_ITEM_SEP.pattern}| ; ")  # readers turn line breaks inside a cell into " ; "
_INLINE_MARK = re.compile(rf"[{_MARKS}]|<(?:li|p)\b[^<>\n]*>", re.IGNORECASE)


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    """Narrow [s, e) to exclude surrounding whitespace and HTML tags."""
    while s < e:
        if text[s].isspace():
            s += 1
        elif text[s] == "<" and (m := _TAG.match(text, s, e)):
            s = m.end()
        else:
            break
    while e > s:
        if text[e - 1].isspace():
            e -= 1
        elif text[e - 1] == ">" and (lt := text.rfind("<", s, e)) >= 0 and _TAG.fullmatch(text, lt, e):
            e = lt
        else:
            break
    return s, e


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Narrow [s, e) to exclude surrounding whitespace, HTML tags and emphasis marks.

    An emphasis mark (``**``, ``__``, ``*``) at an edge is dropped when it wraps the whole span
    (``**X**`` with no other ``**`` in X) or when it is unbalanced (an odd number of that mark in
    the span: ``**Enjeux`` cut from ``**Enjeux :**``). Otherwise it stays, so that the emphasis
    inside the span remains balanced (``**LEVIER 1** - Soigner les **équilibres**``)."""
    s, e = _strip(text, s, e)
    changed = True
    while changed and s < e:
        changed = False
        for mark in ("**", "__", "*"):
            n = len(mark)
            if mark == "*" and text.find("**", s, e) >= 0:
                continue
            lead = text.startswith(mark, s)
            tail = e - n >= s and text.startswith(mark, e - n)
            if lead and tail and e - s >= 2 * n and text.find(mark, s + n, e - n) < 0:
                s, e = s + n, e - n
            elif (lead or tail) and text.count(mark, s, e) % 2 == 1:
                s, e = (s + n, e) if lead else (s, e - n)
            else:
                continue
            s, e = _strip(text, s, e)
            changed = True
            break
    return s, e


def _items(text: str, s: int, e: int, sep: re.Pattern = _ITEM_SEP) -> list[tuple[int, int]]:
    """Split [s, e) at tags, TABs and item marks (``sep``); the trimmed, wordy pieces."""
    spans, cut = [], s
    for m in sep.finditer(text, s, e):
        spans.append((cut, m.start()))
        cut = m.end()
    spans.append((cut, e))
    out = []
    for a, b in spans:
        a, b = _trim(text, a, b)
        if a < b and _WORDY.search(text, a, b):
            out.append((a, b))
    return out


@dataclass
class _Raw:
    """A block under construction (mutable; frozen into a Block at the end)."""

    kind: str
    start: int
    end: int
    line: int  # index of the line it starts on
    level: int = 0
    label: str | None = None
    field: str | None = None
    single: bool = False  # a one-line paragraph (slide-title candidate)
    open: bool = False  # a bullet/arrow/label row that plain lines directly below continue


@dataclass
class _Line:
    kind: str  # blank | plain | row | items
    start: int
    end: int
    raws: list[_Raw] = dc_field(default_factory=list)


def _label_row(text: str, s: int, e: int, idx: int, level: int) -> list[_Raw] | None:
    """``Label : content`` (or ``Label :``) on [s, e), when the label is a grid label."""
    colon = text.find(":", s, min(e, s + 60))
    if colon < 0 or text.startswith("//", colon + 1):
        return None
    ls, le = _trim(text, s, colon)
    fld = normalise_label(text[ls:le]) if ls < le else None
    if fld is None:
        return None
    label = text[ls:le]
    items = _items(text, colon + 1, e)
    if not items:
        return [_Raw("heading", ls, le, idx, 0)]
    return [_Raw("grid", a, b, idx, level, label, fld, open=True) for a, b in items]


def _read_line(text: str, s: int, e: int, idx: int) -> _Line:
    a, b = _trim(text, s, e)
    if not _WORDY.search(text, a, b):
        return _Line("blank", s, e)  # empty, decoration ("x o + o"), or markup only ("<br>")
    # markdown heading
    if m := _MD_HEADING.match(text, s, e):
        hs, he = m.end(), e
        if hm := re.search(r"[ \t]+#+[ \t]*$", text[hs:he]):
            he = hs + hm.start()
        hs, he = _trim(text, hs, he)
        return _Line("items", s, e, [_Raw("heading", hs, he, idx, len(m.group(1)))])
    # TAB grid row
    tab = text.find("\t", s, e)
    if tab >= 0:
        ls, le = _trim(text, s, tab)
        fld = normalise_label(text[ls:le]) if ls < le else None
        if fld is not None:
            items = _items(text, tab + 1, e, _CELL_SEP)
            if not items:
                return _Line("items", s, e, [_Raw("heading", ls, le, idx, 0)])
            label = text[ls:le]
            return _Line("items", s, e, [_Raw("grid", a, b, idx, 0, label, fld) for a, b in items])
    # arrow
    if m := _ARROW.match(text, s, e):
        a, b = _trim(text, m.end(), e)
        if a < b:
            return _Line("items", s, e, [_Raw("arrow", a, b, idx, open=True)])
    # bullet (possibly behind a leading tag such as <ul ...>)
    cs, _ = _strip(text, s, e)  # not _trim: "* item" is a bullet
    indent = len(text[s:e]) - len(text[s:e].lstrip(" \t"))
    marked = False
    if m := _BULLET.match(text, cs, e):
        marked, cs = True, m.end()
        while m := _REPEAT_MARK.match(text, cs, e):
            cs = m.end()
    if labelled := _label_row(text, cs, e, idx, indent // 2):
        return _Line("items", s, e, labelled)
    if tab >= 0 and not marked:
        a, b = _trim(text, s, e)
        return _Line("row", s, e, [_Raw("paragraph", a, b, idx)])
    if marked or len(_INLINE_MARK.findall(text, cs, e)) >= 2:
        items = _items(text, cs, e)
        return _Line("items", s, e, [_Raw("bullet", a, b, idx, indent // 2, open=True) for a, b in items])
    return _Line("plain", s, e)


_TITLE_END = re.compile(r"[.,;:!…]$")


def _title_like(text: str) -> bool:
    first = next((c for c in text if c.isalnum() or c in "«\"“"), "a")  # skip "// " decorations
    return (
        len(text) <= 150
        and len(text.split()) <= 20
        and (first.isupper() or first.isdigit() or first in "«\"“")
        and not _TITLE_END.search(text)
    )


def _rank(b) -> int:
    """Heading level for section arithmetic: inferred (level 0) headings are the deepest."""
    return b.level if b.level > 0 else 7


def _split(document: Document) -> list[Block]:
    text = document.text
    lines = [_read_line(text, s, e, i) for i, (s, e) in enumerate(_lines(text))]
    raws: list[_Raw] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind == "plain":
            prev = raws[-1] if raws else None
            if prev is not None and prev.open and prev.line == i - 1:
                prev.start, prev.end = _trim(text, prev.start, line.end)  # continuation of a bullet/arrow
                prev.line = i
                i += 1
                continue
            j = i
            while j + 1 < len(lines) and lines[j + 1].kind == "plain":
                j += 1
            a, b = _trim(text, line.start, lines[j].end)
            if _WORDY.search(text, a, b):
                raws.append(_Raw("paragraph", a, b, i, single=(i == j)))
            i = j + 1
            continue
        raws.extend(r for r in line.raws if _WORDY.search(text, r.start, r.end))
        i += 1
    # slide titles
    for k, raw in enumerate(raws):
        if raw.kind == "paragraph" and raw.single and k + 1 < len(raws) and _title_like(text[raw.start:raw.end]):
            raw.kind, raw.level = "heading", 0
    # field scopes of label headings and label rows
    scope: tuple[str, str, int, bool] | None = None  # (label, field, rank, across blank lines)
    prev: _Raw | None = None
    for raw in raws:
        if raw.kind == "heading":
            fld = normalise_label(text[raw.start:raw.end])
            if fld is not None:
                scope = (text[raw.start:raw.end], fld, _rank(raw), True)
            elif scope is not None and _rank(raw) <= scope[2]:
                scope = None
        elif raw.kind == "arrow":
            scope = None
        elif raw.kind == "grid":
            scope = (raw.label, raw.field, 99, False)
        elif scope is not None:
            adjacent = prev is not None and text.count("\n", prev.end, raw.start) <= 1
            if scope[3] or (raw.kind == "bullet" and adjacent):
                raw.label, raw.field = scope[0], scope[1]
            else:
                scope = None
        prev = raw
    return [Block(r.kind, text[r.start:r.end], r.start, r.end, r.level, r.label, r.field) for r in raws]


def blocks(document: Document) -> list[Block]:
    """The document's blocks in text order (see the module docstring for the rules)."""
    return _split(document)


# --- candidates -----------------------------------------------------------------------------------


def _is_label_heading(b: Block) -> bool:
    return b.kind == "heading" and normalise_label(b.text) is not None


def _section_end(bs: list[Block], i: int) -> int:
    """Index (exclusive) of the end of the section that block i introduces (see the module docstring;
    a paragraph's section runs to the next non-label heading)."""
    head = bs[i]
    for j in range(i + 1, len(bs)):
        b = bs[j]
        if b.kind == "heading" and not _is_label_heading(b):
            if head.kind != "heading" or _rank(b) <= _rank(head):
                return j
        elif b.kind == "arrow" and head.kind == "arrow":
            return j
    return len(bs)


def _starts(bs: list[Block]) -> list[int]:
    ends: dict[int, int] = {}
    gridded, described = set(), set()
    for i, b in enumerate(bs):
        if b.kind == "arrow" or (b.kind == "heading" and not _is_label_heading(b)):
            ends[i] = end = _section_end(bs, i)
            inner = bs[i + 1:end]
            fields = {x.field for x in inner if x.field is not None}
            fields.update(normalise_label(x.text) for x in inner if _is_label_heading(x))
            if len(fields) >= 2:
                gridded.add(i)
            if any(x.kind in ("paragraph", "bullet", "grid") for x in inner):
                described.add(i)
    starts = set(gridded)
    arrows = [i for i in described if bs[i].kind == "arrow"]
    if len(arrows) >= 2:
        starts.update(arrows)
    by_level: dict[int, list[int]] = {}
    for i in described:
        b = bs[i]
        if b.kind == "heading" and b.level > 0 and place_like(b.text):
            by_level.setdefault(b.level, []).append(i)
    for group in by_level.values():
        if len(group) >= 2:
            starts.update(group)
    # the deepest starts win: drop containers (a start whose section holds the next start)
    ordered = sorted(starts)
    return [i for n, i in enumerate(ordered) if n + 1 == len(ordered) or ordered[n + 1] >= ends[i]]


_EXAMPLES = re.compile(r"exemples?\b", re.IGNORECASE)


def _examples(document: Document, bs: list[Block]) -> list[tuple[int, tuple[int, int]]]:
    """Rule 4: (block index, name span) of the items that name a place under an "Exemples" lead."""
    out, scope_end = [], -1
    for i, b in enumerate(bs):
        if b.kind in ("heading", "paragraph") and _EXAMPLES.match(b.text):
            scope_end = _section_end(bs, i)
        elif i < scope_end and b.kind in ("paragraph", "bullet"):
            if span := _name_span(b.text, b.start):
                out.append((i, span))
    return out


def _make(bs: list[Block], title: str, span: tuple[int, int] | None) -> Candidate:
    grid: dict[str, list[Block]] = {}
    for b in bs:
        if b.field is not None:
            grid.setdefault(b.field, []).append(b)
    return Candidate(
        title=title,
        start=bs[0].start,
        end=max(b.end for b in bs),
        title_start=span[0] if span else None,
        title_end=span[1] if span else None,
        blocks=list(bs),
        grid=grid,
    )


def _fallback_title(document: Document, bs: list[Block]) -> tuple[str, tuple[int, int] | None]:
    headings = [b for b in bs if b.kind == "heading"]
    if document.title and document.title.strip():
        wanted = document.title.strip()
        for b in bs:
            if b.text.casefold() == wanted.casefold():
                return b.text, (b.start, b.end)
        return wanted, None
    if headings:
        return headings[0].text, (headings[0].start, headings[0].end)
    stem = PurePath(document.name).stem if document.name else ""
    return stem or "document", None


def candidates(document: Document, blocks: list[Block] | None = None) -> list[Candidate]:
    """The case candidates of a document, in text order (rules in the module docstring).

    ``blocks`` are the document's blocks when already computed (``blocks(document)``)."""
    bs = _split(document) if blocks is None else list(blocks)
    if not bs:
        return []
    starts = _starts(bs)
    if not starts:
        examples = _examples(document, bs)
        if len(examples) >= 2:
            return [_make([bs[i]], document.text[a:b], (a, b)) for i, (a, b) in examples]
        title, span = _fallback_title(document, bs)
        return [_make(bs, title, span)]
    out = []
    for n, i in enumerate(starts):
        end = _section_end(bs, i)
        if n + 1 < len(starts):
            end = min(end, starts[n + 1])
        members = bs[i:end]
        while len(members) > 1 and members[-1].kind == "heading" and not _is_label_heading(members[-1]):
            members.pop()
        out.append(_make(members, bs[i].text, (bs[i].start, bs[i].end)))
    return out

