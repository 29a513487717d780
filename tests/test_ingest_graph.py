"""A document's graph (ingest.documents.graph) and its life in the store (kb.documents): provenance
queryable in SPARQL, assertions vs suggestions, review decisions, atomic SHACL-checked writes.

The stages before (reading, segmentation, extraction) are replaced here by hand-written values, so
this file tests exactly the graph and the store; tests/test_ingest_cli.py runs the whole chain."""
from __future__ import annotations

import hashlib

import pytest
from rdflib import URIRef

from ingest.documents.graph import document_graph
from ingest.documents.model import Block, Candidate, Document, Mention
from kb import documents
from kb.build import build
from kb.store import open_store
from kb.validation import ShapesViolated
from ontology.iris import Minter
from ontology.namespace import COOP, RDF

TEXT = (
    "Contrat de réciprocité Brest – Centre Ouest Bretagne\n\n"
    "Brest métropole et la communauté de communes du Poher ont signé un contrat de réciprocité.\n\n"
    "Enjeux\tRapprocher la ville et la campagne\n"
)


def span(text: str, part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


def make_doc(text: str = TEXT, name: str = "contrat-brest.txt") -> Document:
    return Document(name=name, path=f"in/{name}", media_type="text/plain", text=text,
                    sha256=hashlib.sha256(text.encode()).hexdigest(), title="Contrat de réciprocité Brest – COB")


def values(m: Minter, *, concept_confidence: float = 0.4, role=None):
    title = "Contrat de réciprocité Brest – Centre Ouest Bretagne"
    s, e = span(TEXT, "Rapprocher la ville et la campagne")
    stake = Block("grid", TEXT[s:e], s, e, label="Enjeux", field="stakes")
    cand = Candidate(title, 0, len(TEXT), 0, len(title), blocks=[stake], grid={"stakes": [stake]})
    mentions = [
        Mention("actor", "Brest métropole", *span(TEXT, "Brest métropole"), "gazetteer", 0.95,
                iri=m.iri("actor", "brest-metropole")),
        Mention("actor", "communauté de communes du Poher", *span(TEXT, "communauté de communes du Poher"), "pattern",
                0.8, label="Communauté de communes du Poher", types=(COOP.CommunauteDeCommunes,),
                roles=(role or m.iri("role", "signataire"),)),
        Mention("instrument", "contrat de réciprocité", *span(TEXT, "contrat de réciprocité"), "keyword", 0.9,
                types=(COOP.ContratDeReciprocite,)),
        Mention("lever", "Rapprocher la ville et la campagne", s, e, "embedding", 0.91, iri=m.iri("lever", "L3")),
        Mention("concept", "réciprocité", *span(TEXT, "réciprocité"), "embedding", concept_confidence,
                iri=m.iri("concept", "interterritorialite")),
    ]
    return [cand], [mentions]


@pytest.fixture
def kb(make_settings, corpus_copy):
    settings = make_settings(corpus_copy)
    build(settings)
    store = open_store(settings, write=True)
    yield settings, store, Minter(settings.base_iri)
    store.close()


def quads(store) -> set:
    return set(store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))


def test_graph_is_deterministic_and_marks_suggestions():
    m = Minter("https://example.org/kb/")
    doc = make_doc()
    first = document_graph(doc, *values(m), m)
    second = document_graph(doc, *values(m), m)
    assert sorted(map(str, first.triples)) == sorted(map(str, second.triples))
    kinds = {s.kind: s.status for s in first.statements}
    assert kinds["concept"] == COOP.Suggested and kinds["lever"] == COOP.Asserted
    case = first.cases[0][0]
    assert (case, COOP.mobilisesLever, m.iri("lever", "L3")) in first.triples
    assert (case, COOP.illustratesConcept, m.iri("concept", "interterritorialite")) not in first.triples
    assert (case, COOP.stake, next(o for s, p, o in first.triples if p == COOP.stake)) in first.triples


