"""Where practices start: the section a block introduces (``section_end``) and the blocks that start
a practice (``find_starts``: rules 1, 2, 3, 6, 7 and 8 here; rule 5, running slide titles, in
:mod:`.running`; rule 4, examples, in :mod:`.examples`).

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
   subject, so a subject's slides merge (:mod:`.segment`).
5. it is a *running slide title* whose suffix names a practice (:mod:`.running`).
7. it is a numbered item heading of a register (« DÉLIBÉRATION N° 2024-084 », two items or more)
   whose item names an instrument type (:func:`practice_items`); the item's « OBJET : » line titles it
   (:func:`item_subject`); also the numbered items of an agenda that report on an instrument
   (rule 7b) and the slides or sections a numbered label line opens (« Chantier n°1 », rule 7c:
   :mod:`.agenda`).
8. when no rule above starts anything: it is a row of a record table (a header of short labels
   over TAB rows) naming an instrument type outside the bodies' names, in a table with two such rows
   or more: the row alone is the practice, titled by its « Action » cell (:mod:`.tables`).

Headings asking a question (an FAQ's « C'est quoi, un conseil de développement ? ») start nothing
under rule 3, and no heading under one announcing alternatives (« 2. Les options juridiques
envisageables » > « 2.1. Une simple convention de partenariat », « 2.2. Une entente … ») starts a
practice: they are the options of one choice.

A start whose section contains another start is a container (a deck title, a running slide title
such as seed 002's "Quels outils pour formaliser des coopérations ?") and is dropped: the deepest
starts win; except a heading holding one start only that is a grid naming no practice, or one
subsection among several of a heading naming a practice (« 7.2 L'inter-SCoT … » > « 7.2.3 Ce que la
démarche apporte … »): that start is a part of the heading's practice.

Arrows start practices (rule 2) only at the start of their line: an indented « → départs non
remplacés » under a slide's bullet is a consequence, not a practice.

Known limits
------------
* A non-label inferred heading inside an arrow-introduced practice ends that practice early; so
  does one inside an "Exemples" scope (rule 4).
* Rule 3 only uses markdown headings and titles written right above their paragraphs: a raw .txt
  deck introducing each practice by a plain slide title followed by a blank line (no arrow, no
  grid, no running prefix) gives one candidate for the whole deck. Conversely,
  a one-practice markdown document with two sibling headings naming structures or instruments
  ("## Le Pays de X", "## La communauté de communes Y"; "## Le contrat de réciprocité", "## La
  convention de financement") is split in two, and its introduction is dropped.
"""
from __future__ import annotations

import re

from .agenda import agenda_items, labelled_parts
from .blocks import heading_rank, is_label_heading
from .labels import fold, label_key, normalise_label
from .model import Block
from .naming import INSTRUMENT, generic, names_practice, structure_names
from .tables import record_rows

__all__ = ["alternatives", "find_starts", "item_subject", "practice_items", "section_end", "subject_slides"]


def section_end(bs: list[Block], i: int) -> int:
    """Index (exclusive) of the end of the section that block i introduces (see the module docstring;
    a paragraph's section runs to the next non-label heading)."""
    head = bs[i]
    for j in range(i + 1, len(bs)):
        b = bs[j]
        if b.kind == "heading" and not is_label_heading(b):
            if head.kind != "heading" or heading_rank(b) <= heading_rank(head):
                return j
        elif b.kind == "heading" and head.kind == "heading" and heading_rank(b) < heading_rank(head):
            return j  # "## Contexte" ends the section of an inferred title above it
        elif b.kind == "arrow" and head.kind == "arrow":
            return j
    return len(bs)


