"""Retrieval metrics and labelled query files for the search evaluation.

Pure functions, no model and no store: they are shared by ``coopkg eval`` and the tests.

Query files
-----------
A query file has the format of ``shared/eval/dev_queries.json``::

    {"about": "…", "queries": [{"id": "q01", "q": "…", "relevant": ["regex", …]}, …]}

A case is **relevant** to a query when its label (title) or one of its alt labels matches at least
one of the query's regexes: case-insensitive, searched anywhere in the label (``re.search``), both
sides NFC-normalised so that composed and decomposed accents compare equal.

Relevance is binary, and **every** case matched by a query's regexes is relevant: one regex may
match several cases (``"directions localisées"`` matches both Toulouse and Nantes), and a query
with three regexes matching three cases has three relevant cases. Nothing says that one regex
stands for one expected answer.

Metrics (binary relevance; ``R`` = set of relevant ids, ranks are 1-based positions in the
ranked list as returned)
----------------------------------------------------------------------------------------------
- ``recall@k`` = |R ∩ top k| / |R| — the fraction of the relevant cases found in the first k
  results (the standard definition; with several relevant cases, finding one of three in the top
  5 gives 1/3, and recall@1 can be at most 1/|R|).
- ``reciprocal rank`` = 1 / rank of the first relevant result, 0 if none; ``mrr`` is its mean.
- ``ndcg@k`` = DCG@k / IDCG@k with DCG@k = Σ_{i ≤ k, result i relevant} 1 / log2(i + 1) and the
  ideal IDCG@k = Σ_{i=1}^{min(|R|, k)} 1 / log2(i + 1).

Duplicates in a ranked list: only the first occurrence of an id can earn credit; a later repeat
still occupies its position (it pushes the following results down) but counts as non-relevant.
A system therefore never gains by repeating a result.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")


# --------------------------------------------------------------------------- metrics


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def _check_relevant(relevant_ids: Iterable[str]) -> frozenset[str]:
    rel = frozenset(relevant_ids)
    if not rel:
        raise ValueError("a query needs at least one relevant id: recall and nDCG are undefined without one")
    return rel


def _gains(ranked_ids: Sequence[str], relevant: frozenset[str], k: int | None) -> list[int]:
    """1/0 gain per position of the (cut) ranking; a repeated id earns nothing after its first occurrence."""
    seen: set[str] = set()
    gains = []
    for doc in ranked_ids[:k] if k is not None else ranked_ids:
        gains.append(1 if doc in relevant and doc not in seen else 0)
        seen.add(doc)
    return gains


def recall_at_k(ranked_ids: Sequence[str], relevant_ids: Iterable[str], k: int) -> float:
    """Fraction of the relevant ids that appear in the first ``k`` results."""
    _check_k(k)
    rel = _check_relevant(relevant_ids)
    return sum(_gains(ranked_ids, rel, k)) / len(rel)


def reciprocal_rank(ranked_ids: Sequence[str], relevant_ids: Iterable[str], k: int | None = None) -> float:
    """1 / (1-based rank of the first relevant result), 0.0 when none is found (within ``k`` if given)."""
    if k is not None:
        _check_k(k)
    rel = _check_relevant(relevant_ids)
    for rank, gain in enumerate(_gains(ranked_ids, rel, k), start=1):
        if gain:
            return 1.0 / rank
    return 0.0


def dcg(gains: Iterable[int]) -> float:
    return sum(g / math.log2(i + 1) for i, g in enumerate(gains, start=1))


def ndcg_at_k(ranked_ids: Sequence[str], relevant_ids: Iterable[str], k: int) -> float:
    """Binary nDCG@k with the log2(rank + 1) discount; the ideal ranking puts min(|R|, k) relevant ids first."""
    _check_k(k)
    rel = _check_relevant(relevant_ids)
    ideal = dcg([1] * min(len(rel), k))
    return dcg(_gains(ranked_ids, rel, k)) / ideal


def query_metrics(ranked_ids: Sequence[str], relevant_ids: Iterable[str]) -> dict[str, float]:
    """The five reported metrics for one query."""
    rel = _check_relevant(relevant_ids)
    ranked = list(ranked_ids)
    return {
        "recall@1": recall_at_k(ranked, rel, 1),
        "recall@5": recall_at_k(ranked, rel, 5),
        "recall@10": recall_at_k(ranked, rel, 10),
        "mrr": reciprocal_rank(ranked, rel),
        "ndcg@10": ndcg_at_k(ranked, rel, 10),
    }


def per_query(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Iterable[str]]) -> dict[str, dict[str, float]]:
    """Metrics of every query of ``qrels``; ``runs`` must hold a ranking (possibly empty) for each of them."""
    if not qrels:
        raise ValueError("no query to evaluate")
    missing = [q for q in qrels if q not in runs]
    extra = [q for q in runs if q not in qrels]
    if missing or extra:
        parts = []
        if missing:
            parts.append("no ranking for queries " + ", ".join(map(repr, missing)))
        if extra:
            parts.append("rankings for unknown queries " + ", ".join(map(repr, extra)))
        raise ValueError("runs and qrels disagree: " + "; ".join(parts))
    out = {}
    for qid, rel in qrels.items():
        rel = frozenset(rel)
        if not rel:
            raise ValueError(f"query {qid!r} has no relevant id")
        out[qid] = query_metrics(runs[qid], rel)
    return out


def evaluate(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Iterable[str]]) -> dict[str, float]:
    """Mean of recall@1/5/10, MRR and nDCG@10 over the queries of ``qrels`` (macro average)."""
    table = per_query(runs, qrels)
    return {m: sum(row[m] for row in table.values()) / len(table) for m in METRICS}


# --------------------------------------------------------------------------- query files


class QueryFileError(ValueError):
    """A query file that cannot be used; the message names the file and, when known, the query id."""


@dataclass(frozen=True)
class Query:
    id: str
    q: str
    relevant: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class QueryFile:
    path: Path
    about: str
    queries: tuple[Query, ...]

    def __iter__(self):
        return iter(self.queries)

    def __len__(self) -> int:
        return len(self.queries)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def compile_relevance(pattern: str) -> re.Pattern:
    return re.compile(_nfc(pattern), re.IGNORECASE)


def load_query_file(path: str | Path) -> QueryFile:
    """Parse and validate a query file in the dev_queries format; raise QueryFileError on any problem."""
    path = Path(path)

    def fail(msg: str, qid: Any = None) -> QueryFileError:
        where = f"{path}: query {qid!r}: " if qid is not None else f"{path}: "
        return QueryFileError(where + msg)

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read file: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise fail(f'expected a JSON object {{"about": …, "queries": […]}}, got {type(data).__name__}')
    if "queries" not in data:
        raise fail('missing key "queries"')
    about = data.get("about", "")
    if not isinstance(about, str):
        raise fail('"about" must be a string')
    items = data["queries"]
    if not isinstance(items, list):
        raise fail('"queries" must be a list')
    if not items:
        raise fail('"queries" is empty')

    queries: list[Query] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        label = f"#{n}"
        if not isinstance(item, dict):
            raise fail(f"query {label} must be an object, got {type(item).__name__}")
        qid = item.get("id")
        if "id" not in item:
            raise fail(f'query {label}: missing key "id"')
        if not isinstance(qid, str) or not qid.strip():
            raise fail(f'query {label}: "id" must be a non-empty string, got {qid!r}')
        if qid in seen:
            raise fail("duplicate query id", qid)
        seen.add(qid)
        for key in ("q", "relevant"):
            if key not in item:
                raise fail(f'missing key "{key}"', qid)
        q = item["q"]
        if not isinstance(q, str):
            raise fail(f'"q" must be a string, got {type(q).__name__}', qid)
        if not q.strip():
            raise fail("empty query text", qid)
        rel = item["relevant"]
        if not isinstance(rel, list) or not rel:
            raise fail('"relevant" must be a non-empty list of regexes', qid)
        patterns = []
        for i, pattern in enumerate(rel):
            if not isinstance(pattern, str) or not pattern.strip():
                raise fail(f"relevant[{i}] must be a non-empty string, got {pattern!r}", qid)
            try:
                patterns.append(compile_relevance(pattern))
            except re.error as exc:
                raise fail(f"invalid regex relevant[{i}] {pattern!r}: {exc}", qid) from None
        queries.append(Query(qid, q, tuple(rel), tuple(patterns)))
    return QueryFile(path, about, tuple(queries))


def _patterns(query: Query | Mapping[str, Any] | Sequence[str]) -> list[re.Pattern]:
    if isinstance(query, Query):
        return list(query.patterns)
    if isinstance(query, Mapping):
        return [compile_relevance(p) for p in query["relevant"]]
    if isinstance(query, str):
        return [compile_relevance(query)]
    return [compile_relevance(p) for p in query]


def matching_ids(pattern: str | re.Pattern, cases: Mapping[str, Iterable[str]]) -> set[str]:
    """Ids of the cases one regex matches (label or alt label)."""
    rx = pattern if isinstance(pattern, re.Pattern) else compile_relevance(pattern)
    return {cid for cid, labels in cases.items() if any(rx.search(_nfc(lab)) for lab in labels if lab)}


def relevant_ids(query: Query | Mapping[str, Any] | Sequence[str], cases: Mapping[str, Iterable[str]]) -> set[str]:
    """Ids of the cases relevant to ``query``: a label or alt label matches one of its regexes.

    ``query`` is a Query, a dict with a "relevant" list, or the list of regexes itself;
    ``cases`` maps a case id to its labels (title first, then alt labels).
    """
    cases = {cid: list(labels) for cid, labels in cases.items()}
    found: set[str] = set()
    for rx in _patterns(query):
        found |= matching_ids(rx, cases)
    return found


def qrels(queries: Iterable[Query], cases: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """query id -> relevant case ids, for every query (a query that matches no case maps to an empty set)."""
    cases = {cid: list(labels) for cid, labels in cases.items()}
    return {q.id: relevant_ids(q, cases) for q in queries}
