"""Result cards (search/cards.py) on a small hand-made store with the awkward cases the card
queries must read as their plain SPARQL definitions would: a level, lever and role without French
label or notation, superclasses materialised on an actor and an instrument, a territory without
label, a département without French label, and passages whose triples are repeated in several
graphs or missing from the graph that cites them."""
from __future__ import annotations

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kb.embedded import EmbeddedStore
from kb.store import Changes
from search.card_refs import RefTable
from search.cards import case_cards

COOP = Namespace("https://w3id.org/coopkg/ontology#")
ID = Namespace("https://w3id.org/coopkg/id/")
CASE = ID["case/c1"]
PART, ACTOR, INSTR = URIRef(f"{CASE}/participation/a"), ID["actor/a"], URIRef(f"{CASE}/instrument/i")
T1, T2, SRC = ID["territory/t1"], ID["territory/t2"], ID["source/s"]
P1, P2 = URIRef(f"{SRC}/passage/p1"), URIRef(f"{SRC}/passage/p2")


def fr(text: str) -> Literal:
    return Literal(text, lang="fr")


def _passage(p, section: str, quote: str | None = None) -> list:
    return [(p, RDF.type, COOP.Passage), (p, COOP.inDocument, SRC), (p, COOP.section, Literal(section))] + (
        [(p, COOP.quote, Literal(quote))] if quote else [])


def _make_store(path) -> EmbeddedStore:
    case = [
        (CASE, RDF.type, COOP.CooperationCase), (CASE, RDFS.label, fr("Cas un")), (CASE, DCTERMS.abstract, fr("Résumé.")),
        (CASE, COOP.startYear, Literal(2016)),
        (CASE, COOP.cooperationLevel, ID["level/1"]), (CASE, COOP.cooperationLevel, ID["level/9"]),
        (CASE, COOP.mobilisesLever, ID["lever/L1"]), (CASE, COOP.mobilisesLever, ID["lever/L2"]),
        (CASE, COOP.hasTheme, ID["theme/t"]),
        (CASE, COOP.hasParticipation, PART), (PART, COOP.participant, ACTOR),
        (PART, COOP.role, ID["role/signataire"]), (PART, COOP.role, ID["role/x"]),
        (CASE, COOP.usesInstrument, INSTR), (INSTR, RDF.type, COOP.ContratDeReciprocite),
        (CASE, COOP.territory, T1), (CASE, COOP.territory, T2),
        (CASE, DCTERMS.source, SRC), (CASE, COOP.evidence, P1), (CASE, COOP.evidence, P2),
        *_passage(P2, "Sec 2"),  # P1's triples are only in the other case's graph
    ]
    other = [(ID["case/c2"], RDF.type, COOP.CooperationCase), (ID["case/c2"], RDFS.label, fr("Cas deux")),
             (ID["case/c2"], COOP.evidence, P1), (ID["case/c2"], COOP.evidence, P2),
             *_passage(P1, "Sec 1", "Citation"), *_passage(P2, "Sec 2")]
    inferred = [(CASE, COOP.involves, ACTOR), (ACTOR, RDF.type, COOP.EPCI), (ACTOR, RDF.type, COOP.Actor),
                (ACTOR, RDF.type, PROV.Agent), (INSTR, RDF.type, COOP.Contract)]
    entities = [(ACTOR, RDF.type, COOP.Metropole), (ACTOR, RDFS.label, fr("Métropole A")),
                (T1, RDFS.label, fr("Pays T")), (T1, COOP.inDepartement, ID["territory/29"]),
                (T1, COOP.inDepartement, ID["territory/xx"]), (T1, COOP.inRegion, ID["territory/bzh"]),
                (T1, COOP.territoryType, ID["territory-type/rural"]), (T2, COOP.inRegion, ID["territory/bzh"]),
                (ID["territory/29"], RDFS.label, fr("Finistère")), (ID["territory/xx"], RDFS.label, Literal("XX", lang="en")),
                (ID["territory/bzh"], RDFS.label, fr("Bretagne")), (ID["territory-type/rural"], RDFS.label, fr("Rural")),
                (SRC, DCTERMS.title, fr("Titre")), (SRC, COOP.fileName, Literal("s.txt"))]
    vocab = [(ID["level/1"], SKOS.notation, Literal("1")), (ID["level/1"], SKOS.prefLabel, fr("Niveau 1")),
             (ID["level/9"], SKOS.prefLabel, fr("Niveau 9")),  # no notation: not shown
             (ID["lever/L1"], SKOS.notation, Literal("L1")), (ID["lever/L1"], SKOS.prefLabel, fr("Levier 1")),
             (ID["lever/L1"], COOP.rank, Literal(1)),
             (ID["lever/L2"], SKOS.notation, Literal("L2")), (ID["lever/L2"], SKOS.prefLabel, Literal("Lever 2", lang="en")),
             (ID["theme/t"], SKOS.notation, Literal("t")), (ID["theme/t"], SKOS.prefLabel, fr("Thème")),
             (ID["theme/t"], SKOS.prefLabel, Literal("Theme", lang="en")),
             (ID["role/signataire"], SKOS.notation, Literal("signataire")),
             (ID["role/signataire"], SKOS.prefLabel, fr("Signataire")),
             (ID["role/x"], SKOS.notation, Literal("x")), (ID["role/x"], SKOS.prefLabel, Literal("X", lang="en")),
             (COOP.Metropole, RDFS.subClassOf, COOP.EPCI), (COOP.EPCI, RDFS.subClassOf, COOP.Actor),
             (COOP.Metropole, SKOS.notation, Literal("metropole")), (COOP.Metropole, RDFS.label, fr("métropole")),
             (COOP.EPCI, RDFS.label, fr("EPCI")), (COOP.Actor, RDFS.label, fr("acteur")),
             (COOP.ContratDeReciprocite, RDFS.subClassOf, COOP.Contract),
             (COOP.ContratDeReciprocite, SKOS.notation, Literal("contrat-de-reciprocite")),
             (COOP.ContratDeReciprocite, RDFS.label, fr("contrat de réciprocité")), (COOP.Contract, RDFS.label, fr("contrat"))]
    graphs = {ID["graph/cases/c1.md"]: case, ID["graph/cases/c2.md"]: other, ID["graph/inferred"]: inferred,
              ID["graph/entities"]: entities, ID["graph/vocab"]: vocab}
    store = EmbeddedStore(path, write=True)
    store.apply(Changes(replace=graphs))
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = _make_store(tmp_path_factory.mktemp("cards") / "store")
    yield store
    store.close()


