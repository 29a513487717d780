"""Group commit of `coopkg ingest` (coopkg/ingesting.py): validated documents are written together,
up to COOPKG_INGEST_BATCH per store transaction; each document stays all or nothing, a group the
store refuses is written document by document, and progress reports a document once it is written.
Real readers, spaCy and store; the hashing embedder of conftest."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coopkg.ingesting import Ingestor
from kb import documents
from kb.build import build
from kb.store import open_store
from ontology.iris import Minter

PIPELINE = Path(__file__).parent / "data" / "documents" / "pipeline"
DOCS = ("pat-grand-clermont.txt", "reciprocite-brest-cob.md")


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(PIPELINE / name, folder / name)
    (folder / "vide.txt").write_text("", encoding="utf-8")  # fails: empty, between the two others
    return folder


@pytest.fixture
def writes(monkeypatch) -> list[list[str]]:
    """The document graphs of each call of kb.documents.write_many, in order."""
    calls: list[list[str]] = []
    original = documents.write_many

    def recorded(store, minter, graphs, progress=None):
        calls.append([str(dg.graph) for dg in graphs])
        return original(store, minter, graphs, progress=progress)

    monkeypatch.setattr(documents, "write_many", recorded)
    return calls


def stored_documents(settings) -> set[str]:
    store = open_store(settings)
    try:
        return {d["file"] for d in documents.documents(store, Minter(settings.base_iri))}
    finally:
        store.close()


def test_validated_documents_are_written_in_one_transaction(make_settings, inbox, writes):
    settings = make_settings()
    build(settings)
    seen = []
    report = Ingestor(settings).run([str(inbox)], index=False,
                                    progress=lambda o, i, n: seen.append((i, Path(o.path).name, o.status)))
    assert len(writes) == 1 and len(writes[0]) == 2  # one write for both, the empty file left out
    assert [o.status for o in report.outcomes] == ["ingested", "ingested", "failed"]
    assert stored_documents(settings) == set(DOCS)
    assert seen == [(1, DOCS[0], "ingested"), (2, DOCS[1], "ingested"), (3, "vide.txt", "failed")]


def test_batch_size_one_writes_each_document_alone(make_settings, inbox, writes):
    settings = make_settings(ingest_batch=1)
    build(settings)
    report = Ingestor(settings).run([str(inbox)], index=False)
    assert [len(w) for w in writes] == [1, 1]
    assert len(report.written) == 2 and stored_documents(settings) == set(DOCS)


def refuse(monkeypatch, settings, name: str, writes: list) -> None:
    """Make the store refuse every write that holds the document ``name``."""
    refused = Minter(settings.base_iri).document_graph(Minter.document_id(name))
    recorded = documents.write_many

    def refusing(store, minter, graphs, progress=None):
        if any(dg.graph == refused for dg in graphs):
            writes.append([str(dg.graph) for dg in graphs])
            raise OSError("disk full")
        return recorded(store, minter, graphs, progress=progress)

    monkeypatch.setattr(documents, "write_many", refusing)


def test_a_group_the_store_refuses_is_written_document_by_document(make_settings, inbox, writes, monkeypatch):
    settings = make_settings()
    build(settings)
    refuse(monkeypatch, settings, DOCS[1], writes)
    report = Ingestor(settings).run([str(inbox)], index=False)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert by_name[DOCS[0]].status == "ingested"
    assert by_name[DOCS[1]].status == "failed" and "disk full" in by_name[DOCS[1]].error
    assert "rien écrit" in by_name[DOCS[1]].error
    assert [len(w) for w in writes] == [2, 1, 1]  # the group, then each document alone
    assert stored_documents(settings) == {DOCS[0]}


def test_fail_fast_writes_the_documents_validated_before_the_failure(make_settings, tmp_path, writes):
    settings = make_settings()
    build(settings)
    folder = tmp_path / "ordered"
    folder.mkdir()
    shutil.copy(PIPELINE / DOCS[0], folder / f"a-{DOCS[0]}")
    (folder / "b-vide.txt").write_text("", encoding="utf-8")
    shutil.copy(PIPELINE / DOCS[1], folder / f"c-{DOCS[1]}")
    report = Ingestor(settings).run([str(folder)], index=False, fail_fast=True)
    assert [o.status for o in report.outcomes] == ["ingested", "failed"]
    assert stored_documents(settings) == {f"a-{DOCS[0]}"}


def test_fail_fast_stops_at_a_document_the_store_refuses(make_settings, inbox, writes, monkeypatch):
    settings = make_settings(ingest_batch=1)
    build(settings)
    refuse(monkeypatch, settings, DOCS[0], writes)
    report = Ingestor(settings).run([str(inbox)], index=False, fail_fast=True)
    assert [o.status for o in report.outcomes] == ["failed"]
    assert stored_documents(settings) == set()
