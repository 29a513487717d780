"""HermiT (through owlready2, needs Java) checks the ontology and the compiled corpus, and agrees
with the types kb/inference.py materialises in the store. The first tests need no Java."""
from __future__ import annotations

import time
from collections import defaultdict
from functools import lru_cache

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS

from coopkg.settings import Settings
from ingest.compile import compile_file
from ingest.corpus import load_corpus
from kb.store import open_store
from ontology.iris import Minter
from ontology.model import ontology_graph
from ontology.namespace import COOP
from ontology.reasoning import COOP_NS, ReasoningResult, explain_inconsistency, reason, to_owl
from tests.conftest import CORPUS

DEFAULT_BASE = Settings.model_fields["base_iri"].default
EX = "https://example.org/test/"
GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")  # not rdflib's XSD: pytest's collection pokes at it
INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")


@lru_cache(maxsize=2)
def corpus_abox(base: str) -> Graph:
    """The whole repository corpus, compiled (every file's triples in one graph)."""
    corpus, minter, abox = load_corpus(CORPUS), Minter(base), Graph()
    for rel in sorted(corpus.files):
        for triple in compile_file(corpus, rel, minter):
            abox.add(triple)
    return abox


@lru_cache(maxsize=2)
def corpus_reasoning(base: str) -> ReasoningResult:
    return reason(ontology_graph(), corpus_abox(base))


def coop(types) -> set:
    return {t for t in types if str(t).startswith(COOP_NS)}


def graph_of(triples) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def short(types) -> list[str]:
    return sorted(str(t).replace(COOP_NS, "coop:") for t in types)


# --- no Java ------------------------------------------------------------------------------------
def test_abox_uses_only_terms_the_ontology_declares():
    """OWL 2 DL needs every property declared with its kind, and HermiT must see each one right."""
    onto, abox = ontology_graph(), corpus_abox(DEFAULT_BASE)
    kinds = {p: k for p, k in onto.subject_objects(RDF.type)
             if k in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)}
    problems = set()
    for s, p, o in abox:
        if p == RDF.type:
            if (o, RDF.type, OWL.Class) not in onto:
                problems.add(f"type {o} is not an owl:Class of the ontology")
        elif p not in kinds:
            problems.add(f"{p} is not declared in the ontology")
        elif kinds[p] == OWL.ObjectProperty and not isinstance(o, URIRef):
            problems.add(f"object property {p} has a literal value {o!r}")
        elif kinds[p] == OWL.DatatypeProperty and not isinstance(o, Literal):
            problems.add(f"data property {p} has a non-literal value {o}")
        if isinstance(s, BNode):
            problems.add(f"blank node subject in the ABox ({p})")
    assert not problems, "\n".join(sorted(problems))


def test_conversion_for_hermit_changes_only_gyears():
    onto, abox = ontology_graph(), corpus_abox(DEFAULT_BASE)
    merged, converted = to_owl(onto, abox)
    originals = {old for old, _ in converted}
    for (s, p, o), new in converted:
        assert p in (RDFS.range, COOP.startYear, COOP.endYear), (s, p, o)
        assert new is not None, f"dropped {(s, p, o)}"
        if p == RDFS.range:
            assert (o, new[2]) == (GYEAR, INTEGER)
        else:
            assert new[2].datatype == INTEGER and new[2].toPython() == int(str(o))
    assert {(COOP.startYear, RDFS.range, GYEAR), (COOP.endYear, RDFS.range, GYEAR)} <= originals
    assert any(p == COOP.startYear for _, p, _ in originals)  # the corpus has dated cases
    kept = (onto + abox) - graph_of(originals)
    missing = [t for t in kept if t not in merged]
    assert not missing, missing[:10]
    added = merged - kept - graph_of(new for _, new in converted)
    assert {(p, o) for _, p, o in added} == {(RDF.type, OWL.NamedIndividual)}
    assert set(abox.subjects(RDF.type, None)) <= set(added.subjects())


def test_explanation_names_the_individual_and_the_disjoint_classes():
    x = URIRef(EX + "x")
    bad = graph_of([(x, RDF.type, COOP.Commune), (x, RDF.type, COOP.Metropole)])
    text = explain_inconsistency(ontology_graph() + bad)
    assert text == f"Likely causes:\n{x}: types coop:EPCI and coop:LocalAuthority are disjoint"
    assert explain_inconsistency(ontology_graph() + corpus_abox(DEFAULT_BASE)).startswith("No likely cause")


# --- HermiT -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_ontology_alone_is_consistent_with_no_unsatisfiable_class():
    result = reason(ontology_graph())
    assert result.consistent, result.explanation
    assert not result.unsatisfiable, short(result.unsatisfiable)


