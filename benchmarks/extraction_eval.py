"""`coopkg bench extraction`: quality of raw document extraction, measured on the five seeds.

The curated corpus (corpus/cases/*.md) was written by hand from the five seed documents
(corpus/sources.yaml): it is the reference. The benchmark, in a separate data directory,

1. builds a base from a corpus (``kb.build.build``) and
2. ingests the seed files raw with :class:`coopkg.ingesting.Ingestor` (real spaCy, real e5),

then compares, per seed, the curated cases that cite the seed (``sources``) with the
``coop:ExtractedCase`` nodes of that document, read back from the store. Two registries:

``full``
    the base holds the whole curated corpus: mentions can be linked to the curated actors, and
    actors are compared by IRI. Optimistic: the registry of actors was written from these very
    seeds. Curated cases are in the base too; only ``coop:ExtractedCase`` nodes are matched.
``vocab``
    the base holds the vocabularies (corpus/vocab), sources.yaml and the national territories
    (territories/france.yaml: régions, départements); no actor, no seed-derived territory, no
    case. Actors must be found by patterns / NER / generic gazetteer entries and are compared by
    normalised name (fuzzy >= 90) to the labels and alt labels of the curated actors.

Matching (``match_cases``): for every (extracted, curated) pair of a seed, ``title`` = how much
the extracted title and the curated title or one of its alt labels contain each other (share of
the content words of one found in the other: folded, French function words removed, words equal
at rapidfuzz ratio >= 85), ``coverage`` = share of the curated actors among the extracted case's
asserted actors (same actor matcher as the metrics). A pair is *eligible* when ``title >= 0.8``,
or it shares at least 2 actors, or ``coverage >= 0.5``; its score is ``0.6 * title + 0.4 *
coverage``. Eligible pairs are taken greedily, best score first, one to one.

Metrics (micro over matched cases, per seed and overall): actor precision / recall (asserted
participants), instrument accuracy (most confident extracted instrument type — ties broken by the
earliest passage — equal to one of the curated types: strict; or a sub/superclass of one, the root
``coop:CooperationInstrument`` excluded: lenient), grid fields (fill rate and similarity rate,
rapidfuzz ``token_set_ratio`` >= 60 on folded text), levers / themes / concepts precision / recall.
Results: benchmarks/results/extraction.json; summary: "Evaluation on the seeds" in docs/extraction.md.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import click
from rapidfuzz import fuzz

from ontology.namespace import COOP

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = Path(__file__).resolve().parent / "results" / "extraction.json"
DOCS_FILE = ROOT / "docs" / "extraction.md"
SECTION = "## Evaluation on the seeds"
START, END = "<!-- bench-extraction:start -->", "<!-- bench-extraction:end -->"

REGISTRIES = ("full", "vocab")
GOALS = {"actor_recall": 0.85, "actor_precision": 0.8, "instrument_accuracy": 0.9}
NAME_THRESHOLD = 90.0  # vocab registry: fuzzy score (0-100) for an extracted actor name to equal a curated one
# vocab registry, inside a matched case: an unnamed group paired by class ranks after every pair by name
CLASS_PAIR_SCORE = 1.0
GENERIC_ACTOR_CLASSES = frozenset(str(COOP[c]) for c in (
    "Actor", "PublicActor", "LocalAuthority", "StateActor", "CivilSocietyActor", "EconomicActor"))
GRID_THRESHOLD = 60.0  # grid fields: token_set_ratio (0-100) for the extracted text to count as similar
GRID_EVAL_FIELDS = ("triggers", "partners_scale", "stakes", "ambitions", "object")
# Case matching (see the module docstring).
TITLE_ELIGIBLE = 0.8
COVERAGE_ELIGIBLE = 0.5
SHARED_ELIGIBLE = 2
TITLE_WEIGHT = 0.6

INSTRUMENT_ROOT = "https://w3id.org/coopkg/ontology#CooperationInstrument"

_STOPWORDS = frozenset("""
a au aux avec d de des du dans en et l la le les leur leurs ou par pour sa se ses son sur un une
entre the of and
""".split())
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Words that say what kind of institution a name is, not which one (core_key).
_TYPE_WORDS = frozenset("""
agglomeration ca cc cu commune communes communaute communautes urbaine metropole pays syndicat mixte pnr parc
naturel regional petr pole metropolitain departement region conseil departemental ville scot
""".split())
WORD_THRESHOLD = 85.0


# -- text ------------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case, no accents, punctuation and markup turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NON_WORD.sub(" ", ascii_text).split())


def content_words(text: str) -> str:
    """``fold`` without French function words (l', d', de, du, la…): what titles are compared on."""
    return " ".join(w for w in fold(text).split() if w not in _STOPWORDS)


# Acronyms that stand for a whole name (« CPAM de la Vendée » is « Caisse primaire d'assurance maladie
# de la Vendée ») or for its type words (« PETR du Pays Terres de Lorraine »): expanded on both sides
# before comparing. Kept apart from the extraction's own table
# (ingest/documents/linking.ABBREVIATIONS) on purpose: the measure must not share the measured code's rules.
_ACRONYMS = {"cpam": "caisse primaire assurance maladie", "ars": "agence regionale de sante",
             "cci": "chambre de commerce et industrie", "cma": "chambre de metiers et de artisanat",
             "petr": "pole equilibre territorial et rural", "pnr": "parc naturel regional",
             "cc": "communaute de communes", "ca": "communaute agglomeration", "cu": "communaute urbaine"}
_PARC = re.compile(r"\bparc\b(?! naturel)")


def name_key(name: str) -> str:
    """Normalised actor name: folded, acronyms of whole names expanded (``_ACRONYMS``), elided
    articles (l', d') dropped, a leading article dropped."""
    expanded = " ".join(_ACRONYMS.get(w, w) for w in fold(name).split())
    expanded = _PARC.sub("parc naturel regional", expanded)  # « le Parc des Monts d'Ardèche » is the PNR
    words = [w for w in expanded.split() if w not in ("l", "d")]
    while words and words[0] in ("le", "la", "les"):
        words = words[1:]
    return " ".join(words)


def core_key(name: str) -> str:
    """``name_key`` without function words and institutional type words: the distinctive part
    ("Communauté d'agglomération du Grand Chalon" -> "grand chalon")."""
    return " ".join(w for w in name_key(name).split() if w not in _STOPWORDS and w not in _TYPE_WORDS)


# A group's description around its members: "(non nommées dans la source)" (ingest/documents/lexicon.py
# PLACEHOLDER_MARK), "et leurs élus", "membres": "Communes membres de Chartres Métropole et leurs maires
# (non nommées dans la source)" is the group "Communes de Chartres Métropole".
_GROUP_DESCRIPTION = re.compile(r"\bet\s+leurs\s+(?:[ée]lus|maires)\b|\bmembres\b", re.IGNORECASE)


def group_key(label: str) -> str:
    """A placeholder's label without its description (see _GROUP_DESCRIPTION): what two names of an
    unnamed group are compared on, by ``name_similarity``."""
    from ontology.placeholders import PLACEHOLDER_MARK

    return " ".join(_GROUP_DESCRIPTION.sub(" ", PLACEHOLDER_MARK.sub(" ", label or "")).split())


def group_similarity(a: str, b: str) -> float:
    """``name_similarity`` of two groups' names without their descriptions (``group_key``): the same
    normalisation and distinctive-part rule as named actors, so "Communes du Grand Chalon" is not
    "Communes du Grand Besançon", nor "Communautés de communes du Grand Chalon" ("communes" vs
    "communautes de communes": the whole names differ)."""
    return name_similarity(group_key(a), group_key(b))


def _equal_score(a: str, b: str) -> float:
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def name_similarity(a: str, b: str) -> float:
    """0-100: how equal two actor names are (word order ignored, no subset bonus). Both the whole
    normalised names and their distinctive parts (``core_key``) must be close: "Communauté
    d'agglomération du Grand Besançon" is not "… du Grand Chalon" although 90 % of it is."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    score = _equal_score(ka, kb)
    ca, cb = core_key(a), core_key(b)
    if ca and cb:
        score = min(score, _equal_score(ca, cb))
    return score


