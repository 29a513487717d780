"""Examples (rule 4): the items under an "Exemples" lead that name a place or a structure
(``find_examples``), each cut in two where it names two practices.

Only when nothing starts a practice (:mod:`.starts`), under an "Exemple(s)" lead (a heading
"Exemples de ...", or a paragraph "Exemples :", up to the next non-label heading), each paragraph or
bullet naming a place or structure is a candidate titled by that name (the first bold run holding a
name, else the first name) — seed 003's "Exemples de pratiques de dialogue" slides. At least two
such items are required. An item naming two practices is cut in two, each part a candidate with its
part of the text (a new ``Block`` on a sub-span of the item; see ``_example_parts``): two bold names
with text between ("… à **Chartres Métropole**, débats … à la **CA du Grand Chalon**": cut at the
last comma, semicolon, full stop or " et " between them), or a subject "X et Y" of two names of the
same kind ("Toulouse Métropole et Nantes Métropole se sont structurées …": cut at the " et "); not
when words say they act together ("entre", "ensemble", "de concert", "convention", "coopération"…,
and "avec" between two bold names), nor inside one bold run ("**Pays du Mans et les autres Pays
Sarthois**"). The predicate of such a subject is said of both: Y's part runs from Y's name to its
end, and X's candidate holds two blocks, its name and that predicate ("se sont structurées en pôles
de proximité …"), a block lying inside Y's.

Known limits
------------
* Cutting "X et Y …" shares the predicate up to the end of Y's part: a later sentence about Y
  alone ("X et Y ont … . Y a aussi …") is given to X too. Two partners of one practice written as
  two bold names with no word of joint action between them are cut in two.
"""
from __future__ import annotations

import re

from .blocks import WORDY, trim
from .labels import fold
from .model import Block, Document
from .naming import STRUCT, Span, structure_names
from .starts import section_end

__all__ = ["BOLD", "EXAMPLES", "find_examples"]

EXAMPLES = re.compile(r"exemples?\b", re.IGNORECASE)
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)  # a bold run of markdown-like text
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
    words = fold(name).split()
    if re.search(r"\bMétropole\b", name) and not re.match(STRUCT, name):
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
    bold = [(s0 + m.start(1), s0 + m.end(1)) for m in BOLD.finditer(b.text) if structure_names(m.group(1))]
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
        parts.append((trim(text, start, cut[0]), name))
        joined.append(by_subject)
        start, name = cut[1], nxt
    parts.append((trim(text, start, b.end), name))
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
        own = trim(text, ne, pe) if ne < pe else None
        out[n] = own if own and own[0] < own[1] and WORDY.search(text, *own) else out[n + 1]
    return out


def find_examples(document: Document, bs: list[Block]) -> list[tuple[int, list[tuple[Span, Span, Span | None]]]]:
    """Rule 4: (block index, [(part span, name span, shared span)…]) of the items that name a place
    under an "Exemples" lead."""
    out, scope_end = [], -1
    for i, b in enumerate(bs):
        if b.kind in ("heading", "paragraph") and EXAMPLES.match(b.text):
            scope_end = section_end(bs, i)
        elif i < scope_end and b.kind in ("paragraph", "bullet"):
            if parts := _example_parts(document.text, b):
                out.append((i, parts))
    return out
