"""The fastest an ingestion keeping its real parts could run on the measured machine.

After an ingestion run (benchmarks/ingest_bench.py), the CPU time of the work no arrangement of
the code can avoid is measured: embedding every passage the run embedded, with the real model,
again, one window at a time on one thread (ONNX Runtime fp32, the default, and int8, the faster
opt-in); spaCy's NER over the run's candidates; the run's model loading, SHACL validation and
store writes (the CPU time of the threads that did them, from the probes). Spread perfectly over
the cores, with every other step (reading, segmentation, rules, linking, graph, index update)
free, that work takes ``floor / cores`` seconds: no ingestion of these documents with these parts
can beat ``words / (floor / cores)`` words/s on this machine. The ceiling is what tells a missed
goal that code can reach from one that needs other hardware, another model or another goal.
"""
from __future__ import annotations

import time
from typing import Sequence

ENCODERS = ("onnx-fp32", "onnx-int8")
# CPU-time probes of the run (benchmarks/ingest_bench.py `install_probes`) per unavoidable part
RUN_PARTS = {
    "model loading": ("spacy_load", "background: spacy_load", "embedder_load", "background: embedder_load"),
    "SHACL": ("shacl_check", "shacl_context"),
    "store write": ("store_write",),
}


def encoder_cpu(model: str, encoder: str, texts: Sequence[str], *, batch: int = 64) -> dict:
    """CPU and wall time of embedding ``texts`` as passages with ``encoder`` on one thread (the
    export is written first when missing; neither loading nor export is timed)."""
    from search.embedder import make_embedder

    embedder = make_embedder(model, passage_encoder=encoder, threads=1)
    embedder.embed_passages(list(texts[:4]) or ["amorce"])  # loads (or exports) the encoder
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed_passages(list(texts[i:i + batch]))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    words = sum(len(t.split()) for t in texts)
    return {"texts": len(texts), "words": words, "cpu_seconds": cpu, "wall_seconds": wall,
            "words_per_cpu_second": words / cpu if cpu else None}


def run_parts(probes_cpu: dict[str, float]) -> dict[str, float]:
    """CPU seconds of the run's unavoidable parts other than the two models' inference."""
    return {part: sum(float(probes_cpu.get(k, 0.0)) for k in keys) for part, keys in RUN_PARTS.items()}


def ceiling(*, words: int, cores: int, encoders: dict[str, dict], ner_cpu: float, parts: dict[str, float],
            goal: float) -> dict:
    """The floor of CPU time and the ceiling of words/s, per passage encoder."""
    fixed = ner_cpu + sum(parts.values())
    out = {"words": words, "cores": cores, "goal_words_per_s": goal,
           "parts_cpu_seconds": {"spaCy NER": ner_cpu, **parts}, "per_encoder": {}}
    for name, enc in encoders.items():
        floor = enc["cpu_seconds"] + fixed
        warm = floor - parts.get("model loading", 0.0)
        wps = words / (floor / cores) if floor else None
        out["per_encoder"][name] = {"passages_cpu_seconds": enc["cpu_seconds"], "floor_cpu_seconds": floor,
                                    "floor_wall_seconds": floor / cores, "ceiling_words_per_s": wps,
                                    "ceiling_words_per_s_excluding_model_load": words / (warm / cores) if warm else None,
                                    "goal_reachable": wps is not None and wps >= goal}
    return out


def render(c: dict) -> list[str]:
    """Lines of the docs summary."""
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in c["parts_cpu_seconds"].items())
    lines = [f"Ceiling on this machine (CPU time of the work no arrangement avoids, spread perfectly over "
             f"{c['cores']} cores, every other step free; `benchmarks/ingest_ceiling.py`): {parts}; the run's "
             "passages embedded again on one thread:", "",
             "| passage encoder | passages CPU | floor CPU | floor on the cores | ceiling | without model loading "
             f"| goal ({c['goal_words_per_s']:,.0f} words/s) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, e in c["per_encoder"].items():
        lines.append(f"| `{name}` | {e['passages_cpu_seconds']:.1f} s | {e['floor_cpu_seconds']:.1f} s | "
                     f"{e['floor_wall_seconds']:.1f} s | **{e['ceiling_words_per_s']:,.0f} words/s** | "
                     f"{e['ceiling_words_per_s_excluding_model_load']:,.0f} words/s | "
                     f"{'reachable' if e['goal_reachable'] else 'out of reach'} |")
    return lines
