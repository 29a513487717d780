"""`coopkg bench build`: build time, write rate, store size, peak RSS and query latency.

For each size: generate a synthetic corpus (benchmarks/generator.py), run ``kb.build.build()``
in a child process with a fresh COOPKG_HOME, then time three SPARQL queries on the built
embedded store and on an rdflib in-memory Graph holding the same triples.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Callable

from .generator import WORK_DIR, generate_corpus

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DOCS_FILE = ROOT / "docs" / "benchmarks.md"
GOAL_WRITE_TPS = 150_000  # triples/s into the on-disk store
GOAL_QUERY_SPEEDUP = 20.0  # embedded store vs rdflib in memory
CORES = {0, 1}

PREFIXES = """PREFIX coop: <https://w3id.org/coopkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# name -> (description, query template); {epci}, {lever} and {label} are filled in per run.
QUERIES: dict[str, tuple[str, str]] = {
    "join_filter": (
        "cases involving an EPCI (inferred type) that mobilise lever L3, started 2015 or later",
        "SELECT ?case ?actor ?year WHERE { ?case coop:involves ?actor . ?actor a <{epci}> . "
        "?case coop:mobilisesLever <{lever}> ; coop:startYear ?year . FILTER(STR(?year) >= \"2015\") }",
    ),
    "count_group_by": (
        "cases per instrument type (COUNT DISTINCT … GROUP BY)",
        "SELECT ?type (COUNT(DISTINCT ?case) AS ?n) WHERE { ?case coop:usesInstrument ?i . ?i a ?type } "
        "GROUP BY ?type ORDER BY DESC(?n) ?type",
    ),
    "label_lookup": (
        "exact rdfs:label match on one case title",
        "SELECT ?s WHERE { ?s rdfs:label \"{label}\"@fr }",
    ),
}

Echo = Callable[[str], None]


def pin_cores() -> int:
    """Pin this process (and its children) to cores 0 and 1 when possible; return the core count."""
    if hasattr(os, "sched_setaffinity"):
        wanted = CORES & os.sched_getaffinity(0)
        if wanted:
            os.sched_setaffinity(0, wanted)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine_info(cores: int) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) * 1024 for line in _read("/proc/meminfo").splitlines()
                if line.startswith("MemTotal:")), 0)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cpu": cpu, "cpu_count": os.cpu_count(), "cores_used": cores, "memory_bytes": mem,
        "platform": platform.platform(), "python": platform.python_version(), "commit": commit,
        "versions": {pkg: version(pkg) for pkg in ("pyoxigraph", "rdflib", "pyshacl", "PyYAML")},
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def disk_usage(path: Path) -> tuple[int, int]:
    """(bytes allocated on disk, like du; number of files) under ``path``."""
    total = files = 0
    for folder, _, names in os.walk(path):
        for name in names:
            st = os.lstat(os.path.join(folder, name))
            total += st.st_blocks * 512
            files += 1
    return total, files


def stats_ms(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"median_ms": statistics.median(ms), "p95_ms": p95, "samples_ms": [round(x, 3) for x in ms]}


def time_query(run: Callable[[], list], repeat: int) -> tuple[dict, list]:
    rows = run()  # warm-up, not counted
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t)
    return stats_ms(samples), rows


def run_build(corpus: Path, home: Path) -> dict:
    out = home.parent / f"{home.name}-report.json"
    cmd = [sys.executable, "-m", "benchmarks._build_child", str(corpus), str(home), str(out)]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    result["process_seconds"] = time.perf_counter() - t
    out.unlink()
    return result


