"""Embedding ahead during ingestion (coopkg/prefetch.py): the semantic step's passages are embedded
on a background thread while the main thread runs spaCy, SHACL and the writes. The graphs written
must be exactly those of an ingestion without it; errors and the order of the report unchanged."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from coopkg.ingesting import Ingestor
from coopkg.prefetch import Prefetch, PrefetchedEmbedder
from kb.build import build
from kb.store import open_store
from search.embedder import HashingEmbedder

PIPELINE = Path(__file__).parent / "data" / "documents" / "pipeline"
DOCS = ("pat-grand-clermont.txt", "reciprocite-brest-cob.md")


class Recording(HashingEmbedder):
    """The hashing test double, recording each passage call's texts and thread."""

    def __init__(self, fail_on: str | None = None):
        super().__init__(64)
        self.recorded: list[tuple[list[str], str]] = []
        self.fail_on = fail_on
        self.gate = threading.Event()
        self.gate.set()

    def embed_passages(self, texts):
        self.gate.wait(10)
        texts = list(texts)
        self.recorded.append((texts, threading.current_thread().name))
        if self.fail_on in texts:
            raise RuntimeError(f"cannot embed {self.fail_on!r}")
        return super().embed_passages(texts)


# ----------------------------------------------------------------------------- Prefetch


def test_submitted_texts_are_embedded_once_on_the_background_thread_and_handed_over_once():
    emb = Recording()
    ahead = Prefetch(emb)
    try:
        ahead.submit(["a b", "c d", "a b"])
        ahead.submit(["c d", "e f"])  # "c d" already on its way
        got = ahead.take(["c d", "x y", "a b"])
        assert set(got) == {"c d", "a b"}  # "x y" was never submitted
        np.testing.assert_array_equal(got["a b"], HashingEmbedder(64).embed_passages(["a b"])[0])
        assert ahead.take(["a b"]) == {}  # handed over once
        assert ahead.take(["e f"]).keys() == {"e f"}
        assert [texts for texts, _ in emb.recorded] == [["a b", "c d"], ["e f"]]
        assert all(name.startswith("coopkg-prefetch") for _, name in emb.recorded)
        assert (ahead.submitted, ahead.taken) == (3, 3)
    finally:
        ahead.close()


def test_an_embedding_error_is_raised_in_the_thread_that_takes_the_text():
    ahead = Prefetch(Recording(fail_on="bad"))
    try:
        ahead.submit(["good", "bad"])
        with pytest.raises(RuntimeError, match="cannot embed 'bad'"):
            ahead.take(["good"])
    finally:
        ahead.close()


def test_close_drops_what_has_not_started():
    emb = Recording()
    emb.gate.clear()  # the first batch blocks in the model
    ahead = Prefetch(emb)
    ahead.submit(["one"])
    ahead.submit(["two"])  # queued behind it
    emb.gate.set()
    ahead.close()
    assert [texts for texts, _ in emb.recorded] in (
        [["one"]], [["one"], ["two"]])  # the batch in progress ends; the queued one may be cancelled
    assert ahead.take(["one", "two"]) == {}


def test_the_prefetched_embedder_mixes_vectors_embedded_ahead_and_now_in_order():
    emb = Recording()
    ahead = Prefetch(emb)
    try:
        ahead.submit(["b", "c"])
        vecs = PrefetchedEmbedder(emb, ahead).embed_passages(["a", "b", "c", "a"])
        np.testing.assert_array_equal(vecs, HashingEmbedder(64).embed_passages(["a", "b", "c", "a"]))
        assert sorted(texts for texts, _ in emb.recorded) == [["a"], ["b", "c"]]  # "a" embedded now, once
        assert PrefetchedEmbedder(emb, ahead).embed_passages([]).shape == (0, 64)
    finally:
        ahead.close()


# ----------------------------------------------------------------------------- ingestion


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(PIPELINE / name, folder / name)
    return folder


def ingest(make_settings, tmp_path, name: str, paths, *, prefetch: bool, **settings):
    from coopkg.settings import load_settings

    base = make_settings(**settings)
    settings_ = load_settings(home=tmp_path / name, corpus_dir=base.corpus_dir, **settings)
    build(settings_)
    report = Ingestor(settings_, prefetch=prefetch).run([str(p) for p in paths], index=False)
    store = open_store(settings_)
    try:
        quads = set(store.dump("nq").decode("utf-8").splitlines())
    finally:
        store.close()
    return report, quads


def outcomes(report) -> list[tuple]:
    return [(Path(o.path).name, o.status, o.error, o.cases, o.asserted, o.suggested, o.triples, o.warnings)
            for o in report.outcomes]


def test_ingesting_with_passages_embedded_ahead_writes_the_same_graphs(make_settings, tmp_path, inbox):
    with_, quads_with = ingest(make_settings, tmp_path, "with", [inbox], prefetch=True)
    without, quads_without = ingest(make_settings, tmp_path, "without", [inbox], prefetch=False)
    assert with_.embedded_ahead > 0 and without.embedded_ahead == 0
    assert outcomes(with_) == outcomes(without) and [o.status for o in with_.outcomes] == ["ingested"] * 2
    only_with, only_without = quads_with - quads_without, quads_without - quads_with
    assert not only_with and not only_without, (sorted(only_with)[:10], sorted(only_without)[:10])


