"""`coopkg serve`: --get runs one request in-process, a missing store or index stops it with what
to run, and (slow) a real uvicorn server answers a case IRI with Turtle."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from coopkg.cli import cli
from tests.servers import coopkg_server, http

CASE = "contrat-reciprocite-brest-cob"
CASE_PATH = f"/coopkg/id/case/{CASE}"


@pytest.fixture(scope="module")
def served_home(request, built_settings, tmp_path_factory) -> Path:
    """A home with the session's store (symlinked, read-only) and a hashing search index."""
    from kb.store import open_store
    from search.embedder import make_embedder
    from search.index import update

    home = tmp_path_factory.mktemp("serve") / "data"
    home.mkdir()
    (home / "store").symlink_to(built_settings.store_dir.resolve(), target_is_directory=True)
    cache = getattr(request.config, "cache", None)
    cache_dir = Path(cache.mkdir("coopkg-embeddings")) if cache is not None else home / "cache"
    store = open_store(built_settings)
    try:
        update(store, home / "search", make_embedder("hashing:384"), cache_dir / "embeddings.sqlite")
    finally:
        store.close()
    return home


def run(home: Path, *args: str):
    env = {"COOPKG_HOME": str(home), "COOPKG_EMBEDDING_MODEL": "hashing:384"}
    return CliRunner().invoke(cli, ["serve", *args], env=env, catch_exceptions=False)


def test_get_json(served_home):
    result = run(served_home, "--get", "/api/stats")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["triples"] > 5000


def test_get_with_accept_header(served_home):
    result = run(served_home, "--get", CASE_PATH, "-H", "Accept: text/turtle")
    assert result.exit_code == 0, result.output
    g = Graph().parse(data=result.stdout, format="turtle")
    assert (URIRef(f"https://w3id.org/coopkg/id/case/{CASE}"), None, None) in g


def test_get_error_exits_1(served_home):
    result = run(served_home, "--get", "/api/cases/nope")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["status"] == 404
    assert "answered 404" in result.stderr


def test_fails_fast_without_store_or_index(tmp_path, served_home):
    empty = run(tmp_path / "empty", "--get", "/api/stats")
    assert empty.exit_code == 1 and "coopkg build" in empty.stderr and "no knowledge base" in empty.stderr
    no_index = tmp_path / "no-index"
    no_index.mkdir()
    (no_index / "store").symlink_to((served_home / "store").resolve(), target_is_directory=True)
    missing = run(no_index, "--get", "/api/stats")
    assert missing.exit_code == 1 and "coopkg build" in missing.stderr and "search index" in missing.stderr


def test_usage_errors(served_home):
    assert run(served_home, "--port", "0").exit_code == 2
    assert run(served_home, "--workers", "0").exit_code == 2
    assert run(served_home, "-H", "Accept: text/turtle").exit_code == 2
    assert run(served_home, "--get", "/", "-H", "no colon").exit_code == 2
    help_text = run(served_home, "--help").output
    assert all(option in help_text for option in ("--host", "--port", "--workers", "--get"))


@pytest.mark.slow
def test_live_server_serves_turtle(served_home, tmp_path):
    """`coopkg serve` as a real process on a free 127.0.0.1 port: a case IRI with Accept: text/turtle."""
    env = {**os.environ, "COOPKG_HOME": str(served_home), "COOPKG_EMBEDDING_MODEL": "hashing:384"}
    with coopkg_server(env, tmp_path, ready_path="/api/stats") as base:
        status, media, body = http("GET", base + CASE_PATH, headers={"Accept": "text/turtle"}, timeout=5)
    assert status == 200 and media == "text/turtle", body[:300]
    g = Graph().parse(data=body, format="turtle")
    assert (URIRef(f"https://w3id.org/coopkg/id/case/{CASE}"), None, None) in g
