"""Write access (/api/cases/{id}/file): the bearer token, creating, replacing and deleting a case
file, refusals that leave the corpus, the store and the index unchanged, and reads served during a
write. A private corpus copy and home for this module (never the repository's corpus), the hashing
fake embedder."""
from __future__ import annotations

import re
import shutil
import threading
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from coopkg.settings import load_settings

from tests.conftest import CORPUS

TOKEN = "s3cret-token-" + "x" * 20
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MD = {"Content-Type": "text/markdown; charset=utf-8"}
TEMPLATE = "contrat-reciprocite-brest-cob"
NEW = "cooperation-test-xylophonistes"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    from coopkg.cli import _update_index
    from kb.build import build

    root = tmp_path_factory.mktemp("write")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = load_settings(home=root / "data", corpus_dir=corpus, write_token=TOKEN)
    build(settings)
    _update_index(settings, quiet=True)
    return settings


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as client:
        yield client


def case_file(settings, cid: str, summary: str, title: str = "Coopération d'essai entre Brest et le COB") -> bytes:
    """A valid case file: the template case with another id, title and summary."""
    text = (settings.corpus_dir / "cases" / f"{TEMPLATE}.md").read_text(encoding="utf-8")
    head, _, _ = text.partition("\n---\n")
    head = head.replace(f"id: {TEMPLATE}", f"id: {cid}")
    head = re.sub(r"(?m)^title: .*$", f"title: {title}", head)
    head = re.sub(r"(?m)^alt_labels:\n(?:  - .*\n)+", "", head + "\n").rstrip("\n")
    return f"{head}\n---\n{summary}\n".encode()


SUMMARY = ("Les xylophonistes de Brest et du Centre Ouest Bretagne partagent un orchestre intercommunal. "
           "Les deux territoires financent ensemble les répétitions et les concerts. "
           "Cette coopération culturelle relie la ville et la campagne.")
SUMMARY2 = ("Les carillonneurs quadrilingues de Brest et du Centre Ouest Bretagne partagent une école de musique. "
            "Les deux territoires financent ensemble les cours. "
            "Cette coopération culturelle relie la ville et la campagne.")


def state(settings, cid: str) -> dict:
    """What a refused write must leave unchanged: the case file, the case folder, the store
    (snapshot and triple count) and the search index metadata."""
    from kb.store import open_store

    path = settings.corpus_dir / "cases" / f"{cid}.md"
    store = open_store(settings)
    try:
        size = store.size()
    finally:
        store.close()
    return {"file": path.read_bytes() if path.exists() else None,
            "cases": sorted(p.name for p in (settings.corpus_dir / "cases").iterdir()),
            "snapshot": (settings.store_dir / "current").resolve(), "triples": size,
            "index": (settings.search_dir / "meta.json").read_bytes()}


def error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    return body["error"]


def found(client, query: str) -> list[str]:
    response = client.get("/api/search", params={"q": query, "k": 3, "mode": "lexical"})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


# -- the token ----------------------------------------------------------------------------------
def test_no_token_configured_turns_writes_off(settings):
    off = settings.model_copy(update={"write_token": None})
    with TestClient(create_app(off)) as plain:
        body = case_file(settings, NEW, SUMMARY)
        for response in (plain.put(f"/api/cases/{NEW}/file", content=body, headers={**AUTH, **MD}),
                         plain.put(f"/api/cases/{NEW}/file", content=body, headers=MD),
                         plain.delete(f"/api/cases/{TEMPLATE}/file", headers=AUTH)):
            assert "COOPKG_WRITE_TOKEN" in error(response, 403)["detail"]
        # Reading a source file stays public.
        assert plain.get(f"/api/cases/{TEMPLATE}/file").status_code == 200
    assert not (settings.corpus_dir / "cases" / f"{NEW}.md").exists()


