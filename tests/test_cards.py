"""Result cards (search/cards.py) on the knowledge base built from the repository corpus.

Expectations come from the corpus files and the ontology (parsed with rdflib)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import RDFS, SKOS

from kb.queries import with_prefixes
from kb.store import open_store
from search.card_refs import RefTable
from search.cards import case_cards, case_exists, period_text
from search.contract import Result

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
COOP = Namespace("https://w3id.org/coopkg/ontology#")
BREST = "contrat-reciprocite-brest-cob"


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def _yaml_entries(folder: str) -> dict[str, dict]:
    return {e["id"]: e for p in sorted((CORPUS / folder).glob("*.yaml"))
            for e in yaml.safe_load(p.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def corpus() -> dict:
    levers = yaml.safe_load((CORPUS / "vocab" / "levers.yaml").read_text(encoding="utf-8"))
    return {"cases": {p.stem: _front_matter(p) for p in sorted((CORPUS / "cases").glob("*.md"))},
            "actors": _yaml_entries("actors"), "territories": _yaml_entries("territories"),
            "lever_rank": {lv["id"]: i for i, lv in enumerate(levers["levers"])}}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(REPO / "ontology" / "coopkg.ttl")


@pytest.fixture(scope="module")
def store(built_settings):
    s = open_store(built_settings)
    yield s
    s.close()


@pytest.fixture(scope="module")
def cards(store, corpus) -> dict[str, dict]:
    return case_cards(store, list(corpus["cases"]))


def most_specific_labels(ontology: Graph, root, notations: list[str]) -> set[str]:
    """French labels of the classes under root named by notations, minus those that are
    superclasses of another one."""
    classes = {c for c in ontology.transitive_subjects(RDFS.subClassOf, root)
               if any(str(n) in notations for n in ontology.objects(c, SKOS.notation))}
    specific = {c for c in classes
                if not any(o != c and c in set(ontology.transitive_objects(o, RDFS.subClassOf)) for o in classes)}
    return {str(label) for c in specific for label in ontology.objects(c, RDFS.label)
            if isinstance(label, Literal) and label.language == "fr"}


# -- the reference case --------------------------------------------------------------------------
def test_brest_card(cards, corpus):
    card = cards[BREST]
    case = corpus["cases"][BREST]
    assert card["id"] == BREST and card["iri"].endswith(f"/case/{BREST}")
    assert card["label"] == case["title"]
    assert card["summary"].startswith("Brest métropole et le Pays du Centre Ouest Bretagne")
    assert card["level"].id == case["level"] and card["level"].label
    assert card["period"].startswith(f"depuis {case['period']['start']}")
    assert case["period"]["note"] in card["period"]


def test_brest_actors_with_type_and_roles(cards, corpus):
    actors = {a.id: a for a in cards[BREST]["actors"]}
    assert set(actors) == {a["actor"] for a in corpus["cases"][BREST]["actors"]}
    brest = actors["brest-metropole"]
    assert brest.label == "Brest métropole"
    assert brest.types == ["métropole"]  # not EPCI, acteur public… (inferred superclasses)
    roles = next(a["roles"] for a in corpus["cases"][BREST]["actors"] if a["actor"] == "brest-metropole")
    assert sorted(r.id for r in brest.roles) == sorted(roles)
    assert {r.id for r in brest.roles} == {"signataire", "partenaire"}
    assert brest.role == ", ".join(r.label for r in brest.roles) == "Partenaire, Signataire"


def test_brest_instruments(cards, corpus):
    instruments = {i.id: i for i in cards[BREST]["instruments"]}
    expected = {i["type"]: i for i in corpus["cases"][BREST]["instruments"]}
    assert set(instruments) == set(expected)
    reciprocity = instruments["contrat-de-reciprocite"]
    assert reciprocity.label == expected["contrat-de-reciprocite"]["label"]
    assert reciprocity.types == ["contrat de réciprocité"]
    assert reciprocity.type_ids == ["contrat-de-reciprocite"]
    assert "/case/contrat-reciprocite-brest-cob/instrument/" in reciprocity.iri


def test_brest_levers_concepts_themes(cards, corpus):
    card, case = cards[BREST], corpus["cases"][BREST]
    assert [lv.id for lv in card["levers"]] == sorted(case["levers"], key=corpus["lever_rank"].get) == ["L7", "L9"]
    assert all(lv.label and lv.iri.endswith(f"/lever/{lv.id}") for lv in card["levers"])
    assert {c.id for c in card["concepts"]} == set(case["concepts"])
    assert {t.id for t in card["themes"]} == set(case["themes"])


def test_brest_territories(cards):
    territories = {t.id: t for t in cards[BREST]["territories"]}
    cob = territories["centre-ouest-bretagne"]
    assert cob.label == "Centre Ouest Bretagne"
    assert cob.departements == ["Côtes-d'Armor", "Finistère", "Morbihan"]
    assert cob.regions == ["Bretagne"]
    assert "Rural" in cob.type and "Pays" in cob.type
    assert territories["brest-metropole"].departements == ["Finistère"]


def test_brest_sources_with_the_cited_passage(cards, corpus):
    sources = {s.id: s for s in cards[BREST]["sources"]}
    cited = corpus["cases"][BREST]["sources"]
    assert set(sources) == {c["source"] for c in cited}
    seed = sources["seed-001"]
    assert seed.title == "Les coopérations comme levier des transitions territoriales"
    assert seed.file_name.startswith("001_") and seed.file_name.endswith(".txt")
    assert [(p.section, p.quote) for p in seed.passages] == [(c["section"], c.get("quote", "")) for c in cited
                                                              if c["source"] == "seed-001"]
    assert seed.passages[0].iri.startswith(seed.iri + "/passage/")


# -- every case ----------------------------------------------------------------------------------
def test_every_case_has_a_valid_card(cards, corpus):
    assert set(cards) == set(corpus["cases"])
    for cid, card in cards.items():
        Result(**card, score=0.0)  # the keyword arguments of the contract's Result
        case = corpus["cases"][cid]
        assert card["label"] == case["title"]
        assert {lv.id for lv in card.get("levers", [])} == set(case.get("levers", []))
        assert {c.id for c in card.get("concepts", [])} == set(case.get("concepts", []))
        assert {t.id for t in card.get("themes", [])} == set(case.get("themes", []))
        assert {a.id for a in card.get("actors", [])} == {a["actor"] for a in case["actors"]}
        assert {t.id for t in card.get("territories", [])} == set(case.get("territories", []))
        assert {s.id for s in card.get("sources", [])} == {s["source"] for s in case.get("sources", [])}
        assert len(card.get("instruments", [])) == len(case["instruments"])
        assert (card["level"].id if card["level"] else None) == case.get("level")


def test_levers_are_sorted_by_rank(cards, corpus):
    for card in cards.values():
        ranks = [corpus["lever_rank"][lv.id] for lv in card.get("levers", [])]
        assert ranks == sorted(ranks)
    gironde = [lv.id for lv in cards["chantiers-gironde-2033"]["levers"]]
    assert gironde.index("L2") < gironde.index("L10")


def test_actor_types_are_the_most_specific_asserted_classes(cards, corpus, ontology):
    for card in cards.values():
        for actor in card.get("actors", []):
            expected = most_specific_labels(ontology, COOP.Actor, corpus["actors"][actor.id]["types"])
            assert set(actor.types) == expected, actor.id
    sysdau = next(a for c in cards.values() for a in c.get("actors", []) if a.id == "sysdau")
    assert len(sysdau.types) == 2  # two asserted classes, neither a subclass of the other


def test_instrument_types_are_the_most_specific(cards, corpus, ontology):
    for cid, card in cards.items():
        expected = {i["type"] for i in corpus["cases"][cid]["instruments"]}
        assert {t for i in card["instruments"] for t in i.type_ids} == expected
        for instrument in card["instruments"]:
            expected_types = most_specific_labels(ontology, COOP.CooperationInstrument, instrument.type_ids)
            assert set(instrument.types) == expected_types


def test_roles_match_the_corpus(cards, corpus):
    for cid, card in cards.items():
        roles = {a["actor"]: set(a.get("roles", [])) for a in corpus["cases"][cid]["actors"]}
        for actor in card["actors"]:
            assert {r.id for r in actor.roles} == roles[actor.id]


# -- the card queries against plain SPARQL definitions of what they read -----------------------------
# The cards read reference labels from a table, choose the most specific types in Python and read
# passages in the graphs that cite them, for speed; each reference query states the same in one
# SPARQL join (as the cards were read before), over every case of the corpus.
def _rows(store, query: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row) for row in store.select(with_prefixes(query)).rows}


def test_types_are_the_sparql_most_specific_types(store, cards):
    expected = _rows(store, """SELECT DISTINCT ?x ?label WHERE {
      { ?case a coop:CooperationCase ; coop:involves ?x } UNION { ?case a coop:CooperationCase ; coop:usesInstrument ?x }
      ?x a ?type . FILTER(STRSTARTS(STR(?type), "https://w3id.org/coopkg/ontology#"))
      FILTER NOT EXISTS { ?x a ?sub . ?sub rdfs:subClassOf ?type . FILTER(?sub != ?type) }
      ?type rdfs:label ?label FILTER(LANG(?label) = "fr") }""")
    got = {(x.iri, t) for c in cards.values() for x in c["actors"] + c["instruments"] for t in x.types}
    assert got == expected and len(got) > 50


def test_vocabulary_and_role_labels_are_the_joined_ones(store, cards):
    vocab = _rows(store, """SELECT DISTINCT ?case ?x ?id ?label WHERE {
      ?case a coop:CooperationCase ; coop:mobilisesLever|coop:illustratesConcept|coop:hasTheme|coop:cooperationLevel ?x .
      ?x skos:notation ?id ; skos:prefLabel ?label FILTER(LANG(?label) = "fr") }""")
    got = {(c["iri"], r.iri, r.id, r.label) for c in cards.values()
           for r in c["levers"] + c["concepts"] + c["themes"] + ([c["level"]] if c["level"] else [])}
    assert got == vocab
    roles = _rows(store, """SELECT DISTINCT ?case ?actor ?role ?id ?label WHERE {
      ?case a coop:CooperationCase ; coop:hasParticipation ?p . ?p coop:participant ?actor ; coop:role ?role .
      ?role skos:notation ?id ; skos:prefLabel ?label FILTER(LANG(?label) = "fr") }""")
    assert {(c["iri"], a.iri, r.iri, r.id, r.label) for c in cards.values() for a in c["actors"] for r in a.roles} == roles


def test_territory_places_are_the_joined_labels(store, cards):
    expected = _rows(store, """SELECT DISTINCT ?case ?t ?kind ?label WHERE {
      ?case a coop:CooperationCase ; coop:territory ?t .
      { ?t coop:inDepartement ?x BIND("departements" AS ?kind) } UNION { ?t coop:inRegion ?x BIND("regions" AS ?kind) }
      ?x rdfs:label ?label FILTER(LANG(?label) = "fr") }""")
    got = {(c["iri"], t.iri, kind, label) for c in cards.values() for t in c["territories"]
           for kind in ("departements", "regions") for label in getattr(t, kind)}
    assert got == expected and got


def test_cited_passages_are_read_as_in_the_union_graph(store, cards):
    expected = _rows(store, """SELECT DISTINCT ?case ?p ?section WHERE {
      ?case a coop:CooperationCase ; coop:evidence ?p . ?p coop:section ?section ; coop:inDocument ?doc .
      ?case dcterms:source ?doc }""")
    got = {(c["iri"], p.iri, p.section) for c in cards.values() for s in c["sources"] for p in s.passages}
    assert got == expected and got


# -- behaviour -----------------------------------------------------------------------------------
def test_reference_labels_are_read_once_per_table(store, corpus):
    class Counting:
        def __init__(self):
            self.queries = []

        def select(self, query):
            self.queries.append(query)
            return store.select(query)

        def raw_query(self, query, fmt):
            self.queries.append(query)
            return store.raw_query(query, fmt)

    refs, counting = RefTable(), Counting()
    ids = sorted(corpus["cases"])
    case_cards(counting, ids, refs=refs)
    assert refs.queries == 2 and len(refs) > 50  # the reference resources, the entities
    counting.queries.clear()
    again = case_cards(counting, [BREST, "chantiers-gironde-2033"], refs=refs)
    assert refs.queries == 2  # nothing new to read: levels, levers, roles, classes, actors… are shared
    assert [q for q in counting.queries if "VALUES" in q] == [counting.queries[-1]]  # the cases' own query
    assert again == case_cards(store, [BREST, "chantiers-gironde-2033"])  # the same as with a fresh table


def test_cards_do_not_depend_on_the_table_or_the_pages(store, corpus, cards):
    """Pages of 3 cases through one table (entities and references cached from the pages before)
    give the cards of one bulk call with a fresh table, field order and list orders included."""
    ids = sorted(corpus["cases"])
    table, paged = RefTable(), {}
    for start in range(0, len(ids), 3):
        paged.update(case_cards(store, list(reversed(ids[start:start + 3])), refs=table))
    assert paged == cards and list(paged) == sorted(cards)
    assert all(list(paged[c]) == list(cards[c]) for c in ids)
    dump = lambda cs: {c: {k: [v.model_dump() for v in x] if isinstance(x, list) else x for k, x in card.items()}  # noqa: E731
                       for c, card in cs.items()}
    assert dump(paged) == dump(cards)


def test_list_orders(cards):
    from search.facets import fold

    for card in cards.values():
        assert [(fold(a.label), a.id) for a in card["actors"]] == sorted((fold(a.label), a.id) for a in card["actors"])
        assert [(fold(t.label), t.id) for t in card["territories"]] == sorted((fold(t.label), t.id)
                                                                            for t in card["territories"])
        for kind in ("concepts", "themes"):
            assert [(fold(r.label), r.id) for r in card[kind]] == sorted((fold(r.label), r.id) for r in card[kind])
        assert [i.id for i in card["instruments"]] == sorted(i.id for i in card["instruments"])
        assert [s.id for s in card["sources"]] == sorted(s.id for s in card["sources"])
        for source in card["sources"]:
            assert [(p.section, p.quote) for p in source.passages] == sorted((p.section, p.quote) for p in source.passages)
        for actor in card["actors"]:
            assert [(fold(r.label), r.id) for r in actor.roles] == sorted((fold(r.label), r.id) for r in actor.roles)
            assert actor.role == ", ".join(r.label for r in actor.roles)


def test_unknown_ids_are_absent(store):
    got = case_cards(store, [BREST, "no-such-case", "bad id <x>", ""])
    assert set(got) == {BREST}
    assert case_cards(store, []) == {}


def test_cards_are_deterministic(store):
    ids = [BREST, "chantiers-gironde-2033", "territoires-zero-chomeur-longue-duree"]
    assert case_cards(store, ids) == case_cards(store, list(reversed(ids)))


def test_cards_use_a_few_bulk_queries(store, corpus):
    class Counting:
        def __init__(self):
            self.queries = 0

        def select(self, query):
            self.queries += 1
            return store.select(query)

        def raw_query(self, query, fmt):
            self.queries += 1
            return store.raw_query(query, fmt)

    counting = Counting()
    assert len(case_cards(counting, list(corpus["cases"]))) == len(corpus["cases"])
    assert counting.queries <= 10


def test_case_exists(store):
    assert case_exists(store, BREST)
    assert not case_exists(store, "no-such-case")
    assert not case_exists(store, "bad id")
    assert not case_exists(store, None)


@pytest.mark.parametrize("start,end,note,expected", [
    (2016, 2020, "", "2016–2020"),
    (2016, None, "", "depuis 2016"),
    (None, 2014, "", "jusqu'en 2014"),
    (2017, 2017, "", "2017"),
    (None, None, "Présenté en 2015.", "Présenté en 2015."),
    (2016, None, "Signé en 2016.", "depuis 2016 — Signé en 2016."),
    (None, None, "", ""),
])
def test_period_text(start, end, note, expected):
    assert period_text(start, end, note) == expected


def test_core_fields_are_the_joined_french_ones(store, cards):
    expected = _rows(store, """SELECT ?case (MIN(?l) AS ?label) (MIN(?s) AS ?summary) WHERE {
      ?case a coop:CooperationCase ; rdfs:label ?l FILTER(LANG(?l) = "fr")
      OPTIONAL { ?case dcterms:abstract ?s FILTER(LANG(?s) = "fr") } } GROUP BY ?case""")
    assert {(c["iri"], c["label"], c["summary"]) for c in cards.values()} == expected


def test_actor_labels_and_document_titles_are_the_joined_ones(store, cards):
    actors = _rows(store, """SELECT DISTINCT ?case ?actor ?label WHERE {
      ?case a coop:CooperationCase ; coop:hasParticipation/coop:participant ?actor .
      ?actor rdfs:label ?label FILTER(LANG(?label) IN ("fr", "")) }""")
    assert {(c["iri"], a.iri, a.label) for c in cards.values() for a in c["actors"]} == actors and actors
    documents = _rows(store, """SELECT DISTINCT ?case ?doc ?title ?file WHERE {
      ?case a coop:CooperationCase ; dcterms:source ?doc .
      ?doc dcterms:title ?title FILTER(LANG(?title) IN ("fr", "")) ?doc coop:fileName ?file }""")
    assert {(c["iri"], s.iri, s.title, s.file_name) for c in cards.values() for s in c["sources"]} == documents
