"""Dense passage vectors in FAISS, with string ids, filtering, persistence and an embedding cache.

:class:`VectorIndex` holds L2-normalised passage vectors under string ids (passage ids such as
``"brest-cob#stake"``) and answers inner-product (= cosine) top-k queries:

* up to ``exact_max`` vectors (default 50 000, the ``COOPKG_VECTOR_EXACT_MAX`` setting) an exact
  ``IndexFlatIP`` in an ``IndexIDMap2``; above it an ``IndexHNSWFlat`` (inner product). The kind
  switches to HNSW when an ``add`` crosses the limit. HNSW cannot delete: removed vectors are
  tombstoned and excluded by an id selector, and the graph is rebuilt once tombstones exceed a
  quarter of it.
* **identical vectors are stored once.** Identical texts get identical vectors (the embedding
  cache is keyed by text), and a large base has many (the same actors or territories for many
  cases). Many copies of one point make an HNSW graph fall apart into islands that a search
  cannot leave (they link only to each other), so every distinct vector is stored once under the
  FAISS id of its first label, and a hit stands for every live id sharing that vector.
* single queries run FAISS with one OpenMP thread (two were measured slower on this machine).
* ``search(q, k, candidate_ids)``: candidates (e.g. the passages of the cases a facet filter
  allows) are scored EXACTLY, without copying their vectors (``compute_distance_subset`` on the
  flat storage), whenever there are at most ``exact_max`` of them or they are at most
  ``selective_fraction`` of the index; only larger candidate sets go through HNSW with an id
  selector (a bitmap).
* an HNSW search never falls back to an exact scan of the whole index: when the graph returns
  fewer vectors than asked, a filtered search is retried once with a larger ``efSearch``, and
  what is still missing is logged (first time per index) and counted in ``short_searches``.

``save`` writes the FAISS file, the id map and ``meta.json`` (format, model id, dimension, corpus
hash, index kind, count); ``load`` refuses (:class:`VectorIndexMismatchError`) an index written by
another format, model, dimension or corpus, telling to rebuild it (mirrors
:class:`search.lexical.LexicalIndex`). Indexes saved before identical vectors were shared load as
they are (one stored vector per id).

:class:`EmbeddingCache` (sqlite, keyed by sha256(model id, prompt kind, NFC text)) makes sure an
unchanged passage is never embedded twice.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sqlite3
import time
import unicodedata
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .arrays import ranges
from .persist import read_meta, staging_dir, swap_in, write_json

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
META_KIND = "coopkg-dense-faiss"
EXACT_MAX = 50_000
SELECTIVE_FRACTION = 0.05
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128
OVERSAMPLE = 2.0
REBUILD_TOMBSTONES = 0.25
RETRY_EF_FACTOR = 4  # a filtered HNSW search that comes back short is retried once with this × efSearch
MAX_FILTER_EF_FACTOR = 2  # efSearch of a filtered search: at most this × (oversample × k)
REBUILD_HINT = "rebuild the dense index (re-embed the passages with the configured model)"
_FP_CHUNK = 8192


class VectorIndexError(Exception):
    """The vector index cannot be used (missing, unreadable, or bad input); the message says why."""


class VectorIndexMismatchError(VectorIndexError):
    """The saved index was built with another model, dimension, corpus or format: rebuild it."""


def _faiss():
    import faiss

    return faiss


def _as_matrix(vectors, dimension: int, what: str = "vectors") -> np.ndarray:
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != dimension:
        raise ValueError(f"{what} have shape {tuple(np.shape(vectors))}, expected (n, {dimension}): "
                         f"wrong embedding dimension (index built for {dimension})")
    if not np.isfinite(x).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return np.ascontiguousarray(x)


def _fingerprints(x: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint of each row (of its bits): equal rows have equal fingerprints. Used
    to find identical vectors, which are then compared in full (a collision only costs sharing)."""
    mult = np.random.default_rng(0x5EED).integers(1, 2**63, size=x.shape[1], dtype=np.uint64) | np.uint64(1)
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    out = np.empty(len(x), dtype=np.uint64)
    for a in range(0, len(x), _FP_CHUNK):
        out[a:a + _FP_CHUNK] = (bits[a:a + _FP_CHUNK].astype(np.uint64) * mult).sum(axis=1, dtype=np.uint64)
    return out


