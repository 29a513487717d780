"""`coopkg ingest`, `coopkg review` and `coopkg documents` end to end: real readers, segmenter,
spaCy pipeline and store (the embedder is the hashing fake of conftest; tests/test_ingest_e5.py
runs the real model). Bad input: one clear line naming the file, exit 1, nothing written."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coopkg.cli import cli
from kb.build import build
from kb.store import open_store
from ontology.iris import Minter
from ontology.namespace import COOP, RDFS

DATA = Path(__file__).parent / "data" / "documents"
PIPELINE = DATA / "pipeline"
FORMATS = DATA / "formats"


@pytest.fixture
def base(make_settings, corpus_copy, tmp_path, monkeypatch):
    settings = make_settings(corpus_copy)
    build(settings)
    monkeypatch.setenv("COOPKG_HOME", str(settings.home))
    monkeypatch.setenv("COOPKG_CORPUS_DIR", str(settings.corpus_dir))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in PIPELINE.iterdir():
        shutil.copy(f, inbox / f.name)
    return settings, inbox


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def quads(settings) -> set:
    store = open_store(settings)
    try:
        return set(store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))
    finally:
        store.close()


def snapshot(settings) -> Path:
    return (settings.store_dir / "current").resolve()


def test_ingest_a_directory_then_search_finds_it_with_its_source(base):
    settings, inbox = base
    result = run("ingest", str(inbox))
    assert result.exit_code == 0, result.output
    assert "2 ingéré(s)" in result.output
    listed = json.loads(run("documents", "--json").output)
    assert {d["file"] for d in listed} == {"pat-grand-clermont.txt", "reciprocite-brest-cob.md"}
    assert all(d["cases"] == 1 for d in listed)  # one practice per document: one case, not one per heading
    store = open_store(settings)
    try:
        m = Minter(settings.base_iri)
        brest = m.iri("actor", "brest-metropole")  # linked to the actor the base already has
        assert store.ask(f"ASK {{ ?c a <{COOP.ExtractedCase}> ; <{COOP.involves}> <{brest}> }}")
        assert store.ask(f"ASK {{ ?c a <{COOP.ExtractedCase}> ; <{COOP.usesInstrument}> ?i . ?i a <{COOP.ContratDeReciprocite}> }}")
    finally:
        store.close()
    found = json.loads(run("search", "contrat de réciprocité Brest Kreiz-Breizh", "--json", "--k", "3").output)
    hit = next(r for r in found["results"] if r["id"].startswith("document-reciprocite-brest-cob-md--"))
    assert [s["file_name"] for s in hit["sources"]] == ["reciprocite-brest-cob.md"]
    quotes = [p["quote"] for s in hit["sources"] for p in s["passages"]]
    assert "Brest métropole" in quotes and "communauté de communes du Kreiz-Breizh" in quotes


def test_reingest_unchanged_is_a_noop_and_a_changed_file_replaces_its_graph(base):
    settings, inbox = base
    assert run("ingest", "--no-index", str(inbox)).exit_code == 0
    current = snapshot(settings)
    again = run("ingest", "--no-index", str(inbox))
    assert again.exit_code == 0 and "2 inchangé(s)" in again.output
    assert snapshot(settings) == current  # nothing written at all
    doc = inbox / "pat-grand-clermont.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("Un projet alimentaire territorial partagé",
                                                           "Une stratégie alimentaire commune"), encoding="utf-8")
    changed = run("ingest", "--no-index", str(doc))
    assert changed.exit_code == 0, changed.output
    cases = {c for d in json.loads(run("documents", "--json").output) for c in [d["title"]]}
    assert "Une stratégie alimentaire commune" in cases
    store = open_store(settings)
    try:
        labels = {str(r[0]) for r in store.select(f"SELECT ?l WHERE {{ ?c a <{COOP.ExtractedCase}> ; "
                                                  f"<{RDFS.label}> ?l }}").rows}
    finally:
        store.close()
    assert "Un projet alimentaire territorial partagé" not in labels  # the old graph is gone


@pytest.mark.parametrize("name, words", [
    ("vide.txt", "vide"),
    ("binaire.txt", "binaire"),
    ("compte_rendu.odt", "pris en charge"),
    ("pdf_endommage.pdf", "PDF"),
    ("scan_sans_texte.pdf", "OCR"),
])
def test_bad_files_are_refused_with_one_line_and_nothing_written(base, name, words):
    settings, _ = base
    before = quads(settings)
    result = run("ingest", str(FORMATS / name))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if name in line]
    assert errors and words.lower() in errors[0].lower(), result.output
    assert quads(settings) == before


def test_missing_path_and_oversized_file(base, monkeypatch, tmp_path):
    settings, inbox = base
    before = quads(settings)
    result = run("ingest", str(tmp_path / "absent.txt"))
    assert result.exit_code == 1 and "absent.txt" in result.output and "introuvable" in result.output
    monkeypatch.setenv("COOPKG_INGEST_MAX_BYTES", "100")
    result = run("ingest", str(inbox / "pat-grand-clermont.txt"))
    assert result.exit_code == 1 and "COOPKG_INGEST_MAX_BYTES" in result.output
    assert quads(settings) == before


def test_a_bad_file_in_a_batch_is_reported_and_the_rest_ingested(base):
    settings, inbox = base
    shutil.copy(FORMATS / "binaire.txt", inbox / "a-binaire.txt")  # sorted first
    result = run("ingest", "--no-index", str(inbox))
    assert result.exit_code == 1
    assert "a-binaire.txt" in result.output and "2 ingéré(s)" in result.output and "1 en échec" in result.output
    assert len(json.loads(run("documents", "--json").output)) == 2


def test_fail_fast_stops_at_the_first_bad_file(base):
    settings, inbox = base
    shutil.copy(FORMATS / "binaire.txt", inbox / "a-binaire.txt")
    before = quads(settings)
    result = run("ingest", "--no-index", "--fail-fast", str(inbox))
    assert result.exit_code == 1 and "a-binaire.txt" in result.output
    assert quads(settings) == before


def test_dry_run_writes_nothing(base):
    settings, inbox = base
    before = quads(settings)
    result = run("ingest", "--dry-run", str(inbox))
    assert result.exit_code == 0 and "2 vérifié(s)" in result.output
    assert quads(settings) == before


def test_review_lists_accepts_and_rejects_suggestions(base, monkeypatch):
    settings, inbox = base
    monkeypatch.setenv("COOPKG_INGEST_THRESHOLD", "0.99")  # every extracted mention becomes a suggestion
    assert run("ingest", "--no-index", str(inbox / "reciprocite-brest-cob.md")).exit_code == 0
    pending = json.loads(run("review", "--json").output)
    assert pending and all(p["status"] == "Suggested" for p in pending)
    brest = next(p for p in pending if p["object"].endswith("/actor/brest-metropole"))
    store = open_store(settings)
    try:
        ask = f"ASK {{ <{brest['case']}> <{COOP.hasParticipation}> ?p . ?p <{COOP.participant}> <{brest['object']}> }}"
        assert not store.ask(ask)
    finally:
        store.close()
    result = run("review", "accept", brest["id"])
    assert result.exit_code == 0, result.output
    store = open_store(settings)
    try:
        assert store.ask(ask)
    finally:
        store.close()
    other = next(p for p in pending if p["id"] != brest["id"])
    assert run("review", "reject", other["id"]).exit_code == 0
    left = {p["id"] for p in json.loads(run("review", "--json").output)}
    assert brest["id"] not in left and other["id"] not in left
    again = run("review", "accept", brest["id"])
    assert again.exit_code == 1 and "not a suggestion" in again.output
    unknown = run("review", "accept", "0000000000000000")
    assert unknown.exit_code == 1 and "aucun énoncé" in unknown.output


def test_documents_remove(base):
    settings, inbox = base
    assert run("ingest", "--no-index", str(inbox)).exit_code == 0
    result = run("documents", "remove", "pat-grand-clermont.txt")
    assert result.exit_code == 0, result.output
    assert [d["file"] for d in json.loads(run("documents", "--json").output)] == ["reciprocite-brest-cob.md"]
    missing = run("documents", "remove", "pat-grand-clermont.txt")
    assert missing.exit_code == 1 and "aucun document" in missing.output
