"""`coopkg serve`: the HTTP server (uvicorn) over the knowledge base and the search index."""
from __future__ import annotations

import os
import sys

import click


def check_ready(settings):
    """Open the search service (store + index) or fail with what to run; returns the service."""
    from kb.queries import with_prefixes
    from kb.store import StoreError
    from search.service import SearchService

    if settings.store.value == "embedded" and not (settings.store_dir / "current").exists():
        raise StoreError(f"no knowledge base in {settings.store_dir}: run `coopkg build` first")
    service = SearchService.open(settings)  # SearchIndexError says "run `coopkg build`" when the index is missing
    if not service.store.ask(with_prefixes("ASK { ?c a coop:CooperationCase }")):
        service.store.close()
        raise StoreError(f"the knowledge base of {settings.store_dir if settings.store.value == 'embedded' else settings.sparql_query_url} "
                         "has no case: run `coopkg build` first")
    return service


def _parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(f"expected 'Name: value', got {text!r}", param_hint="--header")
    return name.strip(), value.strip()


@click.command()
@click.option("--host", help="Interface to listen on (default: $COOPKG_HOST or 127.0.0.1; 0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), help="TCP port (default: $COOPKG_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 32),
              help="Worker processes, each loading the base, the index and the model (default: $COOPKG_WORKERS or 1).")
@click.option("--get", "get_path", metavar="PATH",
              help="Do not listen: run one GET request for PATH through the app, print the body; exit 0 on a 2xx status, else 1.")
@click.option("--header", "-H", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="With --get: a request header, e.g. -H 'Accept: text/turtle' (repeatable).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, get_path: str | None,
          headers: tuple[str, ...]) -> None:
    """Serve the search API, the linked data and the dumps over HTTP (docs/api.md).

    The knowledge base and the search index are loaded once, at start-up; a missing store or index
    stops the command with what to run (`coopkg build`)."""
    settings = ctx.find_object(dict)["settings"]
    overrides = {k: v for k, v in (("host", host), ("port", port), ("workers", workers)) if v is not None}
    settings = settings.model_copy(update=overrides)
    parsed_headers = dict(_parse_header(h) for h in headers)
    if parsed_headers and get_path is None:
        raise click.UsageError("--header only goes with --get PATH")
    service = check_ready(settings)

    from api.app import create_app

    if get_path is not None:
        _get(create_app(settings, service=service), get_path, parsed_headers, ctx)
        return
    import uvicorn

    if settings.workers == 1:
        service.embedder.embed_queries(["préchauffage du modèle"])  # load the model before the first request
        click.echo(f"coopkg: serving {settings.home} on http://{settings.host}:{settings.port} (docs at /docs)", err=True)
        uvicorn.run(create_app(settings, service=service), host=settings.host, port=settings.port, workers=1)
        return
    # Several workers: each process imports the app factory and loads the base itself, from the
    # environment; pass on what the command line changed.
    service.store.close()
    os.environ["COOPKG_HOME"] = str(settings.home.resolve())
    os.environ["COOPKG_CORPUS_DIR"] = str(settings.corpus_dir.resolve())
    click.echo(f"coopkg: serving {settings.home} on http://{settings.host}:{settings.port} with {settings.workers} "
               "workers (docs at /docs)", err=True)
    uvicorn.run("api.app:create_app", factory=True, host=settings.host, port=settings.port, workers=settings.workers)


def _get(app, path: str, headers: dict, ctx: click.Context) -> None:
    from fastapi.testclient import TestClient

    if not path.startswith("/"):
        path = "/" + path
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(path, headers=headers)
    sys.stdout.buffer.write(response.content)
    if response.content and not response.content.endswith(b"\n") and response.headers.get(
            "content-type", "").startswith(("application/json", "text/")):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()
    if not 200 <= response.status_code < 300:
        click.echo(f"coopkg: GET {path} answered {response.status_code}", err=True)
        ctx.exit(1)
