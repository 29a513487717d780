"""BM25 lexical search over case passages, French-normalised, with query expansion.

A *passage* is one field of one case (label, alt labels, summary, each grid field, actors,
instruments…): :func:`passages_from_store` makes them from the knowledge base. The index scores
passages with Okapi BM25 (Lucene's idf, ``k1`` = 1.2, ``b`` = 0.75) using weighted query terms
from :class:`search.expansion.Expander`, then aggregates them per case:

    case score = best passage score + ``tail`` × (sum of the case's other passage scores)

(``tail`` = 0.3: the best field decides, agreeing fields add a little; see docs/lexical.md).

Restricting to candidate cases (facet filtering) happens *before* ranking: only the candidates'
passages are scored, so ``k`` results come back whenever ``k`` candidates match; document
frequencies and lengths stay those of the whole index, so a case's score does not depend on the
filter.

Own implementation on numpy (postings per term, scored with vectorised gathers) rather than
SQLite FTS5 or a package: see docs/lexical.md for the reasons and the measurements. The index
saves to a directory with its metadata (format, analyzer version, vocabulary hash, corpus hash)
and :meth:`LexicalIndex.load` refuses a mismatch. ``add_case`` / ``remove_case`` update it in
place (removed passages are tombstoned, then dropped at the next save or compaction).
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .expansion import Expander, Expansion
from .arrays import ranges
from .persist import read_meta, staging_dir, swap_in, write_json
from .text import ANALYZER_VERSION, analyze, index_terms, tokenize

FORMAT_VERSION = 1
_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float32)
K1 = 1.2
B = 0.75
TAIL = 0.3
SELECTIVE_CASES = 0.05  # a filter keeping at most this fraction of the cases is scored case by case
IMPACT_CACHE_MAX = 20_000_000  # postings whose BM25 impacts are kept (80 MB)
HIGHLIGHT_CACHE = 4096  # passage texts whose tokens highlight() keeps


class LexicalIndexError(Exception):
    """The lexical index cannot be used (missing, unreadable, or bad input); the message says why."""


class IndexMismatchError(LexicalIndexError):
    """The saved index was built with another analyzer, vocabulary or corpus: rebuild it."""


@dataclass(frozen=True)
class Passage:
    id: str
    case_id: str
    field: str
    text: str

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the passage (computed once per object: an index update hashes every passage
        of the base several times, 1.2 million times at 10,000 cases)."""
        return hashlib.sha256("\x1f".join((self.id, self.case_id, self.field, self.text)).encode()).hexdigest()


@dataclass
class LexicalHit:
    case_id: str
    score: float
    passage_id: str  # best-scoring passage of the case
    matched_terms: list[Expansion]  # query terms (with expansions) found in any passage of the case
    passage_field: str = ""
    passage_terms: list[Expansion] = field(default_factory=list)  # … found in the best passage

    def __iter__(self):  # unpacks as (case_id, score, passage_id, matched_terms)
        return iter((self.case_id, self.score, self.passage_id, self.matched_terms))


@functools.lru_cache(maxsize=HIGHLIGHT_CACHE)
def _passage_tokens(text: str) -> tuple:
    """The tokens of a passage text, memoised: the same best passages are highlighted again and
    again, and tokenising one was ≈ 0.5 ms of a search request (keyed by the text itself, so a
    replaced passage is never served stale tokens)."""
    return tuple(tokenize(text))


def passages_hash(passages: Iterable[Passage]) -> str:
    """Order-independent hash of a passage set (ids, cases, fields and texts)."""
    h = hashlib.sha256()
    for d in sorted(p.digest for p in passages):
        h.update(d.encode())
    return h.hexdigest()


def check_query(query) -> str:
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, not {type(query).__name__}")
    if not query.strip():
        raise ValueError("empty query: type at least one word (whitespace-only queries are not searched)")
    return query