def find_starts(text: str, bs: list[Block], running: dict[int, tuple[int, int] | None],
            title_block: int | None = None) -> list[tuple[int, int]]:
    """(block index, section end) of the blocks that start a practice (rules 1, 2, 3, 5, 6, 7 and 8).
    ``title_block``: the heading that is the document's title, left out of rule 3's siblings when
    two others qualify without it (« # Les coopérations entre le Parc … et les intercommunalités »
    above « # 2. La Conférence … » and « # 3. La convention … »)."""
    ends: dict[int, int] = {}
    gridded, described = set(), set()
    for i, b in enumerate(bs):
        if b.kind == "arrow" or (b.kind == "heading" and not is_label_heading(b)):
            ends[i] = end = section_end(bs, i)
            inner = bs[i + 1:end]
            fields = {x.field for x in inner if x.field is not None}
            fields.update(normalise_label(x.text) for x in inner if is_label_heading(x))
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
        if b.kind == "heading" and b.level > 0 and names_practice(b.text) and not generic(b.text) \
                and not _question(b.text) and not alternatives(bs, i):
            by_level.setdefault(b.level, []).append(i)
    glued = [i for i in described if _glued_heading(text, bs, i) and names_practice(bs[i].text)]
    by_level[0] = glued
    # sibling headings whose sections each describe a practice of their own (rule 3, second part)
    for level, group in _practice_sections(text, bs, described, ends, title_block).items():
        by_level[level] = sorted(set(by_level.get(level, [])) | set(group))
    for group in by_level.values():
        if title_block in group and len(group) >= 3:
            group = [i for i in group if i != title_block]
        if len(group) >= 2:
            starts.update(group)
    # rule 7: numbered items of a register (« DÉLIBÉRATION N° 2024-084 ») whose text names an instrument
    # (the starts inside an item are its parts: below)
    items = practice_items(text, bs) | agenda_items(text, bs)  # (rule 7b: :mod:`.agenda`)
    for i, end in items.items():
        starts.add(i)
        ends[i] = end
    # rule 7c: slides or sections opened by a numbered label line (« Chantier n°1 »), each to the next
    labelled = sorted(labelled_parts(text, bs))
    for n, i in enumerate(labelled):
        starts.add(i)
        ends[i] = labelled[n + 1] if n + 1 < len(labelled) else len(bs)
    # rule 6: slides titled « SUBJECT – facet », two subjects or more
    for i in subject_slides(text, bs):
        if i in described:
            starts.add(i)
    # rule 5: running slide titles whose suffix names a practice; a section runs to the next
    # running title (a markdown heading's section also ends as usual)
    order = sorted(running)
    for n, i in enumerate(order):
        suffix = running[i]
        if suffix is None or not names_practice(text[suffix[0]:suffix[1]]):
            continue
        end = order[n + 1] if n + 1 < len(order) else len(bs)
        if bs[i].kind == "heading" and bs[i].level > 0:
            end = min(end, ends.get(i, end))
        if any(x.kind in ("paragraph", "bullet", "grid") for x in bs[i + 1:end]):
            starts.add(i)
            ends[i] = end
    # the starts inside a register's or an agenda's item are its parts (its « Exposé des motifs », its
    # « Avis de la conférence : … » line)
    starts -= {j for i, end in items.items() for j in starts if i < j < end}
    # « 2. Les options juridiques envisageables » and its subsections: the options of one choice
    starts -= {i for i in starts if alternatives(bs, i)}
    # the deepest starts win: drop containers (a start whose section holds another start), except
    # a heading holding one start only, a heading with a grid that names no practice ("Fonctionnement",
    # "Grille de lecture" under "# Entente interterritoriale TRIDAN"): that one is a part of it
    ordered = sorted(starts)
    inner = {i: [j for j in ordered if i < j < ends[i]] for i in ordered}
    parts = {inner[i][0] for i in ordered
             if bs[i].kind == "heading" and len(inner[i]) == 1
             and (_generic_grid_heading(bs, inner[i][0], gridded) or _one_facet_of(bs, i, inner[i][0], ends))}
    found = [(i, ends[i]) for i in ordered if i not in parts and all(j in parts for j in inner[i])]
    # rule 8, when nothing else starts a practice: the rows of a record table that name an
    # instrument type, each on its own (a table summing up practices the sections describe is no more)
    return found or [(i, i + 1) for i in sorted(record_rows(text, bs))]


