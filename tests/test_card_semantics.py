"""Result cards (search/cards.py) on a small hand-made store with the awkward cases the card
queries must read as their plain SPARQL definitions would: a level, lever and role without French
label or notation, superclasses materialised on an actor and an instrument, a territory without
label, a département without French label, and passages whose triples are repeated in several
graphs or missing from the graph that cites them; and a second case (c3) with what orders and
filters its lists: several labels, labels in English or untagged, accents in sort keys, ranks,
roles of an actor that also takes part in c1 with other roles, a document without French title."""
from __future__ import annotations

import pytest
from rdflib import BNode, Literal, Namespace, URIRef
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


C3, C4 = ID["case/c3"], ID["case/c4"]
ACTOR_B, ACTOR_C = ID["actor/b"], ID["actor/c"]
T3, T4, SRC2 = ID["territory/t3"], ID["territory/t4"], ID["source/s2"]
P3 = URIRef(f"{SRC2}/passage/p3")
GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")


def _third_case() -> tuple[list, list, list, list]:
    """c3's graph, and what the inferred, entities and vocabulary graphs add for it."""
    part = {name: URIRef(f"{C3}/participation/{name}") for name in ("a", "b", "c")}
    instrument_z, instrument_a = URIRef(f"{C3}/instrument/z"), URIRef(f"{C3}/instrument/a")
    case = [
        (C3, RDF.type, COOP.CooperationCase), (C3, RDFS.label, fr("Cas trois")), (C3, RDFS.label, fr("Autre libellé")),
        (C3, RDFS.label, Literal("A case three", lang="en")), (C3, DCTERMS.abstract, Literal("Summary", lang="en")),
        (C3, COOP.startYear, Literal("2010", datatype=GYEAR)), (C3, COOP.endYear, Literal("2012", datatype=GYEAR)),
        (C3, COOP.periodNote, fr("Note.")), (C3, COOP.cooperationLevel, ID["level/9"]),
        (C3, COOP.mobilisesLever, ID["lever/L3"]), (C3, COOP.mobilisesLever, ID["lever/L4"]),
        (C3, COOP.mobilisesLever, ID["lever/L2"]),
        (C3, COOP.illustratesConcept, ID["concept/b"]), (C3, COOP.illustratesConcept, ID["concept/a"]),
        (C3, COOP.hasParticipation, part["a"]), (part["a"], COOP.participant, ACTOR), (part["a"], COOP.role, ID["role/x"]),
        (C3, COOP.hasParticipation, part["b"]), (part["b"], COOP.participant, ACTOR_B),
        (part["b"], COOP.role, ID["role/signataire"]), (part["b"], COOP.role, ID["role/pilote"]),
        (C3, COOP.hasParticipation, part["c"]), (part["c"], COOP.participant, ACTOR_C),
        (C3, COOP.usesInstrument, instrument_z), (instrument_z, RDFS.label, fr("Zêta")),
        (instrument_z, RDFS.label, Literal("Zeta", lang="en")), (instrument_z, RDF.type, COOP.ContratDeReciprocite),
        (C3, COOP.usesInstrument, instrument_a), (instrument_a, RDF.type, COOP.Contract),
        (C3, COOP.territory, T2), (C3, COOP.territory, T3), (C3, COOP.territory, T4),
        (C3, DCTERMS.source, SRC2), (C3, DCTERMS.source, SRC), (C3, COOP.evidence, P3), (C3, COOP.evidence, P2),
        *_passage(P2, "Sec 2"), (P3, RDF.type, COOP.Passage), (P3, COOP.inDocument, SRC2), (P3, COOP.section, Literal("A")),
        (P3, COOP.quote, Literal("Q")),
    ]
    inferred = [(C3, COOP.involves, a) for a in (ACTOR, ACTOR_B, ACTOR_C)] + [
        (ACTOR_B, RDF.type, COOP.EPCI), (ACTOR_B, RDF.type, COOP.Actor), (instrument_z, RDF.type, COOP.Contract)]
    entities = [(ACTOR_B, RDFS.label, Literal("Ârbre")), (ACTOR_B, RDFS.label, Literal("Tree", lang="en")),
                (ACTOR_C, RDFS.label, Literal("C", lang="en")), (ACTOR_C, RDF.type, COOP.EPCI),
                (T3, RDFS.label, Literal("Lieu")), (T3, COOP.inDepartement, ID["territory/xx"]),
                (T3, COOP.territoryType, ID["territory-type/rural"]), (T4, RDFS.label, fr("Âge")),
                (T4, RDFS.label, fr("Époque")), (SRC2, DCTERMS.title, Literal("Title", lang="en"))]
    vocab = [(ID["lever/L3"], SKOS.notation, Literal("L3")), (ID["lever/L3"], SKOS.prefLabel, fr("Levier 3")),
             (ID["lever/L3"], COOP.rank, Literal(3)),
             (ID["lever/L4"], SKOS.notation, Literal("L4")), (ID["lever/L4"], SKOS.prefLabel, fr("Levier 4")),
             (ID["lever/L4"], COOP.rank, Literal(2)),
             (ID["concept/a"], SKOS.notation, Literal("a")), (ID["concept/a"], SKOS.prefLabel, fr("faune")),
             (ID["concept/b"], SKOS.notation, Literal("b")), (ID["concept/b"], SKOS.prefLabel, fr("Éco")),
             (ID["role/pilote"], SKOS.notation, Literal("pilote")), (ID["role/pilote"], SKOS.prefLabel, fr("Pilote"))]
    return case, inferred, entities, vocab


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
    graphs[ID["graph/cases/c3.md"]], more_inferred, more_entities, more_vocab = _third_case()
    graphs[ID["graph/inferred"]] += more_inferred
    graphs[ID["graph/entities"]] += more_entities
    graphs[ID["graph/vocab"]] += more_vocab
    # c4: a case without French label (no card, whatever else it has); c5: labelled, not a case.
    graphs[ID["graph/cases/c4.md"]] = [(C4, RDF.type, COOP.CooperationCase), (C4, RDFS.label, Literal("Four", lang="en")),
                                       (C4, COOP.mobilisesLever, ID["lever/L1"]), (C4, COOP.territory, T1),
                                       (C4, COOP.hasParticipation, URIRef(f"{C4}/participation/a")),
                                       (URIRef(f"{C4}/participation/a"), COOP.participant, ACTOR)]
    graphs[ID["graph/cases/c5.md"]] = [(ID["case/c5"], RDFS.label, fr("Cinq"))]
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


