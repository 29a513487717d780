"""`coopkg bench search`: latency of the search service, stage by stage, against a naive baseline.

For each base (the real corpus, synthetic 10k / 100k cases…) the parent process prepares a
knowledge base under ``benchmarks/work/`` (store + search index), then a child process
(``benchmarks/_search_child.py``) opens :class:`search.service.SearchService` over it exactly as
``coopkg search`` does (real embedding model for the queries, one torch / FAISS thread) and times:

* ``SearchService.rank`` (hybrid, k=10), every eval query × every facet configuration, with the
  service's own stage timings (sparql, embed, vector, lexical, fusion; *other* = the rest:
  validation, gazetteer matching);
* ``SearchService.search`` (the same plus the result cards);
* a baseline in the same process: an rdflib in-memory ``Graph`` holding the same triples runs the
  very facet query the catalog generates, the dense scores are a numpy brute force over every
  vector of the candidate cases, with the same query embedding and the same per-case scoring,
  the lexical part is the same BM25 index (``search.lexical``: there is no naive equivalent worth
  timing) and the fusion is the same ``search.fusion.fuse`` (without entity boosts).

Synthetic cases cannot be embedded with the real model on this machine (~1,000 tokens/s), so
their vectors are *derived* from real-model embeddings (:class:`DerivedEmbedder`); the query is
always embedded by the real model. Results: ``benchmarks/results/search-<size>.json``; summary:
the "Search" section of docs/benchmarks.md.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .build_bench import DOCS_FILE, ROOT, disk_usage
from .generator import WORK_DIR

RESULTS_DIR = Path(__file__).resolve().parent / "results"
EVAL_QUERIES = ROOT / "eval" / "queries.json"
# Goals of the issue: p95 of a hybrid query, query embedding included, on 2 cores.
GOALS_P95_MS = {10_000: 50.0, 100_000: 100.0}
STAGES = ("sparql", "embed", "vector", "lexical", "fusion")
# Realistic filters (values checked with `coopkg facets`); "none" is added in front.
FACET_SETS: dict[str, dict] = {
    "lever": {"lever": ["L7"]},
    "actor_type": {"actor_type": ["pnr"]},
    "region": {"region": ["bretagne"]},
    "instrument": {"instrument": ["contrat-de-reciprocite"]},
    "combined": {"lever": ["L3", "L9"], "actor_type": ["epci"], "period": "2010-"},
}
NOISE_SIGMA = 0.35  # derived vectors: weight of the deterministic noise direction
PHRASE_WEIGHT = 0.6  # derived vectors: weight of the phrase mean against the real anchor vector

Echo = Callable[[str], None]


# -- statistics ----------------------------------------------------------------------------------
def summary_ms(samples: Sequence[float]) -> dict:
    """p50 / p95 / mean / max in ms of durations in seconds (p95: inclusive quantile)."""
    ms = sorted(float(s) * 1000 for s in samples)
    if not ms:
        return {"n": 0}
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3),
            "mean_ms": round(statistics.fmean(ms), 3), "max_ms": round(ms[-1], 3)}


def stage_summary(samples: list[dict]) -> dict:
    """Per stage (and total): p50 / p95 / mean over samples (a missing stage counts as 0)."""
    keys = [*STAGES, "other", "cards", "total"]
    present = [k for k in keys if any(k in s for s in samples)]
    return {k: summary_ms([s.get(k, 0.0) for s in samples]) for k in present}


def load_queries(limit: int | None = None, path: Path = EVAL_QUERIES) -> list[str]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    texts = [q["q"] for q in data["queries"]]
    return texts[:limit] if limit else texts


# -- derived vectors for synthetic cases ---------------------------------------------------------
def generator_phrases() -> list[str]:
    """The fixed phrases synthetic case texts are assembled from (benchmarks/generator.py word
    lists, actor and instrument type labels, theme labels): embedded once with the real model."""
    import yaml

    from ontology.model import ontology_index

    from . import generator as g

    onto = ontology_index()
    themes = yaml.safe_load((g.REPO_CORPUS / "vocab" / "themes.yaml").read_text(encoding="utf-8")) or []
    phrases = [*g.GOALS, *g.ACTIONS, *g.RESULTS, *g.TRIGGERS, *g.STAKES, *g.AMBITIONS, *g.OBJECTS,
               *g.COMPOSITIONS, *g.ORG_NAMES, *(n for n, _ in g.GOVERNANCE), *(f for _, f in g.GOVERNANCE),
               *(t.label for t in onto.actor_types.values()), *(t.label for t in onto.instrument_types.values()),
               *(t["label"] for t in themes)]
    return sorted({p.strip() for p in phrases if p and len(p.strip()) > 3})


def _h64(text: str, salt: bytes = b"") -> int:
    return int.from_bytes(hashlib.blake2b(salt + text.encode(), digest_size=8).digest(), "little")


class DerivedEmbedder:
    """Passage vectors for synthetic cases, derived deterministically from real-model embeddings.

    For a text T of field F (looked up in ``field_of``; ``case`` for case-level texts):

    * *phrase mean*: T is cut into units (lines, then sentences); each unit gets the mean of the
      real-model vectors of the generator phrases it contains (``phrases``: word-list sentences,
      actor/instrument type labels, themes); the units with a match are averaged;
    * *anchor*: a real-model vector of a real-corpus passage of the same field F (from the real
      corpus search index), picked by a hash of T;
    * *noise*: a deterministic pseudo-random unit direction picked by hashes of T.

    vector = normalise(PHRASE_WEIGHT·phrase mean + (1 − PHRASE_WEIGHT)·anchor + σ·noise), or
    normalise(anchor + σ·noise) when no phrase matched. Identical texts get identical vectors,
    as with the real model. Texts in ``real_texts`` (the vocabulary definitions, the same as the
    real corpus's) are embedded by the real model. ``model_id`` is the real model's, so the
    service loads the index with the real query embedder."""

    def __init__(self, real, anchors: dict[str, np.ndarray], phrases: list[str], field_of: dict[str, str], *,
                 real_texts: set[str] = frozenset(), sigma: float = NOISE_SIGMA, phrase_weight: float = PHRASE_WEIGHT,
                 bank_size: int = 4096, seed: int = 0):
        self.real = real
        self._model_id = real.model_id
        self._dimension = int(real.dimension)
        self.field_of = field_of
        self.real_texts = set(real_texts)
        self.sigma, self.phrase_weight = float(sigma), float(phrase_weight)
        self.anchors = {f: np.asarray(v, dtype=np.float32) for f, v in anchors.items() if len(v)}
        self._all_anchors = np.concatenate(list(self.anchors.values()))
        self.phrases = [p.lower() for p in phrases]
        self._phrase_index = {p: i for i, p in enumerate(self.phrases)}
        # longest first: the regex alternation takes the first alternative that matches
        self._phrase_re = re.compile("|".join(re.escape(p) for p in sorted(self.phrases, key=len, reverse=True))
                                     or "(?!x)x")
        self._unit_cache: dict[str, np.ndarray | None] = {}
        self.phrase_vectors = np.asarray(real.embed_passages(phrases), dtype=np.float32) if phrases else \
            np.zeros((0, self._dimension), np.float32)
        rng = np.random.default_rng(seed)
        bank = rng.standard_normal((bank_size, self._dimension)).astype(np.float32)
        self._bank = bank / np.linalg.norm(bank, axis=1, keepdims=True)
        self.seconds = 0.0
        self.derived = 0
        self.embedded_real = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def _unit_vector(self, unit: str) -> np.ndarray | None:
        hit = self._unit_cache.get(unit, False)
        if hit is False:
            found = sorted({self._phrase_index[m.group(0)] for m in self._phrase_re.finditer(unit)})
            hit = self.phrase_vectors[found].mean(axis=0) if found else None
            if len(self._unit_cache) < 200_000:
                self._unit_cache[unit] = hit
        return hit

    def _phrase_mean(self, text: str) -> np.ndarray | None:
        found = [v for line in text.lower().split("\n") for unit in line.split(". ")
                 if (v := self._unit_vector(unit)) is not None]
        if not found:
            return None
        m = sum(found) / len(found)
        return m / max(float(np.linalg.norm(m)), 1e-12)

    def derive(self, text: str) -> np.ndarray:
        field = self.field_of.get(text, "")
        pool = self.anchors.get(field, self._all_anchors)
        h = _h64(text)
        anchor = pool[h % len(pool)]
        noise = self._bank[h % len(self._bank)] + self._bank[_h64(text, b"n") % len(self._bank)]
        noise = noise / max(float(np.linalg.norm(noise)), 1e-12)
        base = self._phrase_mean(text)
        v = anchor if base is None else self.phrase_weight * base + (1.0 - self.phrase_weight) * anchor
        v = v + self.sigma * noise
        return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        t = time.perf_counter()
        texts = list(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        real = [i for i, x in enumerate(texts) if x in self.real_texts]
        if real:
            out[real] = self.real.embed_passages([texts[i] for i in real])
            self.embedded_real += len(real)
        for i, x in enumerate(texts):
            if x not in self.real_texts:
                out[i] = self.derive(x)
                self.derived += 1
        self.seconds += time.perf_counter() - t
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.embed_queries(texts)


class PassThroughCache:
    """Stands in for search.vectors.EmbeddingCache when indexing derived vectors: storing ~1M
    synthetic vectors in the sqlite cache would only cost time and disk."""

    hits = 0
    misses = 0

    def embed(self, embedder, texts, *, kind: str = "passage", batch_size: int = 256) -> np.ndarray:
        self.misses += len(texts)
        fn = embedder.embed_passages if kind == "passage" else embedder.embed_queries
        return np.asarray(fn(list(texts)), dtype=np.float32)


def real_anchors(search_dir: Path, model_id: str | None = None) -> dict[str, np.ndarray]:
    """Real-model vectors of the real corpus's dense index, grouped by field."""
    from search.index import SearchIndex

    index = SearchIndex.load(search_dir, model_id=model_id)
    ids = index.dense.ids
    vecs = index.dense.vectors(ids)
    out: dict[str, list[np.ndarray]] = {}
    for vid, v in zip(ids, vecs):
        out.setdefault(vid.split("#", 1)[1], []).append(v)
    return {f: np.stack(v) for f, v in out.items()}


def vector_stats(vectors: np.ndarray, sample: int = 2000, seed: int = 0) -> dict:
    """Mean / p5 / p95 pairwise cosine of a sample of (normalised) vectors."""
    rng = np.random.default_rng(seed)
    x = vectors[rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)]
    sims = x @ x.T
    iu = np.triu_indices(len(x), 1)
    s = sims[iu]
    return {"sampled": int(len(x)), "mean_cos": round(float(s.mean()), 4),
            "p5_cos": round(float(np.percentile(s, 5)), 4), "p95_cos": round(float(np.percentile(s, 95)), 4)}


