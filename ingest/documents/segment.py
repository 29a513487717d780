"""Segmentation: a read document's text -> structural blocks -> case candidates.

Input is ``Document.text`` as produced by the readers: one markdown-like plain text (``# `` headings,
``- `` list items, table rows as TAB-joined cells, paragraphs separated by blank lines), or a raw .txt
slide export kept as it is (seed style: ``→`` arrows, TAB grids whose cells hold HTML list fragments
``<ul ...> ✓ a ✓ b``, ``**bold**``, OCR'd ``v'`` check marks).

Both functions are pure and deterministic.

Blocks (``blocks``)
-------------------
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

Candidates (``candidates``)
---------------------------
A *section* is the run of blocks that a heading or an arrow introduces: for a heading, up to the
next non-label heading of the same or a higher level (an inferred heading counts as the deepest
level, so any non-label heading ends its section); for an arrow, up to the next arrow or the next
non-label heading. Label headings never end a section: they structure the practice.

A heading or an arrow (rule 5: also a paragraph or a bullet) *starts a practice* when (rule 4, for
examples, comes after: it applies only when no rule here does)

1. its section holds grid items of at least two fields (TAB rows, ``Label :`` lines, blocks under
   label headings) — seed 002: ``→ Entente interterritoriale TRIDAN`` followed by its grid; a
   ``# Title`` followed by ``## Contexte`` / ``## Acteurs`` sections; a slide title followed by
   ``Enjeux : ...`` / ``Objet : ...`` lines. (One stray ``Objectif : ...`` line is not a grid.)
2. it is an arrow whose section holds a description (paragraph, bullet, grid), and at least two
   arrows of the document do: a deck of ``→ practice`` slides;
3. it is a markdown heading (not an inferred slide title) that names a place, a structure
   (``place_like``: "Pays de Vitré", "Communauté de communes du Haut-Lignon", "TRIDAN") or an
   instrument type ("Le contrat de réciprocité entre …", "Une entente pour les mobilités"), whose
   section holds a description, and at least two headings of the same level do. Titles written
   right above their paragraphs count as headings of one more level for this rule (a plain-text
   note: "Le contrat de réciprocité Rennes – Pays de Brocéliande" over its paragraph, then "La
   charte forestière du Centre Bretagne" over its own); other inferred slide titles do not.
   Headings of one level whose *sections* say who does what on their own also count
   (``_practice_sections``: a participants row — « Porteurs : … », « Partenaires : … » — or an
   instrument type and a structure named in the section), when two of those sections differ
   (other instrument words, or no structure in common): a page listing its partnerships, a call's
   laureates, two syndicates. Not under a heading that itself names an instrument (the sections of
   « # Une charte forestière … » are parts of it), not generic headings (« Démarche », « Résultats »,
   « Enseignements … »), and not the heading that is the document's title when two others qualify.
6. it is a slide titled « SUBJECT – facet » (an inferred heading: « BIOVALLÉE – qui ? »,
   « BIOVALLÉE – comment ? », « SCoT RHÔNE-PROVENCE-BARONNIES – le périmètre ») whose subject
   titles two slides or names a practice, in a deck with two such subjects or more, one of them
   seen on two slides before facets (a question, a lowercase phrase, or a word such as qui,
   comment, périmètre, bilan, gouvernance, enjeux). A title without a facet after its dash is a
   subject as a whole (« CONTRAT DE RÉCIPROCITÉ VALENCE – VERCORS »); a subject ending with the
   acronym of another's last words is that subject (« SCoT RPB »). The candidate is titled by the
   subject, so a subject's slides merge (below).
5. it is a *running slide title* whose suffix names a practice. Seed 001's slides are titled
   "Les coopérations comme levier des transitions territoriales : <suffix>", often wrapped over
   two OCR'd lines (so a paragraph, or a ``v'`` bullet, rather than a heading). A heading, a
   paragraph or a top-level bullet whose title (up to the end of its colon's line) is at most
   three lines and 200 characters, and whose text before its first colon (the prefix: 2 to 12
   words, title-like) is shared by at least two such blocks (folded; OCR variants with the same
   first word at ``difflib`` ratio ≥ 0.9), is a running title; a block that is the prefix alone
   (no colon) is one too. The title ends with the line of its colon: lines below it in
   the same block are the slide's text. A running title starts a practice when its suffix names a
   place, a structure or an instrument type (``place_like``, or a word such as contrat,
   convention, pacte, charte, entente, PTCE, PAT, SCIC, coopérative, pôle métropolitain…:
   "Contrat de réciprocités", "les PTCE"; not "conceptualisation", "l'énergie citoyenne") and
   its section — up to the next running title, whatever the inferred headings between — holds a
   description. Its title is the suffix, plus " – " and the block right below when that block
   names the place (its part before " : " when that part is ``place_like``: "Contrat de
   réciprocités – Brest Métropole et le Centre ouest bretagne") or is a slide subtitle (an
   inferred heading: "les PTCE – Initiatives et cités (Lille)"); such a composed title has no
   ``title_start``. A later running title with the same suffix is the same practice (merged, below).

A start whose section contains another start is a container (a deck title, a running slide title
such as seed 002's "Quels outils pour formaliser des coopérations ?") and is dropped: the deepest
starts win. Each remaining start yields one candidate titled by its heading/arrow text (rule 5: as
above), covering its blocks up to the end of its section or the next start (trailing non-label
headings excluded).
Blocks before the first start (title page, agenda, definitions, "de quoi parlons-nous ?") and
between a section's end and the next start belong to no candidate.

4. Only when nothing starts a practice: under an "Exemple(s)" lead (a heading "Exemples de ...", or
   a paragraph "Exemples :", up to the next non-label heading), each paragraph or bullet naming a
   place or structure is a candidate titled by that name (the first bold run holding a name, else
   the first name) — seed 003's "Exemples de pratiques de dialogue" slides. At least two such
   items are required. An item naming two practices is cut in two, each part a candidate with its
   part of the text (a new ``Block`` on a sub-span of the item; see ``_example_parts``): two bold
   names with text between ("… à **Chartres Métropole**, débats … à la **CA du Grand Chalon**":
   cut at the last comma, semicolon, full stop or " et " between them), or a subject "X et Y" of
   two names of the same kind ("Toulouse Métropole et Nantes Métropole se sont structurées …":
   cut at the " et "); not when words say they act together ("entre", "ensemble", "de concert",
   "convention", "coopération"…, and "avec" between two bold names), nor inside one bold run
   ("**Pays du Mans et les autres Pays Sarthois**"). The predicate of such a subject is said of
   both: Y's part runs from Y's name to its end, and X's candidate holds two blocks, its name and
   that predicate ("se sont structurées en pôles de proximité …"), a block lying inside Y's.

Otherwise the document describes (at most) one practice: exactly ONE candidate covers all its
blocks — not one per heading. Its title is ``Document.title`` unless that is a generic label
(agenda, CV, cover, press release, minutes: "Formation", "Déroulé de l'atelier", "Sommaire",
"COMMUNIQUÉ DE PRESSE", unless it names a practice); else the first heading or title-like short
paragraph (≤ 3 lines, whitespace and bold marks collapsed) naming an instrument, else the first
naming a place or a structure (seed 000: "Chargée de projet coopérations territoriales à Bordeaux
Métropole", wrapped over three lines; not the letterhead « DÉPARTEMENT DE L'ORNE » above a
practice's title); else the first heading that is not generic; else the document title, the first
heading, the file stem. An empty document (or one with only decoration) yields none. A lone
grid under a slide title that names no practice (« Qui fait quoi ? ») is no start of its own: it
is a part of the document's one practice.

Arrows start practices (rule 2) only at the start of their line: an indented « → départs non
remplacés » under a slide's bullet is a consequence, not a practice.

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
the candidate's first block, outermost first, its own title heading excluded (``_chains``):
markdown headings nest by level; inferred slide titles and running titles are the deepest level,
each replacing the previous one, except that an "Exemples …" slide title nests under the slide
title before it — seed 003's examples get ("Levier 3 - Inventer de nouveaux espaces de dialogue
…", "Exemples de pratiques de dialogue et d'échange"); label headings and inferred titles with
emphasis inside (sentences that lost their full stop) are left out.

Known limits
------------
* Slide-title inference is lexical: a short unpunctuated sentence standing alone becomes a heading,
  and a title wrapped over two lines stays a paragraph (rule 5 reads such paragraphs only when
  they share a running prefix).
* A non-label inferred heading inside an arrow-introduced practice ends that practice early; so
  does one inside an "Exemples" scope (rule 4).
* Rule 3 only uses markdown headings and titles written right above their paragraphs: a raw .txt
  deck introducing each practice by a plain slide title followed by a blank line (no arrow, no
  grid, no running prefix) gives one candidate for the whole deck. Conversely,
  a one-practice markdown document with two sibling headings naming structures or instruments
  ("## Le Pays de X", "## La communauté de communes Y"; "## Le contrat de réciprocité", "## La
  convention de financement") is split in two, and its introduction is dropped.
* Rule 5 only sees practices named in the suffix: seed 001's "l'énergie citoyenne" slide (two
  practices, Luc-sur-Aude and Cociter), the PAT shown on a "conceptualisation" slide and TZCLD,
  named only in a list, give no candidate.
* Rules 4 and 5 title a candidate by a place or by its slide title, not by the practice
  ("Chartres Métropole").
* Cutting "X et Y …" shares the predicate up to the end of Y's part: a later sentence about Y
  alone ("X et Y ont … . Y a aussi …") is given to X too. Two partners of one practice written as
  two bold names with no word of joint action between them are cut in two.
* A merged candidate's span covers what lies between its parts, other candidates included.
* Items that lost their separators in the source ("... relations ville-campagne La mise en place
  ...") stay one item; ``<p>Pilotage : ...</p>`` inside a grid cell is an item of the row's field,
  not a new label.
* "Is this a practice?" is not judged: a document without structure always yields one candidate,
  even a generic one; downstream extraction decides what it is worth.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from pathlib import PurePath

from .model import GRID_FIELDS, Block, Candidate, Document
from .patterns import _UPPER as _UP, find_institutions

__all__ = ["LABEL_VARIANTS", "blocks", "candidates", "label_key", "normalise_label", "place_like", "structure_names"]

Span = tuple[int, int]  # (start, end) offsets in Document.text

# Grid labels as people write them, per field (matched by ``label_key``: accents, case, articles,
# punctuation and final plural -s/-x are ignored, so "Éléments déclencheurs :" = "element declencheur").
LABEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "triggers": ("éléments déclencheurs", "déclencheurs", "contexte", "contexte et déclencheurs"),
    "partners_scale": ("partenaires / échelle", "partenaires", "échelle", "partenaires et échelle"),
    "stakes": ("enjeux",),
    "ambitions": ("ambitions", "objectifs"),
    "object": ("objet", "contenu", "actions"),
    "actors": ("acteurs", "acteurs impliqués", "qui ?", "présents", "membres présents", "participants",
               "excusés", "membres excusés", "invités", "invité", "invitée", "invitées", "porteurs", "porteur",
               "porteurs du projet", "porteur du projet", "signataires", "membres"),
    "governance": ("gouvernance", "instances", "pilotage"),
}
assert set(LABEL_VARIANTS) == set(GRID_FIELDS)

_ARTICLES = {"le", "la", "les", "l"}


_SECTION_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*[.)]?\s+(?=\D)")  # « 1. Contexte », « 2.1 Objet »


def label_key(text: str) -> str:
    """A comparison key for a label: a leading section number dropped (« 1. Contexte »), no accents,
    lower case, words of letters/digits only, a leading article dropped, one final ``s``/``x`` dropped
    from each word."""
    decomposed = unicodedata.normalize("NFKD", _SECTION_NUMBER.sub("", text, count=1))
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

_PROPER = rf"(?:[{_UP}]|\d+[{_UP}])[\w'’-]*"  # a capitalised word (« 4B » too)
_STRUCT = (
    r"(?:Pays|Parc|PNR|PETR|SCoT|Scot|SCOT|[Cc]ommunauté|Métropole|Agglomération|Syndicat|Pôle|"
    r"Département|Région|Entente|Ville|[Cc]ommune|Bassin|Intercommunalité|CC|CA|CU|"
    r"Plaine|Vallée|Val|Plateau|Massif|Monts|Baie|Côte)"  # territories named by their landform
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


# Institution rules that name no local structure: the State and national bodies (« le rôle de l'État »).
_NOT_LOCAL_RULES = frozenset({"state", "national"})


def structure_names(text: str) -> list[Span]:
    """Spans of the names of places and structures in ``text``, in order: the segmenter's shapes
    (``_NAME``: "Pays de Vitré", "Bassin de Bourg en Bresse", "Chartres Métropole") and the
    institution rules' (:func:`.patterns.find_institutions`: "Lorient Agglomération", "Quimperlé
    Communauté", "CC du Poher"; not adjectives, the State or national bodies); the longest on overlap."""
    spans = [(m.start(), m.end()) for m in _NAME.finditer(text)]
    spans += [(m.start, m.end) for m in find_institutions(text) if not m.weak and m.rule not in _NOT_LOCAL_RULES]
    kept: list[Span] = []
    for sp in sorted(spans, key=lambda x: (x[0] - x[1], x[0])):
        if all(sp[1] <= k[0] or sp[0] >= k[1] for k in kept):
            kept.append(sp)
    return sorted(kept)