def _one_facet_of(bs: list[Block], i: int, j: int, ends: dict[int, int]) -> bool:
    """Start j is the one start among the subsections of heading i, which names a practice: a facet
    of it (« 7.2 L'inter-SCoT de l'aire métropolitaine lyonnaise » > « 7.2.1 Historique », « 7.2.2 Le
    chapitre commun », « 7.2.3 Ce que la démarche apporte au SCoT »), not a practice of its own."""
    if not (bs[j].kind == "heading" and bs[i].level > 0 and names_practice(bs[i].text)):
        return False
    siblings = [k for k in range(i + 1, ends[i]) if bs[k].kind == "heading" and not is_label_heading(bs[k])
                and heading_rank(bs[k]) == heading_rank(bs[j])]
    return len(siblings) >= 2


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
        if b.kind != "heading" or b.level <= 0 or is_label_heading(b) or generic(b.text) or i == title_block \
                or _question(b.text) or alternatives(bs, i):
            continue  # « Contexte », « Enseignements pour les autres territoires », the document's title, an FAQ's
        if any(INSTRUMENT.search(fold(a.text)) for a in _ancestors(bs, i)):
            continue  # the sections of « # Une charte forestière … » (at any depth): parts of that practice
        inner = bs[i + 1:ends[i]]
        section = text[b.end:inner[-1].end] if inner else ""
        instruments = frozenset(m.group() for m in INSTRUMENT.finditer(fold(section)))
        row = any(x.field in _PARTICIPANT_FIELDS for x in inner)
        if row or instruments:
            possible.setdefault(b.level, []).append((i, section, instruments, row))
    # the names (the costly part) only where two sections of a level may qualify
    by_level: dict[int, list[tuple[int, frozenset[str], frozenset[str], bool]]] = {}
    for level, sections in possible.items():
        if len(sections) < 2:
            continue
        for i, section, instruments, row in sections:
            names = frozenset(fold(section[s:e]) for s, e in structure_names(section))
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


# Numbered items of a register or an agenda: « DÉLIBÉRATION N° 2024-084 », « Point 3 », « Dossier n° 12 ».
_ITEM = re.compile(r"(?:D[ÉE]LIB[ÉE]RATION|D[ée]lib[ée]ration|POINT|Point|DOSSIER|Dossier|ARR[ÊE]T[ÉE]|Arr[êe]t[ée]"
                   r"|D[ÉE]CISION|D[ée]cision)[ \u00a0]+(?:N[°o]|n[°o])?[ \u00a0]*[\w./-]*\d[\w./-]*[ \u00a0]*"
                   # its heading may say its subject: « Point n°14 – Environnement et cadre de vie – Salubrité »
                   r"(?:[–—-][ \u00a0]+\S.*)?")
# a line between a register's item heading and its « OBJET : » line: « Rapporteur : Mme … »
_REPORTER = re.compile(r"rapporteure?s?\b|rapport[ée]\s+par\b", re.IGNORECASE)


def practice_items(text: str, bs: list[Block]) -> dict[int, int]:
    """Rule 7: the numbered item headings of a register (two or more: « DÉLIBÉRATION N° 2024-084 »)
    whose item names an instrument type (its « OBJET : » line or its text: « Constitution d'une
    entente intercommunautaire … »), block index -> the item's end (the next item, or the next
    heading in capitals after the last one: « QUESTIONS DIVERSES »). The others (a budget, a tariff)
    start nothing."""
    items = [i for i, b in enumerate(bs) if b.kind == "heading" and _ITEM.fullmatch(b.text.strip())]
    if len(items) < 2:
        return {}
    out = {}
    for n, i in enumerate(items):
        if n + 1 < len(items):
            end = items[n + 1]
        else:
            end = next((k for k in range(i + 1, len(bs)) if bs[k].kind == "heading" and not is_label_heading(bs[k])
                        and bs[k].text.upper() == bs[k].text and not _ITEM.fullmatch(bs[k].text.strip())), len(bs))
        subject = _ITEM_SUBJECT.match(bs[i].text.strip())
        if end > i + 1 and INSTRUMENT.search(fold(text[bs[i].start:bs[end - 1].end])) \
                and not (subject and generic(subject.group(1))):
            out[i] = end  # (not « POINT 7 – Questions diverses », whatever it mentions)
    return out


# The subject a register's item heading may say after its number (« POINT 7 – Questions diverses »).
_ITEM_SUBJECT = re.compile(r".*?\d[\w./-]*[ \u00a0]*[–—-][ \u00a0]+(\S.*)")


def item_subject(bs: list[Block], i: int) -> Block | None:
    """The « OBJET : … » line right under a register's item heading i (or under its « Rapporteur : »
    line), which titles its practice."""
    if not (bs[i].kind == "heading" and _ITEM.fullmatch(bs[i].text.strip())):
        return None
    k = i + 1
    if k < len(bs) and bs[k].field is None and _REPORTER.match(bs[k].text.strip()):
        k += 1
    return bs[k] if k < len(bs) and bs[k].field == "object" else None


