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
