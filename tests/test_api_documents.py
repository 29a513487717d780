"""Document upload (/api/documents): the token, ingesting and re-ingesting a raw document so that
its cases are searchable at once, removing it, and refusals (type, name, size, bad content) that
leave the store and the index as they were. Private home; hashing fake embedder; real spaCy."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from coopkg.settings import load_settings

from tests.conftest import CORPUS

TOKEN = "upload-token-" + "y" * 20
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DATA = Path(__file__).parent / "data" / "documents"
DOC = DATA / "pipeline" / "reciprocite-brest-cob.md"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    from coopkg.cli import _update_index
    from kb.build import build

    root = tmp_path_factory.mktemp("upload")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = load_settings(home=root / "data", corpus_dir=corpus, write_token=TOKEN, upload_max_bytes=50_000)
    build(settings)
    _update_index(settings, quiet=True)
    return settings


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as client:
        yield client


def state(settings) -> tuple:
    from kb.store import open_store

    store = open_store(settings)
    try:
        size = store.size()
    finally:
        store.close()
    return (settings.store_dir / "current").resolve(), size, (settings.search_dir / "meta.json").read_bytes()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_token_is_required(client):
    assert error(client.put("/api/documents/x.md", content=b"# Titre"), 401)
    assert error(client.put("/api/documents/x.md", content=b"# Titre", headers={"Authorization": "Bearer nope-nope-nope-nope"}), 401)
    assert error(client.delete("/api/documents/x.md"), 401)


def test_upload_is_searchable_at_once_then_unchanged_then_removed(client, settings):
    response = client.put("/api/documents/brest-cob.md", content=DOC.read_bytes(), headers=AUTH)
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["status"] == "ingested" and len(report["cases"]) == 1 and report["asserted"] > 0
    case_id = report["cases"][0]["id"]
    detail = client.get(f"/api/cases/{case_id}")
    assert detail.status_code == 200
    assert [s["file_name"] for s in detail.json()["sources"]] == ["brest-cob.md"]
    page = client.get(f"/cas/{case_id}")  # the web UI's case page, and its linked-data IRI
    assert page.status_code == 200 and "brest-cob.md" in page.text
    assert client.get(f"/id/case/{case_id}", headers={"Accept": "text/turtle"}).status_code == 200
    hits = client.get("/api/search", params={"q": "Kreiz-Breizh réciprocité", "k": 5, "mode": "lexical"}).json()
    assert case_id in [r["id"] for r in hits["results"]]
    assert [d["file"] for d in client.get("/api/documents").json()] == ["brest-cob.md"]

    again = client.put("/api/documents/brest-cob.md", content=DOC.read_bytes(), headers=AUTH)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    removed = client.delete("/api/documents/brest-cob.md", headers=AUTH)
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert client.get(f"/api/cases/{case_id}").status_code == 404
    assert error(client.delete("/api/documents/brest-cob.md", headers=AUTH), 404)


@pytest.mark.parametrize("name, body, status, words", [
    ("notes.odt", b"PK\x03\x04", 415, "unsupported"),
    ("..hidden.md", b"# x", 422, "invalid document name"),
    ("vide.txt", b"", 422, "empty"),
    ("binaire.txt", (DATA / "formats" / "binaire.txt").read_bytes(), 422, "binaire"),
    ("abime.pdf", (DATA / "formats" / "pdf_endommage.pdf").read_bytes(), 422, "pdf"),
    ("gros.txt", b"a" * 60_000, 413, ""),
])
def test_refusals_change_nothing(client, settings, name, body, status, words):
    before = state(settings)
    err = error(client.put(f"/api/documents/{name}", content=body, headers=AUTH), status)
    assert words.lower() in err["detail"].lower()
    assert name.split(".")[0] in err["detail"] or status in (413, 415) or "name" in err["detail"]
    assert state(settings) == before
