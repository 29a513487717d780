"""The search service: facets → candidates → dense + lexical retrieval → fusion with entity
boosts → results with explanations. Used by the CLI and the HTTP API alike; the model is loaded
once per service, lazily, at the first query that needs it.

Facet filters, entity boosts, ``why.shared`` and ``similar`` read an in-memory
:class:`search.facets.FacetIndex` (value → sorted case positions, case → values), built once per
service (a service serves one snapshot of the base) at the first query that needs it, or by
:meth:`SearchService.warm`. It gives the same case sets as the SPARQL of
:class:`search.facets.FacetCatalog` (tests/test_facet_index.py); ``facet_index=False`` keeps the
per-request SPARQL instead (e.g. for a single query on a very large base)."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from .card_refs import RefTable
from .cards import case_cards
from .contract import (EntityMatch, Facets, PassageMatch, Ref, Result, Scores, SearchInputError, SearchRequest,
                       SearchResponse, Shared, SimilarResponse, Span, Why, check_query)
from .facets import FacetCatalog, FacetIndex, case_iri_prefix
from .fusion import FusionParams, fuse, minmax, top
from .index import CASE_FIELD, SearchIndex

log = logging.getLogger(__name__)

# Facets compared by similar(), with their weight in the graph overlap.
SIMILAR_FACETS = {"instrument": 1.0, "lever": 1.0, "concept": 1.0, "actor_type": 0.75, "territory_type": 0.5,
                  "theme": 0.5}
SIMILAR_DENSE_WEIGHT = 0.5
VALUES_CACHE_MAX = 50_000
QUERY_CACHE_SIZE = 1024
CARDS_CACHE_MAX = 10_000
POSTINGS_CACHE_MAX = 10_000
# _dense: which cases are scored exactly, × pool: those of the closest case-level vectors (an exact
# scan, one vector per case) and those of the nearest vectors of the index (passages and cases, ANN)
CASE_POOL = 3
VECTOR_POOL = 3
PLACE_FACETS = frozenset({"region", "departement", "territory", "actor"})
ENTITY_KINDS = {"instrument": "instrument-type", "actor_type": "actor-type", "territory_type": "territory-type"}


@dataclass
class Ranking:
    """Intermediate result of one query, before the result cards are read."""

    query: str
    mode: str
    ranked: list[tuple[str, float]]
    dense: dict[str, float] = field(default_factory=dict)
    dense_passage: dict[str, str] = field(default_factory=dict)
    lexical: dict = field(default_factory=dict)  # case id → LexicalHit
    boost: dict[str, float] = field(default_factory=dict)
    entities: list[EntityMatch] = field(default_factory=list)
    candidates: set[str] | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class CandidateIds(AbstractSet):
    """The ids of the cases at positions ``pos`` of a facet index, as a set built only when it is
    iterated or searched: ranking with the facet index needs the positions and the count only, and
    building 45,000 strings into a set cost 12 ms per query at 100,000 cases."""

    def __init__(self, cases: list[str], pos: np.ndarray):
        self._cases, self._pos, self._ids = cases, pos, None

    def _set(self) -> frozenset[str]:
        if self._ids is None:
            self._ids = frozenset(self._cases[i] for i in self._pos.tolist())
        return self._ids

    def __len__(self) -> int:
        return len(self._pos)

    def __contains__(self, case_id) -> bool:
        return case_id in self._set()

    def __iter__(self):
        return iter(self._set())


class SearchService:
    def __init__(self, store, index: SearchIndex, embedder, catalog: FacetCatalog | None = None,
                 params: FusionParams | None = None, *, query_cache: int = QUERY_CACHE_SIZE,
                 facet_index: bool = True):
        self.store = store
        self.query_cache = query_cache  # query vectors kept (same text, other facets or k: no re-embedding)
        self._qvecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.index = index
        self.embedder = embedder
        self.catalog = catalog if catalog is not None else FacetCatalog.from_store(store, counts=False)
        self.params = params or FusionParams()
        self.use_facet_index = facet_index
        self._facet_index: FacetIndex | None = None
        self._facet_case: np.ndarray | None = None  # facet index position → position in self._cases
        self._facet_lexical: np.ndarray | None = None  # facet index position → lexical case number
        self._facet_lock = threading.Lock()
        self._case_vectors: dict[str, list[str]] = {}
        self._values_cache: dict[str, dict[str, set[str]]] = {}  # (without the facet index)
        self._postings: dict[tuple[str, str], frozenset[str]] = {}  # (without the facet index)
        self._cards: dict[str, dict] = {}
        # labels of the levels, levers, roles, classes… the cards show (one snapshot: never stale)
        self._card_refs = RefTable()
        self._case_prefix: str | None = None
        self._cm: tuple[np.ndarray, np.ndarray] | None = None  # _case_matrix()
        self._cm_pos = np.zeros(0, dtype=np.int64)  # matrix row → position in self._cases
        dense = index.dense
        for vid in dense.ids:
            self._case_vectors.setdefault(vid.split("#", 1)[0], []).append(vid)
        # vector label → position of its case in self._cases (-1: none; the extra last slot is -1 too)
        self._cases = sorted(self._case_vectors)
        self._case_pos = {c: i for i, c in enumerate(self._cases)}
        self._label_case = np.full(dense.label_bound + 1, -1, dtype=np.int64)
        self._case_label = np.full(len(self._cases), -1, dtype=np.int64)  # the label of each case vector
        # the labels of each case's vectors, in self._case_vectors order: case position i has
        # self._vec_labels[self._vec_start[i]:self._vec_start[i + 1]] (_dense_exact reads them)
        self._vec_start = np.zeros(len(self._cases) + 1, dtype=np.int64)
        self._vec_labels = np.zeros(0, dtype=np.int64)
        self._vec_is_case = np.zeros(0, dtype=bool)  # parallel to _vec_labels: the case-level vector
        if self._cases:
            vids = [v for c in self._cases for v in self._case_vectors[c]]
            self._vec_labels = dense.labels_of(vids)
            self._vec_is_case = np.fromiter((v.partition("#")[2] == CASE_FIELD for v in vids), dtype=bool, count=len(vids))
            self._vec_start[1:] = np.cumsum([len(self._case_vectors[c]) for c in self._cases])
            self._label_case[self._vec_labels] = np.repeat(
                np.arange(len(self._cases)), np.diff(self._vec_start))
            self._case_label = dense.labels_of(f"{c}#{CASE_FIELD}" for c in self._cases)

    @classmethod
    def open(cls, settings, *, embedder=None, params: FusionParams | None = None) -> "SearchService":
        """The service over the store and search index of ``settings`` (read-only)."""
        from kb.store import open_store

        from .embedder import embedder_from_settings

        if embedder is None:  # (its passage encoder sets the model id the index must have been built with)
            embedder = embedder_from_settings(settings, search=True)
        index = SearchIndex.load(settings.search_dir, model_id=embedder.model_id)
        return cls(open_store(settings), index, embedder, params=params)

    def embed_query(self, query: str) -> np.ndarray:
        with self._lock:
            hit = self._qvecs.get(query)
            if hit is not None:
                self._qvecs.move_to_end(query)
                return hit
        vec = np.asarray(self.embedder.embed_queries([query]), dtype=np.float32)[0]
        if self.query_cache:
            with self._lock:
                self._qvecs[query] = vec
                while len(self._qvecs) > self.query_cache:
                    self._qvecs.popitem(last=False)
        return vec

    # -- facets ------------------------------------------------------------------------------
    @property
    def facet_index(self) -> FacetIndex | None:
        """The in-memory facet index of this service's snapshot, built at the first call (None
        with ``facet_index=False``)."""
        if not self.use_facet_index:
            return None
        fi = self._facet_index
        if fi is None:
            with self._facet_lock:
                if self._facet_index is None:
                    t = time.perf_counter()
                    fi = FacetIndex.from_store(self.store, self.catalog)
                    self._facet_case = np.asarray([self._case_pos.get(c, -1) for c in fi.cases], dtype=np.int64)
                    self._facet_lexical = self.index.lexical.case_numbers(fi.cases)
                    self._facet_index = fi
                    log.info("facet index: %d cases in %.1f s", len(fi), time.perf_counter() - t)
                fi = self._facet_index
        return fi

    def warm(self) -> None:
        """Build what the first query would otherwise build (the facet index)."""
        _ = self.facet_index

    def candidates(self, facets: Facets) -> tuple[set[str] | None, np.ndarray | None]:
        """Ids of the cases passing the active facets (None without any), and their positions in
        the facet index (None without it). Raises SearchInputError for a bad facet or value."""
        if facets.is_empty():
            return None, None
        self.catalog.resolve(facets)
        fi = self.facet_index
        if fi is None:
            return self.catalog.candidates(self.store, facets), None
        pos = fi.candidate_positions(facets)
        return CandidateIds(fi.cases, pos), pos

    # -- entities ----------------------------------------------------------------------------
    def gazetteer_entities(self, query: str) -> list[EntityMatch]:
        expander = self.index.lexical.expander
        if expander is None:
            return []
        out, seen = [], set()
        for entry, start, end in expander.matches(query):
            for gi in entry.trigger_groups:
                group = expander.groups[gi]
                hit = self.catalog.entity(group.key)
                facet, value_id, label = hit if hit is not None else ("other", group.key, group.label)
                if (facet, value_id) in seen:
                    continue
                seen.add((facet, value_id))
                out.append(EntityMatch(text=query[start:end], start=start, end=end, kind=ENTITY_KINDS.get(facet, facet),
                                       id=value_id, iri=self.catalog.iri(facet, value_id), label=label))
        return out

    def embedding_entities(self, qvec: np.ndarray, query: str) -> list[EntityMatch]:
        vocab = self.index.vocab
        p = self.params
        if vocab is None or p.vocab_top == 0 or not len(vocab):
            return []
        out = []
        for key, score in vocab.search(qvec, k=p.vocab_top):
            if score < p.vocab_min:
                continue
            hit = self.catalog.entity(key)
            if hit is None:
                continue
            facet, value_id, label = hit
            out.append(EntityMatch(text=query, kind=ENTITY_KINDS.get(facet, facet), id=value_id,
                                   iri=self.catalog.iri(facet, value_id), label=label, method="embedding",
                                   score=round(float(score), 4)))
        return out

    # -- ranking -----------------------------------------------------------------------------
    def rank(self, query: str, *, mode: str = "hybrid", facets: Facets | None = None, k: int = 10) -> Ranking:
        """Ranked case ids with the scores behind them (no result cards: fast, used by eval)."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        query = check_query(query)
        facets = facets or Facets()
        if mode not in ("hybrid", "dense", "lexical"):
            raise SearchInputError(f"unknown mode {mode!r}: use hybrid, dense or lexical")
        candidates, cand_pos = self.candidates(facets)
        timings["sparql"] = time.perf_counter() - t0  # (the facet stage, in memory or by SPARQL)
        out = Ranking(query, mode, [], candidates=candidates, timings=timings)
        out.entities = self.gazetteer_entities(query)
        if candidates is not None and not candidates:
            out.warnings.append("no case passes these filters")
            return out
        pool = max(self.params.pool, 10 * k)
        qvec = None
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = self.embed_query(query)
            timings["embed"] = time.perf_counter() - t
            t = time.perf_counter()
            out.dense, out.dense_passage = self._dense(qvec, candidates, pool, cand_pos)
            timings["vector"] = time.perf_counter() - t
        if mode in ("hybrid", "lexical"):
            t = time.perf_counter()
            lex = self.index.lexical
            if cand_pos is not None and self._facet_lexical is not None:
                hits = lex.search(query, k=pool, candidate_numbers=self._facet_lexical[cand_pos])
            else:
                hits = lex.search(query, k=pool, candidate_case_ids=candidates)
            if not hits:
                out.warnings.append("no word of the query occurs in the case texts"
                                    + ("; ranked by meaning only" if mode == "hybrid" else
                                       " (the hybrid mode also searches by meaning)"))
            out.lexical = {h.case_id: h for h in hits}
            if mode == "hybrid":
                missing = [c for c in out.dense if c not in out.lexical]
                if missing:
                    out.lexical.update({h.case_id: h for h in lex.search(query, k=len(missing), candidate_case_ids=missing)})
                extra = [c for c in out.lexical if c not in out.dense]
                if extra:
                    d, p = self._dense_exact(qvec, extra)
                    out.dense.update(d)
                    out.dense_passage.update(p)
            timings["lexical"] = time.perf_counter() - t
        t = time.perf_counter()
        lexical_scores = {c: h.score for c, h in out.lexical.items()}
        if mode == "dense":
            fused = dict(out.dense)
        elif mode == "lexical":
            fused = lexical_scores
        else:
            out.entities += self.embedding_entities(qvec, query)
            out.boost = self._boosts(out.entities, set(out.dense) | set(lexical_scores))
            fused = fuse(out.dense, lexical_scores, out.boost, self.params)
        out.ranked = top(fused, k)
        timings["fusion"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t0
        return out

    def _dense(self, qvec: np.ndarray, candidates: set[str] | None, pool: int,
               cand_pos: np.ndarray | None = None) -> tuple[dict[str, float], dict[str, str]]:
        """The ``pool`` cases of best dense score among the candidates (every case without
        facets), scored exactly by :meth:`_dense_exact`. The cases scored are the ``CASE_POOL`` ×
        ``pool`` whose case-level vector is the closest to the query (an exact scan of one vector
        per case) and the cases of the ``VECTOR_POOL`` × ``pool`` nearest vectors of the index
        (HNSW above the exact threshold, restricted to the candidates). A case's score is half
        its case vector, half its best passage, so the first half finds the cases strong overall,
        the second those with one strong passage. On the 100,000-case benchmark base this finds
        90 % of the exact top 10, against 52 % for the cases of the 900 nearest vectors alone
        (docs/search.md, "Dense stage")."""
        matrix, rows = self._case_matrix()
        sims, row_pos, cand_mask = matrix @ qvec, self._cm_pos, None
        dense = self.index.dense
        n_vectors = len(dense)
        if candidates is not None:
            pos = self._candidate_positions(candidates, cand_pos)
            r = rows[pos]
            r = r[r >= 0]
            sims, row_pos = sims[r], row_pos[r]
            cand_mask = self._candidate_mask(pos)
            n_vectors = int(np.count_nonzero(cand_mask))
            if not n_vectors:
                return {}, {}
        take = min(len(sims), CASE_POOL * pool)
        best = row_pos[np.argpartition(-sims, take - 1)[:take]] if take else row_pos[:0]
        cases = [self._cases[i] for i in best.tolist()]
        k = min(n_vectors, VECTOR_POOL * pool)
        if k:
            cases += [vid.split("#", 1)[0] for vid, _ in dense.search(qvec, k=k, candidate_mask=cand_mask)]
        scores, passages = self._dense_exact(qvec, list(dict.fromkeys(cases)))
        if len(scores) > pool:
            scores = dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:pool])
            passages = {c: p for c, p in passages.items() if c in scores}
        return scores, passages

    def _case_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """The case-level vectors as one contiguous matrix (built at the first dense search;
        ~150 MB for 100,000 cases) and, per case position, its row (-1: no case vector)."""
        cm = self._cm
        if cm is None:
            with self._facet_lock:
                if self._cm is None:
                    has = np.flatnonzero(self._case_label >= 0)
                    rows = np.full(len(self._cases), -1, dtype=np.int64)
                    rows[has] = np.arange(len(has))
                    matrix = self.index.dense.vectors_of_labels(self._case_label[has]) if len(has) else \
                        np.zeros((0, self.index.dense.dimension), dtype=np.float32)
                    self._cm_pos = has
                    self._cm = (np.ascontiguousarray(matrix, dtype=np.float32), rows)
                cm = self._cm
        return cm

    def _candidate_positions(self, candidates: set[str], cand_pos: np.ndarray | None) -> np.ndarray:
        """Positions in ``self._cases`` of the candidate cases that have vectors."""
        if cand_pos is not None and self._facet_case is not None:
            pos = self._facet_case[cand_pos]
        else:
            get = self._case_pos.get
            pos = np.fromiter((get(c, -1) for c in candidates), dtype=np.int64)
        return pos[pos >= 0]

    def _candidate_mask(self, pos: np.ndarray) -> np.ndarray:
        """Which dense vector labels belong to the cases at positions ``pos`` (booleans by label)."""
        mask = np.zeros(len(self._cases) + 1, dtype=bool)  # the last slot stays False: label of no case
        mask[pos] = True
        return mask[self._label_case]

    def _dense_exact(self, qvec: np.ndarray, case_ids: list[str]) -> tuple[dict[str, float], dict[str, str]]:
        """Dense score of each case: w·(case vector) + (1 − w)·(best passage), exactly (the best
        passage: the first of the highest similarity, in the order of the case's vectors)."""
        get = self._case_pos.get
        pos = np.fromiter((p for p in (get(c) for c in case_ids) if p is not None), dtype=np.int64)
        lo, hi = self._vec_start[pos], self._vec_start[pos + 1]
        counts = hi - lo
        if not counts.sum():
            return {}, {}
        rows = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
        labels, is_case = self._vec_labels[rows], self._vec_is_case[rows]
        seg = np.repeat(np.arange(len(pos)), counts)  # index in pos of each vector
        sims = self.index.dense.vectors_of_labels(labels) @ qvec
        case_sim = np.full(len(pos), np.nan)
        case_sim[seg[is_case]] = sims[is_case]
        p_seg, p_sim, p_idx = seg[~is_case], sims[~is_case], np.flatnonzero(~is_case)
        order = np.lexsort((p_idx, -p_sim, p_seg))  # per case: highest similarity, then first
        first = order[np.concatenate(([True], p_seg[order][1:] != p_seg[order][:-1]))] if len(order) else order
        best = np.full(len(pos), np.nan)
        best[p_seg[first]] = p_sim[first]
        best_label = np.full(len(pos), -1, dtype=np.int64)
        best_label[p_seg[first]] = labels[p_idx[first]]
        bp = np.where(np.isnan(best), case_sim, best)
        w = self.params.case_vector_weight
        score = w * np.where(np.isnan(case_sim), bp, case_sim) + (1.0 - w) * bp
        key_of = self.index.dense.key_of
        cases = [self._cases[i] for i in pos.tolist()]
        scores = {cases[i]: s for i, s in enumerate(score.tolist()) if counts[i]}
        passages = {cases[i]: key_of(b) for i, b in enumerate(best_label.tolist()) if b >= 0}
        return scores, passages

    def cases_with(self, facet: str, value_id: str) -> frozenset[str]:
        """Cases having a facet value (from the facet index; without it, by SPARQL, memoised)."""
        fi = self.facet_index
        if fi is not None:
            return frozenset(fi.cases_with(facet, value_id))
        key = (facet, value_id)
        hit = self._postings.get(key)
        if hit is None:
            hit = frozenset(self.catalog.cases_with(self.store, facet, value_id))
            if len(self._postings) >= POSTINGS_CACHE_MAX:
                self._postings.clear()
            self._postings[key] = hit
        return hit

    def _having(self, facet: str, value_id: str, case_ids) -> set[str]:
        """Those of ``case_ids`` that have a facet value."""
        fi = self.facet_index
        if fi is not None:
            return fi.having(facet, value_id, case_ids)
        return set(self.cases_with(facet, value_id) & set(case_ids))

    def _has_value(self, case_id: str, facet: str, value_id: str) -> bool:
        fi = self.facet_index
        if fi is not None:
            return fi.has(facet, value_id, case_id)
        return case_id in self.cases_with(facet, value_id)

    def _has(self, case_id: str, entity: EntityMatch) -> bool:
        facet = _facet_of(entity.kind)
        return self.catalog.is_facet(facet) and self._has_value(case_id, facet, entity.id)

    def _boosts(self, entities: list[EntityMatch], case_ids: set[str]) -> dict[str, float]:
        usable = [e for e in entities if self.catalog.is_facet(_facet_of(e.kind))]
        if not usable or not case_ids:
            return {}
        p = self.params
        groups = [
            (p.place_weight, [e for e in usable if e.method == "gazetteer" and _facet_of(e.kind) in PLACE_FACETS]),
            (p.entity_weight, [e for e in usable if e.method == "gazetteer" and _facet_of(e.kind) not in PLACE_FACETS]),
            (p.vocab_weight, [e for e in usable if e.method == "embedding"]),
        ]
        out = {}
        for w, group in groups:
            if not group or not w:
                continue
            for e in group:
                for cid in self._having(_facet_of(e.kind), e.id, case_ids):
                    out[cid] = out.get(cid, 0.0) + w / len(group)
        return out

    def cards(self, case_ids: list[str]) -> dict[str, dict]:
        """Result cards (search/cards.py), memoised per case like the facet values. Safe under
        concurrent requests: the answer is built from a local copy, never re-read after a clear."""
        cache = self._cards
        found = {c: cache[c] for c in case_ids if c in cache}
        missing = [c for c in dict.fromkeys(case_ids) if c not in found]
        if missing:
            if self._case_prefix is None:
                self._case_prefix = case_iri_prefix(self.store)
            fresh = case_cards(self.store, missing, case_prefix=self._case_prefix, refs=self._card_refs)
            if len(cache) + len(fresh) > CARDS_CACHE_MAX:
                cache.clear()
            cache.update(fresh)
            found.update(fresh)
        return {c: found[c] for c in case_ids if c in found}

    def case_values(self, case_ids) -> dict[str, dict[str, set[str]]]:
        """Facet values of cases (from the facet index; without it, by SPARQL, memoised: a
        service serves one snapshot of the base)."""
        fi = self.facet_index
        if fi is not None:
            values = fi.case_values([c for c in case_ids if isinstance(c, str)])
            return {c: values.get(c, {}) for c in case_ids}
        cache = self._values_cache
        found = {c: cache[c] for c in case_ids if c in cache}
        missing = sorted({c for c in case_ids if c not in found})
        if missing:
            fresh = self.catalog.case_values(self.store, missing)
            fresh = {c: fresh.get(c, {}) for c in missing}
            if len(cache) + len(fresh) > VALUES_CACHE_MAX:
                cache.clear()
            cache.update(fresh)
            found.update(fresh)
        return {c: found[c] for c in case_ids if c in found}

    # -- full responses ----------------------------------------------------------------------
    def search(self, request: SearchRequest | dict) -> SearchResponse:
        if isinstance(request, dict):
            request = request_from_dict(request)
        ranking = self.rank(request.query, mode=request.mode, facets=request.facets, k=request.k)
        ids = [c for c, _ in ranking.ranked]
        cards = self.cards(ids)
        active = request.facets.active()
        wanted = self._filter_values(active)
        terms = self.index.lexical.query_terms(ranking.query) if ranking.ranked else []  # to highlight
        results = []
        for cid, score in ranking.ranked:
            if cid not in cards:
                log.warning("case %s is in the search index but not in the store: run `coopkg build`", cid)
                continue
            why = Why(
                matched_entities=[e for e in ranking.entities if self._has(cid, e)],
                shared=[Shared(facet=f, id=v, label=self.catalog.label(f, v)) for f, v in wanted
                        if self._has_value(cid, f, v)],
                matched_terms=self._terms(ranking.lexical.get(cid)),
                passage=self._passage(cid, ranking, terms),
                scores=Scores(dense=_r(ranking.dense.get(cid)),
                              lexical=_r(ranking.lexical[cid].score if cid in ranking.lexical else
                                         (0.0 if ranking.mode != "dense" else None)),
                              entity=_r(ranking.boost.get(cid)) if ranking.mode == "hybrid" else None,
                              fused=_r(score)),
            )
            results.append(Result(**cards[cid], score=_r(score), why=why))
        return SearchResponse(query=ranking.query, mode=request.mode, k=request.k, facets=active,
                              candidates=len(ranking.candidates) if ranking.candidates is not None else None,
                              entities=ranking.entities, warnings=ranking.warnings, results=results)

    def _filter_values(self, active: dict) -> list[tuple[str, str]]:
        """(facet, value id) of every active filter value, for the `shared` explanation."""
        out = []
        for facet, given in active.items():
            if facet == "period":
                continue
            for text in given:
                out += [(facet, vid) for vid in self.catalog.resolve_value(facet, text) if (facet, vid) not in out]
        return out

    @staticmethod
    def _terms(hit) -> list[str]:
        if hit is None:
            return []
        return sorted({e.term.lstrip("=") for e in hit.matched_terms})

    def _passage(self, cid: str, ranking: Ranking, terms: list) -> PassageMatch | None:
        """The passage that matched best (``terms``: the query's weighted terms, to highlight)."""
        lex = self.index.lexical
        hit = ranking.lexical.get(cid)
        dense_pid = ranking.dense_passage.get(cid)
        if hit is not None and hit.passage_terms:
            pid, method = hit.passage_id, ("both" if hit.passage_id == dense_pid else "lexical")
        elif dense_pid:
            pid, method = dense_pid, "dense"
        else:
            return None
        passage = lex.passage(pid)
        spans = [Span(start=a, end=b, term=t.lstrip("=")) for a, b, t in lex.highlight(pid, terms)] if terms else []
        return PassageMatch(id=pid, field=passage.field, text=passage.text, spans=spans, method=method)

    # -- similar cases -----------------------------------------------------------------------
    def similar(self, case_id: str, k: int = 10) -> SimilarResponse:
        if not isinstance(case_id, str) or case_id not in self._case_vectors:
            import difflib

            close = difflib.get_close_matches(str(case_id), list(self._case_vectors), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `coopkg sparql` lists case ids"
            raise SearchInputError(f"unknown case {case_id!r}{hint}")
        if not 1 <= k <= 100:
            raise SearchInputError(f"k must be between 1 and 100, got {k}")
        ref = self.index.dense.vectors([f"{case_id}#{CASE_FIELD}"])[0]
        matrix, rows = self._case_matrix()  # every other case's case vector, scored exactly
        sims = matrix @ ref
        me = rows[self._case_pos[case_id]]
        if me >= 0:
            sims[me] = -np.inf
        take = min(max(self.params.pool, 10 * k), int(np.isfinite(sims).sum()))
        best = np.argpartition(-sims, take - 1)[:take] if take else np.zeros(0, dtype=np.int64)
        dense_scores = dict(sorted(((self._cases[self._cm_pos[i]], float(sims[i])) for i in best.tolist()),
                                   key=lambda item: (-item[1], item[0])))
        values = self.case_values([case_id, *dense_scores])
        mine = values.get(case_id, {})
        graph, shared = {}, {}
        for cid in dense_scores:
            graph[cid], shared[cid] = self._overlap(mine, values.get(cid, {}))
        d = minmax(dense_scores)
        fused = {c: SIMILAR_DENSE_WEIGHT * d[c] + (1 - SIMILAR_DENSE_WEIGHT) * graph[c] for c in dense_scores}
        ranked = top(fused, k)
        cards = self.cards([case_id, *(c for c, _ in ranked)])
        results = []
        for cid, score in ranked:
            if cid not in cards:
                continue
            why = Why(shared=shared[cid],
                      scores=Scores(dense=_r(dense_scores[cid]), graph=_r(graph[cid]), fused=_r(score)))
            results.append(Result(**cards[cid], score=_r(score), why=why))
        me = cards.get(case_id, {"id": case_id, "iri": "", "label": case_id})
        return SimilarResponse(case=Ref(id=case_id, iri=me["iri"], label=me["label"]), k=k, results=results)

    def _overlap(self, a: dict, b: dict) -> tuple[float, list[Shared]]:
        """Weighted Jaccard overlap of facet values (0–1) and the shared values."""
        num = den = 0.0
        shared = []
        for facet, w in SIMILAR_FACETS.items():
            va, vb = set(a.get(facet, ())), set(b.get(facet, ()))
            if not va and not vb:
                continue
            inter = va & vb
            num += w * len(inter) / len(va | vb)
            den += w
            shared += [Shared(facet=facet, id=v, label=self.catalog.label(facet, v)) for v in sorted(inter)]
        return (num / den if den else 0.0), shared


def _facet_of(kind: str) -> str:
    return {v: k for k, v in ENTITY_KINDS.items()}.get(kind, kind)


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)


def request_from_dict(data: dict) -> SearchRequest:
    """A SearchRequest from plain data, with SearchInputError (one line per problem) instead of
    pydantic's ValidationError."""
    from pydantic import ValidationError

    try:
        return SearchRequest.model_validate(data)
    except ValidationError as exc:
        raise SearchInputError(validation_message(exc)) from None


def validation_message(exc) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "request"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)