def test_missing_or_wrong_token(client, settings):
    before = state(settings, NEW)
    body = case_file(settings, NEW, SUMMARY)
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": f"Bearer {TOKEN}x"}):
        response = client.put(f"/api/cases/{NEW}/file", content=body, headers={**headers, **MD})
        error(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        error(client.delete(f"/api/cases/{TEMPLATE}/file", headers=headers), 401)
    assert state(settings, NEW) == before


# -- create, replace, delete --------------------------------------------------------------------
def test_create_replace_delete(client, settings):
    assert NEW not in found(client, "xylophonistes")
    error(client.get(f"/api/cases/{NEW}"), 404)
    cases = client.get("/api/meta").json()["counts"]["cases"]
    client.get("/dumps/cases.csv")  # cached by the app: must be renewed by the write

    created = client.put(f"/api/cases/{NEW}/file", content=case_file(settings, NEW, SUMMARY), headers={**AUTH, **MD})
    assert created.status_code == 201, created.text
    report = created.json()
    assert report["action"] == "created" and report["id"] == NEW
    assert report["file"] == f"corpus/cases/{NEW}.md" and report["url"].endswith(f"/api/cases/{NEW}")
    assert created.headers["location"] == report["url"]
    assert report["build"]["compiled"] == [f"corpus/cases/{NEW}.md"] and not report["build"]["full"]
    assert report["index"]["changed"] and report["index"]["cases_added"] == 1
    assert (settings.corpus_dir / "cases" / f"{NEW}.md").read_bytes() == case_file(settings, NEW, SUMMARY)

    assert found(client, "xylophonistes")[0] == NEW
    case = client.get(f"/api/cases/{NEW}")
    assert case.status_code == 200 and case.json()["label"] == "Coopération d'essai entre Brest et le COB"
    assert "xylophonistes" in case.json()["summary"]
    ld = client.get(f"/coopkg/id/case/{NEW}", headers={"Accept": "text/turtle"})
    assert ld.status_code == 200 and "Coopération d'essai" in ld.text
    source = client.get(f"/api/cases/{NEW}/file")
    assert source.status_code == 200 and source.content == case_file(settings, NEW, SUMMARY)
    assert source.headers["content-type"].startswith("text/markdown")
    assert client.get("/api/meta").json()["counts"]["cases"] == cases + 1  # the data caches were renewed
    assert NEW in client.get("/dumps/cases.csv").text

    same = client.put(f"/api/cases/{NEW}/file", content=case_file(settings, NEW, SUMMARY), headers={**AUTH, **MD})
    assert same.status_code == 200 and same.json()["action"] == "unchanged"
    assert same.json()["build"]["compiled"] == [] and not same.json()["index"]["changed"]

    replaced = client.put(f"/api/cases/{NEW}/file", content=case_file(settings, NEW, SUMMARY2),
                          headers={**AUTH, "Content-Type": "text/plain"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["action"] == "replaced" and replaced.json()["index"]["cases_updated"] == 1
    assert found(client, "carillonneurs quadrilingues")[0] == NEW
    assert NEW not in found(client, "xylophonistes")
    assert "carillonneurs" in client.get(f"/api/cases/{NEW}").json()["summary"]

    deleted = client.delete(f"/api/cases/{NEW}/file", headers=AUTH)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["action"] == "deleted" and deleted.json()["url"] is None
    assert deleted.json()["build"]["removed"] == [f"cases/{NEW}.md"] and deleted.json()["index"]["cases_removed"] == 1
    assert not (settings.corpus_dir / "cases" / f"{NEW}.md").exists()
    error(client.get(f"/api/cases/{NEW}"), 404)
    error(client.get(f"/coopkg/id/case/{NEW}", headers={"Accept": "text/turtle"}), 404)
    error(client.get(f"/api/cases/{NEW}/file"), 404)
    assert NEW not in found(client, "carillonneurs quadrilingues")
    error(client.delete(f"/api/cases/{NEW}/file", headers=AUTH), 404)


# -- refusals -----------------------------------------------------------------------------------
def test_invalid_files_change_nothing(client, settings):
    good = case_file(settings, NEW, SUMMARY)
    before, before_template = state(settings, NEW), state(settings, TEMPLATE)
    limit = min(settings.upload_max_bytes, 1_000_000)
    cases = [
        (b"---\nid: [unclosed\n---\nTexte.\n", MD, 422, "corpus/cases/"),
        (good.replace(b"levers: [L7, L9]", b"levers: [L7, L99]"), MD, 422, f"corpus/cases/{NEW}.md:"),
        (good.replace(f"id: {NEW}".encode(), b"id: another-id"), MD, 422, "file name"),
        (good.replace(SUMMARY.encode(), b"Trop court."), MD, 422, "sentence"),
        (b"\x00\x01binary\x00" * 10, MD, 422, "NUL"),
        ("é".encode("latin-1") + good, MD, 422, "UTF-8"),
        (b"", MD, 422, "empty"),
        (b"x" * (limit + 1), MD, 413, "limit"),
        (good, {"Content-Type": "application/pdf"}, 415, "text/markdown"),
        (good, {"Content-Type": "text/markdown; charset=latin-1"}, 415, "UTF-8"),
        (good, {}, 415, "text/markdown"),
    ]
    for body, headers, status, words in cases:
        response = client.put(f"/api/cases/{NEW}/file", content=body, headers={**AUTH, **headers})
        assert words in error(response, status)["detail"], (words, response.text)
    detail = error(client.put(f"/api/cases/{NEW}/file", content=good.replace(b"levers: [L7, L9]", b"levers: [L7, L99]"),
                              headers={**AUTH, **MD}), 422)["detail"]
    assert re.search(rf"corpus/cases/{NEW}\.md:\d+: levers(\[\d+\])?: unknown lever 'L99'", detail), detail
    for bad in ("Bad-Id", "x.md", "a_b", "-x", "é"):
        response = client.put(f"/api/cases/{bad}/file", content=good, headers={**AUTH, **MD})
        assert error(response, 422)["field"] == "id"
    for bad in ("../x", "..%2Fx", "%2E%2E"):
        response = client.put(f"/api/cases/{bad}/file", content=good, headers={**AUTH, **MD})
        assert 400 <= response.status_code < 500, (bad, response.text)
    # Replacing an existing case by an invalid file keeps the old one.
    broken = (settings.corpus_dir / "cases" / f"{TEMPLATE}.md").read_bytes().replace(b"themes: [", b"themes: [nope, ")
    error(client.put(f"/api/cases/{TEMPLATE}/file", content=broken, headers={**AUTH, **MD}), 422)
    # Deleting a case other cases refer to is a conflict naming them.
    detail = error(client.delete(f"/api/cases/{TEMPLATE}/file", headers=AUTH), 409)["detail"]
    assert "reciprocite-territoriale-pays-basque.md" in detail and TEMPLATE in detail
    assert state(settings, NEW) == before and state(settings, TEMPLATE) == before_template
    assert client.get(f"/api/cases/{TEMPLATE}").status_code == 200
    assert list((settings.corpus_dir / "cases").glob(".*")) == []  # no temporary file left behind


def test_openapi_describes_the_write_endpoints(client):
    spec = client.get("/openapi.json").json()
    ops = spec["paths"]["/api/cases/{id}/file"]
    assert {ops[m]["operationId"] for m in ("get", "put", "delete")} == {"get_case_file", "put_case_file",
                                                                        "delete_case_file"}
    assert set(ops["put"]["requestBody"]["content"]) == {"text/markdown", "text/plain"}
    assert {"401", "403", "413", "415", "422"} <= set(ops["put"]["responses"])


# -- reads during a write -----------------------------------------------------------------------
def test_reads_are_served_during_a_write(client, settings):
    cid = "cooperation-test-concurrente"
    body = case_file(settings, cid, SUMMARY.replace("xylophonistes", "bouzoukistes"), title="Coopération concurrente")
    stop = threading.Event()
    failures: list[str] = []
    seen: dict[str, list] = {}

    def reader(name: str, path: str, params: dict | None, check) -> None:
        log = seen.setdefault(name, [])
        while not stop.is_set():
            started = time.monotonic()
            response = client.get(path, params=params)
            try:
                log.append((started, check(response)))
            except AssertionError as exc:
                failures.append(f"{name}: {exc}: {response.status_code} {response.text[:300]}")

    def search_check(response):
        assert response.status_code == 200
        results = response.json()["results"]
        ours = [r for r in results if r["id"] == cid]
        assert not ours or ours[0]["label"] == "Coopération concurrente"  # a card from the same state
        return bool(ours)

    def case_check(response):
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert response.json()["label"] == "Coopération concurrente"
        return response.status_code == 200

    def old_case_check(response):
        assert response.status_code == 200 and response.json()["id"] == TEMPLATE
        return True

    threads = [threading.Thread(target=reader, args=args, daemon=True) for args in (
        ("search", "/api/search", {"q": "bouzoukistes orchestre", "k": 3, "mode": "lexical"}, search_check),
        ("case", f"/api/cases/{cid}", None, case_check),
        ("old", f"/api/cases/{TEMPLATE}", None, old_case_check),
    )]
    for t in threads:
        t.start()
    time.sleep(0.3)
    result: dict = {}
    writer = threading.Thread(target=lambda: result.update(
        response=client.put(f"/api/cases/{cid}/file", content=body, headers={**AUTH, **MD}), done=time.monotonic()))
    writer.start()
    during = {name: len(log) for name, log in seen.items()}
    writer.join(timeout=300)
    after = {name: len(log) for name, log in seen.items()}
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert result["response"].status_code == 201, result["response"].text
    assert not failures, failures[:5]
    for name in ("search", "case"):
        states = [new for _, new in seen[name]]
        # Never back to the old state once the new one was seen; only the new one once the write answered.
        assert states == sorted(states), name
        later = [new for started, new in seen[name] if started > result["done"]]
        assert later and all(later), name
    assert all(after[name] - during[name] >= 3 for name in seen), (during, after)  # reads ran during the write
    assert client.delete(f"/api/cases/{cid}/file", headers=AUTH).status_code == 200
