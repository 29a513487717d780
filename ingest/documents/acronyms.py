"""A body's acronym, given in parentheses after its name, names the same body.

« l'Agence nationale de l'habitat (Anah) », « le Syndicat mixte des Rives du Rhône (SMRR) … le SMRR
a proposé »: the acronym in parentheses and every later occurrence of it are the body the name
before it names, one actor, not two. :func:`with_acronyms` gives those occurrences the name (and
class) of the body. Type acronyms in parentheses (« Pays de Langres (PETR) ») say what a body is,
not what it is called: they are left to :mod:`.patterns`. Pure: text and matches in, matches out.
"""
from __future__ import annotations

import re
from typing import TypeVar

from .heads import UPPER

__all__ = ["initials", "with_acronyms"]

# « (SMRR) », « (CDG 52) », « (CC VEM) »: a kind's acronym may come first
_PAREN_ACRONYM = re.compile(rf"[ \u00a0]*\([ \u00a0]*(?P<acr>(?:(?:CC|CA|CU|SM|GECT|GLCT)[ \u00a0])?[{UPPER}][\w’'-]{{1,11}}"
                            rf"(?:[ \u00a0]\d{{2,3}})?)[ \u00a0]*\)")
# acronyms of a kind of body, not of one body's name
_TYPE_ACRONYMS = frozenset("""
pays petr pnr scot epci cc ca cu gal sivu sivom ccas cias epic sem spl sa sas asso eptb syndicat ept gect glct gip
""".split())

M = TypeVar("M")  # patterns.InstitutionMatch (a NamedTuple: start, end, text, cls, name, core, rule, weak)


_NOT_INITIAL = frozenset("de du des la le les l d et en sur sous au aux à lès".split())
_NAME_WORD = re.compile(r"[^\W\d_]+")


def initials(name: str) -> str:
    """The capitals a body's name is abbreviated to, its articles and connectors left out:
    « Communauté de communes de la Pieve de l'Ornano et du Taravo » → « CCPOT », « Communauté
    d'agglomération du Pays Ajaccien » → « CAPA », « Forêt d'Orléans-Loire-Sologne » → « FOLS »."""
    return "".join(w[0].upper() for w in _NAME_WORD.findall(name) if w.lower() not in _NOT_INITIAL)


def _distinctive(acr: str) -> str:
    """The acronym without a leading kind's acronym: « VEM » of « CC VEM »."""
    words = acr.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0].lower() in _TYPE_ACRONYMS else acr


def _acronym_like(acr: str) -> bool:
    """« SMRR », « CDG 52 », « EPIDOR », « CC VEM »: two capitals at least (one word, no common word)."""
    word = _distinctive(acr).split()[0]
    return sum(c.isupper() for c in word) >= 2 and word.lower() not in _TYPE_ACRONYMS


def with_acronyms(text: str, matches: list[M], start: int, end: int) -> list[M]:
    """``matches`` (in text order, not overlapping) where every later occurrence in ``text[start:end]``
    of an acronym given in parentheses right after a match is a match of that body (same name and
    class), an acronym the rules read themselves (« l'Anah ») included; the acronym in its
    parentheses is no match of its own (the name before it says the body)."""
    by_span = {(m.start, m.end): m for m in matches}
    aliases: dict[str, M] = {}
    defining: set[tuple[int, int]] = set()  # the acronyms in parentheses: the name before them says it
    for m in matches:
        p = _PAREN_ACRONYM.match(text, m.end, end)
        if p is None:
            continue
        acr = p.group("acr")
        inner = by_span.get((p.start("acr"), p.end("acr")))
        if acr not in aliases and (_acronym_like(acr) or (inner is not None and inner.name == acr)) \
                and _distinctive(acr).split()[0].lower() not in _TYPE_ACRONYMS:
            aliases[acr] = m
            defining.add((p.start("acr"), p.end("acr")))
    if not aliases:
        return matches
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, sorted(aliases, key=len, reverse=True)))})(?![\w-])")
    out = [m for m in matches if (m.start, m.end) not in defining]
    taken = [(m.start, m.end) for m in matches]
    for occ in pattern.finditer(text, start, end):
        s, e = occ.span()
        if (s, e) in defining:
            continue
        body = aliases[occ.group()]
        same = by_span.get((s, e))
        if same is None and any(a < e and s < b for a, b in taken):
            continue  # inside another body's name
        alias = type(body)(s, e, text[s:e], body.cls, body.name, body.core, "acronym", body.weak)
        if same is not None:
            out[out.index(same)] = alias
        else:
            out.append(alias)
    return sorted(out, key=lambda m: m.start)
