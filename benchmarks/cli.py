"""`coopkg bench …`: performance measurements (never run by the test suite).

Results are written to benchmarks/results/*.json and summarised in docs/benchmarks.md.
"""
from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Run benchmarks; results go to benchmarks/results/ (see docs/benchmarks.md)."""