def place_like(text: str) -> bool:
    """Whether a heading names a place or a structure (:func:`structure_names`: a structure word and
    a proper name, "Pays de Vitré", "Communauté de communes du Haut-Lignon", "Chartres Métropole",
    "Lorient Agglomération"), or an acronym of three capitals or more after the first word (TRIDAN;
    not "LEVIER 9 - ...") in a heading that is not all capitals."""
    if structure_names(text):
        return True
    first = re.match(r"\s*\S+", text)
    return text.upper() != text and bool(_ACRONYM.search(text, first.end() if first else 0))


def _name_span(text: str, offset: int) -> tuple[int, int] | None:
    """The span (shifted by ``offset``) of the place a text is about: the first bold run holding a
    structure name, else the first structure name."""
    for m in re.finditer(r"\*\*(.+?)\*\*", text):
        if structure_names(m.group(1)):
            return offset + m.start(1), offset + m.end(1)
    names = structure_names(text)
    return (offset + names[0][0], offset + names[0][1]) if names else None


# --- line reading ---------------------------------------------------------------------------------

_TAG = re.compile(r"<[A-Za-z/!][^<>\n]{0,300}>")
_WORDY = re.compile(r"[^\W_]{2}")
_MD_HEADING = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+")
_ARROW = re.compile(r"[ \t]*(?:→|⇒|➔|➜|->|=>)[ \t]*")
_MARKS = "✓✔•▪◦●■➢"
_QUOTE = re.compile(r"[ ]{0,3}>[ \t]?(?=\S)")
# a slide break or a slide number alone: « --- Diapositive 3 --- », « Slide 12 », « 7 »
_SLIDE_BREAK = re.compile(r"[-–—=_*#\s]*(?:(?i:diapositive|diapo|slide|page)\s*(?:n°\s*)?)?\d{1,3}(?:\s*/\s*\d{1,3})?"
                          r"[-–—=_*#\s]*")