def test_errors_read_ahead_are_reported_at_their_turn(make_settings, tmp_path, inbox):
    """The file after a document is read while that document is extracted: its error (an empty
    file, a duplicate name) still comes at its own place in the report, and --fail-fast still
    stops at the first bad file without reporting the files after it."""
    (inbox / "b-vide.txt").write_text("", encoding="utf-8")  # sorted between the two documents
    sub = inbox / "sub"
    sub.mkdir()
    shutil.copy(inbox / DOCS[1], sub / DOCS[1])  # the same name twice in one batch
    paths = [inbox / "b-vide.txt", inbox / DOCS[0], sub / DOCS[1], inbox / DOCS[1]]
    with_, quads_with = ingest(make_settings, tmp_path, "with", paths, prefetch=True)
    without, quads_without = ingest(make_settings, tmp_path, "without", paths, prefetch=False)
    assert outcomes(with_) == outcomes(without)
    assert [o.status for o in with_.outcomes] == ["failed", "ingested", "ingested", "failed"]
    assert "vide" in with_.outcomes[0].error and "même nom de document" in with_.outcomes[3].error
    assert quads_with == quads_without
    stopped = Ingestor(make_settings(), prefetch=True)
    build(stopped.settings)
    report = stopped.run([str(p) for p in paths[1:2] + paths[:1] + paths[2:]], fail_fast=True, index=False)
    assert [o.status for o in report.outcomes] == ["ingested", "failed"]


@pytest.mark.slow
def test_the_same_graphs_with_the_real_models(make_settings, tmp_path, inbox, e5_model_dir):
    with_, quads_with = ingest(make_settings, tmp_path, "with", [inbox], prefetch=True,
                               embedding_model=str(e5_model_dir))
    without, quads_without = ingest(make_settings, tmp_path, "without", [inbox], prefetch=False,
                                    embedding_model=str(e5_model_dir))
    assert with_.embedded_ahead > 0 and outcomes(with_) == outcomes(without)
    assert any(o.asserted for o in with_.outcomes)
    assert quads_with == quads_without, (sorted(quads_with - quads_without)[:10], sorted(quads_without - quads_with)[:10])


def test_the_index_texts_of_written_documents_are_embedded_ahead(make_settings, tmp_path, inbox):
    """After each group write, the texts the search index will embed for its cases go to the
    embedding thread: the update finds them all in the cache, and the index is the same."""
    from coopkg.settings import load_settings
    from search.embedder import make_embedder
    from search.index import SearchIndex

    indexes = {}
    for name, prefetch in (("with", True), ("without", False)):
        settings = load_settings(home=tmp_path / name, corpus_dir=make_settings().corpus_dir, ingest_batch=1)
        build(settings)
        Ingestor(settings).update_index()  # the corpus's own cases, before the documents
        report = Ingestor(settings, prefetch=prefetch).run([str(inbox)])
        assert [o.status for o in report.outcomes] == ["ingested"] * 2
        if prefetch:
            assert report.index.embedded == 0 and report.index.cached > 0
        else:
            assert report.index.embedded > 0
        indexes[name] = SearchIndex.load(settings.search_dir, model_id=make_embedder(settings.embedding_model_ref).model_id)
    a, b = indexes["with"].dense, indexes["without"].dense
    assert sorted(a.ids) == sorted(b.ids)
    np.testing.assert_array_equal(a.vectors(sorted(a.ids)), b.vectors(sorted(b.ids)))


def test_passages_of_some_cases_are_those_of_the_whole_list(built_settings):
    from search.lexical import passages_from_store

    store = open_store(built_settings)
    try:
        everything = passages_from_store(store)
        cases = sorted({p.case_id for p in everything})[:3]
        iris = [str(built_settings.base_iri) + "case/" + c for c in cases]
        assert passages_from_store(store, iris) == [p for p in everything if p.case_id in cases]
        assert passages_from_store(store, []) == []
    finally:
        store.close()


def test_spacy_is_loaded_on_its_own_thread_and_its_failure_is_reported(make_settings, inbox, monkeypatch):
    import ingest.documents.ner as ner

    settings = make_settings()
    build(settings)
    threads = []
    real = ner.load_nlp

    def loading(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(ner, "load_nlp", loading)
    report = Ingestor(settings).run([str(inbox)], index=False)
    assert threads == ["coopkg-spacy-load"] and [o.status for o in report.outcomes] == ["ingested"] * 2

    def broken(*args, **kwargs):
        raise OSError("modèle spaCy illisible")

    monkeypatch.setattr(ner, "load_nlp", broken)
    report = Ingestor(settings).run([str(inbox)], dry_run=True, index=False)
    assert [o.status for o in report.outcomes] == ["unchanged"] * 2  # nothing to extract: spaCy not needed
    (inbox / DOCS[0]).write_text((inbox / DOCS[0]).read_text(encoding="utf-8") + "\nFin.\n", encoding="utf-8")
    report = Ingestor(settings).run([str(inbox)], index=False)
    assert [o.status for o in report.outcomes] == ["failed", "unchanged"]
    assert "modèle spaCy illisible" in report.outcomes[0].error


def test_the_embedder_is_loaded_at_the_first_submit_only():
    made = []

    def factory():
        made.append(1)
        return Recording()

    ahead = Prefetch(factory)
    try:
        assert made == [] and ahead.take(["a"]) == {}
        ahead.submit(["a"])
        ahead.submit(["b"])
        assert made == [1] and ahead.take(["a", "b"]).keys() == {"a", "b"}
    finally:
        ahead.close()


def test_a_run_of_unchanged_documents_loads_no_model(make_settings, inbox):
    settings = make_settings()
    build(settings)
    assert [o.status for o in Ingestor(settings).run([str(inbox)], index=False).outcomes] == ["ingested"] * 2
    again = Ingestor(settings)
    assert [o.status for o in again.run([str(inbox)]).outcomes] == ["unchanged"] * 2
    assert again._nlp is None and again._nlp_thread is None and again._embedder is None
