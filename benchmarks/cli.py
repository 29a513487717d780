"""`coopkg bench …`: performance measurements (never run by the test suite).

Results are written to benchmarks/results/*.json and summarised in docs/benchmarks.md.
"""
from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Run benchmarks; results go to benchmarks/results/ (see docs/benchmarks.md)."""


@bench.command("build")
@click.option("--sizes", default="1000,10000", show_default=True, help="Comma-separated corpus sizes (cases).")
@click.option("--repeat", default=5, show_default=True, type=click.IntRange(1), help="Timed runs per query.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic corpus generator.")
@click.option("--keep", is_flag=True, help="Keep the built stores under benchmarks/work/.")
def build_cmd(sizes: str, repeat: int, seed: int, keep: bool) -> None:
    """Build time, write rate, store size, peak RSS and query latency (embedded vs rdflib)."""
    from .build_bench import machine_info, bench_size, pin_cores, save, write_docs

    try:
        counts = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter("expected comma-separated integers, e.g. 1000,10000", param_hint="--sizes") from None
    if not counts or min(counts) < 1:
        raise click.BadParameter("sizes must be positive", param_hint="--sizes")

    def echo(message: str) -> None:
        click.echo(message, err=True)

    cores = pin_cores()
    echo(f"pinned to {cores} core(s)")
    machine = machine_info(cores)
    for size in counts:
        path = save(bench_size(size, repeat, seed, keep, machine, echo))
        echo(f"[{size:,} cases] results: {path}")
    echo(f"summary: {write_docs()}")


@bench.command("search")
@click.option("--sizes", default="real,10000,100000", show_default=True,
              help="Comma-separated bases: 'real' (the repository corpus) and/or synthetic sizes in cases (10000, 100k).")
@click.option("--queries", type=click.IntRange(1), default=None, help="Use the first N eval queries (default: all).")
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1),
              help="Timed passes over every query × facet configuration.")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Also time rdflib in-memory SPARQL + numpy brute force in the same run.")
@click.option("--baseline-queries", default=10, show_default=True, type=click.IntRange(1),
              help="Queries timed per facet configuration by the (slow) baseline.")
@click.option("--baseline-budget", default=60.0, show_default=True, type=click.FloatRange(0),
              help="Seconds per facet configuration after which the baseline stops timing queries (at least 2).")
@click.option("--rdflib-max-quads", default=3_000_000, show_default=True, type=click.IntRange(0),
              help="Above this store size the baseline skips rdflib (facet query on the store instead).")
@click.option("--caches", type=click.Choice(["cold", "warm"]), default="cold", show_default=True,
              help="cold: empty every service cache before each timed call; warm: only the query-vector cache.")
@click.option("--threads2/--no-threads2", default=True, show_default=True,
              help="Also time rank with 2 torch/FAISS threads (one pass).")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic corpus generator.")
@click.option("--shacl/--no-shacl", default=False, show_default=True,
              help="Run SHACL when building synthetic stores (the build is the same otherwise).")
@click.option("--reuse", is_flag=True, help="Reuse the stores and indexes already built under benchmarks/work/.")
@click.option("--model", default=None, help="Embedding model folder (default: the configured one).")
def search_cmd(sizes: str, queries: int | None, repeat: int, baseline: bool, baseline_queries: int,
               baseline_budget: float, rdflib_max_quads: int, caches: str, threads2: bool, seed: int, shacl: bool,
               reuse: bool, model: str | None) -> None:
    """Search latency (p50/p95 per stage, with and without facets) vs rdflib + numpy brute force."""
    from .build_bench import machine_info, pin_cores
    from .search_bench import bench_base, default_model, parse_sizes, save, write_docs

    try:
        bases = parse_sizes(sizes)
    except ValueError:
        raise click.BadParameter("expected 'real' and/or positive integers, e.g. real,10000,100000",
                                 param_hint="--sizes") from None

    def echo(message: str) -> None:
        click.echo(message, err=True)

    cores = pin_cores()
    echo(f"pinned to {cores} core(s)")
    machine = machine_info(cores)
    model = model or default_model()
    if any(size is not None for _, size in bases) and not any(size is None for _, size in bases):
        # synthetic vectors are derived from the real corpus's real-model vectors: make sure they exist
        from .search_bench import prepare_real

        prepare_real(model, True, echo)
    for name, size in sorted(bases, key=lambda b: b[1] or 0):
        result = bench_base(name, size, model=model, queries=queries, repeat=repeat, baseline=baseline,
                            baseline_queries=baseline_queries, seed=seed, shacl=shacl, reuse=reuse,
                            threads2=threads2, machine=machine, echo=echo, baseline_budget=baseline_budget,
                            rdflib_max_quads=rdflib_max_quads, caches=caches)
        echo(f"[{name}] results: {save(result)}")
    echo(f"summary: {write_docs()}")


from .serve_bench import serve_command  # noqa: E402

bench.add_command(serve_command)

from .extraction_eval import extraction_cmd  # noqa: E402

bench.add_command(extraction_cmd)

from .extraction_heldout import extraction_heldout_cmd  # noqa: E402

bench.add_command(extraction_heldout_cmd)

from .ingest_bench import ingest_cmd  # noqa: E402

bench.add_command(ingest_cmd)

from .ingest_into import ingest_into_cmd  # noqa: E402

bench.add_command(ingest_into_cmd)