def test_write_makes_an_extracted_case_with_sparql_queryable_provenance(kb):
    settings, store, m = kb
    doc = make_doc()
    dg = document_graph(doc, *values(m), m)
    documents.check(store, dg, doc.path)
    documents.write(store, m, dg)
    case = dg.cases[0][0]
    assert store.ask(f"ASK {{ <{case}> a <{COOP.CooperationCase}> ; <{COOP.involves}> <{m.iri('actor', 'brest-metropole')}> }}")
    counted = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{case}> a <{COOP.CooperationCase}> }}").rows
    assert int(counted[0][0]) == 1  # inferred once, not also asserted: the union default graph counts it once
    rows = store.select(f"""
        SELECT ?method ?conf ?start ?end ?quote WHERE {{
          ?x <{RDF.subject}> <{case}> ;
             <{RDF.predicate}> <{COOP.mobilisesLever}> ;
             <{COOP.method}> ?method ; <{COOP.confidence}> ?conf ; <{COOP.evidence}> ?p .
          ?p <{COOP.startOffset}> ?start ; <{COOP.endOffset}> ?end ; <{COOP.quote}> ?quote }}""").rows
    assert len(rows) == 1
    method, conf, start, end, quote = rows[0]
    assert str(method) == "embedding" and float(conf) == pytest.approx(0.91)
    assert doc.text[int(start):int(end)] == str(quote) == "Rapprocher la ville et la campagne"
    new_actor = m.iri("actor", "communaute-de-communes-du-poher")
    assert store.ask(f"ASK {{ <{new_actor}> a <{COOP.EPCI}> }}")  # typed by the pattern, closed by inference
    assert documents.stored_hash(store, m, m.document_id(doc.name)) == doc.sha256
    listed = documents.documents(store, m)
    assert [(d["file"], d["cases"]) for d in listed] == [("contrat-brest.txt", 1)]


def test_suggestion_accept_then_survives_reingestion(kb):
    settings, store, m = kb
    doc = make_doc()
    dg = document_graph(doc, *values(m), m)
    documents.write(store, m, dg)
    case = dg.cases[0][0]
    concept = m.iri("concept", "interterritorialite")
    pending = documents.statements(store)
    assert [s.target for s in pending] == [concept]
    assert not store.ask(f"ASK {{ <{case}> <{COOP.illustratesConcept}> <{concept}> }}")
    everything = documents.statements(store, status=None)
    assert len(everything) > 1
    only = documents.statements(store, status=None, statement=pending[0].iri)
    assert only == [pending[0]]
    decided = documents.decide(store, m, pending[0].iri, "accept")
    assert decided == pending[0]  # as it was when decided
    assert store.ask(f"ASK {{ <{case}> <{COOP.illustratesConcept}> <{concept}> }}")
    assert documents.statements(store) == []
    with pytest.raises(documents.ReviewError, match="not a suggestion"):
        documents.decide(store, m, pending[0].iri, "reject")
    # Re-ingesting an edited version keeps the decision: the statement is keyed by what it says.
    edited = make_doc(TEXT + "\nUne ligne ajoutée.\n")
    again = document_graph(edited, *values(m), m, decisions=documents.decisions(store, m, m.document_id(doc.name)))
    assert (case, COOP.illustratesConcept, concept) in again.triples
    assert {s.status for s in again.statements if s.kind == "concept"} == {COOP.Accepted}


def test_reject_keeps_the_statement_out(kb):
    settings, store, m = kb
    dg = document_graph(make_doc(), *values(m), m)
    documents.write(store, m, dg)
    pending = documents.statements(store)
    documents.decide(store, m, pending[0].iri, "reject")
    assert documents.statements(store) == []
    rejected = documents.statements(store, status=COOP.Rejected)
    assert [s.iri for s in rejected] == [pending[0].iri]
    assert not store.ask(f"ASK {{ <{dg.cases[0][0]}> <{COOP.illustratesConcept}> <{m.iri('concept', 'interterritorialite')}> }}")
    with pytest.raises(documents.ReviewError, match="no extracted statement"):
        documents.decide(store, m, URIRef(str(pending[0].iri) + "x"), "accept")


def test_shacl_failure_writes_nothing(kb):
    settings, store, m = kb
    before = quads(store)
    bad = document_graph(make_doc(), *values(m, role=m.iri("theme", "alimentation")), m)  # a theme is no role
    with pytest.raises(ShapesViolated, match="contrat-brest.txt"):
        documents.check(store, bad, "in/contrat-brest.txt")
    assert quads(store) == before


def test_full_rebuild_and_remove(kb):
    settings, store, m = kb
    dg = document_graph(make_doc(), *values(m), m)
    documents.write(store, m, dg)
    store.close()
    build(settings, force=True)  # a full rebuild of the corpus keeps ingested documents
    store = open_store(settings, write=True)
    try:
        assert dg.graph in store.named_graphs()
        assert documents.remove(store, m, m.document_id("contrat-brest.txt"))
        assert dg.graph not in store.named_graphs()
        assert not store.ask(f"ASK {{ <{dg.cases[0][0]}> ?p ?o }}")
        assert not documents.remove(store, m, m.document_id("contrat-brest.txt"))
    finally:
        store.close()
