"""`coopkg ingest`, `coopkg review` and `coopkg documents`: raw documents into the base (docs/extraction.md)."""
from __future__ import annotations

import json

import click

from ontology.namespace import COOP


def _settings(ctx: click.Context):
    return ctx.obj["settings"]


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Read, extract and validate, but write nothing.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first document that fails (default: report it and go on).")
@click.option("--no-index", is_flag=True, help="Do not update the search index afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], dry_run: bool, fail_fast: bool, no_index: bool,
           as_json: bool, quiet: bool) -> None:
    """Ingest raw documents (.txt, .md, .html, .pdf, .docx; directories recursively).

    Each document becomes a source document with its passages and the cases it describes, in its
    own named graph, written all or nothing. Statements under COOPKG_INGEST_THRESHOLD are kept as
    suggestions for `coopkg review`. Exit code 1 when any document failed (the others are kept)."""
    from .ingesting import Ingestor

    settings = _settings(ctx)

    def progress(outcome, i: int, n: int) -> None:
        if outcome.status == "failed":
            click.echo(f"[{i}/{n}] {outcome.line()}", err=True)
        elif not quiet and not as_json:
            click.echo(f"[{i}/{n}] {outcome.line()}", err=True)
            for w in outcome.warnings:
                click.echo(f"      attention : {w}", err=True)

    report = Ingestor(settings).run(list(paths), dry_run=dry_run, fail_fast=fail_fast, index=not no_index,
                                    progress=progress)
    if as_json:
        click.echo(json.dumps({
            "documents": [o.__dict__ for o in report.outcomes],
            "timings": {k: round(v, 4) for k, v in report.timings.items()},
            "words": report.words, "seconds": round(report.seconds, 3),
        }, ensure_ascii=False, indent=2))
    else:
        for o in report.outcomes:
            if o.status == "failed" and not o.name:  # not reached by progress: path errors
                click.echo(f"coopkg: {o.error}", err=True)
        click.echo(report.summary(), err=True)
        if report.index is not None and getattr(report.index, "changed", False):
            click.echo(f"Index de recherche mis à jour : {report.index.cases_added} cas ajoutés, "
                       f"{report.index.cases_updated} modifiés.", err=True)
    if report.failed:
        ctx.exit(1)


@click.group(invoke_without_command=True)
@click.option("--document", help="Only the statements extracted from this file name.")
@click.option("--all", "show_all", is_flag=True, help="Every extracted statement, not only suggestions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review(ctx: click.Context, document: str | None, show_all: bool, as_json: bool) -> None:
    """List the suggestions waiting for review (statements under the confidence threshold).

    Decide with `coopkg review accept ID...` or `coopkg review reject ID...`."""
    if ctx.invoked_subcommand is not None:
        return
    from kb.documents import statements
    from kb.store import open_store

    store = open_store(_settings(ctx))
    try:
        rows = statements(store, status=None if show_all else COOP.Suggested, document=document)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([{"id": short_id(s.iri), "iri": str(s.iri), "document": s.document, "case": str(s.case),
                                "case_label": s.case_label, "predicate": str(s.predicate), "object": str(s.target),
                                "object_label": s.target_label, "confidence": s.confidence, "method": s.method,
                                "status": s.status.rsplit("#", 1)[-1], "quote": s.quote} for s in rows],
                              ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Aucune suggestion à relire." if not show_all else "Aucun énoncé extrait.")
        return
    for s in rows:
        what = s.predicate.rsplit("#", 1)[-1]
        status = "" if not show_all else f" [{s.status.rsplit('#', 1)[-1]}]"
        click.echo(f"{short_id(s.iri)}  {s.confidence:.2f} {s.method:<9} {s.document} · {s.case_label}\n"
                   f"    {what} → {s.target_label}{status}\n    « {s.quote[:160]} »")
    click.echo(f"\n{len(rows)} énoncé(s). Décider : coopkg review accept ID… | coopkg review reject ID…")


def short_id(iri) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _decide(ctx: click.Context, ids: tuple[str, ...], decision: str) -> None:
    from kb.documents import ReviewError, decide, statements
    from kb.store import open_store
    from ontology.iris import Minter

    settings = _settings(ctx)
    store = open_store(settings, write=True)
    failed = False
    accepted = []
    try:
        known = {short_id(s.iri): s.iri for s in statements(store, status=None)}
        for ident in ids:
            iri = known.get(ident) or known.get(short_id(ident))
            if iri is None:
                click.echo(f"coopkg: {ident}: aucun énoncé extrait avec cet identifiant ; voir `coopkg review`", err=True)
                failed = True
                continue
            try:
                s = decide(store, Minter(settings.base_iri), iri, decision)
            except ReviewError as exc:
                click.echo(f"coopkg: {ident}: {exc}", err=True)
                failed = True
                continue
            accepted.append(s)
            verb = "accepté" if decision == "accept" else "rejeté"
            click.echo(f"{ident} {verb} : {s.case_label} · {s.predicate.rsplit('#', 1)[-1]} → {s.target_label}")
    finally:
        store.close()
    if decision == "accept" and accepted:
        from .ingesting import Ingestor

        ingestor = Ingestor(settings)  # the cases decided, and what the payloads point to (a minted actor)
        ingestor.update_index(ingestor.changed({"cases": {str(x.case) for x in accepted},
                                                "nodes": {str(x.target) for x in accepted}, "prefixes": set()}))
    if failed:
        ctx.exit(1)


@review.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def accept(ctx: click.Context, ids: tuple[str, ...]) -> None:
    """Accept suggestions: their statements are written to the base."""
    _decide(ctx, ids, "accept")


@review.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def reject(ctx: click.Context, ids: tuple[str, ...]) -> None:
    """Reject suggestions: they are not written and will not be proposed again."""
    _decide(ctx, ids, "reject")


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def documents(ctx: click.Context, as_json: bool) -> None:
    """List the ingested documents; `coopkg documents remove NAME` removes one."""
    if ctx.invoked_subcommand is not None:
        return
    from kb.documents import documents as listing
    from kb.store import open_store
    from ontology.iris import Minter

    settings = _settings(ctx)
    store = open_store(settings)
    try:
        rows = listing(store, Minter(settings.base_iri))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Aucun document ingéré.")
    for r in rows:
        click.echo(f"{r['file']}  {r['cases']} cas  « {r['title']} »  sha256:{r['sha256'][:12]}")


@documents.command()
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    """Remove an ingested document (by file name) and the cases it produced."""
    from .ingesting import Ingestor

    if not Ingestor(_settings(ctx)).remove(name):
        click.echo(f"coopkg: {name}: aucun document ingéré de ce nom ; voir `coopkg documents`", err=True)
        ctx.exit(1)
    click.echo(f"{name} retiré de la base.")


COMMANDS = (ingest, review, documents)
