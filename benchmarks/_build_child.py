"""Runs one `kb.build.build()` in its own process, so its peak RSS is its own.

Usage: python -m benchmarks._build_child CORPUS_DIR HOME OUT_JSON
Progress goes to stderr; the measurements go to OUT_JSON.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def main(corpus_dir: str, home: str, out: str) -> None:
    from coopkg.settings import load_settings
    from kb import embedded
    from kb.build import build

    settings = load_settings(home=Path(home), corpus_dir=Path(corpus_dir))
    baseline_rss = _rss_bytes()
    marks: dict[str, float] = {}
    shown: dict[str, int] = {}

    # Time the store write itself, and when its last bulk batch lands (the rest is the inference
    # updates, the flush and the snapshot switch). Wrapping a method here changes no behaviour.
    original_apply = embedded.EmbeddedStore.apply

    def timed_apply(self, changes, progress=None):
        marks["apply_start"] = time.perf_counter()
        try:
            return original_apply(self, changes, progress=progress)
        finally:
            marks["apply_end"] = time.perf_counter()

    embedded.EmbeddedStore.apply = timed_apply

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "write":
            marks["bulk_end"] = time.perf_counter()
        step = max(total // 10, 1)
        if done == total or done // step > shown.get(phase, -1):
            shown[phase] = done // step
            print(f"    {phase}: {done:,}/{total:,}", file=sys.stderr, flush=True)

    report = build(settings, progress=progress)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    bulk = marks.get("bulk_end", marks["apply_start"]) - marks["apply_start"]
    result = {
        "files": report.files,
        "seconds": report.seconds,
        "timings": report.timings,
        "write_split": {"bulk_load": bulk, "inference_flush_switch": marks["apply_end"] - marks["apply_start"] - bulk},
        "triples_written": report.triples_written,
        "store_quads": report.store_triples,
        "peak_rss_bytes": peak,
        "baseline_rss_bytes": baseline_rss,
        "store_path": str(settings.store_dir / "current"),
    }
    Path(out).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