# -- c3: orders, languages, roles per case -------------------------------------------------------------
@pytest.fixture(scope="module")
def third(store) -> dict:
    return case_cards(store, ["c3"])["c3"]


def test_smallest_french_label_and_no_english_summary(third):
    assert third["label"] == "Autre libellé"  # the smallest French label, not the (smaller) English one
    assert third["summary"] == "" and third["level"] is None  # summary in English only; level without notation
    assert third["period"] == "2010–2012 — Note."


def test_vocabulary_orders(third):
    assert [r.id for r in third["levers"]] == ["L4", "L3"]  # by rank; L2 has no French label
    assert [(r.id, r.label) for r in third["concepts"]] == [("b", "Éco"), ("a", "faune")]  # accents and case folded
    assert third["themes"] == []


def test_actors_roles_are_those_of_the_case(third, card):
    assert [(a.id, a.label) for a in third["actors"]] == [("b", "Ârbre"), ("a", "Métropole A")]  # c: English label only
    b, a = third["actors"]
    assert b.types == ["EPCI"] and b.role == "Pilote, Signataire" and [r.id for r in b.roles] == ["pilote", "signataire"]
    assert a.types == ["métropole"] and a.role == "" and a.roles == []  # role x has no French label
    assert [r.id for r in card["actors"][0].roles] == ["signataire"]  # c1's roles of the same actor


def test_instruments_by_id_with_french_label(third):
    assert [(i.id, i.label, i.type_ids) for i in third["instruments"]] == [
        ("a", "contrat", ["Contract"]), ("z", "Zêta", ["contrat-de-reciprocite"])]


def test_territories_by_folded_label(third):
    assert [(t.id, t.label, t.type, t.departements) for t in third["territories"]] == [
        ("t4", "Âge", "", []), ("t3", "Lieu", "Rural", [])]  # t2 has no label; xx no French label