def _containment(inner: list[str], outer: list[str]) -> float:
    """Share of the words of ``inner`` found in ``outer`` (a word matches at fuzz.ratio >= 85:
    OCR noise, plural marks)."""
    if not inner or not outer:
        return 0.0
    return sum(any(w == o or fuzz.ratio(w, o) >= WORD_THRESHOLD for o in outer) for w in inner) / len(inner)


def title_similarity(title: str, names: Iterable[str]) -> float:
    """0-1: how much one of the curated case's names (title, alt labels) and the extracted title
    contain each other: the best share of the content words of one found in the other. A short
    extracted title ("Pays Basque") inside a long curated one scores 1; sharing only generic words
    ("communauté d'agglomération du Grand …") scores less than ``TITLE_ELIGIBLE``."""
    t = content_words(title).split()
    if not t:
        return 0.0
    best = 0.0
    for name in names:
        n = content_words(name).split()
        best = max(best, _containment(t, n), _containment(n, t))
    return best


def text_similarity(a: str, b: str) -> float:
    """0-100: rapidfuzz token_set_ratio on folded text (grid fields)."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    return float(fuzz.token_set_ratio(fa, fb))


# -- values compared -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActorRef:
    """An extracted participant: the IRI the statement points to and the name it was given."""

    iri: str
    label: str
    confidence: float = 1.0
    asserted: bool = True
    types: tuple[str, ...] = ()  # the classes the statement gives a new actor (its payload)


@dataclass(frozen=True)
class InstrumentRef:
    type: str  # the instrument class IRI
    confidence: float
    start: int = 0  # first passage offset: breaks confidence ties (first mentioned wins)
    asserted: bool = True
    label: str = ""


@dataclass
class CuratedCase:
    id: str
    title: str
    alt_labels: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)  # actor IRIs
    instrument_types: list[str] = field(default_factory=list)  # class IRIs, curated order
    grid: dict[str, list[str]] = field(default_factory=dict)  # GRID_EVAL_FIELDS -> texts (non-empty only)
    levers: set[str] = field(default_factory=set)  # IRIs
    themes: set[str] = field(default_factory=set)
    concepts: set[str] = field(default_factory=set)

    @property
    def names(self) -> list[str]:
        return [self.title, *self.alt_labels]


@dataclass
class ExtractedCase:
    iri: str
    title: str
    file: str
    start: int = 0
    actors: list[ActorRef] = field(default_factory=list)  # asserted and suggested
    instruments: list[InstrumentRef] = field(default_factory=list)
    grid: dict[str, list[str]] = field(default_factory=dict)
    levers: set[str] = field(default_factory=set)  # asserted only
    themes: set[str] = field(default_factory=set)
    concepts: set[str] = field(default_factory=set)

    def asserted_actors(self) -> list[ActorRef]:
        return [a for a in self.actors if a.asserted]


# -- actor matching ----------------------------------------------------------------------------------
class ActorMatcher:
    """Pairs extracted participants with curated actors, one to one.

    ``by="iri"`` (registry ``full``): an extracted participant is a curated actor when it points to
    its IRI (several mentions linked to one IRI are one participant). ``by="label"`` (registry
    ``vocab``): when its name is within ``threshold`` (``name_similarity``) of the curated actor's
    label or one of its alt labels; best pairs first; two extracted names for one actor count once
    (the second is a false positive: it would be a duplicate actor in the graph). An extracted
    *group* (a minted placeholder: "Communes du Grand Chalon (non nommées dans la source)") is
    compared with the curated placeholders only, on their names without descriptions
    (``group_similarity``); with ``groups_by_class`` (the actors of one matched case), a group no
    placeholder is named like is then paired with a placeholder of the same class, or a sub- or
    superclass ("5 Communautés de communes" of a partners row and « Cinq communautés de communes
    de l'entente TRIDAN »): an unnamed group is a description, two descriptions of it rarely share
    their words, and inside one case its class is what tells it from the others. Classes too
    general to say which group is meant (``GENERIC_ACTOR_CLASSES``) never pair.
    """

    def __init__(self, by: str, names: dict[str, list[str]] | None = None, threshold: float = NAME_THRESHOLD,
                 classes: dict[str, frozenset[str]] | None = None, ancestors: dict[str, frozenset[str]] | None = None):
        if by not in ("iri", "label"):
            raise ValueError(f"unknown actor matching {by!r}")
        self.by, self.names, self.threshold = by, names or {}, threshold
        self.classes, self.ancestors = classes or {}, ancestors or {}

    def _specific(self, types: Iterable[str]) -> set[str]:
        return {t for t in types if t not in GENERIC_ACTOR_CLASSES}

    def same_kind(self, a: ActorRef, gold: str) -> bool:
        """``a``'s classes and the curated actor's share a specific class, or one is under the other."""
        mine, theirs = self._specific(a.types), self._specific(self.classes.get(gold, ()))
        if not mine or not theirs:
            return False
        up = set().union(*(self.ancestors.get(t, frozenset()) for t in mine))
        down = set().union(*(self.ancestors.get(t, frozenset()) for t in theirs))
        return bool(mine & theirs or up & theirs or down & mine)

    def by_name(self, a: ActorRef, gold: str) -> bool:
        """Whether the pair holds by name (else it was paired by class)."""
        from ingest.documents.lexicon import is_placeholder_label

        names = self.names.get(gold, [])
        similar = group_similarity if is_placeholder_label(a.label) else name_similarity
        return max((similar(a.label, n) for n in names), default=0.0) >= self.threshold

    def predicted(self, actors: Iterable[ActorRef]) -> list[ActorRef]:
        """The distinct predictions: one per IRI (iri) or per normalised name (label)."""
        out, seen = [], set()
        for a in actors:
            key = a.iri if self.by == "iri" else (name_key(a.label) or a.iri)
            if key not in seen:
                seen.add(key)
                out.append(a)
        return out

    def match(self, actors: Iterable[ActorRef], gold: Sequence[str], *,
              groups_by_class: bool = False) -> list[tuple[ActorRef, str]]:
        pred = self.predicted(actors)
        if self.by == "iri":
            wanted = set(gold)
            return [(a, a.iri) for a in pred if a.iri in wanted]
        from ingest.documents.lexicon import is_placeholder_label

        pairs = []
        for i, a in enumerate(pred):
            group = is_placeholder_label(a.label)
            for j, g in enumerate(gold):
                names = self.names.get(g, [])
                if group:
                    if not names or not is_placeholder_label(names[0]):
                        continue
                    score = max(group_similarity(a.label, n) for n in names)
                    if score < self.threshold and groups_by_class and self.same_kind(a, g):
                        score = CLASS_PAIR_SCORE
                else:
                    score = max((name_similarity(a.label, n) for n in names), default=0.0)
                if score >= self.threshold or score == CLASS_PAIR_SCORE:
                    pairs.append((-score, i, j))
        used_p, used_g, out = set(), set(), []
        for _, i, j in sorted(pairs):
            if i not in used_p and j not in used_g:
                used_p.add(i)
                used_g.add(j)
                out.append((pred[i], gold[j]))
        return out


# -- case matching -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    extracted: int  # index in the extracted list
    curated: int  # index in the curated list
    score: float
    title: float
    coverage: float
    shared: int


def pair_features(e: ExtractedCase, c: CuratedCase, matcher: ActorMatcher) -> tuple[float, float, int]:
    title = title_similarity(e.title, c.names)
    shared = len(matcher.match(e.asserted_actors(), c.actors))
    coverage = shared / len(c.actors) if c.actors else 0.0
    return title, coverage, shared


def eligible(title: float, coverage: float, shared: int) -> bool:
    return title >= TITLE_ELIGIBLE or shared >= SHARED_ELIGIBLE or coverage >= COVERAGE_ELIGIBLE


def match_score(title: float, coverage: float) -> float:
    return TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * coverage


def match_cases(extracted: Sequence[ExtractedCase], curated: Sequence[CuratedCase], matcher: ActorMatcher) -> list[Match]:
    """Greedy one-to-one matching of a seed's extracted cases with the curated cases citing it."""
    pairs = []
    for i, e in enumerate(extracted):
        for j, c in enumerate(curated):
            title, coverage, shared = pair_features(e, c, matcher)
            if eligible(title, coverage, shared):
                pairs.append(Match(i, j, round(match_score(title, coverage), 4), round(title, 4), round(coverage, 4), shared))
    pairs.sort(key=lambda m: (-m.score, m.extracted, m.curated))
    used_e, used_c, out = set(), set(), []
    for m in pairs:
        if m.extracted not in used_e and m.curated not in used_c:
            used_e.add(m.extracted)
            used_c.add(m.curated)
            out.append(m)
    return sorted(out, key=lambda m: m.curated)


# -- metrics -----------------------------------------------------------------------------------------
def ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def prf(tp: int, predicted: int, gold: int) -> dict:
    p, r = ratio(tp, predicted), ratio(tp, gold)
    f = round(2 * p * r / (p + r), 4) if p and r else (0.0 if p is not None and r is not None else None)
    return {"tp": tp, "predicted": predicted, "gold": gold, "precision": p, "recall": r, "f1": f}


def top_instrument(instruments: Sequence[InstrumentRef]) -> InstrumentRef | None:
    """The most confident extracted instrument (any review status); ties: first mentioned, then IRI."""
    if not instruments:
        return None
    return min(instruments, key=lambda i: (-i.confidence, i.start, i.type))


def related_types(cls: str, parents: dict[str, set[str]]) -> set[str]:
    """``cls``'s ancestors (transitive, via ``parents``: class -> direct superclasses), the
    instrument root excluded."""
    seen, todo = set(), [cls]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    seen.discard(INSTRUMENT_ROOT)
    return seen


def instrument_verdict(top: str | None, curated: Sequence[str], parents: dict[str, set[str]]) -> tuple[bool, bool]:
    """(strict, lenient): ``top`` equals a curated type; or it is a sub/superclass of one."""
    if top is None:
        return False, False
    strict = top in curated
    up = related_types(top, parents)
    lenient = strict or any(c in up or top in related_types(c, parents) for c in curated)
    return strict, lenient


def grid_scores(curated: dict[str, list[str]], extracted: dict[str, list[str]],
                threshold: float = GRID_THRESHOLD) -> dict[str, dict]:
    """Per grid field filled in the curated case: is it filled by the extraction, and is the text similar."""
    out = {}
    for key in GRID_EVAL_FIELDS:
        gold = [t for t in curated.get(key, []) if t and t.strip()]
        if not gold:
            continue
        got = [t for t in extracted.get(key, []) if t and t.strip()]
        sim = text_similarity(" ".join(gold), " ".join(got)) if got else 0.0
        out[key] = {"filled": bool(got), "similar": bool(got) and sim >= threshold, "similarity": round(sim, 1)}
    return out


def set_counts(pred: set[str], gold: set[str]) -> dict:
    return {"tp": len(pred & gold), "predicted": len(pred), "gold": len(gold)}


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def evaluate_seed(extracted: Sequence[ExtractedCase], curated: Sequence[CuratedCase], matcher: ActorMatcher,
                  parents: dict[str, set[str]], slugs: dict[str, str] | None = None,
                  unnamed: frozenset[str] | set[str] = frozenset()) -> dict:
    """Every count of one seed (matching, actors, instruments, grid, levers, themes, concepts).
    ``unnamed``: the IRIs of the curated placeholder actors ("… (non nommées dans la source)")."""
    slugs = slugs or {}
    matches = match_cases(extracted, curated, matcher)
    matched_e = {m.extracted for m in matches}
    matched_c = {m.curated for m in matches}
    seed = {
        "cases": {"curated": len(curated), "extracted": len(extracted), "found": len(matches),
                  "extra": len(extracted) - len(matches)},
        "matches": [], "missed_cases": [c.id for j, c in enumerate(curated) if j not in matched_c],
        "extra_cases": [e.title for i, e in enumerate(extracted) if i not in matched_e],
    }
    actors = {"tp": 0, "predicted": 0, "gold": 0, "tp_with_suggestions": 0, "tp_named": 0, "gold_named": 0,
              "tp_groups_by_class": 0,
              "gold_all_cases": sum(len(c.actors) for c in curated)}
    instruments = {"cases": 0, "strict": 0, "lenient": 0, "curated_type_extracted": 0}
    grid = {key: {"curated": 0, "filled": 0, "similar": 0} for key in GRID_EVAL_FIELDS}
    grid_cases = 0
    vocab = {k: {"tp": 0, "predicted": 0, "gold": 0} for k in ("levers", "themes", "concepts")}
    for m in matches:
        e, c = extracted[m.extracted], curated[m.curated]
        asserted = matcher.predicted(e.asserted_actors())
        hits = matcher.match(asserted, c.actors, groups_by_class=True)
        found_gold = {g for _, g in hits}
        with_sugg = {g for _, g in matcher.match(e.actors, c.actors, groups_by_class=True)}
        by_class = [(a, g) for a, g in hits if matcher.by == "label" and not matcher.by_name(a, g)]
        actors["tp"] += len(hits)
        actors["tp_groups_by_class"] += len(by_class)
        actors["predicted"] += len(asserted)
        actors["gold"] += len(c.actors)
        actors["tp_with_suggestions"] += len(with_sugg)
        actors["tp_named"] += len(found_gold - set(unnamed))
        actors["gold_named"] += len([g for g in c.actors if g not in unnamed])
        hit_preds = {id(a) for a, _ in hits}
        top = top_instrument(e.instruments)
        strict, lenient = instrument_verdict(top.type if top else None, c.instrument_types, parents)
        types_found = {i.type for i in e.instruments}
        instruments["cases"] += 1
        instruments["strict"] += strict
        instruments["lenient"] += lenient
        instruments["curated_type_extracted"] += any(t in types_found for t in c.instrument_types)
        detail_grid = grid_scores(c.grid, e.grid)
        if detail_grid:
            grid_cases += 1
        for key, v in detail_grid.items():
            grid[key]["curated"] += 1
            grid[key]["filled"] += v["filled"]
            grid[key]["similar"] += v["similar"]
        for key in vocab:
            for k, n in set_counts(getattr(e, key), getattr(c, key)).items():
                vocab[key][k] += n
        seed["matches"].append({
            "curated": c.id, "extracted": e.title, "extracted_iri": e.iri, "score": m.score, "title": m.title,
            "coverage": m.coverage,
            "actors": {"found": sorted(_short(g) for g in found_gold),
                       "groups_by_class": sorted(f"{a.label} = {_short(g)}" for a, g in by_class),
                       "missed": sorted(_short(g) for g in c.actors if g not in found_gold and g not in unnamed),
                       "missed_unnamed": sorted(_short(g) for g in c.actors if g not in found_gold and g in unnamed),
                       "missed_but_suggested": sorted(_short(g) for g in with_sugg - found_gold),
                       "spurious": sorted(a.label for a in asserted if id(a) not in hit_preds)},
            "instrument": {"top": slugs.get(top.type, _short(top.type)) if top else None,
                           "top_label": top.label if top else None,
                           "top_confidence": top.confidence if top else None,
                           "curated": [slugs.get(t, _short(t)) for t in c.instrument_types],
                           "strict": strict, "lenient": lenient},
            "grid": detail_grid,
            "levers": {"missed": sorted(_short(x) for x in c.levers - e.levers),
                       "spurious": sorted(_short(x) for x in e.levers - c.levers)},
        })
    # Document level, independent of segmentation: every curated actor of the seed's cases vs
    # every asserted actor of the document's extracted cases.
    doc_pred = matcher.predicted(a for e in extracted for a in e.asserted_actors())
    doc_gold = list(dict.fromkeys(g for c in curated for g in c.actors))
    doc_hits = matcher.match(doc_pred, doc_gold)
    seed["actors"] = {**prf(actors["tp"], actors["predicted"], actors["gold"]), **_actor_extras(actors)}
    doc_found = {g for _, g in doc_hits}
    seed["actors_document"] = {**prf(len(doc_hits), len(doc_pred), len(doc_gold)),
                               "tp_named": len(doc_found - set(unnamed)),
                               "gold_named": len([g for g in doc_gold if g not in unnamed]),
                               "missed": sorted(_short(g) for g in set(doc_gold) - doc_found if g not in unnamed),
                               "missed_unnamed": sorted(_short(g) for g in set(doc_gold) - doc_found if g in unnamed)}
    seed["actors_document"]["recall_named"] = ratio(seed["actors_document"]["tp_named"], seed["actors_document"]["gold_named"])
    seed["instruments"] = {**instruments, "strict_accuracy": ratio(instruments["strict"], instruments["cases"]),
                           "lenient_accuracy": ratio(instruments["lenient"], instruments["cases"])}
    seed["grid"] = _grid_summary(grid, grid_cases)
    for key, counts in vocab.items():
        seed[key] = prf(counts["tp"], counts["predicted"], counts["gold"])
    return seed


def _actor_extras(a: dict) -> dict:
    return {"tp_with_suggestions": a["tp_with_suggestions"],
            "recall_with_suggestions": ratio(a["tp_with_suggestions"], a["gold"]),
            "tp_named": a["tp_named"], "gold_named": a["gold_named"], "recall_named": ratio(a["tp_named"], a["gold_named"]),
            "tp_placeholders": a["tp"] - a["tp_named"], "gold_placeholders": a["gold"] - a["gold_named"],
            "recall_placeholders": ratio(a["tp"] - a["tp_named"], a["gold"] - a["gold_named"]),
            "gold_all_cases": a["gold_all_cases"], "recall_all_cases": ratio(a["tp"], a["gold_all_cases"]),
            "tp_groups_by_class": a["tp_groups_by_class"],
            "recall_groups_by_name": ratio(a["tp"] - a["tp_groups_by_class"], a["gold"]),
            "precision_groups_by_name": ratio(a["tp"] - a["tp_groups_by_class"], a["predicted"])}


def _grid_summary(grid: dict[str, dict], cases: int) -> dict:
    total = {k: sum(v[k] for v in grid.values()) for k in ("curated", "filled", "similar")}
    return {"cases": cases,
            "fields": {k: {**v, "fill_rate": ratio(v["filled"], v["curated"]), "similarity_rate": ratio(v["similar"], v["curated"])}
                       for k, v in grid.items()},
            **total, "fill_rate": ratio(total["filled"], total["curated"]),
            "similarity_rate": ratio(total["similar"], total["curated"])}


def aggregate(seeds: dict[str, dict]) -> dict:
    """Micro averages over the seeds: counts summed, then the rates."""
    def total(path: tuple, key: str) -> int:
        out = 0
        for s in seeds.values():
            node = s
            for p in path:
                node = node[p]
            out += node[key]
        return out

    cases = {k: total(("cases",), k) for k in ("curated", "extracted", "found", "extra")}
    cases["found_rate"] = ratio(cases["found"], cases["curated"])
    actors = prf(total(("actors",), "tp"), total(("actors",), "predicted"), total(("actors",), "gold"))
    actors.update(_actor_extras({k: total(("actors",), k) for k in (
        "tp", "gold", "predicted", "tp_with_suggestions", "tp_named", "gold_named", "gold_all_cases",
        "tp_groups_by_class")}))
    doc = prf(total(("actors_document",), "tp"), total(("actors_document",), "predicted"), total(("actors_document",), "gold"))
    doc.update({k: total(("actors_document",), k) for k in ("tp_named", "gold_named")})
    doc["recall_named"] = ratio(doc["tp_named"], doc["gold_named"])
    inst = {k: total(("instruments",), k) for k in ("cases", "strict", "lenient", "curated_type_extracted")}
    inst["strict_accuracy"] = ratio(inst["strict"], inst["cases"])
    inst["lenient_accuracy"] = ratio(inst["lenient"], inst["cases"])
    grid = {k: {m: total(("grid", "fields", k), m) for m in ("curated", "filled", "similar")} for k in GRID_EVAL_FIELDS}
    out = {"cases": cases, "actors": actors, "actors_document": doc, "instruments": inst,
           "grid": _grid_summary(grid, total(("grid",), "cases"))}
    for key in ("levers", "themes", "concepts"):
        out[key] = prf(total((key,), "tp"), total((key,), "predicted"), total((key,), "gold"))
    return out


def verdicts(overall: dict) -> dict:
    a, i = overall["actors"], overall["instruments"]

    def ok(value, goal):
        return value is not None and value >= goal

    return {
        "actor_recall": {"goal": GOALS["actor_recall"], "value": a["recall"], "met": ok(a["recall"], GOALS["actor_recall"])},
        "actor_precision": {"goal": GOALS["actor_precision"], "value": a["precision"],
                            "met": ok(a["precision"], GOALS["actor_precision"])},
        "instrument_accuracy_strict": {"goal": GOALS["instrument_accuracy"], "value": i["strict_accuracy"],
                                       "met": ok(i["strict_accuracy"], GOALS["instrument_accuracy"])},
        "instrument_accuracy_lenient": {"goal": GOALS["instrument_accuracy"], "value": i["lenient_accuracy"],
                                        "met": ok(i["lenient_accuracy"], GOALS["instrument_accuracy"])},
    }


# -- reading the curated corpus and the store ------------------------------------------------------
def curated_cases(corpus, minter) -> tuple[list[CuratedCase], dict[str, list[str]]]:
    """The curated cases (with the seeds they cite) and, per actor IRI, its label and alt labels."""
    cases = []
    for ident, entry in sorted(corpus.of("case").items()):
        f = entry.fields
        grid = {}
        for key in GRID_EVAL_FIELDS:
            value = (f.get("grid") or {}).get(key)
            texts = [value] if isinstance(value, str) else list(value or [])
            texts = [t for t in texts if t and t.strip()]
            if texts:
                grid[key] = texts
        cases.append(CuratedCase(
            id=ident, title=f["title"], alt_labels=list(f.get("alt_labels") or []),
            seeds=list(dict.fromkeys(s["source"] for s in f["sources"])),
            actors=[str(minter.iri("actor", p["actor"])) for p in f["participations"]],
            instrument_types=list(dict.fromkeys(str(i["type"].iri) for i in f["instruments"])),
            grid=grid,
            levers={str(minter.iri("lever", x)) for x in f["levers"]},
            themes={str(minter.iri("theme", x)) for x in f["themes"]},
            concepts={str(minter.iri("concept", x)) for x in f.get("concepts") or []},
        ))
    names = {str(minter.iri("actor", ident)): [e["label"], *(e.get("alt_labels") or [])]
             for ident, e in corpus.of("actor").items()}
    return cases, names


def actor_classes(corpus, minter) -> dict[str, frozenset[str]]:
    """Per curated actor IRI, the classes of its ``types`` (read by the corpus loader)."""
    return {str(minter.iri("actor", ident)): frozenset(str(t.iri) for t in e.get("types") or [])
            for ident, e in corpus.of("actor").items()}


def class_ancestors() -> dict[str, frozenset[str]]:
    """Per actor class, its superclasses (transitively)."""
    from rdflib import URIRef
    from rdflib.namespace import RDFS

    from ontology.model import ontology_graph, ontology_index

    g = ontology_graph()
    return {str(t.iri): frozenset(str(c) for c in g.transitive_objects(URIRef(t.iri), RDFS.subClassOf)) - {str(t.iri)}
            for t in ontology_index().actor_types.values()}


def placeholder_actors(corpus, minter) -> frozenset[str]:
    """Curated actors the source does not name ("… (non nommées dans la source)", "… (composition
    non détaillée dans la source)"): extraction never links them by name — the same test as
    ingest/documents/lexicon.py ``LexEntry.placeholder``."""
    from ingest.documents.lexicon import is_placeholder_label

    return frozenset(str(minter.iri("actor", ident)) for ident, e in corpus.of("actor").items()
                     if is_placeholder_label(e["label"]))


_PREFIXES = """PREFIX coop: <https://w3id.org/coopkg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
_Q_CASES = _PREFIXES + """SELECT ?case ?title ?file (MIN(?start) AS ?first) WHERE { GRAPH ?g {
  ?case a coop:ExtractedCase ; rdfs:label ?title ; dcterms:source ?d . ?d coop:fileName ?file .
  OPTIONAL { ?case coop:evidence ?p . ?p coop:startOffset ?start } } } GROUP BY ?case ?title ?file"""
_Q_STATEMENTS = _PREFIXES + """SELECT ?x ?case ?p ?o ?label ?conf ?status ?payload (MIN(?start) AS ?first) WHERE { GRAPH ?g {
  ?case a coop:ExtractedCase .
  ?x a coop:Extraction ; rdf:subject ?case ; rdf:predicate ?p ; rdf:object ?o ; coop:confidence ?conf ;
     coop:reviewStatus ?status .
  OPTIONAL { ?x rdfs:label ?label } OPTIONAL { ?x coop:payload ?payload }
  OPTIONAL { ?x coop:evidence ?e . ?e coop:startOffset ?start } } }
GROUP BY ?x ?case ?p ?o ?label ?conf ?status ?payload"""

_COOP = "https://w3id.org/coopkg/ontology#"
_GRID_PREDICATES = {_COOP + "trigger": "triggers", _COOP + "stake": "stakes", _COOP + "ambition": "ambitions",
                    _COOP + "object": "object", _COOP + "partnersScale": "partners_scale"}


def _payload_types(payload: str, target: str) -> tuple[str, ...]:
    """Every class the payload gives ``target`` (a new actor), sorted."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    if not payload:
        return ()
    g = Graph().parse(data=payload, format="nt")
    return tuple(sorted(str(o) for o in g.objects(URIRef(target), RDF.type)))


def _payload_type(payload: str, target: str) -> str | None:
    """The class the payload gives ``target`` (an instrument node: it has one)."""
    types = _payload_types(payload, target)
    return types[0] if types else None


def extracted_cases(store) -> list[ExtractedCase]:
    """Every coop:ExtractedCase of the store, with its statements (curated cases are never read)."""
    cases: dict[str, ExtractedCase] = {}
    for iri, title, file, first in store.select(_Q_CASES).rows:
        cases[str(iri)] = ExtractedCase(str(iri), str(title), str(file), int(first) if first is not None else 0)
    asserted_status = {_COOP + "Asserted", _COOP + "Accepted"}
    for x, case, p, o, label, conf, status, payload, first in store.select(_Q_STATEMENTS).rows:
        e = cases.get(str(case))
        if e is None:
            continue
        p, o, status = str(p), str(o), str(status)
        if status == _COOP + "Rejected":
            continue
        asserted = status in asserted_status
        conf = float(conf)
        start = int(first) if first is not None else 0
        label = str(label) if label is not None else ""
        if p == _COOP + "involves":
            e.actors.append(ActorRef(o, label, conf, asserted, _payload_types(str(payload or ""), o)))
        elif p == _COOP + "usesInstrument":
            kind = _payload_type(str(payload or ""), o)
            if kind:
                e.instruments.append(InstrumentRef(kind, conf, start, asserted, label))
        elif p in _GRID_PREDICATES and asserted:
            e.grid.setdefault(_GRID_PREDICATES[p], []).append(o)
        elif asserted and p == _COOP + "mobilisesLever":
            e.levers.add(o)
        elif asserted and p == _COOP + "hasTheme":
            e.themes.add(o)
        elif asserted and p == _COOP + "illustratesConcept":
            e.concepts.add(o)
    return sorted(cases.values(), key=lambda c: (c.file, c.start, c.iri))


def instrument_parents() -> tuple[dict[str, set[str]], dict[str, str]]:
    """class -> direct superclasses (instrument classes only), and class -> slug."""
    from rdflib import URIRef
    from rdflib.namespace import RDFS

    from ontology.model import ontology_graph, ontology_index

    index = ontology_index()
    classes = {str(t.iri) for t in index.instrument_types.values()} | {INSTRUMENT_ROOT}
    g = ontology_graph()
    parents = {cls: {str(p) for p in g.objects(URIRef(cls), RDFS.subClassOf) if str(p) in classes} for cls in classes}
    return parents, {str(t.iri): slug for slug, t in index.instrument_types.items()}


# -- the run ---------------------------------------------------------------------------------------
def vocab_corpus(source: Path, target: Path) -> Path:
    """A copy of the corpus holding only what does not come from the seeds' actors and cases:
    sources.yaml, vocab/, territories/france.yaml (régions, départements); actors/ and cases/ empty."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copyfile(source / "sources.yaml", target / "sources.yaml")
    shutil.copytree(source / "vocab", target / "vocab")
    (target / "territories").mkdir()
    shutil.copyfile(source / "territories" / "france.yaml", target / "territories" / "france.yaml")
    (target / "actors").mkdir()
    (target / "cases").mkdir()
    return target


def seed_files(seeds_dir: Path, sources: dict) -> dict[str, Path]:
    out = {}
    for ident, entry in sorted(sources.items()):
        path = seeds_dir / entry["file"]
        if not path.is_file():
            raise click.ClickException(f"{path}: seed file of {ident} not found (corpus/sources.yaml)")
        out[ident] = path
    return out


@dataclass
class _Models:
    nlp: object = None
    embedder: object = None


def ingest_into_base(registry: str, files: Sequence[Path], *, corpus_dir: Path, base_dir: Path, model: str,
                     models: _Models, echo: Callable[[str], None], reuse: bool = False) -> tuple[object, dict]:
    """Build the base of ``registry`` under ``base_dir`` (``full``: ``corpus_dir``; ``vocab``: its
    vocabularies and territories only) and ingest ``files`` into it; returns the settings of that
    base and a record of the run (``bench-extraction.json`` there, read again with ``reuse``)."""
    from coopkg.ingesting import Ingestor
    from coopkg.settings import load_settings
    from kb.build import build

    corpus = corpus_dir if registry == "full" else base_dir / "corpus"
    settings = load_settings(home=base_dir / "data", corpus_dir=corpus, embedding_model=model, store="embedded")
    stamp = base_dir / "bench-extraction.json"
    if reuse and stamp.exists():
        echo(f"[{registry}] reusing the base and ingestion in {base_dir}")
        run = json.loads(stamp.read_text(encoding="utf-8"))
    else:
        shutil.rmtree(base_dir, ignore_errors=True)
        base_dir.mkdir(parents=True)
        if registry == "vocab":
            vocab_corpus(corpus_dir, corpus)
        echo(f"[{registry}] building the base from {corpus} into {settings.home}")
        t = time.perf_counter()
        report = build(settings)
        build_s = time.perf_counter() - t
        echo(f"[{registry}] ingesting {len(files)} documents (spaCy + {model})")
        ingestor = Ingestor(settings, nlp=models.nlp, embedder=models.embedder)
        t = time.perf_counter()
        ing = ingestor.run([str(p) for p in files], index=False)
        ingest_s = time.perf_counter() - t
        models.nlp, models.embedder = ingestor._nlp, ingestor._embedder
        run = {"store_triples": report.store_triples, "build_seconds": round(build_s, 2),
               "ingest_seconds": round(ingest_s, 2), "timings": {k: round(v, 2) for k, v in ing.timings.items()},
               "failed": {o.path: o.error for o in ing.outcomes if o.status == "failed"},
               "outcomes": [o.line() for o in ing.outcomes]}
        stamp.write_text(json.dumps(run, indent=2, ensure_ascii=False), encoding="utf-8")
    for error in run["failed"].values():
        echo(f"[{registry}] FAILED {error}")
    return settings, run


def run_registry(registry: str, *, seeds_dir: Path, corpus_dir: Path, home: Path, model: str, models: _Models,
                 echo: Callable[[str], None], reuse: bool = False) -> dict:
    from ingest.corpus import load_corpus
    from kb.store import open_store
    from ontology.iris import Minter

    full = load_corpus(corpus_dir)  # the reference, whatever the registry
    files = seed_files(seeds_dir, full.of("source"))
    settings, run = ingest_into_base(registry, list(files.values()), corpus_dir=corpus_dir, base_dir=home / registry,
                                     model=model, models=models, echo=echo, reuse=reuse)
    failed = run["failed"]

    minter = Minter(settings.base_iri)
    cases, names = curated_cases(full, minter)
    unnamed = placeholder_actors(full, minter)
    parents, slugs = instrument_parents()
    store = open_store(settings)
    try:
        extracted = extracted_cases(store)
    finally:
        store.close()
    matcher = ActorMatcher("iri") if registry == "full" else ActorMatcher(
        "label", names, classes=actor_classes(full, minter), ancestors=class_ancestors())
    seeds = {}
    for ident, path in files.items():
        cur = [c for c in cases if ident in c.seeds]
        ext = [e for e in extracted if e.file == path.name]
        result = evaluate_seed(ext, cur, matcher, parents, slugs, unnamed)
        seeds[ident] = {"file": path.name, "title": full.of("source")[ident]["title"],
                        "ingest_error": failed.get(str(path)), **result}
        echo(f"[{registry}] {ident}: {result['cases']['found']}/{result['cases']['curated']} cases found, "
             f"{result['cases']['extra']} extra; actors P {_fmt(result['actors']['precision'])} "
             f"R {_fmt(result['actors']['recall'])}; instrument {_fmt(result['instruments']['strict_accuracy'])}")
    overall = aggregate(seeds)
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "registry": registry,
        "base": {"corpus": "corpus/" if registry == "full" else
                 "sources.yaml + vocab/ + territories/france.yaml (no actors, no cases)",
                 "store_triples": run["store_triples"], "build_seconds": run["build_seconds"],
                 "actors": 0 if registry == "vocab" else len(full.of("actor")),
                 "curated_cases_in_base": 0 if registry == "vocab" else len(full.of("case"))},
        "actor_matching": "by IRI" if registry == "full" else f"by normalised name, fuzzy >= {NAME_THRESHOLD:g}",
        "ingest": {"seconds": run["ingest_seconds"], "timings": run["timings"], "failed": len(failed),
                   "outcomes": run["outcomes"]},
        "seeds": seeds, "overall": overall, "goals": verdicts(overall),
    }


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _machine() -> dict:
    import platform
    import subprocess
    from importlib.metadata import version

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    versions = {}
    for pkg in ("spacy", "rapidfuzz", "sentence-transformers", "fr_core_news_md"):
        try:
            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is just not reported
            pass
    # The extraction code may be uncommitted work in progress: identify exactly what was measured.
    code = {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()[:12]
            for p in sorted((ROOT / "ingest" / "documents").glob("*.py")) + [ROOT / "coopkg" / "ingesting.py"]}
    return {"python": platform.python_version(), "commit": commit, "versions": versions, "extraction_code_sha256": code}


def save(results: dict, path: Path = RESULTS_FILE) -> Path:
    """Write the run, keeping the other registry's last results when only one was run."""
    previous = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8")).get("configurations", {})
        except (ValueError, AttributeError):
            previous = {}
    results["configurations"] = {**{k: v for k, v in previous.items() if k in REGISTRIES}, **results["configurations"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# -- docs --------------------------------------------------------------------------------------------
def _pct(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def render_summary(results: dict) -> str:
    lines = []
    for registry in REGISTRIES:
        conf = results.get("configurations", {}).get(registry)
        if not conf:
            continue
        o = conf["overall"]
        lines += [f"**Registry `{registry}`** (actors {conf['actor_matching']}; run {conf['date'][:10]}, "
                  f"ingestion {conf['ingest']['seconds']:.0f} s):", "",
                  "| seed | cases found | extra | actors P | actors R | R named | R placeholders | R all cases | "
                  "R with suggestions | R document | instrument strict | lenient | grid fill | grid similar | levers P/R | "
                  "themes P/R | concepts P/R |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        rows = [(k, v) for k, v in conf["seeds"].items()] + [("**overall**", o)]
        for name, s in rows:
            c, a, i, g = s["cases"], s["actors"], s["instruments"], s["grid"]
            lines.append(
                f"| {name} | {c['found']}/{c['curated']} | {c['extra']} | {_pct(a['precision'])} | {_pct(a['recall'])} | "
                f"{_pct(a['recall_named'])} | {_pct(a.get('recall_placeholders'))} | {_pct(a['recall_all_cases'])} | "
                f"{_pct(a['recall_with_suggestions'])} | {_pct(s['actors_document']['recall'])} | "
                f"{i['strict']}/{i['cases']} | {i['lenient']}/{i['cases']} | {_pct(g['fill_rate'])} | {_pct(g['similarity_rate'])} | "
                + " | ".join(f"{_pct(s[k]['precision'])}/{_pct(s[k]['recall'])}" for k in ("levers", "themes", "concepts"))
                + " |")
        verdict = conf["goals"]
        lines += ["", "Goals: " + "; ".join(
            f"{name.replace('_', ' ')} {_pct(v['value'])} (goal ≥ {v['goal']}) {'**met**' if v['met'] else '**not met**'}"
            for name, v in verdict.items()) + ".", ""]
        if o["actors"].get("tp_groups_by_class"):
            a = o["actors"]
            lines += [f"Unnamed groups paired with a curated placeholder by class inside their case: "
                      f"{a['tp_groups_by_class']} of the {a['tp']} actors found; by names alone, actor recall would be "
                      f"{_pct(a['recall_groups_by_name'])} and precision {_pct(a['precision_groups_by_name'])}.", ""]
        fields = o["grid"]["fields"]
        lines += ["Grid fields (cases with a curated grid, overall): " + "; ".join(
            f"{k} {v['filled']}/{v['curated']} filled, {v['similar']} similar" for k, v in fields.items()) + ".", ""]
    return "\n".join(lines).rstrip("\n")


def write_docs(results: dict, path: Path = DOCS_FILE) -> Path:
    """Rewrite the generated block of the "Evaluation on the seeds" section (the rest is hand-written)."""
    from .docs_block import write_block

    return write_block(path, START, END, render_summary(results), missing=SECTION)


# -- command -----------------------------------------------------------------------------------------
def default_model() -> str:
    from coopkg.settings import load_settings

    ref = Path(load_settings().embedding_model_ref)
    return str(ref if ref.is_absolute() else (ROOT / ref).resolve())


@click.command("extraction")
@click.argument("seeds_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory for the bases built (one sub-directory per registry; default: a temporary one, removed).")
@click.option("--model", default=None, help="Embedding model (default: the configured multilingual-e5-small).")
@click.option("--corpus", "corpus_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=ROOT / "corpus", show_default="corpus/", help="Curated corpus: the reference, and the base of `full`.")
@click.option("--registry", "registries", type=click.Choice(REGISTRIES), multiple=True,
              help="full: the base holds the curated corpus (actors linked by IRI); vocab: only the vocabularies "
                   "(actors found by patterns / NER, compared by name). Repeatable; default: both.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS_FILE,
              show_default="benchmarks/results/extraction.json", help="Results JSON (the other registry's last results are kept).")
@click.option("--reuse", is_flag=True,
              help="Reuse the bases and ingestions already in --home (only the evaluation is run again).")
@click.option("--docs/--no-docs", default=True, show_default=True,
              help="Update the generated tables in docs/extraction.md (\"Evaluation on the seeds\").")
def extraction_cmd(seeds_dir: Path, home: Path | None, model: str | None, corpus_dir: Path,
                   registries: tuple[str, ...], output: Path, reuse: bool, docs: bool) -> None:
    """Extraction quality on the seed documents against the curated corpus (cases, actors, instruments, grid)."""
    def echo(message: str) -> None:
        click.echo(message, err=True)

    if reuse and home is None:
        raise click.UsageError("--reuse needs --home (the directory of an earlier run)")
    model = model or default_model()
    registries = tuple(dict.fromkeys(registries)) or REGISTRIES
    temp = None
    if home is None:
        temp = tempfile.mkdtemp(prefix="coopkg-bench-extraction-")
        home = Path(temp)
    models = _Models()
    try:
        configurations = {r: run_registry(r, seeds_dir=seeds_dir.resolve(), corpus_dir=corpus_dir.resolve(),
                                          home=home.resolve(), model=model, models=models, echo=echo,
                                          reuse=reuse)
                          for r in registries}
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    from coopkg.settings import load_settings

    settings = load_settings()
    results = {
        "benchmark": "extraction",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seeds_dir": str(seeds_dir), "model": model, "machine": _machine(),
        "settings": {"ingest_threshold": settings.ingest_threshold, "ingest_link_threshold": settings.ingest_link_threshold},
        "rules": {
            "case_matching": f"title = best mutual containment of content words (folded, function words removed, words "
                             f"equal at ratio >= {WORD_THRESHOLD:g}) between the extracted title and the curated title / alt "
                             f"labels; coverage = share of curated actors among the extracted asserted "
                             f"actors; eligible when title >= {TITLE_ELIGIBLE} or >= {SHARED_ELIGIBLE} shared actors or "
                             f"coverage >= {COVERAGE_ELIGIBLE}; score = {TITLE_WEIGHT} title + {1 - TITLE_WEIGHT:.1f} coverage; "
                             "greedy one-to-one, best score first; only coop:ExtractedCase nodes are candidates",
            "actors": "asserted participants of matched cases vs curated participants (full: by IRI; vocab: by normalised "
                      f"name, max(ratio, token_sort_ratio) >= {NAME_THRESHOLD:g} against label and alt labels, on the whole "
                      "name and on its distinctive part without institutional type words, one to one). recall_all_cases: "
                      "the actors of unmatched curated cases count as missed; document: all asserted actors of the "
                      "document vs all curated actors of the seed (segmentation ignored); named: curated actors that are "
                      "not placeholders ('non nommé(e)s dans la source', never linked by design); placeholders: the "
                      "others; in vocab an extracted group (a minted placeholder) is compared with curated placeholders "
                      "only, names without their description ('(non nommées dans la source)', 'et leurs élus', "
                      "'membres') by the same rule",
            "instrument": "most confident extracted instrument (any status; ties: first passage) vs curated types: strict = "
                          "same class; lenient = same class or a sub/superclass (transitive, coop:CooperationInstrument excluded)",
            "grid": f"fields {', '.join(GRID_EVAL_FIELDS)} filled in the curated case: filled = extracted field non-empty; "
                    f"similar = token_set_ratio(folded curated, folded extracted) >= {GRID_THRESHOLD:g}",
            "levers_themes_concepts": "asserted statements of matched cases vs curated ids",
        },
        "configurations": configurations,
    }
    path = save(results, output)
    echo(f"results: {path}")
    if docs:
        merged = json.loads(path.read_text(encoding="utf-8"))
        echo(f"summary: {write_docs(merged)}")
    for registry, conf in configurations.items():
        o = conf["overall"]
        echo(f"[{registry}] overall: cases {o['cases']['found']}/{o['cases']['curated']} (extra {o['cases']['extra']}); "
             f"actors P {_fmt(o['actors']['precision'])} R {_fmt(o['actors']['recall'])}; instrument strict "
             f"{_fmt(o['instruments']['strict_accuracy'])} lenient {_fmt(o['instruments']['lenient_accuracy'])}; grid fill "
             f"{_fmt(o['grid']['fill_rate'])} similar {_fmt(o['grid']['similarity_rate'])}")