_NUMBERED_HEADING = re.compile(r"(\d{1,2}(?:\.\d{1,2})+)\.?[ \t]+(?=[^\W\d_])")  # "3.2 ", "1.4.2. "
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
    if not _WORDY.search(text, a, b) or _SLIDE_BREAK.fullmatch(text, a, b):
        return _Line("blank", s, e)  # empty, decoration ("x o + o"), markup only ("<br>"), a slide break
    # a markdown blockquote line ("> Fiche mise à jour le …"): a paragraph line without its mark
    if m := _QUOTE.match(text, s, e):
        s = m.end()
        a, b = _trim(text, s, e)
    # a numbered section title ("3.2 Balagne : une convention …"), level = depth of its number
    if (m := _NUMBERED_HEADING.match(text, a, b)) and _title_like(text[m.end():b]):
        return _Line("items", s, e, [_Raw("heading", m.end(), b, idx, m.group(1).count(".") + 1)])
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
        _title_like(first)
        and last_word not in _OPEN_ENDS
        and len(first) < 0.6 * max(len(x) for x in below)
        and below[0][:1].isupper()
        and bool(_SENTENCE_END.search(below[-1]))
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
            if j > i and _glued_title(text, lines[i:j + 1]):
                a, b = _trim(text, line.start, line.end)
                raws.append(_Raw("heading", a, b, i, 0))
                i += 1
                line = lines[i]
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


