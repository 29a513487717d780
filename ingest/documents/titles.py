"""Titles and heading chains of candidates: the title of a document's one candidate
(``fallback_title``), and the headings enclosing each block (``heading_chains``).

The title of the document's one candidate, when nothing starts a practice, is the subject of an
e-mail the document starts with (« Objet : RE: Projet de convention d'entente »), else ``Document.title``
unless that is a generic label (agenda, CV, cover, press release, minutes: "Formation", "Déroulé de
l'atelier", "Sommaire", "COMMUNIQUÉ DE PRESSE", unless it names a practice); else the first heading
or title-like short paragraph (≤ 3 lines, whitespace and bold marks collapsed) naming an instrument,
else the first naming a place or a structure (seed 000: "Chargée de projet coopérations
territoriales à Bordeaux Métropole", wrapped over three lines; not the letterhead « DÉPARTEMENT DE
L'ORNE » above a practice's title); else the first heading that is not generic; else the document
title, the first heading, the file stem.

``Candidate.headings`` is the chain of headings enclosing the candidate's first block, outermost
first, its own title heading excluded (``heading_chains``): markdown headings nest by level;
inferred slide titles and running titles are the deepest level, each replacing the previous one,
except that an "Exemples …" slide title nests under the slide title before it — seed 003's examples
get ("Levier 3 - Inventer de nouveaux espaces de dialogue …", "Exemples de pratiques de dialogue et
d'échange"); label headings and inferred titles with emphasis inside (sentences that lost their full
stop) are left out.
"""
from __future__ import annotations

import re
from pathlib import PurePath

from .blocks import heading_rank, is_label_heading, title_like
from .examples import EXAMPLES
from .labels import collapse, fold
from .model import Block, Document
from .naming import INSTRUMENT, generic, names_practice
from .persons import speaker_turn
from .running import RUN_MAX_LINES

__all__ = ["fallback_title", "heading_chains"]


def heading_chains(bs: list[Block], running: dict[int, tuple[int, int] | None]) -> list[tuple[str, ...]]:
    """For each block, the headings enclosing it, outermost first (itself excluded).

    Markdown headings nest by level; inferred slide titles (and running slide titles) are the deepest
    level, so each replaces the previous one, except that an "Exemples …" slide title nests under the
    slide title before it ("Levier 3 - …" > "Exemples de pratiques de dialogue"). An inferred slide
    title with emphasis inside ("Travailler cette **question** et **œuvrer ensemble**") is a sentence
    that lost its full stop, not a slide title: it is left out."""
    stack: list[tuple[int, str]] = []  # (rank, collapsed text)
    out = []
    for i, b in enumerate(bs):
        heading = (b.kind == "heading" and not is_label_heading(b) and (b.level > 0 or "**" not in b.text)
                   or i in running)
        if not heading:
            out.append(tuple(t for _, t in stack))
            continue
        rank = heading_rank(b) if b.kind == "heading" else 7
        if rank == 7 and EXAMPLES.match(b.text) and any(r == 7 for r, _ in stack):
            rank = 8
        while stack and stack[-1][0] >= rank:
            stack.pop()
        out.append(tuple(t for _, t in stack))
        stack.append((rank, " ".join(b.text.split())))  # whitespace collapsed, nothing else
    return out


_EMPHASIS_RUN = re.compile(r"(\*\*|__)(.+?)\1")


def _unwrap_emphasis(line: str) -> str:
    """"**CONTRAT LOCAL DE SANTÉ** **Comité de pilotage**" -> the words without their marks."""
    return _EMPHASIS_RUN.sub(r"\2", line)