def _rows_equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a), dtype=bool)
    for s in range(0, len(a), _FP_CHUNK):
        out[s:s + _FP_CHUNK] = (a[s:s + _FP_CHUNK] == b[s:s + _FP_CHUNK]).all(axis=1)
    return out


def _unique_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique values, index of each element of ``a`` in them)."""
    order = np.argsort(a, kind="stable")
    s = a[order]
    first = np.concatenate(([True], s[1:] != s[:-1])) if len(s) else np.zeros(0, dtype=bool)
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return s[first], inverse


class VectorIndex:
    def __init__(self, dimension: int, model_id: str, *, corpus_hash: str | None = None, exact_max: int = EXACT_MAX,
                 selective_fraction: float = SELECTIVE_FRACTION, hnsw_m: int = HNSW_M,
                 ef_construction: int = HNSW_EF_CONSTRUCTION, ef_search: int = HNSW_EF_SEARCH,
                 oversample: float = OVERSAMPLE, search_threads: int = 1, build_threads: int | None = None):
        if not isinstance(dimension, int) or dimension < 1:
            raise ValueError(f"dimension must be a positive integer, got {dimension!r}")
        if not model_id:
            raise ValueError("model_id is required (it is stored in the index metadata)")
        if exact_max < 0 or not 0.0 <= selective_fraction <= 1.0 or oversample < 1.0:
            raise ValueError(f"bad parameters: exact_max={exact_max} (≥ 0), selective_fraction={selective_fraction} "
                             f"(0–1), oversample={oversample} (≥ 1)")
        self.dimension = dimension
        self.model_id = str(model_id)
        self.corpus_hash = corpus_hash
        self.exact_max = int(exact_max)
        self.selective_fraction = float(selective_fraction)
        self.hnsw_m, self.ef_construction, self.ef_search = int(hnsw_m), int(ef_construction), int(ef_search)
        self.oversample = float(oversample)
        self.search_threads = search_threads
        self.build_threads = build_threads or os.cpu_count() or 1
        self._labels: dict[str, int] = {}  # id → label (int64), live ids only
        self._keys: dict[int, str] = {}  # label → id (live only)
        # Labels share stored vectors: _rep[label] is the FAISS id of its vector (the label of the
        # first id added with that vector), -1 once removed; _count[faiss id] the live labels on it.
        self._rep = np.zeros(0, dtype=np.int64)
        self._count = np.zeros(0, dtype=np.int64)
        self._fp: np.ndarray | None = np.zeros(0, dtype=np.uint64)  # FAISS id → fingerprint (None: to compute)
        self._stored = 0  # FAISS ids with live labels
        self._tombstones: set[int] = set()  # HNSW ids without live label but still in the graph
        self._next = 0
        self._derived: dict = {}  # structures computed from the above, dropped on every change
        self.short_searches = 0  # HNSW searches that returned fewer vectors than asked
        self.kind = "flat"
        self._index = self._new_index("flat")

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def build(cls, ids: Sequence[str], vectors, model_id: str, **params) -> "VectorIndex":
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array, got shape {x.shape}")
        index = cls(int(x.shape[1]), model_id, **params)
        index.add(ids, x)
        return index

    def _new_index(self, kind: str):
        faiss = _faiss()
        if kind == "flat":
            base = faiss.IndexFlatIP(self.dimension)
        else:
            base = faiss.IndexHNSWFlat(self.dimension, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = self.ef_construction
            base.hnsw.efSearch = self.ef_search
        return faiss.IndexIDMap2(base)

    def __len__(self) -> int:
        return len(self._labels)

    def __contains__(self, passage_id: str) -> bool:
        return passage_id in self._labels

    @property
    def ids(self) -> list[str]:
        return list(self._labels)

    @property
    def stored(self) -> int:
        """Number of distinct vectors stored (ids with identical vectors share one)."""
        return self._stored

    def labels_of(self, ids: Iterable[str]) -> np.ndarray:
        """The integer labels of ``ids`` (-1 for an unknown id), to pass as ``candidate_labels``."""
        get = self._labels.get
        return np.fromiter((get(i, -1) for i in ids), dtype=np.int64)

    def key_of(self, label: int) -> str | None:
        return self._keys.get(int(label))

    @property
    def label_bound(self) -> int:
        """Every label is below this bound (arrays indexed by label can have this size)."""
        return self._next

    def _grow(self, size: int) -> None:
        if len(self._rep) >= size:
            return
        size = max(size, int(len(self._rep) * 1.25))
        extra = size - len(self._rep)
        self._rep = np.concatenate([self._rep, np.full(extra, -1, dtype=np.int64)])
        self._count = np.concatenate([self._count, np.zeros(extra, dtype=np.int64)])
        if self._fp is not None:
            self._fp = np.concatenate([self._fp, np.zeros(extra, dtype=np.uint64)])

    def _changed(self) -> None:
        self._derived.clear()

    def add(self, ids: Sequence[str], vectors) -> int:
        """Index ``vectors`` (rows L2-normalised) under ``ids``; an id already present is refused
        (remove it first). A vector identical to one already stored shares it. Switches to HNSW
        when the number of ids crosses ``exact_max``."""
        ids = list(ids)
        x = _as_matrix(vectors, self.dimension)
        if len(ids) != x.shape[0]:
            raise ValueError(f"{len(ids)} ids for {x.shape[0]} vectors")
        if not ids:
            return 0
        for i in ids:
            if not isinstance(i, str) or not i:
                raise TypeError(f"ids must be non-empty strings, got {i!r}")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids in the vectors to add")
        present = [i for i in ids if i in self._labels]
        if present:
            raise ValueError(f"{len(present)} id(s) already indexed (e.g. {present[0]!r}): remove them first")
        start = self._next
        labels = np.arange(start, start + len(ids), dtype=np.int64)
        fp = _fingerprints(x)
        # identical rows within the batch: the first of each group
        _, first, inverse = np.unique(fp, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        same = _rows_equal(x, x[first[inverse]])
        # … and identical to a vector already stored
        existing = self._find_stored(fp[first])
        found = existing >= 0
        if found.any():
            ok = _rows_equal(self._stored_vectors(existing[found]), x[first[found]])
            hit = existing[found]
            hit[~ok] = -1
            existing[found] = hit
        rep = np.where(existing >= 0, existing, labels[first])[inverse]
        rep[~same] = labels[~same]
        new = rep == labels
        self._next += len(ids)
        self._grow(self._next)
        self._rep[labels] = rep
        np.add.at(self._count, rep, 1)
        if self._fp is not None:
            self._fp[labels[new]] = fp[new]
        self._stored += int(new.sum())
        for key, label in zip(ids, labels.tolist()):
            self._labels[key] = label
            self._keys[label] = key
        faiss = _faiss()
        faiss.omp_set_num_threads(self.build_threads)
        if self.kind == "flat" and len(self._labels) > self.exact_max:
            self._rebuild("hnsw", upto=start, extra=(labels[new], x[new]))
        elif new.any():
            self._index.add_with_ids(np.ascontiguousarray(x[new]), labels[new])
        self._changed()
        return len(ids)

    def _find_stored(self, fps: np.ndarray) -> np.ndarray:
        """The FAISS id of a stored live vector with each fingerprint, -1 when there is none."""
        out = np.full(len(fps), -1, dtype=np.int64)
        live = np.flatnonzero(self._count[:self._next] > 0)
        if not len(live) or not len(fps):
            return out
        if self._fp is None:  # loaded from disk: fingerprints computed once, when first needed
            self._fp = np.zeros(len(self._rep), dtype=np.uint64)
            for a in range(0, len(live), _FP_CHUNK):
                chunk = live[a:a + _FP_CHUNK]
                self._fp[chunk] = _fingerprints(self._stored_vectors(chunk))
        sfp = self._fp[live]
        order = np.argsort(sfp, kind="stable")
        sfp, sid = sfp[order], live[order]
        pos = np.minimum(np.searchsorted(sfp, fps), len(sfp) - 1)
        match = sfp[pos] == fps
        out[match] = sid[pos[match]]
        return out

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the given ids (unknown ids are ignored); returns how many were removed."""
        labels = [self._labels.pop(i) for i in set(ids) if i in self._labels]
        for label in labels:
            del self._keys[label]
        if not labels:
            return 0
        lab = np.asarray(labels, dtype=np.int64)
        reps = self._rep[lab]
        self._rep[lab] = -1
        np.subtract.at(self._count, reps, 1)
        emptied = np.unique(reps[self._count[reps] == 0])
        self._stored -= len(emptied)
        self._changed()
        if len(emptied):
            if self.kind == "flat":
                self._index.remove_ids(emptied)
            else:
                self._tombstones.update(emptied.tolist())
                if len(self._tombstones) > REBUILD_TOMBSTONES * max(self._index.ntotal, 1):
                    self.compact()
        return len(labels)

    def compact(self) -> None:
        """Rebuild the FAISS index from the live vectors (drops HNSW tombstones; picks the kind by size)."""
        self._rebuild("hnsw" if len(self._labels) > self.exact_max else "flat")

    def _rebuild(self, kind: str, upto: int | None = None, extra=None) -> None:
        """A new FAISS index of ``kind`` with the live stored vectors (FAISS ids below ``upto``)
        and ``extra`` = (FAISS ids, vectors) not stored yet."""
        keep = np.flatnonzero(self._count[:self._next if upto is None else upto] > 0)
        vecs = self._stored_vectors(keep) if len(keep) else np.zeros((0, self.dimension), np.float32)
        if extra is not None:
            keep = np.concatenate([keep, extra[0]])
            vecs = np.concatenate([vecs, extra[1]])
        _faiss().omp_set_num_threads(self.build_threads)
        index = self._new_index(kind)
        if len(keep):
            index.add_with_ids(np.ascontiguousarray(vecs), keep)
        self._index, self.kind, self._tombstones = index, kind, set()
        self._changed()

    def _stored_vectors(self, faiss_ids: np.ndarray) -> np.ndarray:
        ids = np.ascontiguousarray(faiss_ids, dtype=np.int64)
        return self._index.reconstruct_batch(ids).reshape(-1, self.dimension)

    def vectors_of_labels(self, labels: np.ndarray) -> np.ndarray:
        return self._stored_vectors(self._rep[np.asarray(labels, dtype=np.int64)])

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``ids`` (KeyError for an unknown id)."""
        return self.vectors_of_labels(np.asarray([self._labels[i] for i in ids], dtype=np.int64))

    # -- derived structures (rebuilt lazily after a change) ---------------------------------------
    def _groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Live labels sorted by FAISS id, and their FAISS ids: the labels a hit stands for."""
        g = self._derived.get("groups")
        if g is None:
            live = np.flatnonzero(self._rep[:self._next] >= 0)
            order = np.argsort(self._rep[live], kind="stable")
            labels = live[order]
            g = self._derived["groups"] = (labels, self._rep[labels])
        return g

    def _storage(self):
        """(flat storage of the vectors, FAISS id → row in it)."""
        st = self._derived.get("storage")
        if st is None:
            faiss = _faiss()
            inner = faiss.downcast_index(self._index.index)
            flat = inner if self.kind == "flat" else faiss.downcast_index(inner.storage)
            id_map = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            rows = np.full(max(self._next, 1), -1, dtype=np.int64)
            rows[id_map] = np.arange(len(id_map), dtype=np.int64)
            st = self._derived["storage"] = (flat, rows)
        return st

    def _live_selector(self):
        """An id selector of the live stored vectors (HNSW with tombstones), with its bitmap."""
        sel = self._derived.get("live")
        if sel is None:
            sel = self._derived["live"] = self._bitmap_selector(np.flatnonzero(self._count[:self._next] > 0))
        return sel

    def _bitmap_selector(self, faiss_ids: np.ndarray):
        mask = np.zeros(max(self._next, 1), dtype=bool)
        mask[faiss_ids] = True
        return self._mask_selector(mask)

    @staticmethod
    def _mask_selector(mask: np.ndarray):
        """A FAISS id selector of the ids whose ``mask`` entry is True, with its bitmap."""
        bitmap = np.packbits(mask, bitorder="little")
        faiss = _faiss()
        return faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap)), bitmap  # (size in bytes; keep it alive)

    # -- search --------------------------------------------------------------------------------
    def search(self, query_vec, k: int = 10, candidate_ids: Iterable[str] | None = None, *,
               candidate_labels: np.ndarray | None = None, candidate_mask: np.ndarray | None = None,
               depth: int | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (id, inner product) by decreasing score (ties by id). With ``candidate_ids``
        (or ``candidate_labels``, from :meth:`labels_of`, or ``candidate_mask``, booleans indexed
        by label, the cheapest for a large set) only those ids are returned; scored
        exactly, min(k, number of indexed candidates) of them always come back, except from a
        large candidate set searched with HNSW on a badly connected graph (logged, counted in
        ``short_searches``). An empty candidate set gives no result. ``depth`` (≥ k): search as
        for the top ``depth`` (the same HNSW effort) and return its first k — the same hits as
        ``search(…, depth)[:k]``, without collecting and sorting the others. ValueError for a
        query of the wrong dimension or k < 1."""
        q = _as_matrix(query_vec, self.dimension, "query vector")
        if q.shape[0] != 1:
            raise ValueError(f"search takes one query vector, got {q.shape[0]}")
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if not self._labels:
            return []
        depth = max(k, depth or k)
        if candidate_ids is None and candidate_labels is None and candidate_mask is None:
            want = min(k, self._stored)
            sel = self._live_selector()[0] if self._tombstones else None
            if self.kind == "hnsw":
                ids, scores = self._hnsw(q, want, sel, fraction=1.0, retry=False,
                                         ef=self._ef(min(depth, self._stored), 1.0))
            else:
                ids, scores = self._faiss_search(q, want, sel)
            return self._expand(ids, scores, k)
        # masks rather than sorts: a broad filter has hundreds of thousands of labels
        mask = np.zeros(self._next, dtype=bool)
        if candidate_mask is not None:
            given = np.asarray(candidate_mask, dtype=bool).reshape(-1)[:self._next]
            mask[:len(given)] = given
        else:
            if candidate_labels is None:
                if isinstance(candidate_ids, str):
                    raise TypeError("candidate_ids must be a collection of ids, not a single string")
                get = self._labels.get
                labels = np.fromiter((get(c, -1) for c in candidate_ids), dtype=np.int64)
            else:
                labels = np.asarray(candidate_labels, dtype=np.int64).reshape(-1)
            mask[labels[(labels >= 0) & (labels < self._next)]] = True
        mask &= self._rep[:self._next] >= 0
        labels = np.flatnonzero(mask)
        if not len(labels):
            return []
        fraction = len(labels) / len(self._labels)
        if self.kind == "flat" or len(labels) <= self.exact_max or fraction <= self.selective_fraction:
            return self._top(labels, self._scores(q, labels), k)
        rep_mask = np.zeros(self._next, dtype=bool)
        rep_mask[self._rep[labels]] = True
        n_reps = int(np.count_nonzero(rep_mask))
        want = min(depth, n_reps)  # (a retry depends on how many come back: search as deep)
        sel, _bitmap = self._mask_selector(rep_mask)
        ids, scores = self._hnsw(q, want, sel, fraction=n_reps / max(self._stored, 1), retry=True)
        return self._expand(ids, scores, k, mask)

    def _ef(self, k: int, fraction: float) -> int:
        ef = max(self.ef_search, math.ceil(self.oversample * k))
        if fraction < 1.0:  # a filter: the graph walk also visits the vectors it skips
            ef = max(ef, min(math.ceil(self.oversample * k / max(fraction, 1e-9)),
                             MAX_FILTER_EF_FACTOR * math.ceil(self.oversample * k)))
        return min(ef, max(self._index.ntotal, k))

    def _hnsw(self, q: np.ndarray, want: int, sel, fraction: float, retry: bool,
              ef: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        ef = max(ef or 0, self._ef(want, fraction))
        ids, scores = self._faiss_search(q, want, sel, ef)
        if len(ids) < want and retry and ef < self._index.ntotal:
            ids, scores = self._faiss_search(q, want, sel, min(self._index.ntotal, RETRY_EF_FACTOR * ef))
        if len(ids) < want:
            self.short_searches += 1
            (log.warning if self.short_searches == 1 else log.debug)(
                "HNSW search returned %d of the %d vectors asked (graph regions unreachable from its entry "
                "point); no exact scan of the whole index is made. Rebuilding the dense index may help. "
                "(%d short searches so far)", len(ids), want, self.short_searches)
        return ids, scores

    def _faiss_search(self, q: np.ndarray, k: int, sel, ef: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """FAISS ids and scores of the top ``k`` stored vectors (fewer when HNSW cannot reach them)."""
        faiss = _faiss()
        faiss.omp_set_num_threads(self.search_threads)
        if self.kind == "hnsw":
            ef = ef or self._ef(k, 1.0)
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef) if sel is not None else \
                faiss.SearchParametersHNSW(efSearch=ef)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, ids = self._index.search(q, k, params=params)
        ids, scores = ids[0].astype(np.int64), scores[0]
        keep = (ids >= 0) & (ids < self._next)
        ids, scores = ids[keep], scores[keep]
        keep = self._count[ids] > 0
        return ids[keep], scores[keep]

    def _scores(self, q: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Exact inner products of the vectors of ``labels`` with ``q``, read in place."""
        reps = self._rep[labels]
        inverse = None
        if not np.array_equal(reps, labels):  # some labels share a vector: score each vector once
            reps, inverse = _unique_inverse(reps)
        flat, rows = self._storage()
        rows = np.ascontiguousarray(rows[reps])
        out = np.empty(len(rows), dtype=np.float32)
        faiss = _faiss()
        flat.compute_distance_subset(1, faiss.swig_ptr(np.ascontiguousarray(q[0])), len(rows),
                                     faiss.swig_ptr(out), faiss.swig_ptr(rows))
        return out if inverse is None else out[inverse]

    def _expand(self, faiss_ids: np.ndarray, scores: np.ndarray, k: int, mask: np.ndarray | None = None):
        """The live labels that the FAISS hits stand for (only those in ``mask``), top k."""
        if not len(faiss_ids):
            return []
        labels, reps = self._groups()
        lo = np.searchsorted(reps, faiss_ids, side="left")
        hi = np.searchsorted(reps, faiss_ids, side="right")
        if mask is None:  # hits come best first: no need to expand past the k-th label (ties kept)
            enough = np.cumsum(hi - lo) >= k
            if enough.any():
                last = int(np.argmax(enough))
                cut = int(np.searchsorted(-scores, -scores[last], side="right"))
                lo, hi, scores = lo[:cut], hi[:cut], scores[:cut]
        idx = ranges(lo, hi)
        hit_labels = labels[idx]
        hit_scores = np.repeat(scores, hi - lo)
        if mask is not None:
            keep = mask[hit_labels]
            hit_labels, hit_scores = hit_labels[keep], hit_scores[keep]
        return self._top(hit_labels, hit_scores, k)

    def _top(self, labels: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Top k (id, score) by decreasing score, ties by id."""
        if k < len(scores):
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = np.flatnonzero(scores >= kth)
        else:
            keep = np.arange(len(scores))
        keys = self._keys
        hits = sorted(((keys[int(labels[i])], float(scores[i])) for i in keep), key=lambda h: (-h[1], h[0]))
        return hits[:k]

    # -- persistence ---------------------------------------------------------------------------
    def meta(self) -> dict:
        return {
            "format": FORMAT_VERSION, "kind": META_KIND, "index_kind": self.kind, "model_id": self.model_id,
            "dimension": self.dimension, "corpus_hash": self.corpus_hash, "count": len(self._labels),
            "stored": self._stored,
            "params": {"exact_max": self.exact_max, "selective_fraction": self.selective_fraction,
                       "hnsw_m": self.hnsw_m, "ef_construction": self.ef_construction, "ef_search": self.ef_search,
                       "oversample": self.oversample},
            "faiss_version": getattr(_faiss(), "__version__", "unknown"),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    def save(self, directory: str | Path) -> Path:
        """Write ``vectors.faiss``, ``ids.json`` and ``meta.json`` to ``directory`` (replaced atomically)."""
        directory = Path(directory)
        if self._tombstones:
            self.compact()
        tmp = staging_dir(directory)
        _faiss().write_index(self._index, str(tmp / "vectors.faiss"))
        shared = [[label, int(self._rep[label])] for label in self._keys if self._rep[label] != label]
        write_json(tmp / "ids.json", {"next": self._next, "ids": [[label, key] for label, key in self._keys.items()],
                                      "shared": shared})
        return swap_in(tmp, directory, self.meta())

    @staticmethod
    def read_meta(directory: str | Path) -> dict:
        return read_meta(directory, META_KIND, "dense index", VectorIndexError)

    @classmethod
    def load(cls, directory: str | Path, *, expected_model_id: str | None, expected_dimension: int | None,
             expected_corpus_hash: str | None, **overrides) -> "VectorIndex":
        """Load a saved index; refuses (VectorIndexMismatchError) another format, model id,
        dimension or corpus hash than expected (pass None to skip a check). ``overrides`` replace
        saved search parameters (e.g. ``ef_search``)."""
        directory = Path(directory)
        meta = cls.read_meta(directory)
        where = f"dense index in {directory}"
        if meta.get("format") != FORMAT_VERSION:
            raise VectorIndexMismatchError(f"{where} has format {meta.get('format')}, this code reads format "
                                           f"{FORMAT_VERSION}: {REBUILD_HINT}")
        if expected_model_id is not None and meta.get("model_id") != expected_model_id:
            raise VectorIndexMismatchError(f"{where} was built with model {meta.get('model_id')!r}, the configured "
                                           f"model is {expected_model_id!r}: {REBUILD_HINT}")
        if expected_dimension is not None and meta.get("dimension") != expected_dimension:
            raise VectorIndexMismatchError(f"{where} has dimension {meta.get('dimension')}, the configured model "
                                           f"gives {expected_dimension}: {REBUILD_HINT}")
        if expected_corpus_hash is not None and meta.get("corpus_hash") != expected_corpus_hash:
            raise VectorIndexMismatchError(f"{where} was built from another corpus (hash "
                                           f"{str(meta.get('corpus_hash'))[:12]}…, expected "
                                           f"{expected_corpus_hash[:12]}…): {REBUILD_HINT}")
        try:
            faiss_index = _faiss().read_index(str(directory / "vectors.faiss"))
            with open(directory / "ids.json", encoding="utf-8") as f:
                idmap = json.load(f)
            pairs = [(int(label), str(key)) for label, key in idmap["ids"]]
            shared = [(int(label), int(rep)) for label, rep in idmap.get("shared", [])]
            nxt = int(idmap["next"])
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise VectorIndexError(f"{where} is incomplete or corrupt ({exc}): {REBUILD_HINT}") from None
        inconsistent = VectorIndexError(f"{where} is inconsistent (FAISS file, id map and metadata disagree): "
                                        f"{REBUILD_HINT}")
        labels = np.asarray([label for label, _ in pairs], dtype=np.int64)
        if (faiss_index.d != meta.get("dimension") or len(pairs) != meta.get("count")
                or len({k for _, k in pairs}) != len(pairs) or len(set(labels.tolist())) != len(pairs)
                or (len(labels) and (labels.min() < 0 or labels.max() >= nxt))
                or any(not 0 <= rep < nxt for _, rep in shared)):
            raise inconsistent
        params = {**meta.get("params", {}), **overrides}
        index = cls(int(meta["dimension"]), meta["model_id"], corpus_hash=meta.get("corpus_hash"), **params)
        index._grow(nxt)
        index._rep[labels] = labels
        if shared:
            index._rep[np.asarray([s[0] for s in shared])] = np.asarray([s[1] for s in shared])
        index._count = np.bincount(index._rep[labels], minlength=len(index._rep)).astype(np.int64)
        index._stored = int(np.count_nonzero(index._count))
        if faiss_index.ntotal != index._stored:
            raise inconsistent
        index._fp = None
        index._index = faiss_index
        index.kind = meta.get("index_kind", "flat")
        if index.kind == "hnsw":
            _faiss().downcast_index(faiss_index.index).hnsw.efSearch = index.ef_search
        index._keys = dict(pairs)
        index._labels = {k: label for label, k in pairs}
        index._next = nxt
        return index


# --------------------------------------------------------------------------- embedding cache


def cache_key(model_id: str, kind: str, text: str) -> str:
    """sha256 of the model id, the prompt kind and the NFC text."""
    return hashlib.sha256("\x1f".join((model_id, kind, unicodedata.normalize("NFC", text))).encode()).hexdigest()


class EmbeddingCache:
    """Embeddings on disk (one sqlite file), keyed by :func:`cache_key`: :meth:`embed` embeds only
    the texts never embedded before with the same model. ``hits`` / ``misses`` count texts."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path))
        self._db.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
                         "dim INTEGER NOT NULL, vec BLOB NOT NULL)")
        self._db.commit()
        self.hits = 0
        self.misses = 0

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM embedding").fetchone()[0]

    def _get(self, keys: list[str], dim: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self._db.execute(f"SELECT key, dim, vec FROM embedding WHERE key IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
            for key, d, blob in rows:
                if d == dim and len(blob) == 4 * dim:
                    found[key] = np.frombuffer(blob, dtype="<f4")
        return found

    def uncached(self, embedder, texts: Sequence[str], *, kind: str = "passage") -> list[str]:
        """Those of ``texts`` (once each, in order) that :meth:`embed` would have to embed."""
        texts = list(dict.fromkeys(texts))
        keys = [cache_key(embedder.model_id, kind, t) for t in texts]
        found = self._get(keys, int(embedder.dimension))
        return [t for t, k in zip(texts, keys) if k not in found]

    def embed(self, embedder, texts: Sequence[str], *, kind: str = "passage", batch_size: int = 256) -> np.ndarray:
        """float32 [len(texts), dim] for ``texts``, from the cache where possible; the misses are
        embedded (``embedder.embed_passages`` or ``embed_queries`` by ``kind``) and stored."""
        from .embedder import check_texts

        if kind not in ("passage", "query"):
            raise ValueError(f"kind must be 'passage' or 'query', got {kind!r}")
        texts = check_texts(texts)
        dim = int(embedder.dimension)
        model_id = embedder.model_id
        keys = [cache_key(model_id, kind, t) for t in texts]
        found = self._get(list(dict.fromkeys(keys)), dim)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        self.hits += sum(1 for k in keys if k in found)
        self.misses += len(keys) - sum(1 for k in keys if k in found)
        if missing:
            text_of = {k: t for k, t in zip(keys, texts)}
            fn = embedder.embed_passages if kind == "passage" else embedder.embed_queries
            for start in range(0, len(missing), batch_size):
                chunk = missing[start:start + batch_size]
                vecs = np.asarray(fn([text_of[k] for k in chunk]), dtype=np.float32)
                if vecs.shape != (len(chunk), dim):
                    raise ValueError(f"embedder {model_id!r} returned shape {vecs.shape}, expected ({len(chunk)}, {dim})")
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO embedding VALUES (?, ?, ?, ?)",
                                         [(k, model_id, dim, v.astype("<f4").tobytes()) for k, v in zip(chunk, vecs)])
                for k, v in zip(chunk, vecs):
                    found[k] = v
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def prune(self, model_id: str | None = None) -> int:
        """Delete the embeddings of every model but ``model_id`` (all of them with None)."""
        with self._db:
            cur = self._db.execute("DELETE FROM embedding WHERE model != ?", (model_id,)) if model_id else \
                self._db.execute("DELETE FROM embedding")
        return cur.rowcount
