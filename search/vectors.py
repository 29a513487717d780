"""Dense passage vectors in FAISS, with string ids, filtering, persistence and an embedding cache.

:class:`VectorIndex` holds L2-normalised passage vectors under string ids (passage ids such as
``"brest-cob#stake"``) and answers inner-product (= cosine) top-k queries:

* up to ``exact_max`` vectors (default 200 000) an exact ``IndexFlatIP`` in an ``IndexIDMap2``
  (≈9 ms for 100k × 384 on 2 cores); above it an ``IndexHNSWFlat`` (inner product, < 1 ms at
  recall ≥ 0.95 on clustered data). The kind switches to HNSW when an ``add`` crosses the limit.
  HNSW cannot delete: removed ids are tombstoned and excluded by an id selector, and the graph
  is rebuilt once tombstones exceed a quarter of it.
* single queries run FAISS with one OpenMP thread (two were measured slower on this machine).
* ``search(q, k, candidate_ids)``: a candidate set (e.g. the cases a SPARQL facet filter allows)
  is scored EXACTLY with numpy when it is selective (≤ ``selective_fraction`` of the index,
  default 5 %); otherwise FAISS searches with an id selector and an oversampled ``efSearch``, and
  if that returns fewer hits than min(k, live candidates) the candidates are scored exactly
  instead, so a filter never loses results.

``save`` writes the FAISS file, the id map and ``meta.json`` (format, model id, dimension, corpus
hash, index kind, count); ``load`` refuses (:class:`VectorIndexMismatchError`) an index written by
another format, model, dimension or corpus, telling to rebuild it (mirrors
:class:`search.lexical.LexicalIndex`).

:class:`EmbeddingCache` (sqlite, keyed by sha256(model id, prompt kind, NFC text)) makes sure an
unchanged passage is never embedded twice.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import time
import unicodedata
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .persist import read_meta, staging_dir, swap_in

FORMAT_VERSION = 1
META_KIND = "coopkg-dense-faiss"
EXACT_MAX = 200_000
SELECTIVE_FRACTION = 0.05
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128
OVERSAMPLE = 2.0
REBUILD_TOMBSTONES = 0.25
REBUILD_HINT = "rebuild the dense index (re-embed the passages with the configured model)"


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
        self._labels: dict[str, int] = {}  # id → FAISS label (int64)
        self._keys: dict[int, str] = {}  # FAISS label → id (live only)
        self._tombstones: set[int] = set()  # HNSW labels removed but still in the graph
        self._next = 0
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

    def add(self, ids: Sequence[str], vectors) -> int:
        """Index ``vectors`` (rows L2-normalised) under ``ids``; an id already present is refused
        (remove it first). Switches to HNSW when the size crosses ``exact_max``."""
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
        labels = np.arange(self._next, self._next + len(ids), dtype=np.int64)
        self._next += len(ids)
        faiss = _faiss()
        faiss.omp_set_num_threads(self.build_threads)
        if self.kind == "flat" and len(self._labels) + len(ids) > self.exact_max:
            self._rebuild("hnsw", extra=(labels, x))
        else:
            self._index.add_with_ids(x, labels)
        for key, label in zip(ids, labels.tolist()):
            self._labels[key] = label
            self._keys[label] = key
        return len(ids)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the given ids (unknown ids are ignored); returns how many were removed."""
        labels = [self._labels.pop(i) for i in set(ids) if i in self._labels]
        for label in labels:
            del self._keys[label]
        if not labels:
            return 0
        if self.kind == "flat":
            self._index.remove_ids(np.asarray(labels, dtype=np.int64))
        else:
            self._tombstones.update(labels)
            if len(self._tombstones) > REBUILD_TOMBSTONES * max(self._index.ntotal, 1):
                self.compact()
        return len(labels)

    def compact(self) -> None:
        """Rebuild the FAISS index from the live vectors (drops HNSW tombstones; picks the kind by size)."""
        self._rebuild("hnsw" if len(self._labels) > self.exact_max else "flat")

    def _rebuild(self, kind: str, extra=None) -> None:
        labels = np.fromiter(self._keys, dtype=np.int64, count=len(self._keys))
        vecs = self.vectors_of_labels(labels) if len(labels) else np.zeros((0, self.dimension), np.float32)
        if extra is not None:
            labels = np.concatenate([labels, extra[0]])
            vecs = np.concatenate([vecs, extra[1]])
        _faiss().omp_set_num_threads(self.build_threads)
        index = self._new_index(kind)
        if len(labels):
            index.add_with_ids(np.ascontiguousarray(vecs), labels)
        self._index, self.kind, self._tombstones = index, kind, set()

    def vectors_of_labels(self, labels: np.ndarray) -> np.ndarray:
        return self._index.reconstruct_batch(np.ascontiguousarray(labels, dtype=np.int64)).reshape(-1, self.dimension)

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``ids`` (KeyError for an unknown id)."""
        return self.vectors_of_labels(np.asarray([self._labels[i] for i in ids], dtype=np.int64))

    # -- search --------------------------------------------------------------------------------
    def search(self, query_vec, k: int = 10, candidate_ids: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (id, inner product) by decreasing score. With ``candidate_ids`` only those ids
        are returned, and min(k, number of indexed candidates) of them always are (an empty
        candidate set gives no result). ValueError for a query of the wrong dimension or k < 1."""
        q = _as_matrix(query_vec, self.dimension, "query vector")
        if q.shape[0] != 1:
            raise ValueError(f"search takes one query vector, got {q.shape[0]}")
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if not self._labels:
            return []
        if candidate_ids is None:
            want = min(k, len(self._labels))
            sel = removed = None
            if self._tombstones:  # (keep `removed` referenced: IDSelectorNot does not own it)
                removed = _faiss().IDSelectorBatch(np.fromiter(self._tombstones, np.int64))
                sel = _faiss().IDSelectorNot(removed)
            hits = self._faiss_search(q, want, sel, fraction=1.0)
            if len(hits) < want:  # (HNSW graph that cannot reach enough nodes): exact over everything
                hits = self._exact(q, np.fromiter(self._keys, np.int64, count=len(self._keys)), want)
            return hits
        if isinstance(candidate_ids, str):
            raise TypeError("candidate_ids must be a collection of ids, not a single string")
        labels = np.fromiter({self._labels[c] for c in candidate_ids if c in self._labels}, dtype=np.int64)
        if not len(labels):
            return []
        want = min(k, len(labels))
        fraction = len(labels) / len(self._labels)
        if fraction <= self.selective_fraction:
            return self._exact(q, labels, want)
        sel = _faiss().IDSelectorBatch(labels)
        hits = self._faiss_search(q, want, sel, fraction=fraction)
        if len(hits) < want:
            hits = self._exact(q, labels, want)
        return hits

    def _faiss_search(self, q: np.ndarray, k: int, sel, fraction: float) -> list[tuple[str, float]]:
        faiss = _faiss()
        faiss.omp_set_num_threads(self.search_threads)
        if self.kind == "hnsw":
            ef = max(self.ef_search, math.ceil(self.oversample * k / max(fraction, 1e-9)))
            ef = min(ef, max(self._index.ntotal, k))
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef) if sel is not None else \
                faiss.SearchParametersHNSW(efSearch=ef)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, labels = self._index.search(q, k, params=params)
        return [(self._keys[int(lab)], float(s)) for s, lab in zip(scores[0], labels[0])
                if lab >= 0 and int(lab) in self._keys]

    def _exact(self, q: np.ndarray, labels: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Exact inner products of ``labels``' vectors with numpy, top k (ties by id)."""
        vecs = self.vectors_of_labels(labels)
        scores = vecs @ q[0]
        if k < len(scores):
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(len(scores))
        keys = [self._keys[int(labels[i])] for i in top]
        return sorted(((key, float(scores[i])) for key, i in zip(keys, top)), key=lambda h: (-h[1], h[0]))

    # -- persistence ---------------------------------------------------------------------------
    def meta(self) -> dict:
        return {
            "format": FORMAT_VERSION, "kind": META_KIND, "index_kind": self.kind, "model_id": self.model_id,
            "dimension": self.dimension, "corpus_hash": self.corpus_hash, "count": len(self._labels),
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
        with open(tmp / "ids.json", "w", encoding="utf-8") as f:
            json.dump({"next": self._next, "ids": [[label, key] for label, key in self._keys.items()]}, f,
                      ensure_ascii=False)
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
            nxt = int(idmap["next"])
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise VectorIndexError(f"{where} is incomplete or corrupt ({exc}): {REBUILD_HINT}") from None
        if (faiss_index.d != meta.get("dimension") or faiss_index.ntotal != len(pairs)
                or len(pairs) != meta.get("count") or len({k for _, k in pairs}) != len(pairs)):
            raise VectorIndexError(f"{where} is inconsistent (FAISS file, id map and metadata disagree): {REBUILD_HINT}")
        params = {**meta.get("params", {}), **overrides}
        index = cls(int(meta["dimension"]), meta["model_id"], corpus_hash=meta.get("corpus_hash"), **params)
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
