"""Link a name found in a document to an actor (or a territory) the base already has.

Two steps, the first that answers wins:

1. **Normalised name equality** (method ``"gazetteer"``, score 100). Both names are reduced to a
   *key*: case, accents, hyphens and apostrophes folded (:func:`search.text.normalize`), the
   abbreviations of type words expanded ("CC" → "communauté de communes", "CA" → "communauté
   d'agglomération", "CU", "PNR", "PETR", "Agglo", "CCI", "CMA", "St"; "Mairie" → "commune"), articles and connectors dropped
   ("de", "du", "la", "l'", "et"…). "CC du Pays de Landivisiau" and "Communauté de communes du
   Pays de Landivisiau" share the key ``communaute communes pays landivisiau``. Equality ignores
   the types (an alternative label such as "communauté urbaine de Brest" is a former name of Brest
   métropole) but prefers a candidate of a compatible type when several share the key.
2. **Fuzzy match** (method ``"fuzzy"``) with rapidfuzz on the keys, among candidates of a
   compatible type only when the type is known (``Lexicon.compatible``: a Pays matches a PETR, a
   communauté de communes never matches a Pays or a métropole). With a known type, the *cores* are
   compared — the keys without their type words at either end ("brest" for "Brest métropole",
   "pays landivisiau" for "CC du Pays de Landivisiau") — by the best of
   ``ratio``, ``token_sort_ratio`` and (when both sides have at least two words) ``token_set_ratio``,
   so "Pays du Grand Clermont" finds "PETR du Grand Clermont". Without a type, whole keys are
   compared by ``ratio``/``token_sort_ratio`` only (a subset is not a match: "Brest" is not
   "Brest métropole"). The best score must reach ``threshold`` (default 90 on 0..100).

Placeholder actors of the corpus ("… (non nommés dans la source)") are never candidates.
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from rapidfuzz import fuzz
from rdflib import URIRef

from search.text import normalize

from .lexicon import LexEntry, Lexicon

DEFAULT_THRESHOLD = 90.0
LINK_METHODS = ("gazetteer", "fuzzy")

# Abbreviations expanded in keys (folded tokens).
ABBREVIATIONS = {
    "cc": "communaute de communes",
    "ccs": "communaute de communes",
    "ca": "communaute d agglomeration",
    "cu": "communaute urbaine",
    "pnr": "parc naturel regional",
    "petr": "pole d equilibre territorial et rural",
    "agglo": "agglomeration",
    "cci": "chambre de commerce et d industrie",
    "cma": "chambre de metiers et de l artisanat",
    "ars": "agence regionale de sante",
    "cpam": "caisse primaire d assurance maladie",
    "mairie": "commune",  # « Mairie d'Hendaye », « MAIRIE D'AUDUN-LE-TICHE »: the commune
    "st": "saint",
    "ste": "sainte",
    "communautes": "communaute",
    "syndicats": "syndicat",
    "mixtes": "mixte",
}
# Dropped from keys.
ARTICLES = frozenset({"le", "la", "les", "l", "de", "du", "des", "d", "et", "a", "au", "aux", "en", "sur", "sous"})
# Type words removed from both ends of a key to get its core (longest first).
TYPE_HEADS: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(h.split()) for h in (
    "pole equilibre territorial rural", "communaute communes", "communaute agglomeration", "communaute urbaine",
    "parc naturel regional", "syndicat mixte", "pole metropolitain", "conseil departemental", "conseil general",
    "conseil regional", "agence urbanisme", "conseil developpement", "departement", "region", "metropole",
    "agglomeration", "communaute", "commune", "ville", "mairie", "scot", "pays", "territoire", "parc",
    "intercom",
)), key=lambda h: -len(h)))

_SEPARATORS = re.compile(r"[^\w]+")


class Link(NamedTuple):
    iri: URIRef
    score: float  # 0..100
    method: str  # "gazetteer" (normalised name equality) | "fuzzy"


def key_tokens(name: str) -> tuple[str, ...]:
    """The tokens of a name's key (see the module doc)."""
    out: list[str] = []
    for tok in _SEPARATORS.split(normalize(name)):
        if not tok or tok == "_":
            continue
        for t in ABBREVIATIONS.get(tok, tok).split():
            if t not in ARTICLES:
                out.append(t)
    return tuple(out)


def name_key(name: str) -> str:
    """``"CC du Pays de Landivisiau"`` → ``"communaute communes pays landivisiau"``."""
    return " ".join(key_tokens(name))


