"""`coopkg bench ingest-into`: documents added one at a time to a large base, as a publisher adds
them to a published practice base (`coopkg ingest FILE`, or `PUT /api/documents/{name}`).

`coopkg bench ingest` measures throughput into the 31-case base of the repository; there, what a
write costs beyond the document itself is invisible. Here the base is the 10,000-case base of
`coopkg bench search` (``benchmarks/work/search-<size>``: store and search index), copied to a fresh
home. In a child process pinned to cores {0, 1}, with the models loaded once before the first
document (as in a server), each document is ingested alone: ``Ingestor.run([file])``, store write
and search index update included. The same documents are ingested twice, each time into a fresh
copy of the base: as ingestion does it now (``incremental``: the inferred graph recomputed only
for what the write touches, kb/embedded.py; the index update reading only the changed cases and
the labels of the nodes the write describes, search/index.py ``Changed``, and a document that adds
an actor — a new label for query expansion — analysing again only the cases whose passages may
hold it, ``LexicalIndex.swap_expander``) and as it did before (``full``: the whole inferred graph
recomputed, every case's passages and every label read again, a new lexical index when labels
change). In both modes the vectors of the other cases are kept: before
2026-12-03 it made the update embed every passage of the base again (about an hour at 10,000
cases with an empty embedding cache), which is not re-enacted here. Reported: latency per
document (median, p95, max) and the store write and index update times, per mode.

Results: ``benchmarks/results/ingest-into-<size>.json``; summary in docs/benchmarks.md.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click

from .ingest_bench import ROOT, RESULTS_DIR, WORK_DIR, default_model, generate_documents, uncommitted_changes
from .serve_bench import percentile

DOCS_FILE = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench-ingest-into:start -->", "<!-- bench-ingest-into:end -->"
MODES = ("incremental", "full")


def base_dir(size: str) -> Path:
    return ROOT / "benchmarks" / "work" / f"search-{size}"


def fresh_home(base: Path, dest: Path) -> Path:
    """The base's store and search index (symbolic links kept: the store's ``current``)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for part in ("store", "search"):
        shutil.copytree(base / part, dest / part, symlinks=True)
    return dest


# ------------------------------------------------------------------------------ child


def measure(home: Path, corpus: Path, model: str, documents: list[Path], mode: str) -> dict:
    """Ingest ``documents`` one at a time into ``home`` (models loaded first)."""
    import kb.embedded as embedded
    from coopkg.ingesting import Ingestor
    from coopkg.settings import load_settings

    settings = load_settings(home=home, corpus_dir=corpus, embedding_model=model)
    ingestor = Ingestor(settings)
    if mode == "full":  # as before: whole inferred graph, every case's passages, a new lexical index
        import search.index

        embedded.INCREMENTAL_MAX = -1
        search.index.INCREMENTAL_RELEX = False
    real, index_times = ingestor.update_index, []

    def update_index(changed=None):
        t = time.perf_counter()
        try:
            return real(changed if mode == "incremental" else None)
        finally:
            index_times.append(time.perf_counter() - t)

    ingestor.update_index = update_index
    t = time.perf_counter()
    ingestor.nlp, ingestor.embedder.dimension  # noqa: B018 - load the models before the first document
    load = time.perf_counter() - t
    out = []
    for doc in documents:
        t = time.perf_counter()
        index_times.clear()
        report = ingestor.run([str(doc)])
        seconds = time.perf_counter() - t
        out.append({"document": doc.name, "seconds": seconds, "words": report.words,
                    "statuses": [o.status for o in report.outcomes], "store": report.timings["store"],
                    "index_update": sum(index_times), "timings": report.timings,
                    "index": vars(report.index) if report.index is not None else None})
    return {"mode": mode, "model_load_seconds": load, "documents": out}


def _child_main(argv: list[str]) -> None:
    from .build_bench import pin_cores

    home, corpus, model, out, mode, *docs = argv
    pin_cores()
    result = measure(Path(home), Path(corpus), model, [Path(d) for d in docs], mode)
    Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


# ------------------------------------------------------------------------------ orchestration


