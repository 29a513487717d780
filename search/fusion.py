"""Combining per-case scores: convex combination of normalised scores, or reciprocal rank
fusion, plus boosts for the entities a query names. Pure functions over dicts; the defaults of
:class:`FusionParams` were chosen by cross-validation (docs/evaluation.md)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal, Mapping


@dataclass(frozen=True)
class FusionParams:
    method: Literal["convex", "rrf"] = "convex"
    dense_weight: float = 0.8  # convex: weight of the dense score (1 − it for the lexical one)
    rrf_k: float = 60.0  # rrf: rank offset
    entity_weight: float = 0.2  # boost per share of the query's named concepts/types/levers/themes the case has
    place_weight: float = 0.9  # boost per share of the query's named places and actors the case has
    vocab_weight: float = 0.15  # boost for concepts/levers/themes close to the query by embedding
    vocab_min: float = 0.82  # minimum cosine for such an embedding match
    vocab_top: int = 2  # at most this many embedding matches
    case_vector_weight: float = 0.5  # dense score = w·case vector + (1 − w)·best passage
    pool: int = 100  # cases taken from each retriever before fusion (at least 10·k)

    def __post_init__(self):
        if self.method not in ("convex", "rrf"):
            raise ValueError(f"fusion method must be 'convex' or 'rrf', got {self.method!r}")
        for name in ("dense_weight", "case_vector_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.entity_weight < 0 or self.place_weight < 0 or self.vocab_weight < 0 or self.rrf_k <= 0 or self.pool < 1 or self.vocab_top < 0:
            raise ValueError(f"bad fusion parameters: {self}")

    def with_(self, **changes) -> "FusionParams":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores rescaled to [0, 1] over the pool (all equal → 1 when positive, else 0)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo <= 1e-12:
        return {k: (1.0 if hi > 0 else 0.0) for k in scores}
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1-based ranks by decreasing score (ties broken by id)."""
    order = sorted(scores, key=lambda k: (-scores[k], k))
    return {k: i + 1 for i, k in enumerate(order)}


def fuse(dense: Mapping[str, float], lexical: Mapping[str, float], boost: Mapping[str, float],
         params: FusionParams) -> dict[str, float]:
    """Fused score of every case in ``dense`` ∪ ``lexical`` (a case missing from one retriever
    counts as its worst). ``boost`` is added as is."""
    ids = set(dense) | set(lexical)
    if params.method == "convex":
        d = minmax(dense)
        lexmax = max(lexical.values(), default=0.0)
        lx = {k: v / lexmax for k, v in lexical.items()} if lexmax > 0 else {}
        w = params.dense_weight if lexmax > 0 else 1.0
        base = {k: w * d.get(k, 0.0) + (1.0 - w) * lx.get(k, 0.0) for k in ids}
    else:
        rd, rl = ranks(dense), ranks({k: v for k, v in lexical.items() if v > 0})
        worst = len(ids) + 1
        scale = params.rrf_k + 1  # so that rank 1 in both gives about 2
        base = {k: scale * (1.0 / (params.rrf_k + rd.get(k, worst)) + 1.0 / (params.rrf_k + rl.get(k, worst)))
                for k in ids}
    return {k: base[k] + boost.get(k, 0.0) for k in ids}


def top(scores: Mapping[str, float], k: int) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