def _collapse(text: str) -> str:
    """Whitespace runs as single spaces; no space inside brackets ("( Lille)" -> "(Lille)")."""
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", " ".join(text.split())))


def _fold(text: str) -> str:
    """Lower case, no accents, words of letters/digits joined by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


# Instruments and structures named by their type ("Contrat de réciprocités", "les PTCE"), on folded text.
_INSTRUMENT = re.compile(
    r"\b(?:contrats?|conventions?|pactes?|chartes?|ententes?|protocoles?|syndicats? mixtes?"
    r"|groupements? d (?:interet|action)|gip|petr|ptce|scic|cooperatives?"
    r"|poles? (?:metropolitains?|territoria\w*|d equilibre\w*)|projets? alimentaires? (?:inter)?territoria\w*|pat"
    r"|tzcld|territoires? zero chomeurs?|conseils? de developpement|plans? de cooperation"
    r"|services? communs?)\b"
)


def _names_practice(text: str) -> bool:
    """Whether a title names a practice: a place or a structure (``place_like``) or an instrument
    type ("Contrat de réciprocités", "les PTCE", "Projet alimentaire territorial")."""
    return place_like(text) or bool(_INSTRUMENT.search(_fold(text)))


# First words of agenda, CV and cover-page labels: "Formation", "Déroulé de l'atelier", "Sommaire".
_GENERIC_HEADS = {
    "formation", "parcours", "experience", "competence", "specificite", "cv", "mon", "ma", "me", "qui",
    "sommaire", "ordre", "deroule", "deroulement", "programme", "plan", "agenda", "introduction",
    "presentation", "contact", "remerciement", "merci", "bienvenue", "conclusion", "question", "annexe",
    "document", "diaporama", "support", "communique", "compte", "releve", "extrait", "lettre", "actualite",
    "bilan", "seance", "enseignement", "lecon", "perspective", "chiffre", "source", "synthese", "glossaire",
    "demarche", "resultat", "historique", "fonctionnement", "organisation", "moyen", "calendrier", "financement",
    "budget", "evaluation", "suite", "point", "methode",
}


def _generic(title: str) -> bool:
    """An agenda, CV or cover label that says nothing of the practice (not when it names one)."""
    words = label_key(title).split()
    if not words:
        return True
    return words[0] in _GENERIC_HEADS and len(words) <= 6 and not _names_practice(title)


def _section_end(bs: list[Block], i: int) -> int:
    """Index (exclusive) of the end of the section that block i introduces (see the module docstring;
    a paragraph's section runs to the next non-label heading)."""
    head = bs[i]
    for j in range(i + 1, len(bs)):
        b = bs[j]
        if b.kind == "heading" and not _is_label_heading(b):
            if head.kind != "heading" or _rank(b) <= _rank(head):
                return j
        elif b.kind == "heading" and head.kind == "heading" and _rank(b) < _rank(head):
            return j  # "## Contexte" ends the section of an inferred title above it
        elif b.kind == "arrow" and head.kind == "arrow":
            return j
    return len(bs)


# --- running slide titles (rule 5) ----------------------------------------------------------------

_RUN_MAX_CHARS = 200
_RUN_MAX_LINES = 3
_RUN_SIMILAR = 0.9  # difflib ratio of folded prefixes: OCR variants ("coopeérations") are the same prefix


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > (1 - _RUN_SIMILAR) * max(len(a), len(b)) + 1:
        return False
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= _RUN_SIMILAR and m.quick_ratio() >= _RUN_SIMILAR and m.ratio() >= _RUN_SIMILAR


def _running(text: str, bs: list[Block]) -> dict[int, tuple[int, int] | None]:
    """Blocks that are running slide titles ``Prefix : suffix`` (rule 5): block index -> the span of
    the suffix, or None for the prefix alone (a slide titled by the bare running prefix)."""
    prefixed: list[tuple[int, str, tuple[int, int]]] = []
    bare: list[tuple[int, str]] = []
    for i, b in enumerate(bs):
        if b.kind not in ("heading", "paragraph", "bullet") or (b.kind == "bullet" and b.level > 0) \
                or _is_label_heading(b):
            continue
        colon = b.text.find(":")
        # the title ends with the line of its colon: lines below it in the block are the slide's text
        line_end = b.text.find("\n", colon) if colon >= 0 else -1
        title = b.text if line_end < 0 else b.text[:line_end]
        if b.field is not None or title.count("\n") >= _RUN_MAX_LINES or len(_collapse(title)) > _RUN_MAX_CHARS:
            continue
        if colon < 0:
            bare.append((i, _fold(b.text)))
            continue
        prefix = _collapse(b.text[:colon])
        key = _fold(prefix)
        if not 2 <= len(key.split()) <= 12 or not _title_like(prefix):
            continue
        s, e = _trim(text, b.start + colon + 1, b.start + len(title))
        prefixed.append((i, key, (s, e)))
    # group the prefixes: the same folded key, or a similar one with the same first word
    groups: dict[str, list[tuple[int, str, tuple[int, int]]]] = {}
    buckets: dict[str, list[str]] = {}  # first word -> group keys
    alias: dict[str, str] = {}  # a folded prefix -> its group key
    for item in prefixed:
        key = item[1]
        if key not in alias:
            bucket = buckets.setdefault(key.split()[0], [])
            alias[key] = next((k for k in bucket if _similar(key, k)), key)
            if alias[key] == key:
                bucket.append(key)
        groups.setdefault(alias[key], []).append(item)
    out: dict[int, tuple[int, int] | None] = {}
    for key, members in groups.items():
        if len(members) < 2:
            continue
        for i, _, (s, e) in members:
            out[i] = (s, e) if s < e and _WORDY.search(text, s, e) else None
        for i, k in bare:
            if k.split()[:1] == key.split()[:1] and _similar(k, key):
                out[i] = None
    return out


def _running_title(text: str, bs: list[Block], i: int, end: int, suffix: tuple[int, int]
                   ) -> tuple[str, tuple[int, int] | None]:
    """The title of a practice introduced by a running slide title: the suffix, plus the line right
    below when it names the practice's place or structure (its part before " : " when that part
    does, else a slide subtitle: an inferred heading)."""
    s, e = suffix
    title = _collapse(text[s:e])
    name = None
    if i + 1 < end:
        b = bs[i + 1]
        line = _collapse(b.text)
        if b.kind in ("heading", "paragraph") and not _is_label_heading(b) and b.text.count("\n") <= 1 \
                and len(line) <= 150:
            head = line.split(":", 1)[0].strip() if ":" in line else None
            if head and place_like(head):
                name = head
            elif b.kind == "heading" or (place_like(line) and _title_like(line)):
                name = line
    if name:
        return f"{title} – {name}", None
    return title, ((s, e) if title == text[s:e] else None)


def _starts(text: str, bs: list[Block], running: dict[int, tuple[int, int] | None],
            title_block: int | None = None) -> list[tuple[int, int]]:
    """(block index, section end) of the blocks that start a practice (rules 1, 2, 3 and 5).
    ``title_block``: the heading that is the document's title, left out of rule 3's siblings when
    two others qualify without it (« # Les coopérations entre le Parc … et les intercommunalités »
    above « # 2. La Conférence … » and « # 3. La convention … »)."""
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
    # arrows introducing practices start their line (an indented "→ départs non remplacés" under a
    # slide's bullet is a consequence, not a practice)
    arrows = [i for i in described if bs[i].kind == "arrow"
              and not text[text.rfind("\n", 0, bs[i].start) + 1].isspace()]
    if len(arrows) >= 2:
        starts.update(arrows)
    by_level: dict[int, list[int]] = {}
    for i in described:
        b = bs[i]
        if b.kind == "heading" and b.level > 0 and _names_practice(b.text):
            by_level.setdefault(b.level, []).append(i)
    glued = [i for i in described if _glued_heading(text, bs, i) and _names_practice(bs[i].text)]
    by_level[0] = glued
    # sibling headings whose sections each describe a practice of their own (rule 3, second part)
    for level, group in _practice_sections(text, bs, described, ends, title_block).items():
        by_level[level] = sorted(set(by_level.get(level, [])) | set(group))
    for group in by_level.values():
        if title_block in group and len(group) >= 3:
            group = [i for i in group if i != title_block]
        if len(group) >= 2:
            starts.update(group)
    # rule 6: slides titled « SUBJECT – facet », two subjects or more
    for i in _subject_slides(text, bs):
        if i in described:
            starts.add(i)
    # rule 5: running slide titles whose suffix names a practice; a section runs to the next
    # running title (a markdown heading's section also ends as usual)
    order = sorted(running)
    for n, i in enumerate(order):
        suffix = running[i]
        if suffix is None or not _names_practice(text[suffix[0]:suffix[1]]):
            continue
        end = order[n + 1] if n + 1 < len(order) else len(bs)
        if bs[i].kind == "heading" and bs[i].level > 0:
            end = min(end, ends.get(i, end))
        if any(x.kind in ("paragraph", "bullet", "grid") for x in bs[i + 1:end]):
            starts.add(i)
            ends[i] = end
    # the deepest starts win: drop containers (a start whose section holds another start), except
    # a heading holding one start only, a heading with a grid that names no practice ("Fonctionnement",
    # "Grille de lecture" under "# Entente interterritoriale TRIDAN"): that one is a part of it
    ordered = sorted(starts)
    inner = {i: [j for j in ordered if i < j < ends[i]] for i in ordered}
    parts = {inner[i][0] for i in ordered
             if bs[i].kind == "heading" and len(inner[i]) == 1 and _generic_grid_heading(bs, inner[i][0], gridded)}
    return [(i, ends[i]) for i in ordered if i not in parts and all(j in parts for j in inner[i])]


_PARTICIPANT_FIELDS = frozenset({"actors", "partners_scale"})


def _practice_sections(text: str, bs: list[Block], described: set[int], ends: dict[int, int],
                       title_block: int | None) -> dict[int, list[int]]:
    """Markdown or numbered headings (level > 0) whose section says who does what on its own: it has a
    participants row (« Porteurs : … », « Partenaires : … »), or it names an instrument type and a
    structure (« … sont liées par une convention de coopération … », « … le syndicat mixte … la
    Communauté d'agglomération du Sud »). Per level, when at least two headings do and two of those
    sections differ (other instrument words, or no structure in common): a page listing
    partnerships, calls' laureates or syndicates, not one practice's « Organisation » and « Moyens »."""
    possible: dict[int, list[tuple[int, str, frozenset[str], bool]]] = {}
    for i in sorted(described):
        b = bs[i]
        if b.kind != "heading" or b.level <= 0 or _is_label_heading(b) or _generic(b.text) or i == title_block:
            continue  # « Contexte », « Enseignements pour les autres territoires », the document's title
        parent = next((bs[j] for j in range(i - 1, -1, -1) if bs[j].kind == "heading" and 0 < bs[j].level < b.level),
                      None)
        if parent is not None and _INSTRUMENT.search(_fold(parent.text)):
            continue  # the sections of « # Une charte forestière … »: parts of that practice
        inner = bs[i + 1:ends[i]]
        section = text[b.end:inner[-1].end] if inner else ""
        instruments = frozenset(m.group() for m in _INSTRUMENT.finditer(_fold(section)))
        row = any(x.field in _PARTICIPANT_FIELDS for x in inner)
        if row or instruments:
            possible.setdefault(b.level, []).append((i, section, instruments, row))
    # the names (the costly part) only where two sections of a level may qualify
    by_level: dict[int, list[tuple[int, frozenset[str], frozenset[str], bool]]] = {}
    for level, sections in possible.items():
        if len(sections) < 2:
            continue
        for i, section, instruments, row in sections:
            names = frozenset(_fold(section[s:e]) for s, e in structure_names(section))
            if row or names:
                by_level.setdefault(level, []).append((i, names, instruments, row))
    out: dict[int, list[int]] = {}
    for level, members in by_level.items():
        if len(members) < 2:
            continue
        rows = sum(1 for *_, row in members if row)
        differ = any((a[2] and b[2] and not a[2] & b[2]) or (a[1] and b[1] and not a[1] & b[1])
                     for n, a in enumerate(members) for b in members[n + 1:])
        if rows >= 2 or differ:
            out[level] = [i for i, *_ in members]
    return out


# Facets of a practice a slide title names after its subject: « BIOVALLÉE – qui ? », « SCoT X – le périmètre ».
_FACETS = frozenset("""
qui quoi comment pourquoi ou quand combien perimetre bilan resultat resultats gouvernance enjeu enjeux acteur acteurs
objectif objectifs financement calendrier suite suites perspective perspectives contexte methode fonctionnement
historique demarche organisation moyens chiffres territoire partenaires actions action
""".split())
_SUBJECT_SEP = re.compile(r"\s+[–—-]\s+")


def _facet(text: str) -> bool:
    words = label_key(text).split()
    return bool(words) and len(words) <= 5 and ("?" in text or text[:1].islower() or words[0] in _FACETS
                                                or (words[0] in ("ce", "le", "la", "les", "l") and len(words) > 1))


def _initials_of(words: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s'’-]+", words) if w and w[0].isalpha()).upper()


def _subject_slides(text: str, bs: list[Block]) -> dict[int, str]:
    """Slide titles « SUBJECT – facet » (rule 6): block index -> its subject, for the inferred
    headings whose subject names a practice or titles two slides, when the deck has two subjects or
    more (« BIOVALLÉE – qui ? », « BIOVALLÉE – comment ? », « SCoT RHÔNE-PROVENCE-BARONNIES – le
    périmètre », « SCoT RPB – ce qui a marché » (an acronym of the subject is the subject),
    « CONTRAT DE RÉCIPROCITÉ VALENCE – VERCORS » (no facet: the whole title))."""
    titled: list[tuple[int, str]] = []
    faceted: set[str] = set()  # subjects written before a facet
    for i, b in enumerate(bs):
        if b.kind != "heading" or b.level != 0 or _is_label_heading(b) or "\n" in b.text:
            continue
        parts = _SUBJECT_SEP.split(b.text.strip())
        if len(parts) < 2:
            continue  # « Pourquoi une entente ? », « Et aussi… »: no subject named apart
        subject = b.text.strip()
        if _facet(parts[-1]):
            subject = subject[:subject.rfind(parts[-1])].rstrip(" –—-")
            faceted.add(_fold(subject))
        if subject and "?" not in subject and ":" not in subject:
            titled.append((i, subject))
    keys: dict[str, str] = {}  # folded subject -> the subject first written
    for _, subject in titled:
        key = _fold(subject)
        if key in keys:
            continue
        words = subject.split()
        alias = next((k for k, first in keys.items() if len(words) >= 2 and words[:-1] == first.split()[:len(words) - 1]
                      and _initials_of(" ".join(first.split()[len(words) - 1:])) == words[-1]), None)
        keys[key] = keys[alias] if alias else subject
    counts: dict[str, int] = {}
    for _, subject in titled:
        counts[keys[_fold(subject)]] = counts.get(keys[_fold(subject)], 0) + 1
    faceted = {keys[k] for k in faceted if k in keys}
    # a subject written before facets on two slides or more, or one naming a practice
    qualified = {k for k in counts if (k in faceted and counts[k] >= 2) or _names_practice(k)}
    if len(qualified) < 2 or not any(k in faceted and counts[k] >= 2 for k in qualified):
        return {}  # not a deck of practices seen facet by facet (seed 003's « Levier 7 - … »)
    return {i: keys[_fold(subject)] for i, subject in titled if keys[_fold(subject)] in qualified}


def _glued_heading(text: str, bs: list[Block], i: int) -> bool:
    """Block i is an inferred heading written right above a paragraph (one line break between)."""
    b = bs[i]
    return (b.kind == "heading" and b.level == 0 and i + 1 < len(bs) and bs[i + 1].kind == "paragraph"
            and text.count("\n", b.end, bs[i + 1].start) == 1)


def _generic_grid_heading(bs: list[Block], j: int, gridded: set[int]) -> bool:
    """Block j is a heading whose section is a grid but whose text names no practice ("Fonctionnement")."""
    return bs[j].kind == "heading" and j in gridded and not _names_practice(bs[j].text)


# --- examples (rule 4) ----------------------------------------------------------------------------

_EXAMPLES = re.compile(r"exemples?\b", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
# Words saying that two named places act together (one practice, not two): checked between two bold
# names, and in the sentence of a subject "X et Y".
_JOINT = re.compile(
    r"\b(?:entre|ensemble|de concert|conjointement|en commun|communs?|mutualis\w*|partag\w*|coop[ée]r\w*"
    r"|conventions?|contrats?|accords?|partenariats?|r[ée]ciproc\w*)\b",
    re.IGNORECASE,
)
_AVEC = re.compile(r"\bavec\b", re.IGNORECASE)
_BOUNDARY = re.compile(r"\s*[,;]\s*|\.\s+|\s+et\s+")
_AND = re.compile(r"\s+et\s+(?:(?:le|la|les)\s+|l['’])?")


def _kind_of(name: str) -> str:
    """The structure word of a name ("Toulouse Métropole" -> "metropole", "Pays de Figeac" -> "pays")."""
    words = _fold(name).split()
    if re.search(r"\bMétropole\b", name) and not re.match(_STRUCT, name):
        return "metropole"
    return words[0] if words else ""


def _example_parts(text: str, b: Block) -> list[tuple[Span, Span, Span | None]]:
    """The practices an example item names: (part span, name span, shared span) for each, in text
    order.

    The names are the item's bold runs holding a structure name, else its structure names. Two
    consecutive names are two practices, and the item is cut between them,

    * when they are a subject "X et Y" of the same kind ("Toulouse Métropole et Nantes Métropole se
      sont structurées …"; not "le Pays … et la CC …") and the sentence has no word of joint action
      ("entre", "ensemble", "de concert", "convention", "coopération"…): cut at the " et ";
    * for two bold names with other text between ("… à **Chartres Métropole**, débats … à la **CA du
      Grand Chalon**"), when that text has no word of joint action (nor "avec"): cut at its last
      comma, semicolon, full stop or " et ".

    A bold run holding two names ("**Pays du Mans et les autres Pays Sarthois**") is one name.

    A subject "X et Y" shares its predicate: X's part is its name, and its *shared span* is the
    text after Y's name up to the end of Y's part (``_shared_predicates``), which Y's part holds
    too; the other parts share nothing (None)."""
    s0 = b.start
    bold = [(s0 + m.start(1), s0 + m.end(1)) for m in _BOLD.finditer(b.text) if structure_names(m.group(1))]
    plain = not bold
    names = bold or [(s0 + s, s0 + e) for s, e in structure_names(b.text)]
    if not names:
        return []
    cuts: list[tuple[int, int] | None] = []  # (end of part n, start of part n + 1)
    subject: list[bool] = []  # per cut: a subject "X et Y" (the parts share the predicate)
    for (s1, e1), (s2, e2) in zip(names, names[1:]):
        gs, ge = (e1, s2) if plain else (e1 + 2, s2 - 2)  # the gap, outside the ** marks
        cut = None
        joint_subject = gs <= ge and bool(_AND.fullmatch(text, gs, ge))  # "X et Y"
        if joint_subject:
            stop = text.find(". ", e2, b.end)
            sentence = text[b.start:stop if stop >= 0 else b.end]
            if _kind_of(text[s1:e1]) == _kind_of(text[s2:e2]) and not _JOINT.search(sentence):
                cut = (gs, gs + re.match(r"\s+et\s+", text[gs:ge]).end())
        elif not plain and gs <= ge:
            between = text[gs:ge]
            if not (_JOINT.search(between) or _AVEC.search(between)):
                last = None
                for m in _BOUNDARY.finditer(text, gs, ge):
                    last = m
                cut = (last.start(), last.end()) if last else (ge, ge)
        cuts.append(cut)
        subject.append(cut is not None and joint_subject)
    if not any(cuts):
        return [((b.start, b.end), names[0], None)]
    parts, joined, start, name = [], [], b.start, names[0]
    for cut, nxt, by_subject in zip(cuts, names[1:], subject):
        if cut is None:
            continue
        parts.append((_trim(text, start, cut[0]), name))
        joined.append(by_subject)
        start, name = cut[1], nxt
    parts.append((_trim(text, start, b.end), name))
    shared = _shared_predicates(text, parts, joined)
    return [(p, n, sh) for (p, n), sh in zip(parts, shared) if p[0] <= n[0] and n[1] <= p[1]]


def _shared_predicates(text: str, parts: list[tuple[Span, Span]], joined: list[bool]) -> list[Span | None]:
    """Per part, the predicate it shares with the next part when the two are a subject "X et Y"
    (``joined[n]``: parts n and n + 1): what follows the next part's name up to the end of that
    part — or, when that part is itself only a name ("X et Y et Z …"), the predicate it shares."""
    out: list[Span | None] = [None] * len(parts)
    for n in range(len(parts) - 2, -1, -1):
        if not joined[n]:
            continue
        (_, pe), (_, ne) = parts[n + 1]
        own = _trim(text, ne, pe) if ne < pe else None
        out[n] = own if own and own[0] < own[1] and _WORDY.search(text, *own) else out[n + 1]
    return out


def _examples(document: Document, bs: list[Block]) -> list[tuple[int, list[tuple[Span, Span, Span | None]]]]:
    """Rule 4: (block index, [(part span, name span, shared span)…]) of the items that name a place
    under an "Exemples" lead."""
    out, scope_end = [], -1
    for i, b in enumerate(bs):
        if b.kind in ("heading", "paragraph") and _EXAMPLES.match(b.text):
            scope_end = _section_end(bs, i)
        elif i < scope_end and b.kind in ("paragraph", "bullet"):
            if parts := _example_parts(document.text, b):
                out.append((i, parts))
    return out


# --- heading chains, titles, assembly -------------------------------------------------------------


def _chains(bs: list[Block], running: dict[int, tuple[int, int] | None]) -> list[tuple[str, ...]]:
    """For each block, the headings enclosing it, outermost first (itself excluded).

    Markdown headings nest by level; inferred slide titles (and running slide titles) are the deepest
    level, so each replaces the previous one, except that an "Exemples …" slide title nests under the
    slide title before it ("Levier 3 - …" > "Exemples de pratiques de dialogue"). An inferred slide
    title with emphasis inside ("Travailler cette **question** et **œuvrer ensemble**") is a sentence
    that lost its full stop, not a slide title: it is left out."""
    stack: list[tuple[int, str]] = []  # (rank, collapsed text)
    out = []
    for i, b in enumerate(bs):
        heading = (b.kind == "heading" and not _is_label_heading(b) and (b.level > 0 or "**" not in b.text)
                   or i in running)
        if not heading:
            out.append(tuple(t for _, t in stack))
            continue
        rank = _rank(b) if b.kind == "heading" else 7
        if rank == 7 and _EXAMPLES.match(b.text) and any(r == 7 for r, _ in stack):
            rank = 8
        while stack and stack[-1][0] >= rank:
            stack.pop()
        out.append(tuple(t for _, t in stack))
        stack.append((rank, " ".join(b.text.split())))  # whitespace collapsed, nothing else
    return out


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


_EMPHASIS_RUN = re.compile(r"(\*\*|__)(.+?)\1")


def _unwrap_emphasis(line: str) -> str:
    """"**CONTRAT LOCAL DE SANTÉ** **Comité de pilotage**" -> the words without their marks."""
    return _EMPHASIS_RUN.sub(r"\2", line)


def _fallback_title(document: Document, bs: list[Block]) -> tuple[str, tuple[int, int] | None]:
    """The title of a whole-document candidate: ``Document.title`` unless it is a generic label
    (agenda, CV, cover: "Formation", "Déroulé de l'atelier"); else the first heading or title-like
    short paragraph naming a place, structure or instrument; else the first heading that is not
    generic; else the document title, the first heading, the file stem."""
    wanted = (document.title or "").strip()

    def located(title: str) -> tuple[str, tuple[int, int] | None]:
        for b in bs:
            if b.text.casefold() == title.casefold():
                return b.text, (b.start, b.end)
        return title, None

    if wanted and not _generic(wanted):
        return located(wanted)
    headings = [b for b in bs if b.kind == "heading" and not _is_label_heading(b)]
    titles = []  # headings and title-like short paragraphs naming a practice, in order
    for b in bs:
        if b.kind == "heading" and _is_label_heading(b):
            continue
        if b.kind == "heading" or (b.kind == "paragraph" and b.text.count("\n") < _RUN_MAX_LINES):
            line = _unwrap_emphasis(_collapse(b.text))
            if _title_like(line) and _names_practice(line) and not _generic(line):
                titles.append((b, line))
    # one naming an instrument first (not the letterhead « DÉPARTEMENT DE L'ORNE » of a délibération)
    for b, line in sorted(titles, key=lambda t: not _INSTRUMENT.search(_fold(t[1]))):
        return line, ((b.start, b.end) if line == b.text else None)
    for b in headings:
        if not _generic(b.text):
            return b.text, (b.start, b.end)
    if wanted:
        return located(wanted)
    if headings:
        return headings[0].text, (headings[0].start, headings[0].end)
    stem = PurePath(document.name).stem if document.name else ""
    return stem or "document", None


def candidates(document: Document, blocks: list[Block] | None = None) -> list[Candidate]:
    """The case candidates of a document, in text order of their starts (rules in the module
    docstring).

    ``blocks`` are the document's blocks when already computed (``blocks(document)``)."""
    bs = _split(document) if blocks is None else list(blocks)
    if not bs:
        return []
    text = document.text
    running = _running(text, bs)
    chains = _chains(bs, running)
    title = document.title
    title_block = 0 if bs[0].kind == "heading" and title and _collapse(bs[0].text) == _collapse(title) else None
    starts = _starts(text, bs, running, title_block)
    if len(starts) == 1 and bs[starts[0][0]].kind == "heading" and not _names_practice(bs[starts[0][0]].text) \
            and not _fallback_title(document, bs)[0] == bs[starts[0][0]].text:
        starts = []  # one grid under a slide titled "Qui fait quoi ?": a part of the document's one practice
    if not starts:
        examples = _examples(document, bs)
        if len(examples) < 2:
            title, span = _fallback_title(document, bs)
            return [_make(bs, title, span)]
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
    subjects = _subject_slides(text, bs)
    by_suffix: dict[str, tuple[str, tuple[int, int] | None]] = {}  # a running suffix -> its first title
    for n, (i, end) in enumerate(starts):
        if n + 1 < len(starts):
            end = min(end, starts[n + 1][0])
        members = bs[i:end]
        while len(members) > 1 and members[-1].kind == "heading" and not _is_label_heading(members[-1]):
            members.pop()
        if i in running and running[i] is not None:
            key = label_key(text[running[i][0]:running[i][1]])
            if key not in by_suffix:
                by_suffix[key] = _running_title(text, bs, i, end, running[i])
            title, span = by_suffix[key]  # the same suffix again: the same practice, merged below
        elif i in subjects:
            title = subjects[i]
            span = (bs[i].start, bs[i].start + len(title)) if bs[i].text.startswith(title) else None
        else:
            title, span = bs[i].text, (bs[i].start, bs[i].end)
        out.append(_make(members, title, span, chains[i]))
    return _merge(out)
