"""Terminal rendering of search responses and evaluation reports (French labels)."""
from __future__ import annotations

import shutil
import textwrap

from .contract import PassageMatch, Result, SearchResponse, SimilarResponse

FIELD_LABELS = {"abstract": "résumé", "label": "titre", "alt_labels": "autres noms", "trigger": "déclencheurs",
                "partners_scale": "partenaires / échelle", "stake": "enjeux", "ambition": "ambitions",
                "object": "objet", "actors": "acteurs", "instruments": "instruments",
                "governance": "gouvernance", "territories": "territoires"}


def _width() -> int:
    return min(100, shutil.get_terminal_size((100, 20)).columns)


def highlight(passage: PassageMatch, context: int = 110) -> str:
    """The passage around its first matching span, matches in [brackets], on one line."""
    text = passage.text.replace("\n", " ")
    spans = sorted((s.start, s.end) for s in passage.spans)
    if not spans:
        return text[: 2 * context] + ("…" if len(text) > 2 * context else "")
    lo = max(0, spans[0][0] - context // 2)
    hi = min(len(text), lo + 2 * context)
    out, pos = [], lo
    for a, b in spans:
        if a < pos or b > hi:
            continue
        out += [text[pos:a], "[", text[a:b], "]"]
        pos = b
    out.append(text[pos:hi])
    return ("…" if lo else "") + "".join(out) + ("…" if hi < len(text) else "")


def _result(n: int, r: Result, width: int) -> list[str]:
    ind = "     "
    wrap = lambda label, text: textwrap.wrap(f"{label} : {text}", width, initial_indent=ind,  # noqa: E731
                                             subsequent_indent=ind + "  ")
    lines = [f"{n:>3}. {r.label}  ({r.score:.3f})", f"{ind}{r.id}{'  · ' + r.period if r.period else ''}"]
    if r.actors:
        lines += wrap("Acteurs", " ; ".join(
            f"{a.label} ({', '.join(a.types)}{'; ' + a.role if a.role else ''})" for a in r.actors))
    if r.instruments:
        lines += wrap("Instruments", " ; ".join(i.label for i in r.instruments))
    tags = [("Leviers", r.levers), ("Notions", r.concepts), ("Thèmes", r.themes)]
    for label, refs in tags:
        if refs:
            lines += wrap(label, ", ".join(x.label for x in refs))
    why = r.why
    reasons = []
    if why.matched_entities:
        reasons.append("nomme " + ", ".join(f"{e.label} ({e.kind})" for e in why.matched_entities))
    if why.shared:
        reasons.append("partage " + ", ".join(f"{s.label} ({s.facet})" for s in why.shared))
    if why.matched_terms:
        reasons.append("mots " + ", ".join(why.matched_terms[:8]))
    if reasons:
        lines += wrap("Pourquoi", " ; ".join(reasons))
    if why.passage is not None:
        lines += wrap(f"Passage ({FIELD_LABELS.get(why.passage.field, why.passage.field)})", highlight(why.passage))
    s = why.scores
    parts = [f"{name} {value:.3f}" for name, value in (("dense", s.dense), ("lexical", s.lexical),
                                                       ("entités", s.entity), ("graphe", s.graph)) if value is not None]
    lines.append(f"{ind}scores : {' · '.join(parts)}")
    return lines


def render_search(resp: SearchResponse) -> str:
    width = _width()
    head = [f"« {resp.query} » — mode {resp.mode}"]
    if resp.facets:
        head.append("filtres : " + " ; ".join(f"{k}={v if isinstance(v, str) else ','.join(v)}"
                                              for k, v in resp.facets.items())
                    + f" → {resp.candidates} cas")
    if resp.entities:
        head.append("reconnu : " + ", ".join(f"{e.label} ({e.kind}{', proche' if e.method == 'embedding' else ''})"
                                             for e in resp.entities))
    head += [f"attention : {w}" for w in resp.warnings]
    if not resp.results:
        head.append("Aucun résultat.")
    lines = head + [""]
    for n, r in enumerate(resp.results, 1):
        lines += _result(n, r, width) + [""]
    return "\n".join(lines).rstrip() + "\n"


def render_similar(resp: SimilarResponse) -> str:
    width = _width()
    lines = [f"Cas proches de « {resp.case.label} » ({resp.case.id})", ""]
    for n, r in enumerate(resp.results, 1):
        lines += _result(n, r, width) + [""]
    return "\n".join(lines).rstrip() + "\n"


def render_eval(report) -> str:
    metrics = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
    lines = [f"{report.file}: {report.queries} queries", "",
             f"{'mode':<8} " + " ".join(f"{m:>9}" for m in metrics)]
    for mode, rep in report.modes.items():
        lines.append(f"{mode:<8} " + " ".join(f"{rep.metrics[m]:>9.3f}" for m in metrics))
    for mode in report.modes:
        misses = report.misses(mode)
        lines += ["", f"{mode}: {len(misses)} queries whose first relevant case is not first"]
        for row in misses:
            rank = row["first_relevant_rank"] or "—"
            q = row["query"] if len(row["query"]) <= 60 else row["query"][:59] + "…"
            lines.append(f"  {row['id']:<6} rank {rank!s:>2}  top={row['top']}  « {q} »  expected {', '.join(row['expected'])}")
    return "\n".join(lines) + "\n"
