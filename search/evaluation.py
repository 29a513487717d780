"""Running a labelled query file through the search service: metrics per mode and the misses.

A result is relevant when its label or one of its alt labels matches one of the query's regexes
(the format of the shared dev set; see search/metrics.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .contract import MODES
from .metrics import METRICS, QueryFile, per_query, qrels

K = 10


def case_labels(index) -> dict[str, list[str]]:
    """case id → [label, alt labels…], read from the lexical index's passages."""
    out: dict[str, list[str]] = {cid: [] for cid in index.lexical.case_ids}
    for p in index.lexical.passages():
        if p.field == "label":
            out[p.case_id][:0] = p.text.split("\n")
        elif p.field == "alt_labels":
            out[p.case_id].extend(p.text.split("\n"))
    return out


@dataclass
class ModeReport:
    mode: str
    metrics: dict[str, float]
    per_query: dict[str, dict[str, float]]
    rankings: dict[str, list[str]]


@dataclass
class EvalReport:
    file: str
    queries: int
    relevant: dict[str, set[str]]
    texts: dict[str, str]
    modes: dict[str, ModeReport] = field(default_factory=dict)
    unanswerable: list[str] = field(default_factory=list)  # queries whose regexes match no case

    def summary(self) -> dict[str, dict[str, float]]:
        return {m: {k: round(v, 4) for k, v in r.metrics.items()} for m, r in self.modes.items()}

    def misses(self, mode: str) -> list[dict]:
        """Queries whose first relevant case is not ranked first, worst first."""
        rep = self.modes[mode]
        rows = []
        for qid, ranking in rep.rankings.items():
            rel = self.relevant[qid]
            rank = next((i + 1 for i, c in enumerate(ranking) if c in rel), None)
            if rank == 1:
                continue
            rows.append({"id": qid, "query": self.texts[qid], "first_relevant_rank": rank,
                         "top": ranking[0] if ranking else None, "expected": sorted(rel),
                         "ndcg@10": round(rep.per_query[qid]["ndcg@10"], 4)})
        return sorted(rows, key=lambda r: (r["first_relevant_rank"] or 99, r["id"]), reverse=True)


def run_rankings(service, queries, mode: str, k: int = K) -> dict[str, list[str]]:
    return {q.id: [c for c, _ in service.rank(q.q, mode=mode, k=k).ranked] for q in queries}


def evaluate_file(service, queries: QueryFile, modes=MODES, k: int = K) -> EvalReport:
    labels = case_labels(service.index)
    rel_all = qrels(queries, labels)
    relevant = {qid: rel for qid, rel in rel_all.items() if rel}
    report = EvalReport(str(queries.path), len(relevant), relevant, {q.id: q.q for q in queries},
                        unanswerable=sorted(qid for qid, rel in rel_all.items() if not rel))
    kept = [q for q in queries if q.id in relevant]
    for mode in modes:
        rankings = run_rankings(service, kept, mode, k)
        table = per_query(rankings, relevant)
        means = {m: sum(row[m] for row in table.values()) / len(table) for m in METRICS}
        report.modes[mode] = ModeReport(mode, means, table, rankings)
    return report