def _question(title: str) -> bool:
    """« C'est quoi, un conseil de développement ? »: an FAQ's question asks about the page's
    practice; a practice is named, not asked."""
    return title.rstrip(" *_").endswith("?")


# A heading announcing the alternatives of one choice, on folded text: « Les options juridiques
# envisageables », « Analyse des montages envisageables », « Scénarios étudiés », « Hypothèses ».
_ALTERNATIVES = re.compile(r"\b(?:options|scenarios|hypotheses|montages|formules|variantes|alternatives)\b"
                           r"|\benvisageables?\b")


def alternatives(bs: list[Block], i: int) -> bool:
    """Heading i announces the alternatives of one choice, or is one of them (a legal note's « 2.
    Les options juridiques envisageables » > « 2.1. Une simple convention de partenariat », « 2.2.
    Une entente intercommunautaire … »): no practice of its own."""
    return bs[i].kind == "heading" and any(_ALTERNATIVES.search(fold(a.text)) for a in [bs[i], *_ancestors(bs, i)])


def _ancestors(bs: list[Block], i: int) -> list[Block]:
    """The markdown or numbered headings heading i is under, nearest first."""
    out, level = [], bs[i].level
    for j in range(i - 1, -1, -1):
        if bs[j].kind == "heading" and 0 < bs[j].level < level:
            out.append(bs[j])
            level = bs[j].level
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


def subject_slides(text: str, bs: list[Block]) -> dict[int, str]:
    """Slide titles « SUBJECT – facet » (rule 6): block index -> its subject, for the inferred
    headings whose subject names a practice or titles two slides, when the deck has two subjects or
    more (« BIOVALLÉE – qui ? », « BIOVALLÉE – comment ? », « SCoT RHÔNE-PROVENCE-BARONNIES – le
    périmètre », « SCoT RPB – ce qui a marché » (an acronym of the subject is the subject),
    « CONTRAT DE RÉCIPROCITÉ VALENCE – VERCORS » (no facet: the whole title))."""
    titled: list[tuple[int, str]] = []
    faceted: set[str] = set()  # subjects written before a facet
    for i, b in enumerate(bs):
        if b.kind != "heading" or b.level != 0 or is_label_heading(b) or "\n" in b.text:
            continue
        parts = _SUBJECT_SEP.split(b.text.strip())
        if len(parts) < 2:
            continue  # « Pourquoi une entente ? », « Et aussi… »: no subject named apart
        subject = b.text.strip()
        if _facet(parts[-1]):
            subject = subject[:subject.rfind(parts[-1])].rstrip(" –—-")
            faceted.add(fold(subject))
        if subject and "?" not in subject and ":" not in subject:
            titled.append((i, subject))
    keys: dict[str, str] = {}  # folded subject -> the subject first written
    for _, subject in titled:
        key = fold(subject)
        if key in keys:
            continue
        words = subject.split()
        alias = next((k for k, first in keys.items() if len(words) >= 2 and words[:-1] == first.split()[:len(words) - 1]
                      and _initials_of(" ".join(first.split()[len(words) - 1:])) == words[-1]), None)
        keys[key] = keys[alias] if alias else subject
    counts: dict[str, int] = {}
    for _, subject in titled:
        counts[keys[fold(subject)]] = counts.get(keys[fold(subject)], 0) + 1
    faceted = {keys[k] for k in faceted if k in keys}
    # a subject written before facets on two slides or more, or one naming a practice
    qualified = {k for k in counts if (k in faceted and counts[k] >= 2) or names_practice(k)}
    if len(qualified) < 2 or not any(k in faceted and counts[k] >= 2 for k in qualified):
        return {}  # not a deck of practices seen facet by facet (seed 003's « Levier 7 - … »)
    return {i: keys[fold(subject)] for i, subject in titled if keys[fold(subject)] in qualified}


def _glued_heading(text: str, bs: list[Block], i: int) -> bool:
    """Block i is an inferred heading written right above a paragraph (one line break between)."""
    b = bs[i]
    return (b.kind == "heading" and b.level == 0 and i + 1 < len(bs) and bs[i + 1].kind == "paragraph"
            and text.count("\n", b.end, bs[i + 1].start) == 1)


def _generic_grid_heading(bs: list[Block], j: int, gridded: set[int]) -> bool:
    """Block j is a heading whose section is a grid but whose text names no practice ("Fonctionnement")."""
    return bs[j].kind == "heading" and j in gridded and not names_practice(bs[j].text)