def run_benchmark(*, size: str, n_documents: int, model: str, base: Path | None, work: Path, echo) -> dict:
    from .build_bench import machine_info, pin_cores

    base = base or base_dir(size)
    if not (base / "store" / "current").is_symlink() or not (base / "search" / "meta.json").is_file():
        raise click.UsageError(f"no base in {base}: build it first with `coopkg bench search --sizes {size}` "
                               "(it keeps its store and search index there)")
    cores = pin_cores()
    docs = [d.path for d in generate_documents(work / "into-documents", n_documents, 0)]
    corpus = ROOT / "benchmarks" / "work" / f"corpus-{size}"
    corpus = corpus if corpus.is_dir() else ROOT / "corpus"
    modes = {}
    for mode in MODES:
        home = fresh_home(base, work / "into-home")
        echo(f"{mode}: {len(docs)} document(s) one at a time into a copy of {base}")
        out = work / f"into-{mode}.json"
        cmd = [sys.executable, "-m", "benchmarks.ingest_into", "child", str(home), str(corpus), model, str(out), mode,
               *map(str, docs)]
        subprocess.run(cmd, check=True, cwd=ROOT)
        raw = json.loads(out.read_text(encoding="utf-8"))
        lat = [d["seconds"] for d in raw["documents"]]
        stores = [d["store"] for d in raw["documents"]]
        updates = [d["index_update"] for d in raw["documents"]]
        modes[mode] = {**raw, "latency_s": {"median": percentile(lat, 50), "p95": percentile(lat, 95), "max": max(lat)},
                       "store_s": {"median": percentile(stores, 50), "max": max(stores)},
                       "index_update_s": {"median": percentile(updates, 50), "max": max(updates)}}
        echo(f"  latency median {modes[mode]['latency_s']['median']:.1f} s, p95 {modes[mode]['latency_s']['p95']:.1f} s; "
             f"store write median {modes[mode]['store_s']['median']:.2f} s; "
             f"index update median {modes[mode]['index_update_s']['median']:.2f} s")
        shutil.rmtree(home, ignore_errors=True)
    meta = {}
    meta_file = base / "bench-store.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    return {"benchmark": "ingest-into", "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine_info(cores), "base": {"path": str(base.relative_to(ROOT)) if base.is_relative_to(ROOT)
                                                    else str(base), "size": size, "build": meta},
            "parameters": {"documents": n_documents, "model": model, "uncommitted_changes": uncommitted_changes()},
            "modes": modes}


def render(result: dict) -> str:
    m = result["modes"]
    lines = [f"Run {result['date'][:10]}, commit {result['machine'].get('commit', '?')}, "
             f"{result['parameters']['documents']} generated documents added one at a time to a copy of "
             f"`{result['base']['path']}` (models loaded once before; each document: `Ingestor.run([file])`, "
             "store write and search index update included):", "",
             "| mode | latency median | p95 | max | store write median | index update median |",
             "|---|---:|---:|---:|---:|---:|"]
    for mode in MODES:
        x = m[mode]
        lines.append(f"| {mode} | {x['latency_s']['median']:.1f} s | {x['latency_s']['p95']:.1f} s | "
                     f"{x['latency_s']['max']:.1f} s | {x['store_s']['median']:.2f} s | {x['index_update_s']['median']:.2f} s |")
    lines += ["", "`incremental`: ingestion as it is (inferred graph recomputed for what the write touches, "
                  "index update reading only the changed cases and the labels of the nodes the write describes; "
                  "a document adding an actor has only the cases that may hold its name analysed again); `full`: as "
                  "before (whole inferred graph, every case and label read again, a new lexical index when labels "
                  "change). In both, the other cases' vectors are kept (before 2026-12-03 a new label re-embedded "
                  "every passage: not re-enacted)."]
    return "\n".join(lines)


def write_docs(result: dict, path: Path = DOCS_FILE) -> Path:
    from .docs_block import write_block

    return write_block(path, START, END, render(result),
                       missing="### Adding documents to a large base (`coopkg bench ingest-into`)")


@click.command("ingest-into")
@click.option("--size", default="10000", show_default=True,
              help="The base of `coopkg bench search --sizes SIZE` (benchmarks/work/search-SIZE).")
@click.option("--documents", "n_documents", default=5, show_default=True, type=click.IntRange(1),
              help="Generated documents added one at a time.")
@click.option("--model", default=None, help="Embedding model folder (default: the configured one).")
@click.option("--base", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Another base folder (with store/ and search/) instead of benchmarks/work/search-SIZE.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=WORK_DIR, show_default=True,
              help="Working folder (documents, homes).")
@click.option("--docs/--no-docs", "update_docs", default=True, show_default=True,
              help="Write the summary into docs/benchmarks.md.")
def ingest_into_cmd(size: str, n_documents: int, model: str | None, base: Path | None, work: Path,
                    update_docs: bool) -> None:
    """Latency of adding one document to a large base, as ingestion does it and as it did (full recomputation)."""
    def echo(message: str) -> None:
        click.echo(message, err=True)

    result = run_benchmark(size=size, n_documents=n_documents, model=model or default_model(), base=base,
                           work=Path(work), echo=echo)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"ingest-into-{size}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    echo(f"results: {out}")
    if update_docs:
        echo(f"summary: {write_docs(result)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        _child_main(sys.argv[2:])