@pytest.mark.slow
def test_whole_corpus_is_consistent_with_the_ontology():
    started = time.perf_counter()
    result = corpus_reasoning(DEFAULT_BASE)
    print(f"HermiT on the whole corpus: {result.seconds:.1f}s reasoning, "
          f"{time.perf_counter() - started:.1f}s with conversion and loading, {len(result.types)} individuals")
    assert result.consistent, result.explanation
    assert not result.unsatisfiable, short(result.unsatisfiable)
    assert set(corpus_abox(DEFAULT_BASE).subjects(RDF.type, None)) <= set(result.types)


@pytest.mark.slow
def test_hermit_classifies_actors_and_instruments():
    result, abox, m = corpus_reasoning(DEFAULT_BASE), corpus_abox(DEFAULT_BASE), Minter(DEFAULT_BASE)
    metropoles = set(abox.subjects(RDF.type, COOP.Metropole))
    assert m.iri("actor", "brest-metropole") in metropoles
    for actor in metropoles:
        assert {COOP.Metropole, COOP.EPCI, COOP.PublicActor, COOP.Actor} <= result.types[actor], actor
        assert {PROV.Agent, URIRef("http://www.w3.org/ns/org#Organization")} <= result.types[actor], actor
        assert COOP.LocalAuthority not in result.types[actor]
    parks = set(abox.subjects(RDF.type, COOP.PNR))
    assert parks
    for actor in parks:
        assert {COOP.SyndicatMixte, COOP.PublicActor, COOP.Actor} <= result.types[actor], actor
    contracts = set(abox.subjects(RDF.type, COOP.ContratDeReciprocite))
    assert contracts
    for instrument in contracts:
        expected = {COOP.Contract, COOP.ContractualInstrument, COOP.CooperationInstrument}
        assert expected <= result.types[instrument], instrument
        assert COOP.Actor not in result.types[instrument]


@pytest.mark.slow
def test_hermit_infers_from_domains_and_ranges():
    """Real reasoning, not just the class tree: untyped individuals get types from property axioms."""
    case, part, actor = URIRef(EX + "case"), URIRef(EX + "part"), URIRef(EX + "actor")
    abox = graph_of([(case, COOP.hasParticipation, part), (part, COOP.participant, actor)])
    result = reason(ontology_graph(), abox)
    assert result.consistent, result.explanation
    assert {COOP.CooperationCase, PROV.Activity} <= result.types.get(case, set())
    assert {COOP.Actor, PROV.Agent} <= result.types.get(actor, set())


@pytest.mark.slow
def test_store_types_agree_with_hermit(built_settings):
    """kb/inference.py (SPARQL updates at build) and HermiT give every individual the same coop: types."""
    store = open_store(built_settings)
    try:
        rows = store.select("SELECT ?x ?t WHERE { ?x a ?t }").rows
    finally:
        store.close()
    in_store = defaultdict(set)
    for x, t in rows:
        in_store[x].add(t)
    result, abox = corpus_reasoning(built_settings.base_iri), corpus_abox(built_settings.base_iri)
    individuals = set(abox.subjects(RDF.type, None))
    actors = {x for x in individuals if COOP.Actor in in_store[x] or COOP.Actor in result.types.get(x, ())}
    instruments = {x for x in individuals
                   if COOP.CooperationInstrument in in_store[x] or COOP.CooperationInstrument in result.types.get(x, ())}
    assert actors and instruments
    differences = []
    for x in sorted(individuals):
        hermit, store_types = coop(result.types.get(x, ())), coop(in_store[x])
        if hermit != store_types:
            differences.append(f"{x}\n    HermiT only: {short(hermit - store_types)}\n    store only: {short(store_types - hermit)}")
    assert not differences, f"{len(differences)} individuals differ:\n" + "\n".join(differences)


@pytest.mark.slow
@pytest.mark.parametrize("triples, culprit", [
    ([(COOP.Commune,), (COOP.Metropole,)], "types coop:EPCI and coop:LocalAuthority are disjoint"),
    ([(COOP.CooperationCase,), (COOP.startYear, Literal("2015", datatype=GYEAR)),
      (COOP.startYear, Literal("2016", datatype=GYEAR))], "functional coop:startYear has 2 values"),
], ids=["commune-and-metropole", "two-start-years"])
def test_inconsistent_abox_is_reported(triples, culprit):
    x = URIRef(EX + "x")
    abox = Graph()
    for t in triples:
        abox.add((x, RDF.type, t[0]) if len(t) == 1 else (x, *t))
    result = reason(ontology_graph(), abox)
    assert not result.consistent
    assert "HermiT: inconsistent ontology" in result.explanation
    assert f"{x}: {culprit}" in result.explanation, result.explanation
    assert result.types == {}
