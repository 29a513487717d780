"""Blocks: a read document's text (its forms: :mod:`.segment`) -> structural blocks, in text order
(``blocks``).

The text is read line by line. Lines without any run of two letters/digits (slide decorations such
as ``x o + o`` or ``×  ○  +``) are ignored, and so are slide breaks and slide or page numbers alone
(``--- Diapositive 3 ---``, ``Slide 12``, ``7``, ``3/12``). A markdown blockquote mark (``> ``) is
left out of its line. A line is, in this order of precedence:

* ``heading``: a numbered section title (``3.2 Balagne : une convention …``, ``1.4.2. Les
  suites``: a number of two levels or more, then a title-like text; ``level`` = number of levels),
  or a markdown ``#``..``######`` line (``level`` = number of ``#``);
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
  ellipsis, and some block follows it. The first line of a paragraph is a title too (a heading of
  level 0) when it is written right above its text (no blank line between: "La charte forestière
  du Centre Bretagne" then "Le Pays Centre Bretagne porte …"): title-like as above, not ending
  with a word that needs a sequel (de, la, et, ses…), shorter than 0.6 × the longest line below,
  the line below starting with a capital and the last one ending a sentence (``. ! ? … ) »``) —
  not the first line of a wrapped paragraph.

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

Known limits
------------
* Slide-title inference is lexical: a short unpunctuated sentence standing alone becomes a heading,
  and a title wrapped over two lines stays a paragraph (rule 5 reads such paragraphs only when
  they share a running prefix).
* Items that lost their separators in the source ("... relations ville-campagne La mise en place
  ...") stay one item; ``<p>Pilotage : ...</p>`` inside a grid cell is an item of the row's field,
  not a new label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field

from .labels import normalise_label
from .model import Block, Document
from .persons import speaker_turn

__all__ = ["WORDY", "blocks", "heading_rank", "is_label_heading", "numbered", "split", "title_like", "trim"]

_TAG = re.compile(r"<[A-Za-z/!][^<>\n]{0,300}>")
WORDY = re.compile(r"[^\W_]{2}")
_MD_HEADING = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+")
_ARROW = re.compile(r"[ \t]*(?:→|⇒|➔|➜|->|=>)[ \t]*")
_MARKS = "✓✔•▪◦●■➢"
_QUOTE = re.compile(r"[ ]{0,3}>[ \t]?(?=\S)")
# a slide break or a slide number alone: « --- Diapositive 3 --- », « Slide 12 », « 7 »
_SLIDE_BREAK = re.compile(r"[-–—=_*#\s]*(?:(?i:diapositive|diapo|slide|page)\s*(?:n°\s*)?)?\d{1,3}(?:\s*/\s*\d{1,3})?"
                          r"[-–—=_*#\s]*")
_NUMBERED_HEADING = re.compile(r"(\d{1,2}(?:\.\d{1,2})+)\.?[ \t]+(?:[–—-][ \t]+)?(?=[^\W\d_])")  # "3.2 ", "1.4.2. ", "2.1 – "
# an enumerated item's title, alone on its line: « Lauréat n° 2 – Entente Breuchin-Luxeuil pour … », « Projet
# n° 3 : … » (a jury's report, a call's laureates in a PDF without blank lines), « Volet B – Transport solidaire … »
# (an action sheet's parts)
_ENUMERATED_HEADING = re.compile(r"(?:(?:Lauréat|Projet|Dossier|Opération|Fiche|Exemple|Expérience|Initiative)s?[ \t]+"
                                 r"n[°o][ \t]*\d{1,3}|Volet[ \t]+(?:\d{1,2}|[A-H]))[ \t]*[–—:-][ \t]+(?=[^\W\d_])")
# a rule line: « ====== », « ------ », « ****** » (a banner around a title, a setext underline)
_RULE = re.compile(r"[ \t]*([=\-_*~#])\1{4,}[ \t]*")
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


def trim(text: str, s: int, e: int) -> tuple[int, int]:
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
        a, b = trim(text, a, b)
        if a < b and WORDY.search(text, a, b):
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
    ls, le = trim(text, s, colon)
    fld = normalise_label(text[ls:le]) if ls < le else None
    if fld is None:
        return None
    label = text[ls:le]
    items = _items(text, colon + 1, e)
    if not items:
        return [_Raw("heading", ls, le, idx, 0)]
    return [_Raw("grid", a, b, idx, level, label, fld, open=True) for a, b in items]


def _read_line(text: str, s: int, e: int, idx: int) -> _Line:
    a, b = trim(text, s, e)
    if not WORDY.search(text, a, b) or _SLIDE_BREAK.fullmatch(text, a, b):
        return _Line("blank", s, e)  # empty, decoration ("x o + o"), markup only ("<br>"), a slide break
    # a markdown blockquote line ("> Fiche mise à jour le …"): a paragraph line without its mark
    if m := _QUOTE.match(text, s, e):
        s = m.end()
        a, b = trim(text, s, e)
    # a numbered section title ("3.2 Balagne : une convention …"), level = depth of its number
    if (m := _NUMBERED_HEADING.match(text, a, b)) and title_like(text[m.end():b]):
        return _Line("items", s, e, [_Raw("heading", m.end(), b, idx, m.group(1).count(".") + 1)])
    if (m := _ENUMERATED_HEADING.match(text, a, b)) and title_like(text[m.end():b]):
        return _Line("items", s, e, [_Raw("heading", a, b, idx, 2)])
    # markdown heading
    if m := _MD_HEADING.match(text, s, e):
        hs, he = m.end(), e
        if hm := re.search(r"[ \t]+#+[ \t]*$", text[hs:he]):
            he = hs + hm.start()
        hs, he = trim(text, hs, he)
        return _Line("items", s, e, [_Raw("heading", hs, he, idx, len(m.group(1)))])
    # TAB grid row
    tab = text.find("\t", s, e)
    if tab >= 0:
        ls, le = trim(text, s, tab)
        fld = normalise_label(text[ls:le]) if ls < le else None
        if fld is not None:
            items = _items(text, tab + 1, e, _CELL_SEP)
            if not items:
                return _Line("items", s, e, [_Raw("heading", ls, le, idx, 0)])
            label = text[ls:le]
            return _Line("items", s, e, [_Raw("grid", a, b, idx, 0, label, fld) for a, b in items])
    # arrow
    if m := _ARROW.match(text, s, e):
        a, b = trim(text, m.end(), e)
        if a < b:
            return _Line("items", s, e, [_Raw("arrow", a, b, idx, open=True)])
    # bullet (possibly behind a leading tag such as <ul ...>)
    cs, _ = _strip(text, s, e)  # not trim: "* item" is a bullet
    indent = len(text[s:e]) - len(text[s:e].lstrip(" \t"))
    marked = False
    if m := _BULLET.match(text, cs, e):
        marked, cs = True, m.end()
        while m := _REPEAT_MARK.match(text, cs, e):
            cs = m.end()
    if labelled := _label_row(text, cs, e, idx, indent // 2):
        return _Line("items", s, e, labelled)
    if tab >= 0 and not marked:
        a, b = trim(text, s, e)
        return _Line("row", s, e, [_Raw("paragraph", a, b, idx)])
    if marked or len(_INLINE_MARK.findall(text, cs, e)) >= 2:
        items = _items(text, cs, e)
        return _Line("items", s, e, [_Raw("bullet", a, b, idx, indent // 2, open=True) for a, b in items])
    return _Line("plain", s, e)


_TITLE_END = re.compile(r"[.,;:!…]$")
def title_like(text: str) -> bool:
    first = next((c for c in text if c.isalnum() or c in "«\"“"), "a")  # skip "// " decorations
    return (
        len(text) <= 150
        and len(text.split()) <= 20
        and (first.isupper() or first.isdigit() or first in "«\"“")
        and not _TITLE_END.search(text)
    )


# Words a wrapped line ends with when its sentence goes on below (never the end of a title).
_OPEN_ENDS = frozenset(
    "a à au aux avec ce ces d de des du dans en et l la le les leur leurs ou par pour qui que sa se ses"
    " son sur un une".split()
)
_SENTENCE_END = re.compile(r"[.!?…)»\"]$")


def _glued_title(text: str, run: list[_Line]) -> bool:
    """Whether the first line of a run of plain lines is a title written right above its paragraph
    (no blank line between: "La charte forestière du Centre Bretagne" then its sentences), not the
    first line of a wrapped paragraph: title-like, not ending with a word that needs a sequel, much
    shorter than the longest line below, which starts with a capital and ends a sentence."""
    first = text[run[0].start:run[0].end].strip()
    below = [text[ln.start:ln.end].strip() for ln in run[1:]]
    last_word = re.split(r"[\s'’]+", first.lower())[-1] if first else ""
    return (
        title_like(first)
        and last_word not in _OPEN_ENDS
        and len(first) < 0.6 * max(len(x) for x in below)
        and below[0][:1].isupper()
        and bool(_SENTENCE_END.search(below[-1]))
    )


def heading_rank(b) -> int:
    """Heading level for section arithmetic: inferred (level 0) headings are the deepest."""
    return b.level if b.level > 0 else 7


_NUMBERED_LINE = re.compile(r"[ \t]*\d{1,2}[.)][ \t]")


def numbered(text: str, b: Block) -> bool:
    """Block ``b`` is a numbered list's item: its line starts with « 3. » or « 3) »."""
    return bool(_NUMBERED_LINE.match(text, text.rfind("\n", 0, b.start) + 1))