def bench_queries(settings, sample_title: str, repeat: int, echo: Echo) -> dict:
    from rdflib import Graph

    from kb.store import open_store
    from ontology.iris import Minter
    from ontology.model import ontology_index

    params = {
        "epci": str(ontology_index().actor_types["epci"].iri),
        "lever": str(Minter(settings.base_iri).iri("lever", "L3")),
        "label": sample_title.replace("\\", "\\\\").replace('"', '\\"'),
    }
    store = open_store(settings)
    try:
        t = time.perf_counter()
        data = store.dump("nt")  # the union of all named graphs, as the store's queries see it
        export_s = time.perf_counter() - t
        echo(f"  rdflib: parsing {len(data) / 1e6:.1f} MB of N-Triples…")
        t = time.perf_counter()
        graph = Graph().parse(data=data, format="nt")
        load_s = time.perf_counter() - t
        del data
        echo(f"  rdflib: {len(graph):,} triples loaded in {load_s:.1f} s")
        items = {}
        for name, (description, template) in QUERIES.items():
            query = PREFIXES + template
            for key, value in params.items():
                query = query.replace("{" + key + "}", value)
            emb, emb_rows = time_query(lambda: store.select(query).rows, repeat)
            lib, lib_rows = time_query(lambda: [tuple(r) for r in graph.query(query)], repeat)
            same = sorted(map(str, emb_rows)) == sorted(map(str, lib_rows))
            items[name] = {
                "description": description, "query": query, "rows": len(emb_rows), "results_match": same,
                "embedded": emb, "rdflib": lib,
                "speedup_median": lib["median_ms"] / emb["median_ms"], "speedup_p95": lib["p95_ms"] / emb["p95_ms"],
            }
            echo(f"  {name}: {len(emb_rows)} rows; embedded {emb['median_ms']:.2f} ms, rdflib {lib['median_ms']:.2f} ms "
                 f"(×{items[name]['speedup_median']:.1f}){'' if same else '  RESULTS DIFFER'}")
    finally:
        store.close()
    return {"export_seconds": export_s, "rdflib_load_seconds": load_s, "rdflib_triples": len(graph), "items": items}


def bench_size(size: int, repeat: int, seed: int, keep: bool, machine: dict, echo: Echo) -> dict:
    from coopkg.settings import load_settings

    corpus_dir, home = WORK_DIR / f"corpus-{size}", WORK_DIR / f"home-{size}"
    echo(f"[{size:,} cases] generating corpus in {corpus_dir.relative_to(ROOT)}")
    t = time.perf_counter()
    gen = generate_corpus(corpus_dir, size, seed, progress=lambda i, n: echo(f"    cases: {i:,}/{n:,}"))
    generate_s = time.perf_counter() - t
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)

    echo(f"[{size:,} cases] building (child process, fresh COOPKG_HOME={home.relative_to(ROOT)})")
    build = run_build(corpus_dir, home)
    snapshot = Path(build.pop("store_path")).resolve()
    store_bytes, store_files = disk_usage(snapshot)
    written, tim = build["triples_written"], build["timings"]
    build.update({
        "store_bytes": store_bytes, "store_files": store_files,
        "triples_per_s_write": written / tim["write"],
        "triples_per_s_bulk_load": written / build["write_split"]["bulk_load"],
        "triples_per_s_end_to_end": written / build["seconds"],
        "shacl_share": tim.get("shacl", 0.0) / build["seconds"],
    })
    echo(f"  built in {build['seconds']:.1f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in tim.items())
         + f"; {written:,} triples written, {build['triples_per_s_write']:,.0f} triples/s (write phase), "
         f"store {store_bytes / 2**20:.0f} MB in {store_files:,} files, peak RSS {build['peak_rss_bytes'] / 2**20:.0f} MB")

    settings = load_settings(home=home, corpus_dir=corpus_dir)
    queries = bench_queries(settings, gen.sample_title, repeat, echo)
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    speedups = {name: q["speedup_median"] for name, q in queries["items"].items()}
    return {
        "benchmark": "build", "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "size": size, "seed": seed, "repeat": repeat, "machine": machine,
        "corpus": {"cases": gen.cases, "actors": gen.actors, "territories": gen.territories,
                   "files": build["files"], "generate_seconds": generate_s},
        "build": build, "queries": queries,
        "goals": {
            "write_triples_per_s": {"goal": GOAL_WRITE_TPS, "measured": build["triples_per_s_write"],
                                    "met": build["triples_per_s_write"] >= GOAL_WRITE_TPS},
            "query_speedup": {"goal": GOAL_QUERY_SPEEDUP, "measured": speedups,
                              "met": all(s >= GOAL_QUERY_SPEEDUP for s in speedups.values())},
        },
    }