@pytest.fixture(scope="module")
def card(store) -> dict:
    return case_cards(store, ["c1"])["c1"]


def test_level_is_the_one_with_notation_and_french_label(card):
    assert (card["level"].id, card["level"].label) == ("1", "Niveau 1")
    assert card["label"] == "Cas un" and card["summary"] == "Résumé." and card["period"] == "depuis 2016"


def test_vocabulary_without_french_label_is_left_out(card):
    assert [(r.id, r.label) for r in card["levers"]] == [("L1", "Levier 1")]
    assert [(r.id, r.label) for r in card["themes"]] == [("t", "Thème")] and card["concepts"] == []


def test_actor_with_its_most_specific_type_and_labelled_roles(card):
    (actor,) = card["actors"]
    assert (actor.id, actor.label, actor.types) == ("a", "Métropole A", ["métropole"])
    assert [r.id for r in actor.roles] == ["signataire"] and actor.role == "Signataire"


def test_instrument_without_label_is_named_by_its_type(card):
    (instrument,) = card["instruments"]
    assert instrument.types == ["contrat de réciprocité"] and instrument.type_ids == ["contrat-de-reciprocite"]
    assert instrument.label == "contrat de réciprocité"


def test_territory_without_label_is_left_out(card):
    (t,) = card["territories"]
    assert (t.id, t.label, t.type, t.departements, t.regions) == ("t1", "Pays T", "Rural", ["Finistère"], ["Bretagne"])


def test_passages_repeated_or_stored_elsewhere(card):
    (source,) = card["sources"]
    assert (source.id, source.title, source.file_name) == ("s", "Titre", "s.txt")
    assert [(str(p.iri), p.section, p.quote) for p in source.passages] == [(str(P1), "Sec 1", "Citation"),
                                                                           (str(P2), "Sec 2", "")]


def test_a_reference_table_serves_one_snapshot(tmp_path):
    """The search service keeps one table per snapshot (the API opens a new service after every
    write): a new table reads what a write changed, the old one keeps its snapshot's labels."""
    store = _make_store(tmp_path / "store")
    try:
        table = RefTable()
        assert case_cards(store, ["c1"], refs=table)["c1"]["levers"][0].label == "Levier 1"
        store.apply(Changes(updates=["""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            DELETE DATA { GRAPH <https://w3id.org/coopkg/id/graph/vocab> {
              <https://w3id.org/coopkg/id/lever/L1> skos:prefLabel "Levier 1"@fr } } ;
            INSERT DATA { GRAPH <https://w3id.org/coopkg/id/graph/vocab> {
              <https://w3id.org/coopkg/id/lever/L1> skos:prefLabel "Levier un"@fr } }"""]))
        assert case_cards(store, ["c1"], refs=RefTable())["c1"]["levers"][0].label == "Levier un"
        assert case_cards(store, ["c1"])["c1"]["levers"][0].label == "Levier un"
        assert case_cards(store, ["c1"], refs=table)["c1"]["levers"][0].label == "Levier 1"
    finally:
        store.close()
