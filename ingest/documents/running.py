"""Running slide titles (rule 5): the blocks that are slide titles ``Prefix : suffix`` whose prefix
several slides share (``find_running_titles``), and the title of the practice such a slide
introduces (``running_title``).

A heading, a paragraph or a bullet starts a practice (:mod:`.starts`) when it is a *running slide
title* whose suffix names a practice (rule 5). Seed 001's slides are titled "Les coopérations comme
levier des transitions territoriales : <suffix>", often wrapped over two OCR'd lines (so a
paragraph, or a ``v'`` bullet, rather than a heading). A heading, a paragraph or a top-level bullet
whose title (up to the end of its colon's line) is at most three lines and 200 characters of one
sentence or set in bold (not minutes' « Avis : favorable. La délibération sera … »), and whose
text before its first colon (the prefix: 2 to 12 words, title-like) is shared by at least two such
blocks (folded; OCR variants with the same first word at ``difflib`` ratio ≥ 0.9), is a running
title; a block that is the prefix alone (no colon) is one too. The title ends with the line of its
colon: lines below it in the same block are the slide's text. A running title starts a practice when
its suffix names a place, a structure or an instrument type (``place_like``, or a word such as
contrat, convention, pacte, charte, entente, PTCE, PAT, SCIC, coopérative, pôle métropolitain…:
"Contrat de réciprocités", "les PTCE"; not "conceptualisation", "l'énergie citoyenne") and its
section — up to the next running title, whatever the inferred headings between — holds a
description. Its title is the suffix, plus " – " and the block right below when that block names the
place (its part before " : " when that part is ``place_like``: "Contrat de réciprocités – Brest
Métropole et le Centre ouest bretagne") or is a slide subtitle (an inferred heading: "les PTCE –
Initiatives et cités (Lille)"); such a composed title has no ``title_start``. A later running title
with the same suffix is the same practice (merged: :mod:`.segment`).

Known limits
------------
* Rule 5 only sees practices named in the suffix: seed 001's "l'énergie citoyenne" slide (two
  practices, Luc-sur-Aude and Cociter), the PAT shown on a "conceptualisation" slide and TZCLD,
  named only in a list, give no candidate.
"""
from __future__ import annotations

import difflib
import re

from .blocks import WORDY, is_label_heading, numbered, title_like, trim
from .labels import collapse, fold
from .model import Block
from .naming import place_like
from .persons import speaker_turn

__all__ = ["RUN_MAX_LINES", "find_running_titles", "running_title"]

_RUN_MAX_CHARS = 200
# the last line before the colon is an e-mail header's field
_MAIL_FIELD = re.compile(r"(?:^|\n)[ \t]*(?:De|From|À|A|To|Cc|Cci|Bcc|Envoyé|Sent|Date|Objet|Subject)[ \t]*$")
# a sentence's end then another sentence: minutes' « Avis de la conférence : favorable (17 voix pour).
# La délibération sera présentée … », not a slide's title (unless set in bold, as an interview's
# question: « **T&C : Parlons de la Suisse. Vous avez signé une convention …** »)
_SENTENCES = re.compile(r"[a-zà-ÿ)][.!?]\s+[A-ZÀ-Ö]")
RUN_MAX_LINES = 3
_RUN_SIMILAR = 0.9  # difflib ratio of folded prefixes: OCR variants ("coopeérations") are the same prefix


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > (1 - _RUN_SIMILAR) * max(len(a), len(b)) + 1:
        return False
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= _RUN_SIMILAR and m.quick_ratio() >= _RUN_SIMILAR and m.ratio() >= _RUN_SIMILAR


def find_running_titles(text: str, bs: list[Block]) -> dict[int, tuple[int, int] | None]:
    """Blocks that are running slide titles ``Prefix : suffix`` (rule 5): block index -> the span of
    the suffix, or None for the prefix alone (a slide titled by the bare running prefix)."""
    prefixed: list[tuple[int, str, tuple[int, int]]] = []
    bare: list[tuple[int, str]] = []
    for i, b in enumerate(bs):
        if b.kind not in ("heading", "paragraph", "bullet") or (b.kind == "bullet" and b.level > 0) \
                or is_label_heading(b):
            continue
        colon = b.text.find(":")
        # the title ends with the line of its colon: lines below it in the block are the slide's text
        line_end = b.text.find("\n", colon) if colon >= 0 else -1
        title = b.text if line_end < 0 else b.text[:line_end]
        if b.field is not None or title.count("\n") >= RUN_MAX_LINES or len(collapse(title)) > _RUN_MAX_CHARS \
                or speaker_turn(title) or (_SENTENCES.search(title) and text[max(0, b.start - 2):b.start] not in ("**", "__")):
            continue  # (a transcript's speaker is no running title, nor two plain sentences of minutes)
        if colon < 0:
            bare.append((i, fold(b.text)))
            continue
        prefix = collapse(b.text[:colon])
        key = fold(prefix)
        if not 2 <= len(key.split()) <= 12 or not title_like(prefix) or _MAIL_FIELD.search(b.text[:colon]) \
                or b.kind == "bullet" and numbered(text, b):
            continue  # (nor an e-mail's header: « -----Message d'origine-----\nDe : Nadia BOUCHARD <…> »; nor
            # a numbered list's item: a programme's « 3. Chantier n°1 : un chef de projet … »)
        s, e = trim(text, b.start + colon + 1, b.start + len(title))
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
            out[i] = (s, e) if s < e and WORDY.search(text, s, e) else None
        for i, k in bare:
            if k.split()[:1] == key.split()[:1] and _similar(k, key):
                out[i] = None
    return out


def running_title(text: str, bs: list[Block], i: int, end: int, suffix: tuple[int, int]
                   ) -> tuple[str, tuple[int, int] | None]:
    """The title of a practice introduced by a running slide title: the suffix, plus the line right
    below when it names the practice's place or structure (its part before " : " when that part
    does, else a slide subtitle: an inferred heading)."""
    s, e = suffix
    title = collapse(text[s:e])
    name = None
    if i + 1 < end:
        b = bs[i + 1]
        line = collapse(b.text)
        if b.kind in ("heading", "paragraph") and not is_label_heading(b) and b.text.count("\n") <= 1 \
                and len(line) <= 150:
            head = line.split(":", 1)[0].strip() if ":" in line else None
            if head and place_like(head):
                name = head
            elif b.kind == "heading" or (place_like(line) and title_like(line)):
                name = line
    if name:
        return f"{title} – {name}", None
    return title, ((s, e) if title == text[s:e] else None)