def build_synthetic_index(store, search_dir: Path, real_embedder, anchors: dict[str, np.ndarray], *,
                          exact_max: int, echo: Echo = lambda m: None) -> dict:
    """Build and save the search index of a synthetic base through search.index.build_index (the
    code path of `coopkg build`), with derived passage vectors. Returns timings and counts."""
    from search.expansion import Expander
    from search.index import build_index, dense_items, vocabulary_from_store
    from search.lexical import passages_from_store

    t0 = time.perf_counter()
    passages = passages_from_store(store)
    vocab = vocabulary_from_store(store)
    expander = Expander.from_store(store)
    read_s = time.perf_counter() - t0
    echo(f"  index: {len(passages):,} passages read in {read_s:.1f} s")
    field_of: dict[str, str] = {}
    for vid, _, text in dense_items(passages):
        field_of.setdefault(text, vid.split("#", 1)[1])
    embedder = DerivedEmbedder(real_embedder, anchors, generator_phrases(), field_of,
                               real_texts={e.text for e in vocab})
    t = time.perf_counter()

    def progress(phase, done, total):
        if done == total or done % 100_032 < 64:
            echo(f"    {phase}: {done:,}/{total:,}")

    index, report = build_index(passages, vocab, embedder, PassThroughCache(), expander, exact_max=exact_max,
                                progress=progress)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    index.save(search_dir)
    save_s = time.perf_counter() - t
    vecs = index.dense.vectors(index.dense.ids[:: max(1, len(index.dense) // 4000)])
    return {
        "read_seconds": read_s, "derive_seconds": embedder.seconds, "build_seconds": build_s,
        "lexical_dense_build_seconds": build_s - embedder.seconds, "save_seconds": save_s,
        "seconds": time.perf_counter() - t0, "passages": len(passages), "vectors": len(index.dense),
        "derived": embedder.derived, "embedded_real": embedder.embedded_real, "index_kind": index.dense.kind,
        "phrases": len(embedder.phrases), "vector_cosines": vector_stats(vecs),
        "method": {"noise_sigma": embedder.sigma, "phrase_weight": embedder.phrase_weight},
    }


# -- the baseline: rdflib in memory + numpy brute force -------------------------------------------
class _CaptureStore:
    """A store that records the query it is asked and answers nothing."""

    def __init__(self):
        self.queries: list[str] = []

    def select(self, query: str):
        from kb.store import SelectResult

        self.queries.append(query)
        return SelectResult(["case"], [])


class Baseline:
    """What search would cost with rdflib in memory and numpy brute force (see module docstring)."""

    def __init__(self, store, index, embedder, catalog, params, *, rdflib: bool = True, echo: Echo = lambda m: None):
        from search.index import CASE_FIELD

        self.store, self.index, self.embedder, self.catalog, self.params = store, index, embedder, catalog, params
        self.graph = None
        self.export_seconds = self.load_seconds = 0.0
        self.triples = 0
        if rdflib:  # without it (bases too large for rdflib), the facet query runs on the embedded store
            from rdflib import Graph

            t = time.perf_counter()
            data = store.dump("nt")  # the union of all named graphs, as the service's queries see it
            self.export_seconds = time.perf_counter() - t
            echo(f"  baseline: rdflib parsing {len(data) / 1e6:.1f} MB of N-Triples…")
            t = time.perf_counter()
            self.graph = Graph().parse(data=data, format="nt")
            self.load_seconds = time.perf_counter() - t
            del data
            self.triples = len(self.graph)
            echo(f"  baseline: {self.triples:,} triples in {self.load_seconds:.1f} s")
        # Dense matrices: one case vector per case (C) and the passage vectors grouped by case (P).
        by_case: dict[str, list[str]] = {}
        for vid in index.dense.ids:
            by_case.setdefault(vid.split("#", 1)[0], []).append(vid)
        self.cases = sorted(by_case)
        self.case_pos = {c: i for i, c in enumerate(self.cases)}
        dim = index.dense.dimension
        case_vids = [f"{c}#{CASE_FIELD}" for c in self.cases]
        self.has_case = np.asarray([v in index.dense for v in case_vids])
        self.C = np.zeros((len(self.cases), dim), dtype=np.float32)
        if self.has_case.any():
            self.C[self.has_case] = index.dense.vectors([v for v, ok in zip(case_vids, self.has_case) if ok])
        pvids, starts = [], []
        for c in self.cases:
            starts.append(len(pvids))
            pvids += sorted(v for v in by_case[c] if not v.endswith("#" + CASE_FIELD))
        self.p_start = np.asarray(starts, dtype=np.int64)
        self.p_len = np.diff(np.r_[self.p_start, len(pvids)])
        self.P = index.dense.vectors(pvids) if pvids else np.zeros((0, dim), dtype=np.float32)
        self.vectors = len(pvids) + int(self.has_case.sum())

    def candidates_query(self, facets) -> str | None:
        capture = _CaptureStore()
        self.catalog.candidates(capture, facets)
        return capture.queries[0] if capture.queries else None

    def candidates(self, facets) -> set[str] | None:
        from search.facets import case_id

        if self.graph is None:
            return self.catalog.candidates(self.store, facets)
        query = self.candidates_query(facets)
        if query is None:
            return None
        return {case_id(str(row[0])) for row in self.graph.query(query)}

    def dense_scores(self, qvec: np.ndarray, idx: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(case indices, dense score of each) by brute force, scored like SearchService._dense_exact."""
        w = self.params.case_vector_weight
        if idx is None:
            idx = np.arange(len(self.cases))
            ps = self.P @ qvec
            lens, starts = self.p_len, self.p_start
            offs = starts
        else:
            lens, starts = self.p_len[idx], self.p_start[idx]
            offs = np.r_[0, np.cumsum(lens)[:-1]].astype(np.int64)
            rows = np.repeat(starts - offs, lens) + np.arange(int(lens.sum()))
            ps = self.P[rows] @ qvec
        cs = (self.C[idx] @ qvec).astype(np.float64)
        bp = cs.copy()
        some = lens > 0
        if some.any():
            bp[some] = np.maximum.reduceat(ps, offs[some]).astype(np.float64) if len(ps) else bp[some]
        cs = np.where(self.has_case[idx], cs, bp)
        return idx, w * cs + (1.0 - w) * bp

    def _top(self, idx: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[str, float]]:
        if n < len(scores):
            cut = np.partition(-scores, n - 1)[n - 1]
            keep = np.flatnonzero(-scores <= cut)
        else:
            keep = np.arange(len(scores))
        return sorted(((self.cases[int(idx[i])], float(scores[i])) for i in keep), key=lambda kv: (-kv[1], kv[0]))[:n]

    def rank(self, query: str, *, facets=None, mode: str = "hybrid", k: int = 10,
             candidates: set[str] | None | bool = False) -> tuple[list[tuple[str, float]], dict]:
        """Top k (case id, score); ``candidates`` (a set, or None for all) skips the facet query
        (agreement checks only)."""
        from search.contract import Facets
        from search.fusion import fuse, top

        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        facets = facets or Facets()
        if candidates is False:
            candidates = None if facets.is_empty() else self.candidates(facets)
        timings["sparql"] = time.perf_counter() - t0
        if candidates is not None and not candidates:
            timings["total"] = time.perf_counter() - t0
            return [], timings
        pool = max(self.params.pool, 10 * k)
        t = time.perf_counter()
        qvec = np.asarray(self.embedder.embed_queries([query]), dtype=np.float32)[0]
        timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        idx = None if candidates is None else np.asarray(sorted(self.case_pos[c] for c in candidates if c in self.case_pos),
                                                         dtype=np.int64)
        if idx is not None and not len(idx):
            idx, scores = np.zeros(0, np.int64), np.zeros(0)
        else:
            idx, scores = self.dense_scores(qvec, idx)
        timings["vector"] = time.perf_counter() - t
        if mode == "dense":
            ranked = self._top(idx, scores, k)
            timings["total"] = time.perf_counter() - t0
            return ranked, timings
        t = time.perf_counter()
        dense = dict(self._top(idx, scores, pool))
        lex = self.index.lexical
        lexical = {h.case_id: h.score for h in lex.search(query, k=pool, candidate_case_ids=candidates)}
        missing = [c for c in dense if c not in lexical]
        if missing:
            lexical.update({h.case_id: h.score for h in lex.search(query, k=len(missing), candidate_case_ids=missing)})
        extra = [c for c in lexical if c not in dense]
        if extra:
            dense_all = dict(zip((self.cases[int(i)] for i in idx), scores.tolist()))
            dense.update({c: dense_all[c] for c in extra if c in dense_all})
        timings["lexical"] = time.perf_counter() - t
        t = time.perf_counter()
        ranked = top(fuse(dense, lexical, {}, self.params), k)
        timings["fusion"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t0
        return ranked, timings


# -- measuring one service -------------------------------------------------------------------------
def rss_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def peak_rss_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# Per-service memo caches (search/service.py): query vectors, facet postings, case values, cards.
QUERY_CACHE_ATTRS = ("_qvecs",)
DATA_CACHE_ATTRS = ("_postings", "_values_cache", "_cards")


def reset_caches(service, caches: str = "cold") -> list[str]:
    """Empty the service's memo caches before a timed call: the query-vector cache always (the
    query embedding is part of the latency), and with ``caches="cold"`` the data caches too (a
    query about cases never shown). Returns the names of the caches cleared."""
    names = QUERY_CACHE_ATTRS + (DATA_CACHE_ATTRS if caches == "cold" else ())
    cleared = []
    for name in names:
        cache = getattr(service, name, None)
        if hasattr(cache, "clear"):
            cache.clear()
            cleared.append(name)
    return cleared


def _timed_rank(service, query: str, facets, mode: str = "hybrid", k: int = 10, caches: str = "cold"):
    reset_caches(service, caches)
    t = time.perf_counter()
    ranking = service.rank(query, mode=mode, facets=facets, k=k)
    wall = time.perf_counter() - t
    sample = {s: ranking.timings.get(s, 0.0) for s in STAGES if s in ranking.timings}
    sample["total"] = wall
    sample["other"] = max(0.0, wall - sum(sample.get(s, 0.0) for s in STAGES))
    return ranking, sample


def measure_service(service, queries: list[str], facet_sets: dict[str, dict] | None = None, *, repeat: int = 1,
                    warmup: int = 3, full_search: bool = True, caches: str = "cold",
                    echo: Echo = lambda m: None) -> dict:
    """Time rank (hybrid, k=10) and search for every query × facet configuration ("none" first),
    the service's caches emptied before each call (:func:`reset_caches`)."""
    from search.contract import Facets

    configs = {"none": {}, **(FACET_SETS if facet_sets is None else facet_sets)}
    facets = {name: Facets(**fs) for name, fs in configs.items()}
    for q in queries[:warmup]:  # model, FAISS, store caches: not counted
        for f in facets.values():
            service.rank(q, mode="hybrid", facets=f, k=10)
            if full_search:
                service.search({"query": q, "k": 10, "mode": "hybrid", "facets": f.model_dump()})
    rank_samples: dict[str, list[dict]] = {n: [] for n in configs}
    search_samples: dict[str, list[dict]] = {n: [] for n in configs}
    candidates: dict[str, int | None] = {}
    rankings: dict[tuple[str, int], list[str]] = {}
    for rep in range(repeat):
        for name, f in facets.items():
            for qi, q in enumerate(queries):
                ranking, sample = _timed_rank(service, q, f, caches=caches)
                rank_samples[name].append(sample)
                candidates[name] = None if ranking.candidates is None else len(ranking.candidates)
                if rep == 0:
                    rankings[(name, qi)] = [c for c, _ in ranking.ranked]
        echo(f"    rank: repeat {rep + 1}/{repeat} done")
    if full_search:
        captured: list[dict] = []
        original = service.rank

        def capturing_rank(query, **kw):
            t = time.perf_counter()
            r = original(query, **kw)
            captured.append({"rank_wall": time.perf_counter() - t, **r.timings})
            return r

        service.rank = capturing_rank
        try:
            for _ in range(repeat):
                for name, f in facets.items():
                    request = {"k": 10, "mode": "hybrid", "facets": f.model_dump()}
                    for q in queries:
                        captured.clear()
                        reset_caches(service, caches)
                        t = time.perf_counter()
                        service.search({"query": q, **request})
                        wall = time.perf_counter() - t
                        inner = captured[-1]
                        sample = {s: inner.get(s, 0.0) for s in STAGES if s in inner}
                        sample["other"] = max(0.0, inner["rank_wall"] - sum(sample.values()))
                        sample["cards"] = wall - inner["rank_wall"]
                        sample["total"] = wall
                        search_samples[name].append(sample)
        finally:
            del service.rank  # back to the class method
    out = {"configs": {}, "rankings": rankings, "caches": caches,
           "caches_cleared_per_call": reset_caches(service, caches)}
    for name in configs:
        entry = {"facets": configs[name], "candidates": candidates.get(name),
                 "rank": stage_summary(rank_samples[name])}
        if full_search:
            entry["search"] = stage_summary(search_samples[name])
        out["configs"][name] = entry
    pooled = [s for n in configs if n != "none" for s in rank_samples[n]]
    out["pooled"] = {"no_facets": {"rank": stage_summary(rank_samples["none"])},
                     "facets": {"rank": stage_summary(pooled)}}
    if full_search:
        out["pooled"]["no_facets"]["search"] = stage_summary(search_samples["none"])
        out["pooled"]["facets"]["search"] = stage_summary([s for n in configs if n != "none" for s in search_samples[n]])
    return out


def measure_baseline(baseline: Baseline, service, queries: list[str], facet_sets: dict[str, dict] | None = None, *,
                     repeat: int = 1, budget_s: float = 60.0, min_queries: int = 2,
                     rankings: dict | None = None, echo: Echo = lambda m: None) -> dict:
    """Time the baseline (hybrid, k=10) per facet configuration on ``queries`` (stopping after
    ``budget_s`` once ``min_queries`` are timed), and compare its top 10 with the service's: dense
    mode (exact brute force vs the service's index) and, given the service's hybrid ``rankings``
    ((config, query index) → ids), hybrid mode (the baseline has no entity boosts)."""
    from search.contract import Facets

    configs = {"none": {}, **(FACET_SETS if facet_sets is None else facet_sets)}
    out: dict = {"configs": {}}
    pooled_none, pooled_facets = [], []
    for ci, (name, fs) in enumerate(configs.items()):
        f = Facets(**fs)
        if ci == 0:
            baseline.rank(queries[0], facets=f)  # warm-up (numpy, BM25), not counted
        # The facet query does not depend on the query text: it runs once per configuration and its
        # time is added to every query of it (rdflib needs seconds to minutes per run at 10,000 cases).
        t = time.perf_counter()
        cand = baseline.candidates(f)
        sparql_s = time.perf_counter() - t
        samples = []
        started = time.perf_counter()
        for _ in range(repeat):
            for q in queries:
                if len(samples) >= min_queries and time.perf_counter() - started > budget_s:
                    break
                timings = baseline.rank(q, facets=f, candidates=cand)[1]
                timings["sparql"] = sparql_s if cand is not None else timings.get("sparql", 0.0)
                timings["total"] += timings["sparql"]
                samples.append(timings)
        dense_overlap, hybrid_overlap, same_top = [], [], 0
        for qi, q in enumerate(queries):
            exact = [c for c, _ in baseline.rank(q, facets=f, mode="dense", candidates=cand)[0]]
            served = [c for c, _ in service.rank(q, mode="dense", facets=f, k=10).ranked]
            if exact:
                dense_overlap.append(len(set(exact) & set(served)) / len(exact))
            same_top += exact == served
            served_h = (rankings or {}).get((name, qi))
            if served_h:
                mine = {c for c, _ in baseline.rank(q, facets=f, candidates=cand)[0]}
                hybrid_overlap.append(len(set(served_h) & mine) / len(served_h))
        out["configs"][name] = {
            "queries_timed": len(samples), "candidates": None if cand is None else len(cand),
            "facet_query_seconds": sparql_s,
            "rank": stage_summary(samples),
            "dense_top10_overlap_with_service": round(statistics.fmean(dense_overlap), 4) if dense_overlap else None,
            "dense_top10_identical_share": round(same_top / len(queries), 4),
            "hybrid_top10_overlap_with_service": round(statistics.fmean(hybrid_overlap), 4) if hybrid_overlap else None,
        }
        (pooled_none if name == "none" else pooled_facets).extend(samples)
        s = out["configs"][name]["rank"].get("total", {})
        echo(f"    baseline {name}: {len(samples)} queries, p50 {s.get('p50_ms', 0):.1f} ms, p95 {s.get('p95_ms', 0):.1f} ms, "
             f"dense top-10 overlap {out['configs'][name]['dense_top10_overlap_with_service']}")
    out["pooled"] = {"no_facets": {"rank": stage_summary(pooled_none)}, "facets": {"rank": stage_summary(pooled_facets)}}
    return out


def measure_base(service, queries: list[str], *, repeat: int = 1, baseline: bool = True, baseline_queries: int = 10,
                 baseline_budget: float = 60.0, rdflib_max_quads: int = 3_000_000, threads2: bool = False,
                 search_threads: int = 1, open_seconds: float = 0.0, start_rss: int = 0, warmup: int = 3,
                 caches: str = "cold", echo: Echo = lambda m: None) -> dict:
    """Everything measured on one base (the child process's work): the service, optionally the
    service with 2 threads, then the baseline in the same process."""
    import gc

    load_start = _loadavg()
    dense = service.index.dense
    index = {"cases": len(service.index.lexical.case_ids), "passages": len(service.index.lexical.passages()),
             "vectors": len(dense), "kind": dense.kind, "exact_max": dense.exact_max,
             "ef_search": dense.ef_search, "search_threads": dense.search_threads,
             "model_id": service.index.model_id, "open_seconds": open_seconds,
             "query_encoder": getattr(service.embedder, "query_encoder", "torch")}
    echo(f"  service: {index['cases']:,} cases, {index['vectors']:,} vectors ({dense.kind})")
    t = time.perf_counter()
    service.embedder.embed_queries(["chargement du modèle"])
    index["model_load_seconds"] = time.perf_counter() - t
    measured = measure_service(service, queries, FACET_SETS, repeat=repeat, warmup=warmup, caches=caches, echo=echo)
    rankings = measured.pop("rankings")
    for name, c in measured["configs"].items():
        s = c["rank"]["total"]
        echo(f"    {name}: candidates {c['candidates']}, rank p50 {s['p50_ms']:.1f} ms p95 {s['p95_ms']:.1f} ms, "
             f"search p50 {c['search']['total']['p50_ms']:.1f} ms")
    memory = {"start_rss_bytes": start_rss, "service_rss_bytes": rss_bytes(), "service_peak_rss_bytes": peak_rss_bytes()}
    out = {"queries": len(queries), "index": index, "service": measured, "memory": memory,
           "load_average": {"start": load_start, "after_service": _loadavg()}}
    if threads2:
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(2)
        dense.search_threads = 2
        try:
            t2 = measure_service(service, queries, FACET_SETS, repeat=1, warmup=2, full_search=False, caches=caches)
        finally:
            torch.set_num_threads(before)
            dense.search_threads = search_threads
        t2.pop("rankings")
        out["threads2"] = t2
        echo(f"    2 threads: rank p95 none {t2['pooled']['no_facets']['rank']['total']['p95_ms']:.1f} ms, "
             f"facets {t2['pooled']['facets']['rank']['total']['p95_ms']:.1f} ms")
    if baseline:
        gc.collect()
        quads = service.store.size()
        use_rdflib = quads <= rdflib_max_quads
        if not use_rdflib:
            echo(f"  baseline: {quads:,} quads > {rdflib_max_quads:,}: rdflib skipped, facet query on the store")
        base = Baseline(service.store, service.index, service.embedder, service.catalog, service.params,
                        rdflib=use_rdflib, echo=echo)
        memory["baseline_rss_bytes"] = rss_bytes()
        b = measure_baseline(base, service, queries[:baseline_queries], FACET_SETS, repeat=1, budget_s=baseline_budget,
                             rankings=rankings, echo=echo)
        b.update({"export_seconds": base.export_seconds, "load_seconds": base.load_seconds,
                  "triples": base.triples, "vectors": base.vectors, "rdflib": use_rdflib,
                  "store_quads": quads, "rdflib_max_quads": rdflib_max_quads,
                  "method": ("rdflib Graph (union-graph N-Triples export of the store) runs the facet query the "
                             "catalog generates" if use_rdflib else
                             "rdflib SKIPPED (base too large): the facet query runs on the embedded store")
                  + "; dense = numpy brute force over every vector of the candidate cases (all cases without "
                    "facets), scored like the service; lexical = the same BM25 index; fusion = search.fusion.fuse "
                    "without entity boosts; query embedded by the same model"})
        out["baseline"] = b
    memory["peak_rss_bytes"] = peak_rss_bytes()
    out["load_average"]["end"] = _loadavg()
    return out


def _loadavg() -> list[float]:
    """1, 5 and 15 min load averages of the machine (other work competing for the 2 cores)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def assemble(name: str, size: int | None, measured: dict, preparation: dict, parameters: dict, machine: dict) -> dict:
    """The result document of one base (benchmarks/results/search-<base>.json)."""
    result = {
        "benchmark": "search", "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "base": name, "size": size, "machine": machine,
        "versions": {pkg: _version(pkg) for pkg in ("faiss-cpu", "torch", "sentence-transformers", "numpy", "rdflib",
                                                    "pyoxigraph")},
        "parameters": {**parameters, "queries": measured["queries"], "k": 10, "mode": "hybrid",
                       "facet_sets": FACET_SETS},
        "preparation": preparation,
        **{k: v for k, v in measured.items() if k != "queries"},
    }
    goal = GOALS_P95_MS.get(size or 0)
    if goal is not None:
        p95 = {k: result["service"]["pooled"][k]["rank"]["total"]["p95_ms"] for k in ("no_facets", "facets")}
        result["goal"] = {"p95_ms": goal, "measured_p95_ms": p95, "met": all(v <= goal for v in p95.values()),
                          "ratio": {k: round(v / goal, 3) for k, v in p95.items()}}
    return result


# -- orchestration (parent process) ---------------------------------------------------------------
def _child(args: list[str], env: dict | None = None) -> dict:
    out = WORK_DIR / f"search-child-{os.getpid()}-{time.time_ns()}.json"
    cmd = [sys.executable, "-m", "benchmarks._search_child", *args, "--out", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, **(env or {})})
    data = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return data


def default_model() -> str:
    from coopkg.settings import load_settings

    ref = Path(load_settings().embedding_model_ref)
    return str(ref if ref.is_absolute() else (ROOT / ref).resolve())


def _info_path(home: Path) -> Path:
    return home / "bench-build.json"


def prepare_real(model: str, reuse: bool, echo: Echo) -> tuple[Path, Path, dict]:
    """`coopkg build` of the repository corpus into benchmarks/work/search-real/ with the real model."""
    home, corpus = WORK_DIR / "search-real", ROOT / "corpus"
    info = _info_path(home)
    if reuse and info.exists():
        echo(f"[real] reusing {home.relative_to(ROOT)}")
        return home, corpus, json.loads(info.read_text(encoding="utf-8"))
    shutil.rmtree(home, ignore_errors=True)
    (home / "cache").mkdir(parents=True)
    seeded = ROOT / "data" / "cache" / "embeddings.sqlite"
    if seeded.exists():  # corpus embeddings already computed by `coopkg build` in ./data: not re-embedded
        shutil.copyfile(seeded, home / "cache" / "embeddings.sqlite")
    env = {"COOPKG_HOME": str(home), "COOPKG_CORPUS_DIR": str(corpus), "COOPKG_EMBEDDING_MODEL": model}
    echo(f"[real] coopkg build into {home.relative_to(ROOT)} (real model {model})")
    t = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "coopkg"), "build", "--quiet"], cwd=ROOT, check=True,
                   env={**os.environ, **env})
    data = {"seconds": time.perf_counter() - t, "how": "coopkg build (SHACL on, real model, embedding cache seeded "
            "from data/cache when present)", "embedding_cache_seeded": seeded.exists()}
    info.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return home, corpus, data


def prepare_store(size: int, seed: int, shacl: bool, reuse: bool, echo: Echo) -> tuple[Path, Path, dict]:
    """Generate a synthetic corpus and build its store (kb.build.build in a child process, so its
    peak RSS is its own) under benchmarks/work/; with ``reuse``, keep a store built before with
    the same seed and SHACL setting."""
    from .generator import generate_corpus

    corpus, home = WORK_DIR / f"corpus-{size}", WORK_DIR / f"search-{size}"
    stamp = home / "bench-store.json"
    if reuse and stamp.exists():
        data = json.loads(stamp.read_text(encoding="utf-8"))
        if data.get("seed") == seed and data.get("shacl") == shacl and data.get("size") == size:
            echo(f"[{size:,}] reusing the store in {home.relative_to(ROOT)}")
            return home, corpus, data
    echo(f"[{size:,}] generating {corpus.relative_to(ROOT)}")
    t = time.perf_counter()
    gen = generate_corpus(corpus, size, seed, progress=lambda i, n: echo(f"    cases: {i:,}/{n:,}")
                          if i % max(1000, n // 5) == 0 or i == n else None)
    generate_s = time.perf_counter() - t
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    echo(f"[{size:,}] building the store (kb.build, SHACL {'on' if shacl else 'off'}, child process)")
    report = WORK_DIR / f"search-build-{size}.json"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks._build_child", str(corpus), str(home), str(report)], cwd=ROOT,
                   check=True, env={**os.environ, "COOPKG_SHACL": "true" if shacl else "false"})
    build = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    build["process_seconds"] = time.perf_counter() - t
    store_bytes, store_files = disk_usage(Path(build.pop("store_path")).resolve())
    build.update({"store_bytes": store_bytes, "store_files": store_files})
    echo(f"  store built in {build['seconds']:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in build['timings'].items())}), "
         f"peak RSS {build['peak_rss_bytes'] / 2**20:,.0f} MB")
    data = {"size": size, "seed": seed, "shacl": shacl, "generate_seconds": generate_s,
            "corpus": {"cases": gen.cases, "actors": gen.actors, "territories": gen.territories}, "store_build": build}
    stamp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    (home / "bench-index.json").unlink(missing_ok=True)
    return home, corpus, data


def prepare_synthetic(size: int, seed: int, model: str, shacl: bool, reuse: bool, echo: Echo) -> tuple[Path, Path, dict]:
    """Store (:func:`prepare_store`), then the search index with derived vectors (child process)."""
    home, corpus, data = prepare_store(size, seed, shacl, reuse, echo)
    stamp = home / "bench-index.json"
    if reuse and stamp.exists():
        echo(f"[{size:,}] reusing the search index in {home.relative_to(ROOT)}")
        return home, corpus, {**data, "index_build": json.loads(stamp.read_text(encoding="utf-8"))}
    echo(f"[{size:,}] search index (derived vectors, child process)")
    index = _child(["index", str(home), str(corpus), "--model", model, "--anchors", str(WORK_DIR / "search-real" / "search")],
                   env={"COOPKG_EMBEDDING_MODEL": model})
    echo(f"  index built in {index['seconds']:.1f} s: {index['vectors']:,} vectors ({index['index_kind']}), "
         f"peak RSS {index['peak_rss_bytes'] / 2**20:,.0f} MB")
    stamp.write_text(json.dumps(index, indent=2), encoding="utf-8")
    return home, corpus, {**data, "index_build": index}


def bench_base(name: str, size: int | None, *, model: str, queries: int | None, repeat: int, baseline: bool,
               baseline_queries: int, seed: int, shacl: bool, reuse: bool, threads2: bool, machine: dict,
               echo: Echo, baseline_budget: float = 60.0, rdflib_max_quads: int = 3_000_000,
               caches: str = "cold") -> dict:
    if size is None:
        home, corpus, prep = prepare_real(model, reuse, echo)
    else:
        home, corpus, prep = prepare_synthetic(size, seed, model, shacl, reuse, echo)
    echo(f"[{name}] measuring (child process)")
    args = ["measure", str(home), str(corpus), "--model", model, "--repeat", str(repeat),
            "--baseline-queries", str(baseline_queries), "--baseline-budget", str(baseline_budget),
            "--rdflib-max-quads", str(rdflib_max_quads), "--caches", caches]
    if queries:
        args += ["--queries", str(queries)]
    if not baseline:
        args.append("--no-baseline")
    if threads2:
        args.append("--threads2")
    measured = _child(args, env={"COOPKG_EMBEDDING_MODEL": model})
    parameters = {"model": model, "repeat": repeat, "baseline": baseline, "baseline_queries": baseline_queries,
                  "baseline_budget_s": baseline_budget, "rdflib_max_quads": rdflib_max_quads, "search_threads": 1,
                  "seed": seed if size else None, "shacl": shacl if size else True, "caches": caches}
    return assemble(name, size, measured, prep, parameters, machine)


def _version(pkg: str) -> str:
    try:
        return version(pkg)
    except Exception:  # noqa: BLE001
        return "unknown"


def save(result: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"search-{result['base']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# -- docs/benchmarks.md ---------------------------------------------------------------------------
START, END = "<!-- bench-search:start -->", "<!-- bench-search:end -->"
SECTION = f"""## Search (`coopkg bench search`)

```sh
coopkg bench search                                  # real corpus, 10,000 and 100,000 synthetic cases
coopkg bench search --sizes real,10000 --queries 20 --no-baseline
coopkg bench search --reuse                          # re-measure the bases already built in benchmarks/work/
```

Each base is prepared under `benchmarks/work/` (git-ignored), then measured in a child process
(its own RSS); everything runs pinned to cores {{0, 1}}.
Results: `benchmarks/results/search-<base>.json` (machine, versions, parameters, load averages,
p50 / p95 / mean / max per stage and configuration).

- **real**: `coopkg build` of `corpus/` (SHACL on) with the real model (multilingual-e5-small);
  the embedding cache is seeded from `data/cache` when present.
- **synthetic** (10,000, 100,000 cases): the corpus of `benchmarks/generator.py` (seed 0), its
  store built by `kb.build.build()` in a child process (SHACL off unless `--shacl`: it validates,
  it does not change the triples), then its search index through `search.index.build_index`, the
  code path of `coopkg build`, with `COOPKG_VECTOR_EXACT_MAX` (default 50,000: both synthetic
  indexes are HNSW). One shortcut, for time: the sqlite embedding cache is bypassed.
- **Derived vectors**: the real model encodes ~1,000 tokens/s on this machine, so synthetic
  passages are not embedded. Each gets a vector derived deterministically from real-model vectors
  (`DerivedEmbedder` in `benchmarks/search_bench.py`): the mean of the real-model vectors of the
  generator phrases it contains (166: word-list sentences, actor and instrument type labels,
  themes), mixed 0.6 / 0.4 with the real-model vector of a real-corpus passage of the same field
  (picked by a hash of the text), plus a hashed pseudo-random direction (σ = 0.35), normalised.
  Identical texts get identical vectors, as with the model. The vocabulary vectors and every
  query are embedded by the real model.
- **Measured**: `SearchService.open(settings)` as `coopkg search` does it (1 thread for the query
  encoder, ONNX Runtime int8 by default (`COOPKG_QUERY_ENCODER`), and 1 FAISS thread:
  `COOPKG_SEARCH_THREADS=1`). After 3 warm-up queries per configuration, every
  query of `eval/queries.json` × 6 configurations: no facets; `lever L7`; `actor_type pnr`;
  `region bretagne`; `instrument contrat-de-reciprocite`; `combined` = lever L3 or L9, actor
  type epci, period 2010-. `rank` (hybrid, k = 10) with the service's own stage timings
  (*other*: query validation and gazetteer matching; *fusion* includes the entity boosts' SPARQL);
  `search` = `rank` + the result cards. The service's memo caches (query vectors, facet postings,
  case values, cards) are emptied before every timed call: each query is embedded, and is measured
  as a query about cases never shown (the conservative case). Then one pass of `rank` with 2
  encoder / FAISS threads.
- **Baseline**, same process, on the first `--baseline-queries` queries: an rdflib in-memory `Graph` loaded with the store's union-graph N-Triples export runs
  the facet query `FacetCatalog.candidates` generates (the same SPARQL text); dense = numpy brute
  force over every vector of the candidate cases (all cases without facets), scored like the
  service (0.5 · case vector + 0.5 · best passage); lexical = the same BM25 index
  (`search.lexical`, no naive equivalent worth timing); fusion = `search.fusion.fuse` without the
  entity boosts; query embedded by the same model. The facet query does not depend on the query
  text: rdflib runs it once per configuration and its time is added to every query. Above 3,000,000 quads rdflib is skipped and the
  facet query runs on the embedded store (`--rdflib-max-quads`). *dense top-10 overlap* = share
  of the exact brute-force dense top 10 that the service's dense mode also returns.

{START}
{END}
"""


TABLE_STAGES = {"embed": "embed", "sparql": "SPARQL", "vector": "vector", "lexical": "lexical", "fusion": "fusion",
                "other": "other"}


def _f(stats: dict, key: str = "p50_ms") -> str:
    return f"{stats[key]:.1f}" if stats and key in stats else "–"


def render_summary(results: list[dict]) -> str:
    if not results:
        return ""
    first = results[0]
    m, v = first["machine"], first["versions"]
    lines = [
        "Runs: " + "; ".join(
            f"{r['base']} {r['date'][:16].replace('T', ' ')} UTC, commit {r['machine']['commit']}, query encoder "
            f"`{r['index'].get('query_encoder', 'torch')}`" for r in results) + ". "
        f"{m['cpu']}, {m['cores_used']} cores used of "
        f"{m['cpu_count']}, Python {m['python']}, faiss {v['faiss-cpu']}, torch {v['torch']}, "
        f"sentence-transformers {v['sentence-transformers']}, rdflib {v['rdflib']}, pyoxigraph {v['pyoxigraph']}. "
        f"Query embedding: real model, 1 thread; k = 10; *queries* eval queries × {1 + len(FACET_SETS)} facet "
        f"configurations × {first['parameters']['repeat']} repeat(s) per base; service caches: "
        f"{first['parameters'].get('caches', 'cold')} (emptied before every timed call). Load average (1 min) at "
        f"start / end of each base's measurement: "
        + "; ".join(f"{r['base']} {r.get('load_average', {}).get('start', ['?'])[0]} / "
                    f"{r.get('load_average', {}).get('end', ['?'])[0]}" for r in results) + ".",
        "",
        "Service, `rank` (hybrid), p50 / p95 ms per stage:",
        "",
        "| base | cases | queries | vectors (index) | facets | total p50 | total p95 | mean | "
        + " | ".join(TABLE_STAGES.values()) + " | goal |",
        "|---|---:|---:|---|---|---:|---:|---:|---|---|---|---|---|---|---|",
    ]
    for r in results:
        idx = r["index"]
        goal = r.get("goal")
        for key, label in (("no_facets", "none"), ("facets", "with facets")):
            s = r["service"]["pooled"][key]["rank"]
            g = "–"
            if goal:
                p95 = goal["measured_p95_ms"][key]
                g = (f"≤ {goal['p95_ms']:.0f}: **met**" if p95 <= goal["p95_ms"] else
                     f"≤ {goal['p95_ms']:.0f}: **missed** (×{p95 / goal['p95_ms']:.2f})")
            stages = " | ".join(f"{_f(s.get(st, {}))} / {_f(s.get(st, {}), 'p95_ms')}" for st in TABLE_STAGES)
            lines.append(f"| {r['base']} | {idx['cases']:,} | {r['parameters']['queries']} | {idx['vectors']:,} ({idx['kind']}) | {label} | "
                         f"{_f(s['total'])} | {_f(s['total'], 'p95_ms')} | {_f(s['total'], 'mean_ms')} | {stages} | {g} |")
    lines += ["", "Per facet configuration (`rank` total p50 / p95 ms; candidates = cases passing the filter; "
              "`search` = rank + result cards):", "",
              "| base | configuration | candidates | rank p50 / p95 | SPARQL p50 | search p50 / p95 | cards p50 | "
              "baseline p50 / p95 | baseline SPARQL p50 | baseline vector p50 | dense top-10 overlap |",
              "|---|---|---:|---|---:|---|---:|---|---:|---:|---:|"]
    for r in results:
        for name, c in r["service"]["configs"].items():
            rk, se = c["rank"], c.get("search", {})
            b = (r.get("baseline") or {}).get("configs", {}).get(name)
            bt = f"{_f(b['rank'].get('total', {}))} / {_f(b['rank'].get('total', {}), 'p95_ms')}" if b else "–"
            bs = _f(b["rank"].get("sparql", {})) if b else "–"
            bv = _f(b["rank"].get("vector", {})) if b else "–"
            ov = f"{b['dense_top10_overlap_with_service']:.2f}" if b and b.get("dense_top10_overlap_with_service") is not None else "–"
            cand = "all" if c["candidates"] is None else f"{c['candidates']:,}"
            lines.append(f"| {r['base']} | {name} | {cand} | {_f(rk['total'])} / {_f(rk['total'], 'p95_ms')} | "
                         f"{_f(rk.get('sparql', {}))} | {_f(se.get('total', {}))} / {_f(se.get('total', {}), 'p95_ms')} | "
                         f"{_f(se.get('cards', {}))} | {bt} | {bs} | {bv} | {ov} |")
    lines += ["", "Preparation and memory:", "",
              "| base | store build s | index build s (vectors derived) | index kind | service RSS MB | with baseline RSS MB | "
              "rdflib load s (triples) | 2 threads: rank p50 / p95 none, facets |",
              "|---|---:|---:|---|---:|---:|---|---|"]
    for r in results:
        p = r["preparation"]
        store_s = p.get("store_build", {}).get("seconds", p.get("seconds"))
        index_s = p.get("index_build", {}).get("seconds")
        mem = r["memory"]
        b = r.get("baseline") or {}
        with_baseline = f"{mem['baseline_rss_bytes'] / 2**20:,.0f}" if "baseline_rss_bytes" in mem else "–"
        rdflib_load = (f"{b['load_seconds']:.1f} ({b['triples']:,})" if b.get("rdflib", True) else
                       f"skipped ({b['store_quads']:,} quads)") if b else "–"
        t2 = r.get("threads2")
        t2s = "–"
        if t2:
            a, f = t2["pooled"]["no_facets"]["rank"]["total"], t2["pooled"]["facets"]["rank"]["total"]
            t2s = f"{_f(a)} / {_f(a, 'p95_ms')}, {_f(f)} / {_f(f, 'p95_ms')}"
        lines.append(
            f"| {r['base']} | {store_s:.0f}{' (with index)' if r['size'] is None else ''} | "
            f"{'–' if index_s is None else f'{index_s:.0f}'} | {r['index']['kind']} | "
            f"{mem['service_rss_bytes'] / 2**20:,.0f} | {with_baseline} | {rdflib_load} | {t2s} |")
    lines += ["", "Goals (p95 of hybrid `rank`, query embedding included, 2 cores):", ""]
    for r in results:
        goal = r.get("goal")
        if not goal:
            continue
        parts = ", ".join(f"{'no facets' if k == 'no_facets' else 'with facets'} {v:.1f} ms"
                          for k, v in goal["measured_p95_ms"].items())
        worst = max(goal["measured_p95_ms"].values())
        status = "met" if goal["met"] else f"missed by {worst - goal['p95_ms']:.1f} ms (×{worst / goal['p95_ms']:.2f})"
        lines.append(f"- {r['base']} ({r['index']['cases']:,} cases), p95 ≤ {goal['p95_ms']:.0f} ms: **{status}**: {parts}.")
    return "\n".join(lines)


def write_docs() -> Path:
    order = lambda r: (r["size"] or 0)  # noqa: E731 - real corpus first
    results = sorted((json.loads(p.read_text(encoding="utf-8")) for p in RESULTS_DIR.glob("search-*.json")), key=order)
    from .docs_block import write_block

    return write_block(DOCS_FILE, START, END, render_summary(results), missing=SECTION)


def parse_sizes(text: str) -> list[tuple[str, int | None]]:
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == "real":
            out.append(("real", None))
            continue
        if not re.fullmatch(r"[\d_]+k?", part):
            raise ValueError(part)
        n = int(part.rstrip("k").replace("_", "")) * (1000 if part.endswith("k") else 1)
        if n < 1:
            raise ValueError(part)
        out.append((str(n), n))
    if not out:
        raise ValueError(text)
    return out
