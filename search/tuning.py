"""Choosing the fusion parameters by k-fold cross-validation on labelled queries.

For each fold, the grid point with the best mean nDCG@10 on the other folds is evaluated on the
held-out fold; the mean held-out score estimates how well the *procedure* generalises. The final
parameters are the best grid point on all the queries. Query embeddings are computed once (the service memoises them).
Run: ``coopkg dev tune-fusion eval/queries.json [--check OTHER.json]`` (docs/evaluation.md)."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np

from .evaluation import case_labels
from .fusion import FusionParams
from .metrics import METRICS, per_query, qrels

GRID = {
    "method": ["convex", "rrf"],
    "dense_weight": [0.5, 0.6, 0.7, 0.8, 0.9],
    "rrf_k": [10.0, 60.0],
    "entity_weight": [0.0, 0.1, 0.2, 0.3],
    "place_weight": [0.0, 0.3, 0.6, 0.9, 1.2],
    "vocab_weight": [0.0, 0.05, 0.1, 0.15, 0.2],
    "case_vector_weight": [0.25, 0.5, 0.75],
}


def grid_points(grid: dict = GRID) -> list[FusionParams]:
    points = []
    for values in itertools.product(*grid.values()):
        p = dict(zip(grid, values))
        if p["method"] == "convex" and p["rrf_k"] != grid["rrf_k"][0]:
            continue  # rrf_k is unused by convex fusion
        if p["method"] == "rrf" and p["dense_weight"] != grid["dense_weight"][0]:
            continue  # dense_weight is unused by rrf
        points.append(FusionParams(**p))
    return points


VARIANTS = {
    "best convex": lambda p: p.method == "convex",
    "best rrf": lambda p: p.method == "rrf",
    "convex, no boost": lambda p: p.method == "convex" and p.entity_weight == p.place_weight == p.vocab_weight == 0,
    "convex, no place boost": lambda p: p.method == "convex" and p.place_weight == 0,
    "convex, no embedding vocabulary": lambda p: p.method == "convex" and p.vocab_weight == 0,
    "convex, case-vector weight 0.25": lambda p: p.method == "convex" and p.case_vector_weight == 0.25,
    "convex, case-vector weight 0.75": lambda p: p.method == "convex" and p.case_vector_weight == 0.75,
}


@dataclass
class TuningResult:
    best: FusionParams
    best_scores: dict[str, float]
    cv_heldout: dict[str, float]  # mean held-out metrics of the CV procedure
    fold_choices: list[dict]
    points: int
    queries: int
    top_points: list[tuple[dict, float]]
    variants: dict[str, dict] | None = None  # best point under constraints (per method, without boosts…)


def score_table(service, queries, points: list[FusionParams], k: int = 10) -> tuple[list[str], np.ndarray]:
    """nDCG@10 (and the other metrics) of every query under every grid point: array [points, queries, metrics]."""
    labels = case_labels(service.index)
    rel = {qid: r for qid, r in qrels(queries, labels).items() if r}
    kept = [q for q in queries if q.id in rel]
    original_params = service.params  # (query vectors are memoised by the service: one embedding per query)
    out = np.zeros((len(points), len(kept), len(METRICS)))
    try:
        for i, p in enumerate(points):
            service.params = p
            runs = {q.id: [c for c, _ in service.rank(q.q, mode="hybrid", k=k).ranked] for q in kept}
            table = per_query(runs, {q.id: rel[q.id] for q in kept})
            out[i] = [[table[q.id][m] for m in METRICS] for q in kept]
    finally:
        service.params = original_params
    return [q.id for q in kept], out


def cross_validate(points: list[FusionParams], table: np.ndarray, folds: int = 5, seed: int = 0) -> TuningResult:
    n_points, n_queries, _ = table.shape
    ndcg = table[:, :, METRICS.index("ndcg@10")]
    order = list(range(n_queries))
    random.Random(seed).shuffle(order)
    fold_of = {q: i % folds for i, q in enumerate(order)}
    heldout = np.zeros((n_queries, len(METRICS)))
    choices = []
    for f in range(folds):
        train = [q for q in range(n_queries) if fold_of[q] != f]
        test = [q for q in range(n_queries) if fold_of[q] == f]
        best = _argbest(ndcg[:, train])
        heldout[test] = table[best, test]
        choices.append({"fold": f, "params": points[best].as_dict(), "train_ndcg@10": float(ndcg[best, train].mean()),
                        "heldout_ndcg@10": float(ndcg[best, test].mean()), "heldout_queries": len(test)})
    best = _argbest(ndcg)
    means = ndcg.mean(axis=1)
    top = sorted(range(n_points), key=lambda i: -means[i])[:10]
    variants = {}
    for name, keep in VARIANTS.items():
        idx = [i for i, p in enumerate(points) if keep(p)]
        if idx:
            i = idx[int(np.argmax(means[idx]))]
            variants[name] = {"params": points[i].as_dict(), "ndcg@10": float(means[i]),
                              "recall@10": float(table[i, :, METRICS.index("recall@10")].mean())}
    return TuningResult(
        variants=variants,
        best=points[best],
        best_scores={m: float(table[best, :, j].mean()) for j, m in enumerate(METRICS)},
        cv_heldout={m: float(heldout[:, j].mean()) for j, m in enumerate(METRICS)},
        fold_choices=choices, points=n_points, queries=n_queries,
        top_points=[(points[i].as_dict(), float(means[i])) for i in top],
    )


def _argbest(ndcg: np.ndarray) -> int:
    """Best mean nDCG; ties go to the earliest grid point (the grid is ordered simple-first)."""
    means = ndcg.mean(axis=1)
    return int(np.flatnonzero(means >= means.max() - 1e-12)[0])