def test_documents_by_id_title_fallback_and_passages(third):
    assert [(s.id, s.title, s.file_name) for s in third["sources"]] == [("s", "Titre", "s.txt"), ("s2", "s2", "")]
    assert [(p.section, p.quote) for p in third["sources"][0].passages] == [("Sec 2", "")]
    assert [(str(p.iri), p.section, p.quote) for p in third["sources"][1].passages] == [(str(P3), "A", "Q")]


def test_cases_without_french_label_or_type_have_no_card(store, card, third):
    got = case_cards(store, ["c5", "c4", "c3", "c1", "c9"])
    assert list(got) == ["c1", "c3"] and got == {"c1": card, "c3": third}


def test_a_shared_table_gives_the_cards_of_a_fresh_one(store, card, third):
    """Entities (actors, territories, documents) and references come from the table once seen:
    the cards do not depend on what the table saw before, nor on the order of the ids."""
    table = RefTable()
    assert case_cards(store, ["c3"], refs=table) == {"c3": third}
    assert case_cards(store, ["c1"], refs=table) == {"c1": card}
    queries = table.queries
    assert case_cards(store, ["c3", "c1"], refs=table) == case_cards(store, ["c1", "c3"]) == {"c1": card, "c3": third}
    assert table.queries == queries  # nothing new to read


# -- the TSV reading of the card query (search/tsv_rows.py) ---------------------------------------------
def test_tsv_rows_read_what_select_reads(tmp_path):
    """Every kind of value, against store.select: IRIs, literals with escapes, languages and
    datatypes (numbers, booleans and dates written bare or quoted), blank nodes, unbound."""
    from search import tsv_rows

    s = URIRef("https://example.org/s")
    texts = ['tab\tquote " backslash \\ newline\nreturn\r', "line\u2028separator é ☃", "", "@fr", '"quoted"@en']
    objects = [fr(t) for t in texts] + [Literal(t) for t in texts] + [
        Literal("1997", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear")), Literal(12), Literal(-3),
        Literal("1.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")), Literal(True), Literal(2.5),
        Literal("x", lang="en-GB"), URIRef("https://example.org/o#é"), ID["actor/a"]]
    store = EmbeddedStore(tmp_path / "store", write=True)
    try:
        store.apply(Changes(replace={ID["graph/t"]: [(s, URIRef(f"https://example.org/p{i}"), o)
                                                     for i, o in enumerate(objects)] + [(s, RDFS.seeAlso, BNode("b1"))]}))
        query = "SELECT ?p ?o ?none (LANG(?o) AS ?lang) WHERE { ?s ?p ?o } ORDER BY ?p ?o"
        expected = [(p, None if o is None else o if isinstance(o, (URIRef, BNode)) else str(o), none,
                     None if lang is None else str(lang)) for p, o, none, lang in store.select(query).rows]
        got = [(p, o, none, None if lang is None else tsv_rows.term(lang))
               for p, o, none, lang in tsv_rows.rows(store, query)]
        assert len(got) == len(objects) + 1 and [type(r[1]) for r in got] == [type(r[1]) for r in expected]
        assert [r[:3] for r in got] == [(p, o if not isinstance(o, BNode) else got[i][1], n)
                                        for i, (p, o, n, _) in enumerate(expected)]
        raw = tsv_rows.rows(store, query, raw=True)
        assert [tsv_rows.language(o) for _, o, _, _ in raw] == [lang for *_, lang in expected]
        assert tsv_rows.rows(store, "SELECT ?o WHERE { ?s <https://example.org/none> ?o }") == []

        class SelectOnly:  # a store without raw_query (a test double): read with select
            select = store.select

        assert tsv_rows.rows(SelectOnly(), query) == tsv_rows.rows(store, query)
        assert [tuple(map(tsv_rows.language, r)) for r in tsv_rows.rows(SelectOnly(), query, raw=True)] == [
            tuple(map(tsv_rows.language, r)) for r in raw]
        unbound = "SELECT ?z WHERE { ?s ?p ?o } LIMIT 2"  # one column, every value unbound: empty lines
        assert tsv_rows.rows(SelectOnly(), unbound) == tsv_rows.rows(store, unbound) == [(None,), (None,)]
    finally:
        store.close()