def is_label_heading(b: Block) -> bool:
    return b.kind == "heading" and normalise_label(b.text) is not None


def _banner_headings(text: str, spans: list[tuple[int, int]], lines: list[_Line]) -> None:
    """A line between two rule lines (« ====\\n1. INTRODUCTION\\n==== »), or over a rule of « = »
    (a setext title), is a heading of level 1, whatever it looks like otherwise (in place)."""
    rules = [bool(_RULE.fullmatch(text, s, e)) for s, e in spans]
    for i in range(len(lines) - 1):
        if lines[i].kind == "blank" or not rules[i + 1]:
            continue
        banner = i > 0 and rules[i - 1]
        setext = text[spans[i + 1][0]:spans[i + 1][1]].strip()[:1] == "=" and i > 0 and lines[i - 1].kind == "blank"
        if banner or setext:
            a, b = trim(text, *spans[i])
            lines[i] = _Line("items", spans[i][0], spans[i][1], [_Raw("heading", a, b, i, 1)])


_RULED_NUMBER = re.compile(r"[ \t]*(\d{1,2})[.)][ \t]+(?=[A-ZÀ-ÖØ-Þ])")


def _ruled_numbered_titles(text: str, spans: list[tuple[int, int]], lines: list[_Line]) -> None:
    """A numbered line right under a rule line (« ------\n1. TÉMOIGNAGE 1 – entente … ») is a section
    title of level 1, not a list item: the rule breaks the text into sections (in place)."""
    for i in range(1, len(lines)):
        s, e = spans[i]
        if lines[i].kind != "items" or not lines[i].raws or lines[i].raws[0].kind == "heading" \
                or not _RULE.fullmatch(text, *spans[i - 1]):
            continue  # (a banner's title is one already)
        m = _RULED_NUMBER.match(text, s, e)
        if m and title_like(text[m.end():e].strip()):
            a, b = trim(text, m.end(), e)
            lines[i] = _Line("items", s, e, [_Raw("heading", a, b, i, 1)])


