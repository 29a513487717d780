"""Incremental inference in the embedded store (kb/embedded.py ``_recompute`` with the IRIs a write
touches): after every kind of write, the inferred graph must be exactly what a recomputation from
scratch gives."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

import kb.embedded as embedded
from kb.embedded import EmbeddedStore
from kb.inference import inference
from kb.store import Changes
from ontology.iris import Minter
from ontology.model import ontology_graph
from ontology.namespace import COOP

MINTER = Minter("https://example.org/id/")
EX = "https://example.org/id/"


def derivation():
    return inference(ontology_graph(), MINTER.ontology_graph, MINTER.inferred_graph)


def inferred(store: EmbeddedStore) -> set:
    graph = ox.NamedNode(str(MINTER.inferred_graph))
    return set(store._store.quads_for_pattern(None, None, None, graph))


def from_scratch(store: EmbeddedStore) -> set:
    """The inferred graph recomputed from every rule, on a copy of the store."""
    graph = ox.NamedNode(str(MINTER.inferred_graph))
    copy = ox.Store()
    copy.extend(list(store._store.quads_for_pattern(None, None, None, None)))
    EmbeddedStore._recompute(copy, derivation())
    return set(copy.quads_for_pattern(None, None, None, graph))


@pytest.fixture
def store(tmp_path, monkeypatch):
    calls = []
    original = EmbeddedStore._recompute

    def recorded(s, d, touched=None):
        calls.append(touched is not None)
        return original(s, d, touched)

    monkeypatch.setattr(EmbeddedStore, "_recompute", staticmethod(recorded))
    st = EmbeddedStore(tmp_path / "store", write=True)
    st.incremental = calls
    st.apply(Changes(replace={MINTER.ontology_graph: list(ontology_graph())}, derived=[derivation()]))
    yield st
    st.close()


def u(name: str) -> URIRef:
    return URIRef(EX + name)


def write(st: EmbeddedStore, **graphs) -> None:
    st.apply(Changes(replace={u(f"graph/{g}"): triples for g, triples in graphs.items()}, derived=[derivation()]))


def test_a_chain_through_two_graphs_follows_a_change_to_either(store):
    case, part, a1, a2 = u("case/c"), u("part/p"), u("actor/a1"), u("actor/a2")
    write(store, cases=[(case, RDF.type, COOP.CuratedCase), (case, COOP.hasParticipation, part)],
          parts=[(part, COOP.participant, a1), (a1, RDF.type, COOP.Metropole), (a1, RDFS.label, Literal("A1"))])
    assert ox.Quad(ox.NamedNode(str(case)), ox.NamedNode(str(COOP.involves)), ox.NamedNode(str(a1)),
                   ox.NamedNode(str(MINTER.inferred_graph))) in inferred(store)
    # only the participation's graph changes: the case (in the other graph) now involves a2
    write(store, parts=[(part, COOP.participant, a2), (a2, RDF.type, COOP.Commune), (a2, RDFS.label, Literal("A2"))])
    assert store.incremental[-1] is True
    got = inferred(store)
    assert got == from_scratch(store)
    involves = {q.object.value for q in got if q.predicate.value == str(COOP.involves)}
    assert involves == {str(a2)}
    # the types of a1 (the superclasses of Métropole) are gone with it
    assert not {q for q in got if q.subject.value == str(a1)}


def test_symmetric_statements_and_dropped_graphs(store):
    c1, c2 = u("case/c1"), u("case/c2")
    write(store, a=[(c1, RDF.type, COOP.ExtractedCase), (c1, COOP.relatedCase, c2)],
          b=[(c2, RDF.type, COOP.ExtractedCase)])
    assert any(q.subject.value == str(c2) and q.predicate.value == str(COOP.relatedCase) for q in inferred(store))
    store.apply(Changes(drop={u("graph/a")}, derived=[derivation()]))
    assert store.incremental[-1] is True
    assert inferred(store) == from_scratch(store)
    assert not any(q.predicate.value == str(COOP.relatedCase) for q in inferred(store))


def test_raw_updates_and_ontology_changes_recompute_everything(store):
    write(store, a=[(u("case/c"), RDF.type, COOP.CuratedCase)])
    store.apply(Changes(updates=[f"INSERT DATA {{ GRAPH <{EX}graph/a> {{ <{EX}actor/x> a <{COOP.Commune}> }} }}"],
                        derived=[derivation()]))
    assert store.incremental[-1] is False
    assert inferred(store) == from_scratch(store)
    store.apply(Changes(replace={MINTER.ontology_graph: list(ontology_graph())}, derived=[derivation()]))
    assert store.incremental[-1] is False


def test_a_write_touching_too_many_iris_recomputes_everything(store, monkeypatch):
    monkeypatch.setattr(embedded, "INCREMENTAL_MAX", 3)
    write(store, a=[(u(f"actor/{i}"), RDF.type, COOP.Commune) for i in range(5)])
    assert store.incremental[-1] is False and inferred(store) == from_scratch(store)


def test_many_touched_iris_in_a_small_store_recompute_everything(store, monkeypatch):
    """The cost model: past INCREMENTAL_ALWAYS touched IRIs, incremental only when the store has
    INCREMENTAL_RATIO quads per touched IRI."""
    monkeypatch.setattr(embedded, "INCREMENTAL_ALWAYS", 2)
    monkeypatch.setattr(embedded, "INCREMENTAL_RATIO", 10**6)  # the ontology's ~1,000 quads are too few
    write(store, a=[(u(f"actor/{i}"), RDF.type, COOP.Commune) for i in range(5)])
    assert store.incremental[-1] is False and inferred(store) == from_scratch(store)
    monkeypatch.setattr(embedded, "INCREMENTAL_RATIO", 1)
    write(store, a=[(u(f"actor/{i}"), RDF.type, COOP.Metropole) for i in range(5)])
    assert store.incremental[-1] is True and inferred(store) == from_scratch(store)


def test_ingesting_and_removing_documents_keeps_the_inferred_graph_exact(make_settings, tmp_path, monkeypatch):
    """The real thing: a base built from the corpus, two documents ingested (group write), one
    changed and re-ingested, one removed; after each, incremental == from scratch."""
    import shutil

    monkeypatch.setattr(embedded, "INCREMENTAL_ALWAYS", 10**9)  # incremental whatever the sizes
    from pathlib import Path

    from coopkg.ingesting import Ingestor
    from kb import documents
    from kb.build import build
    from kb.store import open_store

    settings = make_settings()
    build(settings)
    folder = tmp_path / "in"
    folder.mkdir()
    pipeline = Path(__file__).parent / "data" / "documents" / "pipeline"
    for name in ("pat-grand-clermont.txt", "reciprocite-brest-cob.md"):
        shutil.copy(pipeline / name, folder / name)
    minter = Minter(settings.base_iri)

    def check():
        st = open_store(settings)
        try:
            graph = ox.NamedNode(str(minter.inferred_graph))
            copy = ox.Store()
            copy.extend(list(st._store.quads_for_pattern(None, None, None, None)))
            now = set(copy.quads_for_pattern(None, None, None, graph))
            EmbeddedStore._recompute(copy, inference(ontology_graph(), minter.ontology_graph, minter.inferred_graph))
            assert now == set(copy.quads_for_pattern(None, None, None, graph))
            return now
        finally:
            st.close()

    before = check()
    assert [o.status for o in Ingestor(settings).run([str(folder)], index=False).outcomes] == ["ingested"] * 2
    after = check()
    assert len(after) > len(before)
    doc = folder / "reciprocite-brest-cob.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("Brest", "Morlaix"), encoding="utf-8")
    assert [o.status for o in Ingestor(settings).run([str(doc)], index=False).outcomes] == ["ingested"]
    check()
    st = open_store(settings, write=True)
    try:
        assert documents.remove(st, minter, minter.document_id("pat-grand-clermont.txt"))
    finally:
        st.close()
    check()
