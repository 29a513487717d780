"""Roles of the actor mentions of a candidate: which actors pilot, carry, sign, finance, lead, start,
prescribe, support, belong to or benefit from the practice, read from the cues of their sentence
(:data:`ROLE_CUES`: "piloté par", "porteur", "signataires :"…). An actor of a partners field, or
with no cue, is a partner.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from search.text import fold

from .lexicon import Lexicon
from .model import Candidate, Document, Mention
from .text_util import _sentences

# (role notation, mode, regex on the accent/case-folded text). "agent" cues give the role to the
# actors named right after them ("piloté par X, Y et Z"); "noun" cues to the nearest actor in the
# sentence ("X, chef de file"), or to every actor after them when a colon follows ("Signataires :
# X, Y").
ROLE_CUES: tuple[tuple[str, str, str], ...] = (
    ("pilote", "agent", r"\bpilotee?s?\s+par\b|\bcoordonnee?s?\s+par\b|\bsous\s+l'egide\s+(?:de|du|des|d')"),
    ("pilote", "noun", r"\bpilot(?:e|es|age)\b|\bchefs?\s+de\s+file\b"),
    ("porteur", "agent", r"\bportee?s?\s+par\b"),
    ("porteur", "noun", r"\bporteu(?:r|rs|se|ses)\b|\bportage\b|\bmaitres?\s+d'ouvrage\b|\bmaitrise\s+d'ouvrage\b"),
    ("financeur", "agent", r"\b(?:co-?)?financee?s?\s+par\b"),
    ("financeur", "noun", r"\b(?:co-?)?financ(?:ement|ements|eur|eurs|euse|euses|e|ent)\b|\bcofinanc\w*"),
    ("animateur", "agent", r"\b(?:co-?)?animee?s?\s+par\b"),
    ("animateur", "noun", r"\banimat(?:ion|ions|eur|eurs|rice|rices)\b"),
    ("signataire", "agent", r"\bsignee?s?\s+(?:par|entre)\b"),
    ("signataire", "noun", r"\b(?:co-?)?signataires?\b|\b(?:ont|a|avaient|avait)\s+(?:co-?)?signe\b|\b(?:co-?)?signent\b"),
    ("membre", "noun", r"\bmembres?\b|\badherents?\b"),
    ("beneficiaire", "agent", r"\bau\s+profit\s+(?:de|du|des|d')"),
    ("beneficiaire", "noun", r"\bbeneficiaires?\b"),
    ("initiateur", "agent", r"\ba\s+l'initiative\s+(?:de|du|des|d')|\b(?:lancee?s?|initiee?s?)\s+par\b"),
    ("prescripteur", "noun", r"\bprescript(?:eur|eurs|rice|rices)\b"),
    ("appui", "agent", r"\baccompagnee?s?\s+par\b"),
)
_ROLE_RES = tuple((role, mode, re.compile(rx)) for role, mode, rx in ROLE_CUES)
ROLE_ORDER = ("pilote", "porteur", "signataire", "financeur", "animateur", "initiateur", "prescripteur", "appui",
              "membre", "beneficiaire", "partenaire")
# Grid fields whose actors are partners whatever else they do ("Partenaires / échelle"); in the
# "Acteurs" field, as anywhere else, an actor with no role cue is a partner by default.
PARTNER_FIELDS = ("partners_scale",)
_ENUM_GAP = re.compile(r"^[\s()]*(?:,|\bet\b|\bou\b|\bainsi que\b|\bpuis\b)?[\s(),]*"
                       r"(?:(?:de la|de l'|la|le|les|l'|du|des|aux|au)\s*)?$")
_AGENT_GAP = re.compile(r"^\s*(?:(?:de la|de l'|la|le|les|l'|du|des|d'|de|aux|au|un|une|ses|leurs?)\s*)?$")
_PAR = re.compile(r"\bpar\b")
_NEAREST_MAX = 60


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in "'’ʼ‘`´":
        return "'"
    f = fold(c)
    return f[:1] if f else c


def fold_aligned(text: str) -> str:
    """Case- and accent-folded ``text`` of the same length (one character per character)."""
    return "".join(c if c.isascii() and not c.isupper() and c != "`" else _fold_char(c) for c in text)


def _roles_for(actors: list[Mention], sent: tuple[int, int], folded: str) -> dict[int, set[str]]:
    """Role notations per index (in ``actors``) from the cues of one sentence."""
    s0, s1 = sent
    cues = []
    for role, mode, rx in _ROLE_RES:
        for m in rx.finditer(folded, s0, s1):
            cues.append((m.start(), m.end(), role, mode))
    cues.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    kept: list[tuple[int, int, str, str]] = []  # drop cues inside a longer/earlier one
    for c in cues:
        if all(c[1] <= k[0] or c[0] >= k[1] for k in kept):
            kept.append(c)
    out: dict[int, set[str]] = {}
    for n, (cs, ce, role, mode) in enumerate(kept):
        limit = kept[n + 1][0] if n + 1 < len(kept) else s1
        after = [i for i, a in enumerate(actors) if a.start >= ce and a.start < limit]
        if mode == "noun" and re.match(r"\s*:", folded[ce:ce + 4]):
            for i in after:
                out.setdefault(i, set()).add(role)
            continue
        if mode == "agent":
            # The actors right after the cue, and after each later "par" of its scope ("signée par
            # les présidents, puis par le Parc"), with those enumerated with them.
            anchors = [ce] + [m.end() for m in _PAR.finditer(folded, ce, limit)]
            for anchor in anchors:
                prev_end, first = anchor, True
                for i in after:
                    if actors[i].start < anchor:
                        continue
                    gap = folded[prev_end:actors[i].start]
                    if not (_AGENT_GAP.match(gap) if first else _ENUM_GAP.match(gap)):
                        break
                    out.setdefault(i, set()).add(role)
                    prev_end, first = actors[i].end, False
            continue
        best, best_d = None, _NEAREST_MAX + 1
        for i, a in enumerate(actors):
            if a.end <= cs:
                d = cs - a.end
            elif a.start >= ce:
                d = a.start - ce
            else:
                d = 0
            if d < best_d:
                best, best_d = i, d
        if best is None:
            continue
        # The nearest actor and those enumerated with it ("X (COB) et Y sont signataires").
        chosen = [best]
        step = -1 if actors[best].end <= cs else 1
        k = best
        while 0 <= k + step < len(actors):
            a, b = (actors[k + step], actors[k]) if step < 0 else (actors[k], actors[k + step])
            if not _ENUM_GAP.match(folded[a.end:b.start]):
                break
            k += step
            chosen.append(k)
        for i in chosen:
            out.setdefault(i, set()).add(role)
    return out


def assign_roles(document: Document, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    actors_idx = [i for i, m in enumerate(mentions) if m.kind == "actor"]
    if not actors_idx:
        return mentions
    text = document.text
    units: list[tuple[int, int, str | None]] = []
    for b in candidate.blocks:
        units.append((b.start, b.end, b.field))
    for fld, blocks in candidate.grid.items():
        for b in blocks:
            units.append((b.start, b.end, fld))
    units.sort(key=lambda u: (u[0], -(u[1] - u[0])))

    def unit_of(m: Mention) -> tuple[int, int, str | None]:
        best = None
        for u in units:
            if u[0] <= m.start and m.end <= u[1] and (best is None or u[1] - u[0] < best[1] - best[0]):
                best = u
        return best or (candidate.start, candidate.end, None)

    folded = " " * candidate.start + fold_aligned(text[candidate.start:candidate.end])
    roles: dict[int, set[str]] = {i: set() for i in actors_idx}
    fields: dict[int, str | None] = {}
    groups: dict[tuple[int, int], list[int]] = {}
    for i in actors_idx:
        u = unit_of(mentions[i])
        fields[i] = u[2] or _grid_field(candidate, mentions[i])
        groups.setdefault((u[0], u[1]), []).append(i)
    for (us, ue), idxs in groups.items():
        for sent in _sentences(text, us, ue):
            in_sent = sorted((i for i in idxs if sent[0] <= mentions[i].start < sent[1]),
                             key=lambda i: (mentions[i].start, mentions[i].end))
            if not in_sent:
                continue
            found = _roles_for([mentions[i] for i in in_sent], sent, folded)
            for k, rs in found.items():
                roles[in_sent[k]].update(rs)
    out = list(mentions)
    for i in actors_idx:
        rs = roles[i]
        if fields.get(i) in PARTNER_FIELDS or not rs:
            rs = rs | {"partenaire"}
        iris = tuple(r for r in (lexicon.role(name) for name in ROLE_ORDER if name in rs) if r is not None)
        out[i] = replace(out[i], roles=iris)
    return out


def _grid_field(candidate: Candidate, m: Mention) -> str | None:
    for fld, blocks in candidate.grid.items():
        for b in blocks:
            if b.start <= m.start and m.end <= b.end:
                return fld
    return None