_MIN_SECTION_CHARS = 150  # text under a numbered title, before the next one: a section, not a list item
_WRAPPED_TITLE_END = 0.5  # a short lowercase line right below a numbered title ends it, under this share of the width


def _numbered_sections(text: str, spans: list[tuple[int, int]], lines: list[_Line]) -> None:
    """Numbered titles of a text without blank lines (a PDF's « 1. L'agence d'urbanisme : un outil …
    partagé entre deux\ndépartements » over its paragraphs, then « 2. Le Pôle métropolitain … »): single
    numbers 1, 2, 3 … in sequence, each title-like and followed by at least ``_MIN_SECTION_CHARS`` characters
    of text before the next, are section titles of level 1, not list items; a short lowercase line
    right below one ends its title (in place)."""
    runs: list[list[tuple[int, int, int]]] = []  # numbered lines, in runs 1, 2, 3 … (a table of contents,
    for i, line in enumerate(lines):              # the sections, a list of recommendations)
        bullet = line.kind == "items" and line.raws and line.raws[0].kind == "bullet"
        m = _RULED_NUMBER.match(text, *spans[i]) if bullet else None
        if m is None:
            continue
        n = int(m.group(1))
        if n == 1:
            runs.append([])
        if runs and (not runs[-1] and n == 1 or runs[-1] and n == runs[-1][-1][1] + 1):
            runs[-1].append((i, n, m.end()))
    for found in runs:
        _number_run(text, spans, lines, found)