def save(result: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"build-{result['size']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# -- docs/benchmarks.md ---------------------------------------------------------------------------
START, END = "<!-- bench-build:start -->", "<!-- bench-build:end -->"
INTRO = f"""# Benchmarks

Performance measurements of coopkg. They are **not tests**: the test suite never runs them, and
no test asserts a timing. Each benchmark writes its raw results as JSON to `benchmarks/results/`
and its summary below; the numbers come from a real run on the 2-core development machine, with
the date and machine details recorded in each JSON file.

## Build and query (`coopkg bench build`)

```sh
coopkg bench build                          # sizes 1000 and 10000 cases, 5 query repeats
coopkg bench build --sizes 1000 --repeat 10
```

For each size it generates a deterministic synthetic corpus in the real format
(`benchmarks/generator.py`, written under `benchmarks/work/`, git-ignored), runs `kb.build.build()`
in a child process with a fresh `COOPKG_HOME` (so peak RSS is the build's own), then times three
SPARQL queries on the built embedded store (`EmbeddedStore.select`) and on an rdflib in-memory
`Graph` holding the same triples (the store's union-graph N-Triples export). Each query runs once
to warm up, then `--repeat` times. The process is pinned to cores {{0, 1}}.
Results: `benchmarks/results/build-<size>.json`.

{START}
{END}
"""


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def render_summary(results: list[dict]) -> str:
    if not results:
        return ""
    first = results[0]
    m = first["machine"]
    lines = [
        f"Last run: {first['date'][:10]}, commit {m['commit']}, {m['cpu']}, {m['cores_used']} cores used of "
        f"{m['cpu_count']}, Python {m['python']}, pyoxigraph {m['versions']['pyoxigraph']}, "
        f"rdflib {m['versions']['rdflib']}, pySHACL {m['versions']['pyshacl']}.",
        "",
        "| cases | build s | load / compile / SHACL / write s | SHACL share | triples written | triples/s write "
        "(bulk load only) | triples/s end-to-end | store MB (files) | peak RSS MB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, t = r["build"], r["build"]["timings"]
        phases = " / ".join(f"{t.get(k, 0):.1f}" for k in ("load", "compile", "shacl", "write"))
        lines.append(
            f"| {r['size']:,} | {b['seconds']:.1f} | {phases} | {b['shacl_share']:.0%} | {b['triples_written']:,} | "
            f"{b['triples_per_s_write']:,.0f} ({b['triples_per_s_bulk_load']:,.0f}) | {b['triples_per_s_end_to_end']:,.0f} | "
            f"{_mb(b['store_bytes'])} ({b['store_files']:,}) | {_mb(b['peak_rss_bytes'])} |")
    lines += [
        "",
        "The write phase is `EmbeddedStore.apply`: the bulk load of the compiled graphs, then the inference "
        "updates, the flush and the snapshot switch. *Bulk load only* is the part before the inference updates.",
        "",
        "| cases | query | rows | embedded median / p95 ms | rdflib median / p95 ms | speed-up (median) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        for name, q in r["queries"]["items"].items():
            lines.append(
                f"| {r['size']:,} | {name} | {q['rows']:,} | {q['embedded']['median_ms']:.2f} / {q['embedded']['p95_ms']:.2f} | "
                f"{q['rdflib']['median_ms']:.2f} / {q['rdflib']['p95_ms']:.2f} | ×{q['speedup_median']:.1f} |")
    lines += ["", "Queries: " + "; ".join(f"`{n}`: {d}" for n, (d, _) in QUERIES.items()) + ".", "", "Goals:", ""]
    for r in results:
        w = r["goals"]["write_triples_per_s"]
        ratio = w["measured"] / w["goal"]
        lines.append(f"- {r['size']:,} cases, ≥ {w['goal']:,} triples/s into the on-disk store: "
                     f"**{'met' if w['met'] else 'missed'}**, {w['measured']:,.0f} triples/s "
                     f"({ratio:.2f}× the goal{'' if w['met'] else f', {1 / ratio:.0f}× too slow'}).")
        q = r["goals"]["query_speedup"]
        parts = ", ".join(f"{n} ×{s:.1f} ({'met' if s >= q['goal'] else 'missed'})" for n, s in q["measured"].items())
        lines.append(f"- {r['size']:,} cases, queries ≥ {q['goal']:.0f}× faster than rdflib in memory: "
                     f"**{'met' if q['met'] else 'missed'}**: {parts}.")
    return "\n".join(lines)


def write_docs() -> Path:
    results = sorted((json.loads(p.read_text(encoding="utf-8")) for p in RESULTS_DIR.glob("build-*.json")),
                     key=lambda r: r["size"])
    from .docs_block import write_block

    return write_block(DOCS_FILE, START, END, render_summary(results), initial=INTRO)
