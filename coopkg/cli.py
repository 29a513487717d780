"""The `coopkg` command line. Each command is a thin layer over the ontology/ingest/kb packages."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .settings import SettingsError, load_settings

EXIT_USAGE = 2


def _settings(ctx: click.Context):
    return ctx.obj["settings"]


class CoopkgGroup(click.Group):
    """Turns the project's own exceptions into one clear line on stderr and an exit code."""

    def invoke(self, ctx: click.Context):
        from ingest.errors import CorpusInvalid
        from kb.store import QueryError, StoreError
        from kb.validation import ShapesViolated
        from search.embedder import EmbedderError
        from search.index import SearchIndexError

        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            click.echo(f"coopkg: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except (CorpusInvalid, ShapesViolated) as exc:
            click.echo(f"coopkg: {exc}", err=True)
            ctx.exit(1)
        except QueryError as exc:
            click.echo(f"coopkg: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except (StoreError, SearchIndexError, EmbedderError) as exc:
            click.echo(f"coopkg: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=CoopkgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(path_type=Path), help="Data directory (default: $COOPKG_HOME or ./data).")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Corpus directory (default: $COOPKG_CORPUS_DIR or ./corpus).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, corpus_dir: Path | None, verbose: bool) -> None:
    """coopkg — knowledge graph of territorial cooperation practices.

    Settings come from COOPKG_* environment variables (see docs/settings.md); --home and --corpus
    override COOPKG_HOME and COOPKG_CORPUS_DIR.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    overrides = {k: v for k, v in (("home", home), ("corpus_dir", corpus_dir)) if v is not None}
    try:
        ctx.obj = {"settings": load_settings(**overrides)}
    except SettingsError as exc:
        click.echo(f"coopkg: {exc}", err=True)
        ctx.exit(EXIT_USAGE)


@cli.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check every corpus file, then the compiled graph against the SHACL shapes.

    Problems are listed one per line as FILE:LINE: FIELD: MESSAGE; the exit code is 1 when there
    is any."""
    from ingest.compile import compile_file
    from ingest.corpus import load_corpus
    from kb.validation import validate as shacl_validate
    from ontology.iris import Minter

    settings = _settings(ctx)
    corpus = load_corpus(settings.corpus_dir)
    minter = Minter(settings.base_iri)
    graphs = {minter.graph(f"corpus/{rel}"): compile_file(corpus, rel, minter) for rel in corpus.files}
    origins = {minter.graph(f"corpus/{rel}"): sf.display for rel, sf in corpus.files.items()}
    shacl_validate(graphs, origins)
    counts = ", ".join(f"{len(v)} {k}" for k, v in corpus.entries.items())
    click.echo(f"OK: {len(corpus.files)} files valid ({counts}).")


@cli.command()
@click.option("--force", is_flag=True, help="Recompile every file, even unchanged ones.")
@click.option("--no-index", is_flag=True, help="Do not update the search index (embeddings + BM25).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def build(ctx: click.Context, force: bool, no_index: bool, quiet: bool) -> None:
    """Compile ontology + vocabularies + corpus into the knowledge base, then update the search index.

    Incremental: only files whose content changed are recompiled, only new passages are embedded.
    Atomic: on any error (invalid corpus, SHACL violation, crash) the previous store stays as it was."""
    from kb.build import build as run_build

    from .progress import Progress

    settings = _settings(ctx)
    with Progress(enabled=not quiet) as bar:
        report = run_build(settings, force=force, progress=bar.update)
    if not quiet:
        if not report.changed:
            click.echo(f"Up to date: {report.files} files unchanged; {report.store_triples:,} triples in {settings.store_dir if settings.store.value == 'embedded' else settings.sparql_query_url}.")
        else:
            click.echo(f"Built in {report.seconds:.1f}s: {len(report.compiled)} of {report.files} files compiled"
                       f"{' (full rebuild)' if report.full else ''}, {len(report.removed)} removed; "
                       f"{report.triples_written:,} triples written, {report.store_triples:,} in the store.")
    if not no_index:
        _update_index(settings, quiet)


def _update_index(settings, quiet: bool) -> None:
    import time

    from kb.store import open_store
    from search.embedder import embedder_from_settings
    from search.index import update

    from .progress import Progress

    started = time.perf_counter()
    embedder = embedder_from_settings(settings)  # COOPKG_PASSAGE_ENCODER, as ingestion
    store = open_store(settings)
    try:
        with Progress(enabled=not quiet) as bar:
            rep = update(store, settings.search_dir, embedder, settings.embedding_cache_path,
                         exact_max=settings.vector_exact_max, progress=bar.update)
    finally:
        store.close()
    if quiet:
        return
    if not rep.changed:
        click.echo(f"Search index up to date ({settings.search_dir}).")
    else:
        click.echo(f"Search index updated in {time.perf_counter() - started:.1f}s: {rep.cases_added} cases added, "
                   f"{rep.cases_updated} updated, {rep.cases_removed} removed; {rep.embedded} texts embedded, "
                   f"{rep.cached} from the cache.")


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]),
              default="table", show_default=True, help="Output format. CONSTRUCT/DESCRIBE results use turtle with 'table'.")
@click.pass_context
def sparql(ctx: click.Context, query: str, fmt: str) -> None:
    """Run a SPARQL 1.1 query (text, or a path to a .rq file) on the knowledge base.

    The default graph is the union of all graphs (a query with FROM / FROM NAMED gets the
    dataset it names); the prefixes coop, rdf, rdfs, owl, xsd, skos,
    dcterms, prov, org and foaf are predeclared."""
    from kb.queries import with_prefixes
    from kb.store import open_store

    from .render import render_table

    path = Path(query)
    if len(query) < 4096 and "\n" not in query and path.suffix in (".rq", ".sparql") :
        if not path.is_file():
            raise click.BadParameter(f"query file not found: {query}", param_hint="QUERY")
        query = path.read_text(encoding="utf-8")
    if not query.strip():
        raise click.BadParameter("the query is empty", param_hint="QUERY")
    query = with_prefixes(query)
    store = open_store(_settings(ctx))
    try:
        if fmt == "table":
            body, media = store.raw_query(query, "json")
            click.echo(render_table(body, media), nl=False)
        else:
            body, _ = store.raw_query(query, fmt)
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
    finally:
        store.close()


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["turtle", "jsonld", "nt", "nq", "trig", "rdfxml"]), default="turtle",
              show_default=True, help="Serialisation. nq and trig keep the named graphs.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file instead of stdout.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Dump the whole knowledge base."""
    from kb.store import open_store

    store = open_store(_settings(ctx))
    try:
        data = store.dump(fmt)
    finally:
        store.close()
    if output:
        tmp = output.with_name(output.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(output)
        click.echo(f"Wrote {len(data):,} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts per class (with inferred types) and per concept scheme."""
    import json

    from kb.queries import stats as compute_stats
    from kb.store import open_store

    store = open_store(_settings(ctx))
    try:
        data = compute_stats(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{data['triples']:,} triples in {data['graphs']} named graphs\n")
    for title, key in (("Instances per class", "classes"), ("Concepts per scheme", "schemes")):
        click.echo(title)
        width = max((len(r["label"]) for r in data[key]), default=10)
        for row in data[key]:
            click.echo(f"  {row['label']:<{width}}  {row['count']:>6}   {row['iri']}")
        click.echo()


def _register_subgroups() -> None:
    from api.cli import serve
    from benchmarks.cli import bench
    from search.cli import model
    from search.commands import COMMANDS

    from .ingest_cli import COMMANDS as INGEST_COMMANDS

    cli.add_command(bench)
    cli.add_command(model)
    cli.add_command(serve)
    for command in (*COMMANDS, *INGEST_COMMANDS):
        cli.add_command(command)


_register_subgroups()


@cli.group()
def dev() -> None:
    """Maintainer commands."""


@dev.command()
@click.option("--check", is_flag=True, help="Exit 1 if a generated file is stale, without writing.")
def regenerate(check: bool) -> None:
    """Regenerate ontology/namespace.py and docs/ontology.md from ontology/coopkg.ttl."""
    from ontology import codegen

    if check:
        stale = codegen.stale_outputs()
        for path in stale:
            click.echo(f"stale: {path}", err=True)
        sys.exit(1 if stale else 0)
    for path in codegen.regenerate():
        click.echo(f"wrote {path}")


@dev.command(name="tune-fusion")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the full result as JSON.")
@click.pass_context
def tune_fusion(ctx: click.Context, file: Path, folds: int, output: Path | None) -> None:
    """Choose the fusion parameters by cross-validation on a labelled query file (docs/evaluation.md)."""
    import json

    from search.metrics import load_query_file
    from search.service import SearchService
    from search.tuning import cross_validate, grid_points, score_table

    service = SearchService.open(_settings(ctx))
    points = grid_points()
    ids, table = score_table(service, load_query_file(file), points)
    result = cross_validate(points, table, folds=folds)
    data = {"file": str(file), "queries": result.queries, "grid_points": result.points, "folds": folds,
            "best": result.best.as_dict(), "best_scores": result.best_scores, "cv_heldout": result.cv_heldout,
            "fold_choices": result.fold_choices, "top_points": result.top_points, "variants": result.variants}
    if output:
        output.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    click.echo(json.dumps({k: data[k] for k in ("queries", "grid_points", "best", "best_scores", "cv_heldout", "variants")}, indent=1))


def main() -> None:
    cli(prog_name="coopkg")


if __name__ == "__main__":  # pragma: no cover
    main()