def _number_run(text: str, spans: list[tuple[int, int]], lines: list[_Line], found: list[tuple[int, int, int]]) -> None:
    """One run of numbered lines 1, 2, 3 …: section titles when each is title-like and has its text below it."""
    ends = [i for i, _, _ in found[1:]] + [len(lines)]
    # the text under each title (under the last one, whatever it is: « 5. Recommandations » over its own list)
    below = [sum(len(text[ln.start:ln.end].strip()) for ln in lines[i + 1:e]
                 if (ln.kind == "plain" if e < len(lines) else ln.kind != "blank"))
             for (i, _, _), e in zip(found, ends)]
    if len(found) < 2 or any(not title_like(text[body:spans[i][1]].strip()) for i, _, body in found) \
            or min(below) < _MIN_SECTION_CHARS:
        return
    for i, _, body in found:
        end = spans[i][1]
        if i + 1 < len(lines) and lines[i + 1].kind == "plain":
            next_line = text[spans[i + 1][0]:spans[i + 1][1]].strip()
            width = max((len(text[a:b].strip()) for a, b in spans[i + 2:i + 7]), default=0)
            if next_line[:1].islower() and len(next_line) < _WRAPPED_TITLE_END * width:
                end = spans[i + 1][1]
                lines[i + 1] = _Line("blank", *spans[i + 1])
        a, b = trim(text, body, end)
        lines[i] = _Line("items", spans[i][0], end, [_Raw("heading", a, b, i, 1)])


def _table_headers(text: str, spans: list[tuple[int, int]], lines: list[_Line]) -> None:
    """A TAB row whose first cell is a grid label (« Membre\tDepuis\tPostes gérés\tRéférent ») over rows of
    as many cells whose first cells are not (« Grand Châtellerault (Agglo)\t01/01/2019\t412 … ») is a
    table's header, not a grid row: one paragraph (in place)."""
    for i in range(len(lines) - 1):
        if lines[i].kind != "items" or not lines[i].raws or lines[i].raws[0].kind != "grid":
            continue
        s, e = spans[i]
        ns, ne = spans[i + 1]
        cells = text.count("\t", s, e)
        if cells < 2 or text.count("\t", ns, ne) != cells:
            continue
        first = text[ns:text.find("\t", ns, ne)].strip()
        if normalise_label(first) is None:
            a, b = trim(text, s, e)
            lines[i] = _Line("row", s, e, [_Raw("paragraph", a, b, i)])


def split(document: Document) -> list[Block]:
    text = document.text
    spans = list(_lines(text))
    lines = [_read_line(text, s, e, i) for i, (s, e) in enumerate(spans)]
    _banner_headings(text, spans, lines)
    _ruled_numbered_titles(text, spans, lines)
    _numbered_sections(text, spans, lines)
    _table_headers(text, spans, lines)
    raws: list[_Raw] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind == "plain":
            prev = raws[-1] if raws else None
            if prev is not None and prev.open and prev.line == i - 1:
                prev.start, prev.end = trim(text, prev.start, line.end)  # continuation of a bullet/arrow
                prev.line = i
                i += 1
                continue
            j = i
            while j + 1 < len(lines) and lines[j + 1].kind == "plain":
                j += 1
            if j > i and _glued_title(text, lines[i:j + 1]):
                a, b = trim(text, line.start, line.end)
                raws.append(_Raw("heading", a, b, i, 0))
                i += 1
                line = lines[i]
            a, b = trim(text, line.start, lines[j].end)
            if WORDY.search(text, a, b):
                raws.append(_Raw("paragraph", a, b, i, single=(i == j)))
            i = j + 1
            continue
        raws.extend(r for r in line.raws if WORDY.search(text, r.start, r.end))
        i += 1
    # slide titles (not the turns of a transcript: « LAURENT PAOLI : Sur quoi, alors ? »)
    for k, raw in enumerate(raws):
        if raw.kind == "paragraph" and raw.single and k + 1 < len(raws) and title_like(text[raw.start:raw.end]) \
                and not speaker_turn(text[raw.start:raw.end]):
            raw.kind, raw.level = "heading", 0
    # field scopes of label headings and label rows
    scope: tuple[str, str, int, bool] | None = None  # (label, field, rank, across blank lines)
    prev: _Raw | None = None
    for raw in raws:
        if raw.kind == "heading":
            fld = normalise_label(text[raw.start:raw.end])
            if fld is not None:
                scope = (text[raw.start:raw.end], fld, heading_rank(raw), True)
            elif scope is not None and heading_rank(raw) <= scope[2]:
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
    return split(document)