class LexicalIndex:
    def __init__(self, expander: Expander | None = None, *, k1: float = K1, b: float = B, tail: float = TAIL):
        self.expander = expander
        self.k1, self.b, self.tail = float(k1), float(b), float(tail)
        if self.k1 < 0 or not 0 <= self.b <= 1 or self.tail < 0:
            raise ValueError(f"BM25 parameters out of range: k1={k1} (≥ 0), b={b} (0–1), tail={tail} (≥ 0)")
        self._passages: list[Passage | None] = []
        self._hash: str | None = None  # corpus hash, computed on demand
        self._pindex: dict[str, int] = {}
        self._dl = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._pcase = np.zeros(0, dtype=np.int32)
        self._case_ids: list[str] = []
        self._case_index: dict[str, int] = {}
        self._case_passages: dict[int, list[int]] = {}
        self._tid: dict[str, int] = {}
        self._terms: list[str] = []
        self._post_docs: list[np.ndarray] = []
        self._post_tf: list[np.ndarray] = []
        self._dl_sum = 0.0
        self._n_alive = 0
        self._norm: np.ndarray | None = None  # cached k1·(1 − b + b·dl/avgdl)
        self._impacts: dict[int, np.ndarray] = {}  # term id → _impact(), reset with _norm
        self._impacts_size = 0
        self._segments: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # _case_segments()

    # -- building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Iterable[Passage], expander: Expander | None = None, **params) -> "LexicalIndex":
        index = cls(expander, **params)
        index._append(list(passages))
        return index

    def _analyze(self, text: str) -> tuple[Counter, int]:
        """Term frequencies of a passage (phrase terms included) and its length in words."""
        terms, seq = index_terms(text)
        dl = len(terms)
        if self.expander is not None:
            terms.extend(self.expander.phrase_occurrences(seq))
        return Counter(terms), dl

    def _append(self, passages: list[Passage]) -> None:
        """Index new passages. A case's passages are kept contiguous and case numbers increase
        with passage numbers: search aggregates per case with segment reductions."""
        order: dict[str, list[Passage]] = {}
        for p in passages:
            if not isinstance(p, Passage):
                raise LexicalIndexError(f"expected Passage objects, got {type(p).__name__}")
            if p.id in self._pindex:
                raise LexicalIndexError(f"duplicate passage id {p.id!r}")
            if p.case_id in self._case_index:
                raise LexicalIndexError(f"case {p.case_id!r} is already indexed: use add_case to replace it")
            order.setdefault(p.case_id, []).append(p)
        passages = [p for group in order.values() for p in group]
        if len({p.id for p in passages}) != len(passages):
            raise LexicalIndexError("duplicate passage ids in the passages to index")
        start = len(self._passages)
        new_dl, new_case = [], []
        flat_docs: list[int] = []
        flat_tids: list[int] = []
        flat_tfs: list[int] = []
        tid_of = self._tid
        for offset, p in enumerate(passages):
            doc = start + offset
            counts, dl = self._analyze(p.text)
            for term, tf in counts.items():
                tid = tid_of.get(term)
                if tid is None:
                    tid = len(self._terms)
                    tid_of[term] = tid
                    self._terms.append(term)
                    self._post_docs.append(_EMPTY_I)
                    self._post_tf.append(_EMPTY_F)
                flat_tids.append(tid)
                flat_tfs.append(tf)
            flat_docs.extend([doc] * len(counts))
            ci = self._case_index.get(p.case_id)
            if ci is None:
                ci = len(self._case_ids)
                self._case_ids.append(p.case_id)
                self._case_index[p.case_id] = ci
                self._case_passages[ci] = []
            self._case_passages[ci].append(doc)
            self._passages.append(p)
            self._pindex[p.id] = doc
            new_dl.append(dl)
            new_case.append(ci)
            self._dl_sum += dl
            self._n_alive += 1
        if flat_tids:
            tids = np.asarray(flat_tids, dtype=np.int64)
            order = np.argsort(tids, kind="stable")  # stable: passage numbers stay sorted per term
            tids = tids[order]
            docs = np.asarray(flat_docs, dtype=np.int32)[order]
            tfs = np.asarray(flat_tfs, dtype=np.float32)[order]
            bounds = np.flatnonzero(np.r_[True, tids[1:] != tids[:-1], True])
            for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
                tid = int(tids[a])
                if len(self._post_docs[tid]):
                    self._post_docs[tid] = np.concatenate((self._post_docs[tid], docs[a:b]))
                    self._post_tf[tid] = np.concatenate((self._post_tf[tid], tfs[a:b]))
                else:
                    self._post_docs[tid], self._post_tf[tid] = docs[a:b], tfs[a:b]
        self._dl = np.concatenate((self._dl, np.asarray(new_dl, dtype=np.float32)))
        self._pcase = np.concatenate((self._pcase, np.asarray(new_case, dtype=np.int32)))
        self._alive = np.concatenate((self._alive, np.ones(len(passages), dtype=bool)))
        self._norm = None
        self._hash = None

    # -- incremental updates -----------------------------------------------------------------
    def remove_case(self, case_id: str) -> int:
        """Remove every passage of a case; returns how many were removed (0 for an unknown case)."""
        ci = self._case_index.pop(case_id, None)
        if ci is None:
            return 0
        docs = self._case_passages.pop(ci, [])
        for doc in docs:
            self._alive[doc] = False
            self._dl_sum -= float(self._dl[doc])
            self._n_alive -= 1
            self._pindex.pop(self._passages[doc].id, None)
            self._passages[doc] = None
        self._norm = None
        self._hash = None
        if len(self._passages) > 1000 and self._n_alive < 0.75 * len(self._passages):
            self.compact()
        return len(docs)

    def add_case(self, case_id: str, passages: Iterable[Passage]) -> int:
        """Index a case's passages, replacing the ones it had (all must belong to ``case_id``)."""
        passages = list(passages)
        for p in passages:
            if not isinstance(p, Passage):
                raise LexicalIndexError(f"expected Passage objects, got {type(p).__name__}")
            if p.case_id != case_id:
                raise LexicalIndexError(f"passage {p.id!r} belongs to case {p.case_id!r}, not {case_id!r}")
        self.remove_case(case_id)
        self._append(passages)
        return len(passages)

    def cases_with_phrases(self, sequences: Iterable[tuple[str, ...]]) -> set[str]:
        """The cases with a passage where one of these term sequences may occur (it has every term
        of it, or the sequence's phrase term): the passages to analyse again when labels with these
        sequences come or go (a superset: the terms need not be contiguous)."""
        from .expansion import PHRASE_PREFIX

        docs: set[int] = set()
        for seq in sequences:
            tid = self._tid.get(PHRASE_PREFIX + " ".join(seq))
            if tid is not None:
                docs.update(self._post_docs[tid].tolist())
            tids = [self._tid.get(t) for t in dict.fromkeys(seq)]
            if tids and all(t is not None for t in tids):
                common = functools.reduce(np.intersect1d, (self._post_docs[t] for t in tids))
                docs.update(common.tolist())
        return {self._case_ids[int(self._pcase[d])] for d in docs if self._alive[d]}

    def swap_expander(self, expander: Expander, passages_of: dict[str, list[Passage]]) -> set[str]:
        """Use ``expander`` from now on, analysing again only the cases whose passages its new or
        dropped multi-term labels may occur in (``passages_of``: case id → passages, for those
        cases); the result equals :meth:`build` with ``expander``. Returns the cases analysed again."""
        before = self.expander.phrase_sequences() if self.expander is not None else frozenset()
        changed = before ^ expander.phrase_sequences()
        cases = self.cases_with_phrases(changed) if changed else set()
        self.expander = expander
        for cid in sorted(cases):
            self.add_case(cid, passages_of[cid])
        return cases

    def compact(self) -> None:
        """Drop removed passages and renumber (done automatically on save)."""
        if self._n_alive == len(self._passages) and len(self._case_index) == len(self._case_ids):
            return
        keep = np.flatnonzero(self._alive)
        remap = np.full(len(self._passages), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        for tid in range(len(self._terms)):
            d = self._post_docs[tid]
            m = self._alive[d]
            self._post_docs[tid] = remap[d[m]].astype(np.int32)
            self._post_tf[tid] = self._post_tf[tid][m]
        self._passages = [self._passages[i] for i in keep]
        self._dl = self._dl[keep]
        old_case = self._pcase[keep]
        live = np.unique(old_case)  # sorted: case numbers still increase with passage numbers
        self._pcase = np.searchsorted(live, old_case).astype(np.int32)
        self._case_ids = [self._case_ids[c] for c in live.tolist()]
        self._case_index = {cid: i for i, cid in enumerate(self._case_ids)}
        self._alive = np.ones(len(keep), dtype=bool)
        self._pindex = {p.id: i for i, p in enumerate(self._passages)}
        self._case_passages = {}
        for i, c in enumerate(self._pcase.tolist()):
            self._case_passages.setdefault(c, []).append(i)
        self._norm = None

    # -- introspection -----------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n_alive

    @property
    def case_ids(self) -> list[str]:
        return [self._case_ids[c] for c in sorted(self._case_passages)]

    @property
    def corpus_hash(self) -> str:
        if self._hash is None:
            self._hash = passages_hash(self.passages())
        return self._hash

    def passage(self, passage_id: str) -> Passage:
        doc = self._pindex.get(passage_id)
        if doc is None:
            raise KeyError(passage_id)
        return self._passages[doc]

    def passages(self) -> list[Passage]:
        """Every indexed passage, in index order."""
        return [p for p in self._passages if p is not None]

    def passages_of(self, case_id: str) -> list[Passage]:
        ci = self._case_index.get(case_id)
        return [self._passages[d] for d in self._case_passages.get(ci, [])] if ci is not None else []

    # -- search ------------------------------------------------------------------------------
    def query_terms(self, query: str) -> list[Expansion]:
        """The weighted terms ``query`` is searched with (its own terms and their expansions)."""
        check_query(query)
        if self.expander is not None:
            return self.expander.expand(query)
        return [Expansion(t, 1.0, "") for t in dict.fromkeys(analyze(query))]

    def _length_norm(self) -> np.ndarray:
        """k1·(1 − b + b·dl/avgdl) per passage. Every change of the index resets it, and with it
        the other derived arrays (per-term impacts, case segments)."""
        if self._norm is None:
            avgdl = self._dl_sum / self._n_alive if self._n_alive else 1.0
            self._norm = (self.k1 * (1.0 - self.b + self.b * self._dl / max(avgdl, 1e-9))).astype(np.float32)
            self._impacts, self._impacts_size, self._segments = {}, 0, None
        return self._norm

    def _impact(self, tid: int) -> np.ndarray:
        """(k1 + 1)·tf / (tf + norm) of each posting of term ``tid`` (its BM25 weight without the
        idf), memoised until the index changes (at most IMPACT_CACHE_MAX postings kept)."""
        norm = self._length_norm()
        imp = self._impacts.get(tid)
        if imp is None:
            tf = self._post_tf[tid]
            imp = (np.float32(self.k1 + 1.0) * tf / (tf + norm[self._post_docs[tid]])).astype(np.float32)
            if self._impacts_size + len(imp) > IMPACT_CACHE_MAX:
                self._impacts, self._impacts_size = {}, 0
            self._impacts[tid] = imp
            self._impacts_size += len(imp)
        return imp

    def _case_segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first passage, end passage, case number) of each case's contiguous run of passages,
        in passage order (removed cases included: their passages never score)."""
        self._length_norm()
        if self._segments is None:
            pcase = self._pcase
            starts = np.flatnonzero(np.r_[True, pcase[1:] != pcase[:-1]]) if len(pcase) else np.zeros(0, np.int64)
            ends = np.r_[starts[1:], len(pcase)].astype(np.int64)
            self._segments = (starts.astype(np.int64), ends, pcase[starts].astype(np.int64))
        return self._segments

    def case_numbers(self, case_ids: Iterable[str]) -> np.ndarray:
        """The internal numbers of cases (-1 for a case not indexed), for ``candidate_numbers``.
        They stay valid until the index is changed (add, remove, compact)."""
        get = self._case_index.get
        return np.fromiter((get(c, -1) for c in case_ids), dtype=np.int64)

    def _candidate_cases(self, candidate_case_ids, candidate_numbers) -> np.ndarray | None:
        """Candidate case numbers as a mask over case numbers (None: every case)."""
        if candidate_case_ids is None and candidate_numbers is None:
            return None
        if candidate_numbers is not None:
            idx = np.asarray(candidate_numbers, dtype=np.int64).reshape(-1)
            idx = idx[(idx >= 0) & (idx < len(self._case_ids))]
        else:
            if isinstance(candidate_case_ids, str):
                candidate_case_ids = [candidate_case_ids]
            get = self._case_index.get
            idx = np.asarray([ci for ci in map(get, candidate_case_ids) if ci is not None], dtype=np.int64)
        cand = np.zeros(len(self._case_ids), dtype=bool)
        cand[idx] = True  # removed cases are not in _case_index, so never candidates
        return cand

    def search(self, query: str, k: int = 10, candidate_case_ids: Iterable[str] | None = None, *,
               candidate_numbers: np.ndarray | None = None) -> list[LexicalHit]:
        """The ``k`` best cases for ``query``, only among ``candidate_case_ids`` (or the cases
        numbered ``candidate_numbers``, from :meth:`case_numbers`) when given (an empty candidate
        set gives no result). Ties are broken by case id. Raises ValueError for an empty query.

        Scoring adds each query term's precomputed BM25 impacts into a score per passage, then
        reduces them per case over the cases' contiguous runs of passages. With a selective
        filter (at most ``SELECTIVE_CASES`` of the cases) only the candidates' runs are scored: each
        posting list is cut to them by binary search, so the cost follows the candidates, not
        the index."""
        terms = self.query_terms(query)
        if k <= 0 or self._n_alive == 0:
            return []
        cand = self._candidate_cases(candidate_case_ids, candidate_numbers)
        if cand is not None and not cand.any():
            return []
        seg_lo, seg_hi, seg_case = self._case_segments()
        local = cand is not None and np.count_nonzero(cand) <= SELECTIVE_CASES * len(cand)
        if local:  # score the candidates' passages only, in one array laid out run after run
            keep = cand[seg_case]
            seg_lo, seg_hi, seg_case = seg_lo[keep], seg_hi[keep], seg_case[keep]
            lens = seg_hi - seg_lo
            seg_a = np.cumsum(lens) - lens
            scores = np.zeros(int(lens.sum()), dtype=np.float32)
        else:
            seg_a = seg_lo
            scores = np.zeros(len(self._passages), dtype=np.float32)
        tombstones = self._n_alive != len(self._passages)
        n = self._n_alive
        used: list[tuple[Expansion, np.ndarray]] = []
        for exp in terms:
            tid = self._tid.get(exp.term)
            if tid is None or exp.weight <= 0:
                continue
            docs, imp = self._post_docs[tid], self._impact(tid)
            if tombstones:
                alive = self._alive[docs]
                docs, imp = docs[alive], imp[alive]
            df = len(docs)  # document frequency over the whole index, whatever the candidates
            if df == 0:
                continue
            used.append((exp, docs))
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            w = np.float32(exp.weight * idf)
            if local:
                a, b = np.searchsorted(docs, seg_lo), np.searchsorted(docs, seg_hi)
                sel = ranges(a, b)
                if len(sel):
                    scores[docs[sel] - np.repeat(seg_lo - seg_a, b - a)] += w * imp[sel]
            else:
                scores[docs] += w * imp
        if not used or not len(seg_a):
            return []
        seg_best = np.maximum.reduceat(scores, seg_a, dtype=np.float64) if len(scores) else np.zeros(0)
        seg_sum = np.add.reduceat(scores, seg_a, dtype=np.float64) if len(scores) else np.zeros(0)
        ok = seg_sum > 0
        if cand is not None and not local:
            ok &= cand[seg_case]
        segs = np.flatnonzero(ok)
        if not len(segs):
            return []
        seg_score = seg_best[segs] + self.tail * (seg_sum[segs] - seg_best[segs])
        if len(segs) > k:
            kth = np.partition(seg_score, len(seg_score) - k)[len(seg_score) - k]
            keep = np.flatnonzero(seg_score >= kth)
            segs, seg_score = segs[keep], seg_score[keep]
        case_ids = self._case_ids
        order = sorted(range(len(segs)), key=lambda i: (-seg_score[i], case_ids[seg_case[segs[i]]]))[:k]
        results = []
        los, his, bests = [], [], []
        for i in order:
            j = int(segs[i])
            a = int(seg_a[j])
            best_doc = int(seg_lo[j]) + int(np.argmax(scores[a:a + int(seg_hi[j] - seg_lo[j])]))
            ci = int(seg_case[j])
            docs_of_case = self._case_passages[ci]
            los.append(docs_of_case[0])
            his.append(docs_of_case[-1] + 1)
            bests.append(best_doc)
            p = self._passages[best_doc]
            results.append(LexicalHit(case_ids[ci], float(seg_score[i]), p.id, [], p.field, []))
        los_a, his_a, best_a = (np.asarray(x, dtype=np.int64) for x in (los, his, bests))
        for exp, docs in used:  # postings are sorted by passage number
            in_case = np.searchsorted(docs, his_a) > np.searchsorted(docs, los_a)
            in_best = np.searchsorted(docs, best_a + 1) > np.searchsorted(docs, best_a)
            for i in np.flatnonzero(in_case).tolist():
                results[i].matched_terms.append(exp)
            for i in np.flatnonzero(in_best).tolist():
                results[i].passage_terms.append(exp)
        return results

    def highlight(self, passage_id: str, query: str | Sequence[Expansion]) -> list[tuple[int, int, str]]:
        """Character spans of ``passage_id``'s text matching the query terms: (start, end, term).

        Phrase terms (multi-word labels) give one span from their first to their last word.
        """
        text = self.passage(passage_id).text
        terms = self.query_terms(query) if isinstance(query, str) else list(query)
        wanted = {e.term for e in terms}
        tokens = _passage_tokens(text)
        spans = [(t.start, t.end, t.term) for t in tokens if t.term in wanted]
        phrases = sorted(w for w in wanted if w.startswith("="))
        if phrases:
            seq = [t for t in tokens if not t.alt]
            terms_seq = [t.term for t in seq]
            for phrase in phrases:
                parts = phrase[1:].split(" ")
                n = len(parts)
                for i in range(len(seq) - n + 1):
                    if terms_seq[i:i + n] == parts:
                        spans.append((seq[i].start, seq[i + n - 1].end, phrase))
        return sorted(set(spans))

    # -- persistence -------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` (replaced atomically)."""
        directory = Path(directory)
        self.compact()
        tmp = staging_dir(directory)
        lengths = np.asarray([len(d) for d in self._post_docs], dtype=np.int64)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        docs = np.concatenate(self._post_docs) if self._post_docs else np.zeros(0, dtype=np.int32)
        tfs = np.concatenate(self._post_tf) if self._post_tf else np.zeros(0, dtype=np.float32)
        np.savez(tmp / "postings.npz", offsets=offsets, docs=docs.astype(np.int32), tfs=tfs.astype(np.float32),
                 dl=self._dl, pcase=self._pcase)
        write_json(tmp / "terms.json", self._terms)
        write_json(tmp / "passages.json", {"cases": self._case_ids,
                                           "passages": [[p.id, p.case_id, p.field, p.text] for p in self._passages]})
        write_json(tmp / "vocabulary.json", self.expander.to_json() if self.expander is not None else None)
        meta = {
            "format": FORMAT_VERSION, "kind": "coopkg-lexical-bm25", "analyzer": ANALYZER_VERSION,
            "vocabulary_hash": self.expander.vocabulary_hash if self.expander is not None else None,
            "corpus_hash": self.corpus_hash, "passages": len(self._passages), "cases": len(self._case_ids),
            "terms": len(self._terms), "params": {"k1": self.k1, "b": self.b, "tail": self.tail},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return swap_in(tmp, directory, meta)

    @staticmethod
    def read_meta(directory: str | Path) -> dict:
        return read_meta(directory, "coopkg-lexical-bm25", "lexical index", LexicalIndexError)

    @classmethod
    def load(cls, directory: str | Path, *, expected_corpus_hash: str | None = None,
             expander: Expander | None = None) -> "LexicalIndex":
        """Load a saved index. Refuses (IndexMismatchError) an index written by another format or
        analyzer version, one built from another corpus than ``expected_corpus_hash``, or with
        another vocabulary than ``expander``'s (when given; else the saved vocabulary is used)."""
        directory = Path(directory)
        meta = cls.read_meta(directory)
        rebuild = "rebuild the lexical index"
        if meta.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(f"lexical index in {directory} has format {meta.get('format')}, this code reads "
                                     f"format {FORMAT_VERSION}: {rebuild}")
        if meta.get("analyzer") != ANALYZER_VERSION:
            raise IndexMismatchError(f"lexical index in {directory} was built with analyzer {meta.get('analyzer')!r}, "
                                     f"this code uses {ANALYZER_VERSION!r}: {rebuild}")
        if expected_corpus_hash is not None and meta.get("corpus_hash") != expected_corpus_hash:
            raise IndexMismatchError(f"lexical index in {directory} was built from another corpus (hash "
                                     f"{str(meta.get('corpus_hash'))[:12]}…, expected {expected_corpus_hash[:12]}…): {rebuild}")
        try:
            with open(directory / "vocabulary.json", encoding="utf-8") as f:
                vocab = json.load(f)
            with open(directory / "terms.json", encoding="utf-8") as f:
                terms = json.load(f)
            with open(directory / "passages.json", encoding="utf-8") as f:
                pdata = json.load(f)
            arrays = np.load(directory / "postings.npz")
            offsets, docs, tfs = arrays["offsets"], arrays["docs"], arrays["tfs"]
            dl, pcase = arrays["dl"], arrays["pcase"]
        except (OSError, ValueError, KeyError) as exc:
            raise LexicalIndexError(f"lexical index in {directory} is incomplete or corrupt ({exc}): {rebuild}") from None
        if expander is not None:
            if expander.vocabulary_hash != meta.get("vocabulary_hash"):
                raise IndexMismatchError(f"lexical index in {directory} was built with another expansion vocabulary "
                                         f"(ontology labels changed): {rebuild}")
        elif vocab is not None:
            expander = Expander.from_json(vocab)
            if expander.vocabulary_hash != meta.get("vocabulary_hash"):
                raise IndexMismatchError(f"lexical index in {directory}: saved vocabulary does not match its metadata: {rebuild}")
        elif meta.get("vocabulary_hash") is not None:
            raise LexicalIndexError(f"lexical index in {directory} has no saved vocabulary: {rebuild}")
        params = meta.get("params", {})
        index = cls(expander, k1=params.get("k1", K1), b=params.get("b", B), tail=params.get("tail", TAIL))
        if (len(offsets) != len(terms) + 1 or len(dl) != len(pdata["passages"]) or len(pcase) != len(dl)
                or (len(pcase) and (np.any(np.diff(pcase) < 0) or pcase[-1] >= len(pdata["cases"])))):
            raise LexicalIndexError(f"lexical index in {directory} is inconsistent (array sizes differ): {rebuild}")
        index._terms = list(terms)
        index._tid = {t: i for i, t in enumerate(terms)}
        index._post_docs = [docs[offsets[i]:offsets[i + 1]] for i in range(len(terms))]
        index._post_tf = [tfs[offsets[i]:offsets[i + 1]] for i in range(len(terms))]
        index._case_ids = list(pdata["cases"])
        index._case_index = {c: i for i, c in enumerate(index._case_ids)}
        index._passages = [Passage(*row) for row in pdata["passages"]]
        index._hash = meta.get("corpus_hash")
        index._pindex = {p.id: i for i, p in enumerate(index._passages)}
        index._dl = dl.astype(np.float32)
        index._pcase = pcase.astype(np.int32)
        index._alive = np.ones(len(dl), dtype=bool)
        index._dl_sum = float(dl.sum())
        index._n_alive = len(dl)
        for i, c in enumerate(index._pcase.tolist()):
            index._case_passages.setdefault(c, []).append(i)
        return index


# -- passages from the knowledge base -----------------------------------------------------------
# Case fields read from the store, in passage order: (field name, property).
CASE_FIELDS = (
    ("label", "rdfs:label"), ("alt_labels", "skos:altLabel"), ("abstract", "dcterms:abstract"),
    ("trigger", "coop:trigger"), ("partners_scale", "coop:partnersScale"), ("stake", "coop:stake"),
    ("ambition", "coop:ambition"), ("object", "coop:object"),
)


def case_id_of(iri: str) -> str:
    """The corpus id of a case IRI (``<base>case/<id>``)."""
    return iri.rsplit("/case/", 1)[-1]


def passages_from_store(store, cases: Iterable | None = None) -> list[Passage]:
    """One passage per field of each coop:CooperationCase: its French label, alt labels, summary
    (dcterms:abstract), each grid field (trigger, partners/scale, stake, ambition, object), its
    actors (labels, alt labels, participation notes), its instruments (labels and notes), its
    governance bodies (name, function, composition) and its territories. Several values of one
    field are joined with newlines, sorted, so the same store always gives the same passages.
    ``cases``: only those case IRIs (the same passages as in the whole list)."""
    from kb.queries import with_prefixes

    values: dict[tuple[str, str], set[str]] = {}
    only = ""
    if cases is not None:
        iris = sorted({str(c) for c in cases})
        if not iris:
            return []
        only = "VALUES ?case { " + " ".join(f"<{c}>" for c in iris) + " } "

    def collect(query: str) -> None:
        query = query.replace("WHERE {", "WHERE { " + only, 1)  # each query has one WHERE clause
        for case, fname, text in store.select(with_prefixes(query)).rows:
            values.setdefault((str(case), str(fname)), set()).add(str(text))

    props = " ".join(f'({p} "{name}")' for name, p in CASE_FIELDS)
    collect(f"""SELECT ?case ?field ?text WHERE {{
        ?case a coop:CooperationCase ; ?p ?text . VALUES (?p ?field) {{ {props} }}
        FILTER(isLiteral(?text) && (LANG(?text) = "fr" || LANG(?text) = "")) }}""")
    # Actors: labels and alt labels of the participants, and the notes of participations that
    # have a participant. Two queries merged here: as one UNION, Oxigraph's evaluation is
    # quadratic in the size of the base (a cross product; minutes at 10,000 cases).
    collect("""SELECT DISTINCT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:hasParticipation ?part . ?part coop:participant ?a .
        ?a rdfs:label|skos:altLabel ?text .
        BIND("actors" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT DISTINCT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:hasParticipation ?part . ?part coop:participant ?a ; skos:note ?text .
        BIND("actors" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:usesInstrument ?i . ?i rdfs:label|skos:note ?text .
        BIND("instruments" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:hasGovernanceBody ?g . ?g rdfs:label|coop:function|coop:composition ?text .
        BIND("governance" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:territory ?t . ?t rdfs:label|skos:altLabel ?text .
        BIND("territories" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    order = {name: i for i, name in enumerate([*(n for n, _ in CASE_FIELDS), "actors", "instruments", "governance", "territories"])}
    out = []
    for (case_iri, fname), texts in sorted(values.items(), key=lambda kv: (case_id_of(kv[0][0]), order[kv[0][1]])):
        cid = case_id_of(case_iri)
        text = "\n".join(sorted(t.strip() for t in texts if t.strip()))
        if text:
            out.append(Passage(f"{cid}#{fname}", cid, fname, text))
    return out


def build_from_store(store, *, expander: Expander | None = None, **params) -> LexicalIndex:
    """Passages and expansion vocabulary read from the store, indexed."""
    if expander is None:
        expander = Expander.from_store(store)
    return LexicalIndex.build(passages_from_store(store), expander, **params)


# -- measurement (docs/lexical.md): python -m search.lexical bench ------------------------------
def synthetic_passages(seed_passages: Sequence[Passage], n: int, *, seed: int = 0,
                       passages_per_case: int = 8) -> list[Passage]:
    """``n`` passages for timing only: each copies a random real passage and replaces about one
    word in six by a generated place name (a pool of 20k) or a number, so term statistics stay
    French-like while the vocabulary keeps growing with the size."""
    import random
    import re

    rng = random.Random(seed)
    syll = ["ba", "be", "bo", "ca", "ce", "cha", "dou", "fa", "fo", "ga", "gi", "la", "le", "lo", "ma", "mo",
            "na", "no", "pa", "pe", "ra", "ri", "ro", "sa", "se", "ta", "to", "va", "vi", "ze"]
    ends = ["ville", "mont", "court", "bourg", "ac", "y", "ière", "ange", "val", "champ", "lieu", "euil"]
    places = [(rng.choice(syll) + rng.choice(syll) + rng.choice(ends)).capitalize() for _ in range(20_000)]
    words = [re.findall(r"\S+", p.text) for p in seed_passages if p.text]
    out = []
    for i in range(n):
        src = rng.choice(words)
        text = " ".join(w if rng.random() > 1 / 6 else (rng.choice(places) if rng.random() < 0.8 else str(rng.randint(1, 2030)))
                        for w in src)
        case = f"synth-{i // passages_per_case:06d}"
        out.append(Passage(f"{case}#p{i % passages_per_case}", case, "synthetic", text))
    return out


def _percentiles(values: list[float]) -> dict:
    a = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 3), "p95_ms": round(float(np.percentile(a, 95)), 3),
            "max_ms": round(float(a.max()), 3)}


def benchmark(passages: list[Passage], expander: Expander | None, queries: list[str], *, repeat: int = 3,
              fts5: bool = False, workdir: Path | None = None) -> dict:
    """Build, save, load and query timings of the BM25 index on ``passages`` (and of an SQLite
    FTS5 table over the same analysed text when ``fts5``)."""
    import tempfile

    report: dict = {"passages": len(passages), "cases": len({p.case_id for p in passages})}
    t = time.perf_counter()
    index = LexicalIndex.build(passages, expander)
    report["build_s"] = round(time.perf_counter() - t, 3)
    report["terms"] = len(index._terms)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        t = time.perf_counter()
        index.save(Path(tmp) / "lexical")
        report["save_s"] = round(time.perf_counter() - t, 3)
        report["disk_mb"] = round(sum(f.stat().st_size for f in (Path(tmp) / "lexical").iterdir()) / 2**20, 1)
        t = time.perf_counter()
        LexicalIndex.load(Path(tmp) / "lexical", expander=expander)
        report["load_s"] = round(time.perf_counter() - t, 3)
    cases = index.case_ids
    import random
    rng = random.Random(1)
    cand_1 = rng.sample(cases, max(1, len(cases) // 100))
    cand_20 = rng.sample(cases, max(1, len(cases) // 5))
    for name, cand in (("query", None), ("query_candidates_1pct", cand_1), ("query_candidates_20pct", cand_20)):
        times = []
        for _ in range(repeat):
            for q in queries:
                t = time.perf_counter()
                index.search(q, k=10, candidate_case_ids=cand)
                times.append(time.perf_counter() - t)
        report[name] = _percentiles(times)
    times = []
    for q in queries:
        t = time.perf_counter()
        index.query_terms(q)
        times.append(time.perf_counter() - t)
    report["analyze_expand"] = _percentiles(times)
    long_query = " ".join(queries) * (10_000 // max(1, len(" ".join(queries))) + 1)
    long_query = long_query[:10_000]
    t = time.perf_counter()
    index.search(long_query, k=10)
    report["query_10000_chars_ms"] = round((time.perf_counter() - t) * 1000, 1)
    t = time.perf_counter()
    extra = [Passage(f"bench-new#p{i}", "bench-new", "synthetic", p.text) for i, p in enumerate(passages[:8])]
    index.add_case("bench-new", extra)
    index.remove_case(cases[0])
    report["add_remove_case_ms"] = round((time.perf_counter() - t) * 1000, 2)
    if fts5:
        report["fts5"] = _fts5_benchmark(passages, expander, queries, repeat)
    return report


def _fts5_benchmark(passages, expander, queries, repeat) -> dict:
    """SQLite FTS5 over the same analysed terms (phrase terms encoded with '_'): unweighted OR
    query ranked by bm25(). Python cannot register an FTS5 tokenizer, hence pre-analysed text."""
    import sqlite3

    def analysed(text: str) -> str:
        tokens = tokenize(text)
        terms = [t.term for t in tokens]
        if expander is not None:
            terms += expander.phrase_occurrences([t.term for t in tokens if not t.alt])
        return " ".join(t.replace(" ", "_") for t in terms)

    out = {}
    t = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE p USING fts5(case_id UNINDEXED, body, tokenize=\"unicode61 tokenchars '=_'\")")
    db.executemany("INSERT INTO p(case_id, body) VALUES (?, ?)", ((p.case_id, analysed(p.text)) for p in passages))
    db.commit()
    out["build_s"] = round(time.perf_counter() - t, 3)
    times = []
    for _ in range(repeat):
        for q in queries:
            terms = [e.term for e in (expander.expand(q) if expander else [Expansion(x, 1, "") for x in analyze(q)])]
            match = " OR ".join('"' + x.replace(" ", "_").replace('"', "") + '"' for x in terms)
            t = time.perf_counter()
            if match:
                db.execute("WITH h AS MATERIALIZED (SELECT case_id, bm25(p) AS s FROM p WHERE p MATCH ?) "
                           "SELECT case_id, min(s) AS best FROM h GROUP BY case_id ORDER BY best LIMIT 10",
                           (match,)).fetchall()
            times.append(time.perf_counter() - t)
    out["query"] = _percentiles(times)
    return out


def _main(argv: list[str] | None = None) -> None:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m search.lexical", description="Lexical index measurements.")
    parser.add_argument("command", choices=["bench"])
    parser.add_argument("--synthetic", type=int, default=100_000, help="synthetic passages (default 100000)")
    parser.add_argument("--queries", type=Path, help="query file in the eval format (default: built-in list)")
    parser.add_argument("--fts5", action="store_true", help="also time SQLite FTS5 on the same text")
    args = parser.parse_args(argv)

    from coopkg.settings import load_settings
    from kb.build import build
    from kb.store import open_store

    queries = [
        "parc naturel régional communauté de communes charte", "COB", "contrat de réciprocité ville-campagne",
        "mutualiser l'ingénierie entre un PNR et un Pays", "projet alimentaire territorial PETR",
        "mobiliser les élus locaux par des réunions par groupes de communes", "pacte politique",
        "coopération entre une métropole et les territoires ruraux voisins", "TZCLD emploi", "DGS réseau technique",
    ]
    if args.queries:
        queries = [q["q"] for q in json.loads(args.queries.read_text(encoding="utf-8"))["queries"]]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(home=Path(tmp) / "data", corpus_dir=Path(__file__).resolve().parents[1] / "corpus")
        build(settings)
        store = open_store(settings)
        try:
            t = time.perf_counter()
            passages = passages_from_store(store)
            read_s = time.perf_counter() - t
            t = time.perf_counter()
            expander = Expander.from_store(store)
            vocab_s = time.perf_counter() - t
        finally:
            store.close()
    real = benchmark(passages, expander, queries, repeat=20, fts5=args.fts5)
    real["read_passages_s"] = round(read_s, 3)
    real["read_vocabulary_s"] = round(vocab_s, 3)
    print(json.dumps({"real": real}, ensure_ascii=False))
    synth = synthetic_passages(passages, args.synthetic)
    print(json.dumps({f"synthetic_{args.synthetic}": benchmark(synth, expander, queries, repeat=3, fts5=args.fts5)},
                     ensure_ascii=False))


if __name__ == "__main__":
    _main()
