"""Embedding ahead: the passages a document's semantic step will ask for, embedded on one
background thread while the main thread runs spaCy, the rules, SHACL and the store writes.

Ingestion spends about half its time in the embedding model (ONNX Runtime, which releases the
GIL) and the other half in single-threaded Python (spaCy, pySHACL, rdflib), so on two cores one
of them used to wait for the other. :class:`Prefetch` takes the texts of a document as soon as it
is segmented (before its NER, and while the previous document is validated and written), embeds
the ones the embedding cache does not hold, and hands each vector over when extraction asks for
it (:class:`PrefetchedEmbedder`, behind the cache: a handed-over vector is stored in the cache as
if it had just been embedded). The vectors are the ones the model gives for those texts whichever
thread computes them, so the graphs written are the same (tests/test_ingest_prefetch.py).
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Sequence

import numpy as np


class Prefetch:
    """Texts submitted for embedding as passages by ``embedder``, one batch per document, in the
    order submitted, on one background thread. ``take`` waits for the texts it is asked for."""

    def __init__(self, embedder):
        """``embedder``: an embedder, or a function returning one, called at the first submit (a run
        that has nothing to embed does not load the model)."""
        self._embedder = embedder
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="coopkg-prefetch")
        self._pending: dict[str, tuple[Future, int]] = {}
        self._lock = threading.Lock()
        self.submitted = 0  # texts sent to the background thread
        self.taken = 0  # texts handed over to extraction

    @property
    def embedder(self):
        if not hasattr(self._embedder, "embed_passages"):
            self._embedder = self._embedder()
        return self._embedder

    def submit(self, texts: Sequence[str]) -> None:
        """Start embedding those of ``texts`` not already submitted (order kept, duplicates once)."""
        with self._lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._pending]
            if not new:
                return
            future = self._pool.submit(self.embedder.embed_passages, new)
            for i, text in enumerate(new):
                self._pending[text] = (future, i)
            self.submitted += len(new)

    def take(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors of those of ``texts`` that were submitted (waiting for them), each handed
        over once; an embedding error is raised here, in the caller's thread."""
        with self._lock:
            wanted = {t: self._pending.pop(t) for t in dict.fromkeys(texts) if t in self._pending}
        out = {t: np.asarray(future.result()[i], dtype=np.float32) for t, (future, i) in wanted.items()}
        self.taken += len(out)
        return out

    def close(self) -> None:
        """Cancel what has not started and wait for the batch in progress."""
        with self._lock:
            futures = {f for f, _ in self._pending.values()}
            self._pending.clear()
        for f in futures:
            f.cancel()
        self._pool.shutdown(wait=True)


class EmbedderWrapper:
    """An embedder that serves ``embedder``'s model (same id and dimension, same queries) and
    changes where passages come from."""

    def __init__(self, embedder):
        self.embedder = embedder

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed_queries(texts)


class PrefetchedEmbedder(EmbedderWrapper):
    """``embedder`` whose passages come from ``prefetch`` when it has them (the embedding cache
    wraps this one: what is handed over is stored there like any vector just embedded)."""

    def __init__(self, embedder, prefetch: Prefetch):
        super().__init__(embedder)
        self.prefetch = prefetch

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        ready = self.prefetch.take(texts)
        rest = [t for t in dict.fromkeys(texts) if t not in ready]
        if rest:
            ready.update(zip(rest, np.asarray(self.embedder.embed_passages(rest), dtype=np.float32)))
        return np.stack([ready[t] for t in texts]) if texts else np.zeros((0, self.dimension), dtype=np.float32)
