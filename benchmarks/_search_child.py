"""Child process of `coopkg bench search` (benchmarks/search_bench.py), so that the index build and
each measured base have their own peak RSS.

    python -m benchmarks._search_child index HOME CORPUS --model DIR --anchors REAL_SEARCH_DIR --out OUT
    python -m benchmarks._search_child measure HOME CORPUS --model DIR [--queries N] [--repeat R]
        [--baseline-queries N] [--no-baseline] [--threads2] --out OUT

Progress goes to stderr; the measurements go to OUT (JSON).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def echo(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _settings(home: str, corpus: str):
    from coopkg.settings import load_settings

    return load_settings(home=Path(home), corpus_dir=Path(corpus))


def cmd_index(args) -> dict:
    from kb.store import open_store
    from search.embedder import make_embedder

    import numpy as np

    from .search_bench import build_synthetic_index, peak_rss_bytes, real_anchors, vector_stats

    settings = _settings(args.home, args.corpus)
    real = make_embedder(args.model, threads=2)
    anchors = real_anchors(Path(args.anchors), real.model_id)
    echo(f"  index: {sum(len(v) for v in anchors.values())} real anchor vectors in {len(anchors)} fields")
    store = open_store(settings)
    try:
        out = build_synthetic_index(store, settings.search_dir, real, anchors, exact_max=settings.vector_exact_max,
                                    echo=echo)
    finally:
        store.close()
    out["anchors"] = {f: len(v) for f, v in anchors.items()}
    out["anchor_cosines"] = vector_stats(np.concatenate(list(anchors.values())))  # the real corpus, for comparison
    out["exact_max"] = settings.vector_exact_max
    out["peak_rss_bytes"] = peak_rss_bytes()
    return out


def cmd_measure(args) -> dict:
    from search.service import SearchService

    from .search_bench import load_queries, measure_base, rss_bytes

    settings = _settings(args.home, args.corpus)
    start_rss = rss_bytes()
    t = time.perf_counter()
    service = SearchService.open(settings)  # as `coopkg search` does: search_threads from the settings
    open_s = time.perf_counter() - t
    return measure_base(service, load_queries(args.queries), repeat=args.repeat, baseline=not args.no_baseline,
                        baseline_queries=args.baseline_queries, baseline_budget=args.baseline_budget,
                        rdflib_max_quads=args.rdflib_max_quads, threads2=args.threads2,
                        search_threads=settings.search_threads, open_seconds=open_s, start_rss=start_rss,
                        caches=args.caches, echo=echo)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._search_child")
    parser.add_argument("command", choices=("index", "measure"))
    parser.add_argument("home")
    parser.add_argument("corpus")
    parser.add_argument("--model", required=True)
    parser.add_argument("--anchors")
    parser.add_argument("--queries", type=int)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--baseline-queries", type=int, default=10)
    parser.add_argument("--baseline-budget", type=float, default=60.0)
    parser.add_argument("--rdflib-max-quads", type=int, default=3_000_000)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--threads2", action="store_true")
    parser.add_argument("--caches", choices=("cold", "warm"), default="cold")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    result = cmd_index(args) if args.command == "index" else cmd_measure(args)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
