"""`coopkg search`, `coopkg similar`, `coopkg facets` and `coopkg eval`: thin layers over
SearchService. The JSON output is the contract of search/contract.py (docs/search.md)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .contract import MAX_K, MODES, SearchInputError

FACET_OPTIONS = (
    ("instrument", "instrument type (e.g. contrat-de-reciprocite, pacte; subtypes match)"),
    ("lever", "lever, L1…L10"),
    ("axis", "axis of levers"),
    ("concept", "concept (e.g. reciprocite-territoriale)"),
    ("theme", "theme (e.g. sante, alimentation)"),
    ("actor-type", "type of a participating actor (e.g. pnr, epci, metropole)"),
    ("actor", "participating actor id (e.g. brest-metropole)"),
    ("departement", "département of a territory of the case (INSEE code or name)"),
    ("region", "région of a territory of the case (INSEE code or name)"),
    ("territory-type", "type of a territory of the case (e.g. rural)"),
)


def _service(ctx: click.Context):
    from .service import SearchService

    obj = ctx.find_object(dict)
    if "search_service" not in obj:
        obj["search_service"] = SearchService.open(obj["settings"])
    return obj["search_service"]


def facet_options(fn):
    for name, help_text in reversed(FACET_OPTIONS):
        fn = click.option(f"--{name}", name.replace("-", "_"), multiple=True,
                          help=f"Filter: {help_text}. Repeat for OR; facets combine with AND.")(fn)
    return click.option("--period", help="Filter: years the case was active, YYYY or YYYY-YYYY (open ends: 2015-, -2010).")(fn)


def _facets(options: dict):
    from .contract import Facets

    values = {name.replace("-", "_"): list(options.get(name.replace("-", "_")) or ()) for name, _ in FACET_OPTIONS}
    return Facets(**values, period=options.get("period") or None)


def _fail(ctx: click.Context, exc: Exception, code: int = 2):
    click.echo(f"coopkg: {exc}", err=True)
    ctx.exit(code)


@click.command()
@click.argument("query", required=False)
@click.option("--k", "-k", default=10, show_default=True, type=click.IntRange(1, MAX_K), help="Number of results.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="hybrid (meaning + words + named entities), dense (meaning only) or lexical (words only).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract (docs/search.md).")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="Read one query per line from FILE ('-': stdin); print one JSON object per line.")
@facet_options
@click.pass_context
def search(ctx: click.Context, query: str | None, k: int, mode: str, as_json: bool, batch, **options) -> None:
    """Search the practice base: « qui a déjà fait ça ? ».

    QUERY is a French (or English) sentence. Results come with their actors, instruments, levers
    and why they match. Facet options narrow the search first (SPARQL), then similarity ranks."""
    from .service import validation_message
    from pydantic import ValidationError

    try:
        facets = _facets(options)
    except ValidationError as exc:
        _fail(ctx, SearchInputError(validation_message(exc)))
    if batch is not None:
        if query:
            raise click.UsageError("give either QUERY or --batch FILE, not both")
        _batch(ctx, batch, k, mode, facets)
        return
    if query is None:
        raise click.UsageError("missing QUERY (or --batch FILE)")
    try:
        response = _service(ctx).search({"query": query, "k": k, "mode": mode, "facets": facets.model_dump()})
    except SearchInputError as exc:
        _fail(ctx, exc)
    if as_json:
        click.echo(response.model_dump_json(indent=2))
    else:
        from .render import render_search

        click.echo(render_search(response))


def _batch(ctx: click.Context, lines, k: int, mode: str, facets) -> None:
    service = _service(ctx)
    failed = done = 0
    for n, line in enumerate(lines, 1):
        text = line.rstrip("\n")
        if not text.strip():
            continue
        done += 1
        try:
            response = service.search({"query": text, "k": k, "mode": mode, "facets": facets.model_dump()})
            sys.stdout.write(response.model_dump_json() + "\n")
        except SearchInputError as exc:
            failed += 1
            sys.stdout.write(json.dumps({"query": text, "line": n, "error": {"message": str(exc)}},
                                        ensure_ascii=False) + "\n")
            click.echo(f"coopkg: line {n}: {exc}", err=True)
        sys.stdout.flush()
    if done == 0:
        _fail(ctx, SearchInputError("the batch has no query (one query per line; blank lines are skipped)"))
    if failed:
        ctx.exit(1)


@click.command()
@click.argument("case")
@click.option("--k", "-k", default=10, show_default=True, type=click.IntRange(1, MAX_K), help="Number of results.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (same result objects as search).")
@click.pass_context
def similar(ctx: click.Context, case: str, k: int, as_json: bool) -> None:
    """Cases similar to CASE (its id, e.g. contrat-reciprocite-brest-cob): embedding similarity
    mixed with shared instruments, levers, concepts, actor types and territory types."""
    try:
        response = _service(ctx).similar(case, k)
    except SearchInputError as exc:
        _fail(ctx, exc)
    if as_json:
        click.echo(response.model_dump_json(indent=2))
    else:
        from .render import render_similar

        click.echo(render_similar(response))


@click.command()
@click.argument("facet", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def facets(ctx: click.Context, facet: str | None, as_json: bool) -> None:
    """List the valid values of a search filter (or of all of them), with their number of cases."""
    from kb.store import open_store

    from .facets import FacetCatalog

    store = open_store(ctx.find_object(dict)["settings"])
    try:
        catalog = FacetCatalog.from_store(store)
    finally:
        store.close()
    names = [n.replace("-", "_") for n, _ in FACET_OPTIONS]
    if facet is not None:
        key = facet.replace("-", "_")
        if key not in names:
            _fail(ctx, SearchInputError(f"unknown facet {facet!r}; facets: {', '.join(n for n, _ in FACET_OPTIONS)}"))
        names = [key]
    data = {n: [{"id": v.id, "label": v.label, "count": v.count} for v in catalog.values(n)] for n in names}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for n, values in data.items():
        click.echo(f"--{n.replace('_', '-')}")
        width = max((len(v["id"]) for v in values), default=4)
        for v in values:
            click.echo(f"  {v['id']:<{width}}  {v['count']:>4}  {v['label']}")


@click.command(name="eval")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--mode", "modes", type=click.Choice([*MODES, "all"]), multiple=True, default=("all",),
              show_default=True, help="Mode(s) to evaluate; repeat, or 'all'.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"MODE": {"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"}, …} only.')
@click.pass_context
def eval_(ctx: click.Context, file: Path, modes: tuple[str, ...], as_json: bool) -> None:
    """Evaluate search on a labelled query file (the format of the shared dev set): recall@1/5/10,
    MRR and nDCG@10 per mode, and the queries whose first relevant case is not ranked first."""
    from .evaluation import evaluate_file
    from .metrics import QueryFileError, load_query_file

    try:
        queries = load_query_file(file)
    except QueryFileError as exc:
        _fail(ctx, exc, 1)
    chosen = MODES if "all" in modes else tuple(dict.fromkeys(modes))
    report = evaluate_file(_service(ctx), queries, chosen)
    if report.unanswerable:
        click.echo(f"coopkg: {len(report.unanswerable)} queries match no case and are skipped: "
                   f"{', '.join(report.unanswerable)}", err=True)
    if not report.relevant:
        _fail(ctx, SearchInputError(f"{file}: no query matches any case of the base"), 1)
    if as_json:
        click.echo(json.dumps(report.summary(), indent=2))
        return
    from .render import render_eval

    click.echo(render_eval(report))


COMMANDS = (search, similar, facets, eval_)
