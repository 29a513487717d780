"""The search index update after an ingestion reads again only the cases the written documents may
have changed (search.index.Changed): the index must be the one a full update gives."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from coopkg.ingesting import Ingestor
from kb.build import build
from kb.store import open_store
from ontology.iris import Minter
from search.embedder import make_embedder
from search.index import Changed, SearchIndex, update
from tests.test_lexical import passage_terms

PIPELINE = Path(__file__).parent / "data" / "documents" / "pipeline"
DOCS = ("pat-grand-clermont.txt", "reciprocite-brest-cob.md")


def full_index(settings, tmp_path: Path, name: str) -> SearchIndex:
    """A full update of the same store into an empty directory."""
    embedder = make_embedder(settings.embedding_model_ref)
    store = open_store(settings)
    try:
        update(store, tmp_path / name, embedder, settings.embedding_cache_path)
    finally:
        store.close()
    return SearchIndex.load(tmp_path / name, model_id=embedder.model_id)


def assert_same_index(a: SearchIndex, b: SearchIndex) -> None:
    pa = sorted((p.id, p.text) for p in a.lexical.passages())
    pb = sorted((p.id, p.text) for p in b.lexical.passages())
    assert pa == pb
    ids = sorted(a.dense.ids)
    assert ids == sorted(b.dense.ids)
    np.testing.assert_array_equal(a.dense.vectors(ids), b.dense.vectors(ids))
    assert a.corpus_hash == b.corpus_hash
    # the lexical index too: same expansion vocabulary, same terms per passage (phrases included)
    assert a.lexical.expander.vocabulary_hash == b.lexical.expander.vocabulary_hash
    assert passage_terms(a.lexical) == passage_terms(b.lexical)


@pytest.fixture
def base(make_settings, tmp_path):
    settings = make_settings()
    build(settings)
    Ingestor(settings).update_index()
    folder = tmp_path / "in"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(PIPELINE / name, folder / name)
    return settings, folder


def test_after_ingestion_the_index_is_the_full_one(base, tmp_path, monkeypatch):
    settings, folder = base
    import search.index as index_module

    calls = []
    real = index_module.passages_from_store
    monkeypatch.setattr(index_module, "passages_from_store",
                        lambda store, cases=None: calls.append(cases) or real(store, cases))
    before = SearchIndex.load(settings.search_dir, model_id=make_embedder(settings.embedding_model_ref).model_id)
    report = Ingestor(settings).run([str(folder)])
    assert [o.status for o in report.outcomes] == ["ingested"] * 2 and report.index.cases_added >= 2
    assert calls and all(c is not None for c in calls)  # never the whole base
    # the documents add actors (the expansion vocabulary changes), but the vectors of the base's
    # cases are kept, not embedded nor read from the cache again, and only the cases whose
    # passages may hold the new labels are analysed again for the lexical index
    assert report.index.embedded + report.index.cached < len(before.dense.ids)
    assert report.index.cases_relexed < len({p.case_id for p in before.lexical.passages()})
    after = SearchIndex.load(settings.search_dir, model_id=make_embedder(settings.embedding_model_ref).model_id)
    assert after.lexical.expander.vocabulary_hash != before.lexical.expander.vocabulary_hash
    assert_same_index(after, full_index(settings, tmp_path, "full-1"))

    # a changed document whose practice has another title: its old case leaves the index
    doc = folder / DOCS[1]
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("# Contrat de réciprocité", "# Nouveau contrat de réciprocité", 1), encoding="utf-8")
    before = {p.case_id for p in SearchIndex.load(settings.search_dir, model_id=make_embedder(
        settings.embedding_model_ref).model_id).lexical.passages() if p.case_id.startswith("document-reciprocite")}
    report = Ingestor(settings).run([str(doc)])
    assert [o.status for o in report.outcomes] == ["ingested"]
    after_index = SearchIndex.load(settings.search_dir, model_id=make_embedder(settings.embedding_model_ref).model_id)
    after = {p.case_id for p in after_index.lexical.passages() if p.case_id.startswith("document-reciprocite")}
    assert before and after and before != after
    assert_same_index(after_index, full_index(settings, tmp_path, "full-2"))


def test_changed_cases_include_the_cases_reading_a_described_node(built_settings):
    minter = Minter(built_settings.base_iri)
    store = open_store(built_settings)
    try:
        actor = minter.iri("actor", "brest-metropole")
        rows = store.select(f"SELECT DISTINCT ?c WHERE {{ ?c <https://w3id.org/coopkg/ontology#hasParticipation>/"
                            f"<https://w3id.org/coopkg/ontology#participant> <{actor}> }}").rows
        expected = {str(r[0]) for r in rows}
        assert expected
        changed = Changed(str(minter.case("")), nodes=frozenset({str(actor)}))
        assert changed.case_iris(store, []) == expected
        # a document prefix names the indexed cases of that document, removed ones included
        changed = Changed(str(minter.case("")), prefixes=frozenset({"document-x--"}))
        assert changed.case_iris(store, ["document-x--a", "document-y--b", "brest"]) == {str(minter.case("document-x--a"))}
    finally:
        store.close()


def test_removing_a_document_reads_only_its_cases_again(base, tmp_path, monkeypatch):
    settings, folder = base
    import search.index as index_module

    Ingestor(settings).run([str(folder)])
    calls = []
    real = index_module.passages_from_store
    monkeypatch.setattr(index_module, "passages_from_store",
                        lambda store, cases=None: calls.append(cases) or real(store, cases))
    assert Ingestor(settings).remove(DOCS[0]) and not Ingestor(settings).remove("absent.txt")
    assert calls and all(c is not None for c in calls)
    index = SearchIndex.load(settings.search_dir, model_id=make_embedder(settings.embedding_model_ref).model_id)
    assert not any(p.case_id.startswith("document-pat-grand-clermont") for p in index.lexical.passages())
    assert_same_index(index, full_index(settings, tmp_path, "full-3"))


def test_the_expander_is_updated_from_the_described_nodes_only(base, monkeypatch):
    """After a write, the expansion groups of the nodes it described are read again, the others
    kept: the same expander as reading every label of the base."""
    from search.expansion import Expander
    import search.expansion as expansion

    settings, folder = base
    before = SearchIndex.load(settings.search_dir, model_id=make_embedder(settings.embedding_model_ref).model_id)
    ingestor = Ingestor(settings)
    report = ingestor.run([str(folder)], index=False)
    assert [o.status for o in report.outcomes] == ["ingested"] * 2
    store = open_store(settings)
    try:
        nodes = {str(s) for s, _, _ in store.construct(
            "CONSTRUCT { ?s a ?t } WHERE { GRAPH ?g { ?s a ?t } FILTER(CONTAINS(STR(?g), '/graph/documents/')) "
            "FILTER(!CONTAINS(STR(?s), '/source/') && !CONTAINS(STR(?s), '/case/')) }")}
        assert nodes
        read = []
        real = expansion._groups
        monkeypatch.setattr(expansion, "_groups", lambda st, values: read.append(values) or real(st, values))
        updated = before.lexical.expander.updated(store, nodes)
        assert read and all(v is not None for v in read)  # never every label of the base
        monkeypatch.undo()
        full = Expander.from_store(store)
        assert [g.key for g in updated.groups] == [g.key for g in full.groups]
        assert updated.vocabulary_hash == full.vocabulary_hash != before.lexical.expander.vocabulary_hash
        assert Expander([g for g in full.groups if g.key.startswith(("coop:", "extra:"))]).updated(store, nodes) is None
    finally:
        store.close()