def core_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A key without its type words, at most one head at each end ("brest metropole" → "brest",
    "communaute communes pays landivisiau" → "pays landivisiau", "pays grand clermont" →
    "grand clermont")."""
    toks = tuple(tokens)
    for head in TYPE_HEADS:
        if len(toks) > len(head) and toks[:len(head)] == head:
            toks = toks[len(head):]
            break
    for head in TYPE_HEADS:
        if len(toks) > len(head) and toks[-len(head):] == head:
            toks = toks[:-len(head)]
            break
    return toks


def core_key(name: str) -> str:
    return " ".join(core_tokens(key_tokens(name)))


def similarity(a: tuple[str, ...], b: tuple[str, ...], *, subset: bool = True) -> float:
    """Best of ratio and token_sort_ratio (and token_set_ratio when ``subset`` and both sides have
    two words or more) between two token sequences, 0..100."""
    if not a or not b:
        return 0.0
    sa, sb = " ".join(a), " ".join(b)
    score = max(fuzz.ratio(sa, sb), fuzz.token_sort_ratio(sa, sb))
    if subset and min(len(set(a)), len(set(b))) >= 2:
        score = max(score, fuzz.token_set_ratio(sa, sb))
    return float(score)


class _Candidate(NamedTuple):
    entry: LexEntry
    key: tuple[str, ...]
    core: tuple[str, ...]
    preferred: bool  # the entry's first label


class Linker:
    """Precomputed keys of a lexicon's actors and territories; :meth:`link` links one name."""

    def __init__(self, lexicon: Lexicon, threshold: float = DEFAULT_THRESHOLD):
        self.lexicon = lexicon
        self.threshold = float(threshold)
        self._candidates: dict[str, list[_Candidate]] = {"actor": [], "territory": []}
        self._exact: dict[str, dict[tuple[str, ...], list[_Candidate]]] = {"actor": {}, "territory": {}}
        for kind in ("actor", "territory"):
            for entry in lexicon.by_kind(kind):
                if entry.placeholder:
                    continue
                for i, label in enumerate(entry.french_labels):
                    key = key_tokens(label)
                    if not key:
                        continue
                    cand = _Candidate(entry, key, core_tokens(key), i == 0)
                    self._candidates[kind].append(cand)
                    self._exact[kind].setdefault(key, []).append(cand)

    @classmethod
    def for_lexicon(cls, lexicon: Lexicon, threshold: float = DEFAULT_THRESHOLD) -> "Linker":
        """The linker of ``lexicon`` (built once per lexicon and threshold)."""
        slot = ("linker", float(threshold))
        linker = lexicon.cache.get(slot)
        if linker is None:
            linker = lexicon.cache[slot] = cls(lexicon, threshold)
        return linker

    def _rank(self, cand: _Candidate, types: tuple[URIRef, ...]) -> tuple:
        compatible = self.lexicon.compatible(types, cand.entry.types)
        same = bool(set(types) & set(cand.entry.types))
        return (not same, not compatible, not cand.preferred, str(cand.entry.iri))

    def link(self, name: str, *, types: Iterable[URIRef] = (), kind: str = "actor",
             threshold: float | None = None) -> Link | None:
        """The existing ``kind`` ("actor" or "territory") that ``name`` denotes, or None."""
        if kind not in self._candidates:
            raise ValueError(f"can only link actors and territories, not {kind!r}")
        types = tuple(types)
        threshold = self.threshold if threshold is None else float(threshold)
        key = key_tokens(name)
        if not key:
            return None
        exact = self._exact[kind].get(key)
        if exact:
            best = min(exact, key=lambda c: self._rank(c, types))
            return Link(best.entry.iri, 100.0, "gazetteer")
        core = core_tokens(key)
        best_score, best_cand = 0.0, None
        for cand in self._candidates[kind]:
            if types:
                if not self.lexicon.compatible(types, cand.entry.types):
                    continue
                if core and cand.core:
                    score = similarity(core, cand.core)
                else:
                    score = similarity(key, cand.key, subset=False)
            else:
                score = similarity(key, cand.key, subset=False)
            if score > best_score or (score == best_score and best_cand is not None
                                      and self._rank(cand, types) < self._rank(best_cand, types)):
                best_score, best_cand = score, cand
        if best_cand is None or best_score < threshold:
            return None
        return Link(best_cand.entry.iri, best_score, "fuzzy")


def link(name: str, lexicon: Lexicon, *, types: Iterable[URIRef] = (), kind: str = "actor",
         threshold: float = DEFAULT_THRESHOLD) -> Link | None:
    """Link ``name`` to an existing actor (``kind="actor"``) or territory; see the module doc."""
    return Linker.for_lexicon(lexicon).link(name, types=types, kind=kind, threshold=threshold)