# An e-mail (a thread pasted or exported as text): its sender line near the top, then its subject.
_MAIL_FROM = re.compile(r"^[ \t>]*(?:De|From|Exp[ée]diteur)[ \t]*:", re.MULTILINE | re.IGNORECASE)
_MAIL_SUBJECT = re.compile(r"^[ \t>]*(?:Objet|Subject|Sujet)[ \t]*:[ \t]*(?:(?:RE|TR|Fwd?|FW|Réf)[ \t]*:[ \t]*)*"
                           r"(?P<subject>\S[^\n]*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_MAIL_HEAD_CHARS = 600  # the sender line is within the first lines


def _mail_subject(text: str) -> tuple[str, tuple[int, int]] | None:
    """The subject of an e-mail that starts the document (« Objet : RE: RE: Projet de convention
    d'entente – V3 » → « Projet de convention d'entente – V3 »), with its span; or None."""
    sender = _MAIL_FROM.search(text, 0, _MAIL_HEAD_CHARS)
    if sender is None:
        return None
    m = _MAIL_SUBJECT.search(text, sender.end(), sender.end() + _MAIL_HEAD_CHARS)
    if m is None:
        return None
    return m.group("subject"), (m.start("subject"), m.end("subject"))


_COVER_CHARS = 600  # a cover page's lines: the start of the document
_COVER_LINE = re.compile(r"[^\n]+")


def _cover_title(text: str) -> tuple[str, tuple[int, int]] | None:
    """A title naming an instrument among the short lines a PDF's cover page is read as, a line
    starting in lower case going on the one above (« Évaluation de l'entente intercommunautaire\nde
    gestion des échouements de sargasses »); or None."""
    groups: list[list[re.Match]] = []
    for m in _COVER_LINE.finditer(text, 0, _COVER_CHARS):
        line = m.group().strip()
        if groups and line[:1].islower() and len(groups[-1]) < 3:
            groups[-1].append(m)
        else:
            groups.append([m])
    for g in groups:
        s, e = g[0].start(), g[-1].end()
        title = collapse(text[s:e])
        if title_like(title) and INSTRUMENT.search(fold(title)) and not generic(title):
            return title, ((s, e) if title == text[s:e] else None)
    return None


def fallback_title(document: Document, bs: list[Block]) -> tuple[str, tuple[int, int] | None]:
    """The title of a whole-document candidate: the subject of an e-mail that starts the document;
    ``Document.title`` unless it is a generic label
    (agenda, CV, cover: "Formation", "Déroulé de l'atelier"); else the first heading or title-like
    short paragraph naming a place, structure or instrument; else the first heading that is not
    generic; else the document title, the first heading, the file stem."""
    wanted = (document.title or "").strip()
    subject = _mail_subject(document.text)
    if subject is not None:
        return subject

    def located(title: str) -> tuple[str, tuple[int, int] | None]:
        for b in bs:
            if b.text.casefold() == title.casefold():
                return b.text, (b.start, b.end)
        return title, None

    if wanted and not generic(wanted):
        return located(wanted)
    headings = [b for b in bs if b.kind == "heading" and not is_label_heading(b)]
    titles = []  # headings and title-like short paragraphs naming a practice, in order
    for b in bs:
        if b.kind == "heading" and is_label_heading(b):
            continue
        if b.kind == "heading" or (b.kind == "paragraph" and b.text.count("\n") < RUN_MAX_LINES):
            line = _unwrap_emphasis(collapse(b.text))
            if title_like(line) and names_practice(line) and not generic(line) and not speaker_turn(line):
                titles.append((b, line))
    # one naming an instrument first (not the letterhead « DÉPARTEMENT DE L'ORNE » of a délibération)
    if not any(INSTRUMENT.search(fold(line)) for _, line in titles) and (cover := _cover_title(document.text)):
        return cover
    for b, line in sorted(titles, key=lambda t: not INSTRUMENT.search(fold(t[1]))):
        return line, ((b.start, b.end) if line == b.text else None)
    for b in headings:
        if not generic(b.text):
            return b.text, (b.start, b.end)
    if wanted:
        return located(wanted)
    if headings:
        return headings[0].text, (headings[0].start, headings[0].end)
    stem = PurePath(document.name).stem if document.name else ""
    return stem or "document", None
