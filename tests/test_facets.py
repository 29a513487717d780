"""Facet filters (search/facets.py) on the knowledge base built from the repository corpus.

Expected case sets are computed from the corpus files (YAML front matter) and the ontology
(parsed with rdflib), never hardcoded, so the tests follow corpus edits."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Namespace
from rdflib.namespace import RDFS, SKOS

from kb.store import open_store
from search.contract import Facets, SearchInputError
from search.facets import FACETS, FacetCatalog, fold, parse_period

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
COOP = Namespace("https://w3id.org/coopkg/ontology#")


# -- expectations from the corpus ----------------------------------------------------------------
def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def _yaml_entries(folder: str) -> dict[str, dict]:
    return {e["id"]: e for p in sorted((CORPUS / folder).glob("*.yaml"))
            for e in yaml.safe_load(p.read_text(encoding="utf-8"))}


def _as_list(value) -> list:
    return [] if value is None else (value if isinstance(value, list) else [value])


@pytest.fixture(scope="module")
def corpus() -> dict:
    cases = {p.stem: _front_matter(p) for p in sorted((CORPUS / "cases").glob("*.md"))}
    return {"cases": cases, "actors": _yaml_entries("actors"), "territories": _yaml_entries("territories")}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(REPO / "ontology" / "coopkg.ttl")


def notations_under(ontology: Graph, cls) -> set[str]:
    """Notations of cls and of all its subclasses."""
    return {str(n) for c in ontology.transitive_subjects(RDFS.subClassOf, cls)
            for n in ontology.objects(c, SKOS.notation)}


def cases_where(corpus, test) -> set[str]:
    return {cid for cid, case in corpus["cases"].items() if test(case)}


def in_departement(corpus, case, dep: str) -> bool:
    terr = corpus["territories"]
    return any(t == dep or dep in _as_list(terr[t].get("departement")) for t in case.get("territories", []))


def in_region(corpus, case, region: str) -> bool:
    terr = corpus["territories"]

    def regions(t):
        own = set(_as_list(terr[t].get("region")))
        return own | {r for d in _as_list(terr[t].get("departement")) for r in _as_list(terr[d].get("region"))}
    return any(t == region or region in regions(t) for t in case.get("territories", []))


def overlaps(case, lo, hi) -> bool:
    period = case.get("period") or {}
    start, end = period.get("start"), period.get("end")
    if start is None and end is None:
        return False
    return (hi is None or start is None or int(start) <= hi) and (lo is None or end is None or int(end) >= lo)


# -- fixtures ------------------------------------------------------------------------------------
class CountingStore:
    """Wraps a store and counts the SPARQL queries sent to it."""

    def __init__(self, store):
        self.store, self.queries = store, 0

    def select(self, query):
        self.queries += 1
        return self.store.select(query)

    def ask(self, query):
        self.queries += 1
        return self.store.ask(query)


@pytest.fixture(scope="module")
def store(built_settings):
    s = open_store(built_settings)
    yield s
    s.close()


@pytest.fixture(scope="module")
def catalog(store) -> FacetCatalog:
    return FacetCatalog.from_store(store)


def candidates(catalog, store, **facets) -> set[str] | None:
    return catalog.candidates(store, Facets(**facets))


# -- the facet table -----------------------------------------------------------------------------
def test_every_contract_facet_is_declared():
    assert set(Facets.model_fields) - {"period"} <= set(FACETS)
    assert "territory" in FACETS  # pseudo facet for explanations and the gazetteer


def test_catalog_reads_the_store_in_three_queries(store):
    counting = CountingStore(store)
    FacetCatalog.from_store(counting)
    assert counting.queries <= 3


def test_no_active_facet_gives_none(catalog, store):
    assert catalog.candidates(store, Facets()) is None
    assert catalog.resolve(Facets()) == {}


# -- values --------------------------------------------------------------------------------------
def test_lever_values_are_sorted_by_rank_with_case_counts(catalog, corpus):
    levers = catalog.values("lever")
    assert [v.id for v in levers] == [f"L{i}" for i in range(1, 11)]
    for v in levers:
        assert v.count == len(cases_where(corpus, lambda c, i=v.id: i in c.get("levers", [])))
        assert v.label and v.iri.endswith(f"/lever/{v.id}")


def test_departement_values_carry_insee_codes(catalog, corpus):
    deps = {v.id: v for v in catalog.values("departement")}
    expected = {t["id"]: t for t in corpus["territories"].values() if "departement" in t.get("types", [])}
    assert set(deps) == set(expected)
    assert deps["finistere"].code == "29" and deps["finistere"].label == "Finistère"
    labels = [v.label for v in catalog.values("departement")]
    assert labels == sorted(labels, key=fold)


def test_instrument_and_actor_type_values_are_classes_with_notation(catalog, ontology):
    assert {v.id for v in catalog.values("instrument")} == notations_under(ontology, COOP.CooperationInstrument)
    assert {v.id for v in catalog.values("actor_type")} == notations_under(ontology, COOP.Actor)
    pnr = catalog.value("actor_type", "pnr")
    assert pnr.label == "parc naturel régional" and "PNR" in pnr.alt_labels


def test_value_ids_are_unique_within_a_facet(catalog):
    for name in FACETS:
        ids = [v.id for v in catalog.values(name)]
        assert ids and len(ids) == len(set(ids)), name


def test_unknown_facet_name(catalog):
    with pytest.raises(SearchInputError, match="unknown facet"):
        catalog.values("colour")


# -- candidates ----------------------------------------------------------------------------------
def test_lever_candidates_match_the_corpus(catalog, store, corpus):
    expected = cases_where(corpus, lambda c: "L3" in c.get("levers", []))
    assert expected
    assert candidates(catalog, store, lever=["L3"]) == expected
    assert candidates(catalog, store, lever=["l3"]) == expected
    # French and English labels work too
    assert candidates(catalog, store, lever=["inventer de nouveaux espaces de dialogue"]) == expected
    assert candidates(catalog, store, lever=["Inventing new spaces for dialogue"]) == expected


def test_values_within_a_facet_are_alternatives(catalog, store, corpus):
    expected = cases_where(corpus, lambda c: {"L7", "L9"} & set(c.get("levers", [])))
    assert candidates(catalog, store, lever=["L7", "L9"]) == expected


def test_instrument_superclass_matches_subclass_instruments(catalog, store, corpus, ontology):
    contracts = notations_under(ontology, COOP.Contract)
    assert {"contrat-de-reciprocite", "contrat-local-de-sante"} <= contracts
    expected = cases_where(corpus, lambda c: any(i["type"] in contracts for i in c.get("instruments", [])))
    got = candidates(catalog, store, instrument=["contrat"])
    assert got == expected
    reciprocity = candidates(catalog, store, instrument=["contrat-de-reciprocite"])
    assert "contrat-reciprocite-brest-cob" in reciprocity and reciprocity < got
    assert candidates(catalog, store, instrument=["contrat de réciprocité"]) == reciprocity


def test_actor_type_pnr(catalog, store, corpus, ontology):
    pnr_types = notations_under(ontology, COOP.PNR)
    pnr_actors = {a for a, d in corpus["actors"].items() if set(d.get("types", [])) & pnr_types}
    expected = cases_where(corpus, lambda c: any(x["actor"] in pnr_actors for x in c.get("actors", [])))
    assert expected
    assert candidates(catalog, store, actor_type=["pnr"]) == expected
    assert candidates(catalog, store, actor_type=["PNR"]) == expected
    assert candidates(catalog, store, actor_type=["parc naturel regional"]) == expected


def test_actor_type_superclass(catalog, store, corpus, ontology):
    epci_types = notations_under(ontology, COOP.EPCI)
    epci_actors = {a for a, d in corpus["actors"].items() if set(d.get("types", [])) & epci_types}
    expected = cases_where(corpus, lambda c: any(x["actor"] in epci_actors for x in c.get("actors", [])))
    assert candidates(catalog, store, actor_type=["epci"]) == expected


def test_actor(catalog, store, corpus):
    expected = cases_where(corpus, lambda c: any(x["actor"] == "brest-metropole" for x in c.get("actors", [])))
    assert len(expected) >= 2
    assert candidates(catalog, store, actor=["brest-metropole"]) == expected
    assert candidates(catalog, store, actor=["Brest Métropole Océane"]) == expected  # an alt label


def test_departement_by_code_and_by_name(catalog, store, corpus):
    expected = cases_where(corpus, lambda c: in_departement(corpus, c, "finistere"))
    assert "contrat-reciprocite-brest-cob" in expected
    by_code = candidates(catalog, store, departement=["29"])
    assert by_code == expected
    for name in ("Finistère", "finistere", "FINISTERE"):
        assert candidates(catalog, store, departement=[name]) == by_code


def test_territory_that_is_the_departement_matches(catalog, store, corpus):
    expected = cases_where(corpus, lambda c: in_departement(corpus, c, "gironde"))
    assert "chantiers-gironde-2033" in expected  # whose territories include the Gironde itself
    assert candidates(catalog, store, departement=["33"]) == expected


def test_region(catalog, store, corpus):
    expected = cases_where(corpus, lambda c: in_region(corpus, c, "bretagne"))
    assert {"contrat-reciprocite-brest-cob", "ville-archipel-pays-de-rennes"} <= expected
    assert candidates(catalog, store, region=["bretagne"]) == expected
    assert candidates(catalog, store, region=["53"]) == expected
    assert candidates(catalog, store, region=["Bretagne"]) == expected
    nouvelle_aquitaine = cases_where(corpus, lambda c: in_region(corpus, c, "nouvelle-aquitaine"))
    assert candidates(catalog, store, region=["Nouvelle Aquitaine"]) == nouvelle_aquitaine


def test_territory_type(catalog, store, corpus):
    terr = corpus["territories"]
    expected = cases_where(corpus, lambda c: any("rural" in terr[t].get("types", []) for t in c.get("territories", [])))
    assert candidates(catalog, store, territory_type=["rural"]) == expected


def test_concept_and_theme(catalog, store, corpus):
    assert candidates(catalog, store, concept=["reciprocite-territoriale"]) == \
        cases_where(corpus, lambda c: "reciprocite-territoriale" in c.get("concepts", []))
    assert candidates(catalog, store, theme=["sante"]) == cases_where(corpus, lambda c: "sante" in c.get("themes", []))


def test_axis(catalog, store, corpus):
    levers = yaml.safe_load((CORPUS / "vocab" / "levers.yaml").read_text(encoding="utf-8"))["levers"]
    in_axis = {lv["id"] for lv in levers if lv["axis"] == "dialogue-territorial"}
    expected = cases_where(corpus, lambda c: in_axis & set(c.get("levers", [])))
    assert candidates(catalog, store, axis=["dialogue-territorial"]) == expected


@pytest.mark.parametrize("period", ["2016", "2015", "2017", "2018", "2019", "2017-2018", "2019-", "-2015", "-2016",
                                    "2010-2015", "1990-2000", "2000-2030"])
def test_period_overlap(catalog, store, corpus, period):
    lo, hi = parse_period(period)
    expected = cases_where(corpus, lambda c: overlaps(c, lo, hi))
    assert candidates(catalog, store, period=period) == expected


def test_period_edge_cases(catalog, store):
    # contrat-reciprocite-brest-cob: start 2016, no end (open); chantiers-gironde-2033: 2017–2018
    assert "contrat-reciprocite-brest-cob" in candidates(catalog, store, period="2030-")
    assert "chantiers-gironde-2033" not in candidates(catalog, store, period="2019-")
    assert "chantiers-gironde-2033" in candidates(catalog, store, period="2018")
    assert "chantiers-gironde-2033" in candidates(catalog, store, period="-2017")
    assert "contrat-reciprocite-brest-cob" not in candidates(catalog, store, period="-2015")
    # a case with no year never matches a period filter
    assert "ville-archipel-pays-de-rennes" not in candidates(catalog, store, period="1900-2100")


def test_parse_period():
    assert parse_period("2016") == (2016, 2016)
    assert parse_period("2015-2020") == (2015, 2020)
    assert parse_period(" 2015 – 2020 ") == (2015, 2020)
    assert parse_period("2015-") == (2015, None)
    assert parse_period("-2010") == (None, 2010)


@pytest.mark.parametrize("bad", ["abc", "20-16", "2020-2010", "-", "2015-2016-2017", "16"])
def test_malformed_period(catalog, bad):
    with pytest.raises(SearchInputError, match="period"):
        catalog.resolve(Facets(period=bad))


def test_two_facets_give_the_intersection(catalog, store):
    levers = candidates(catalog, store, lever=["L3"])
    epci = candidates(catalog, store, actor_type=["epci"])
    both = candidates(catalog, store, lever=["L3"], actor_type=["epci"])
    assert both == levers & epci and both
    three = candidates(catalog, store, lever=["L3"], actor_type=["epci"], period="2010-")
    assert three == both & candidates(catalog, store, period="2010-")


def test_filter_matching_nothing_gives_an_empty_set(catalog, store, corpus):
    assert not cases_where(corpus, lambda c: in_departement(corpus, c, "finistere")
                           and in_region(corpus, c, "occitanie"))
    assert candidates(catalog, store, departement=["finistere"], region=["occitanie"]) == set()
    unused = [v.id for v in catalog.values("lever") if v.count == 0]
    for lever in unused:
        assert candidates(catalog, store, lever=[lever]) == set()


def test_candidates_is_one_query(catalog, store):
    counting = CountingStore(store)
    catalog.candidates(counting, Facets(lever=["L3", "L7"], actor_type=["epci"], region=["bretagne"], period="2010-"))
    assert counting.queries == 1


# -- resolution errors ---------------------------------------------------------------------------
def test_unknown_lever_lists_valid_values_and_suggests(catalog):
    with pytest.raises(SearchInputError) as err:
        catalog.resolve(Facets(lever=["L33"]))
    msg = str(err.value)
    assert "lever" in msg and "'L33'" in msg
    assert "did you mean L3 (Inventer de nouveaux espaces de dialogue)" in msg
    for v in catalog.values("lever"):
        assert f"{v.id} ({v.label})" in msg


def test_typo_in_a_label_suggests_the_close_value(catalog):
    with pytest.raises(SearchInputError) as err:
        catalog.resolve(Facets(instrument=["contrat de recipocite"]))
    msg = str(err.value)
    assert "unknown instrument" in msg
    assert "did you mean contrat-de-reciprocite (contrat de réciprocité)" in msg
    assert "pacte-politique (pacte politique)" in msg  # the valid values are listed


def test_unknown_departement(catalog):
    with pytest.raises(SearchInputError, match=r"unknown departement 'Finistair'.*finistere \(Finistère\)"):
        catalog.resolve(Facets(departement=["Finistair"]))


def test_resolve_maps_to_iris(catalog):
    resolved = catalog.resolve(Facets(lever=["L3", "l3"], departement=["29"], period="2015-"))
    assert resolved["lever"] == ["https://w3id.org/coopkg/id/lever/L3"]
    assert resolved["departement"] == ["https://w3id.org/coopkg/id/territory/finistere"]
    assert resolved["period"] == ["2015-"]
    assert catalog.resolve_value("instrument", "ContratDeReciprocite") == ["contrat-de-reciprocite"]


# -- case values and entities --------------------------------------------------------------------
def test_case_values(catalog, store, corpus):
    values = catalog.case_values(store, ["contrat-reciprocite-brest-cob", "chantiers-gironde-2033", "no-such-case"])
    assert set(values) == {"contrat-reciprocite-brest-cob", "chantiers-gironde-2033"}
    brest = values["contrat-reciprocite-brest-cob"]
    case = corpus["cases"]["contrat-reciprocite-brest-cob"]
    assert brest["lever"] == set(case["levers"])
    assert brest["concept"] == set(case["concepts"])
    assert brest["theme"] == set(case["themes"])
    assert brest["actor"] == {a["actor"] for a in case["actors"]}
    assert brest["territory"] == set(case["territories"])
    assert {"contrat-de-reciprocite", "contrat", "contrat-local-de-sante"} <= brest["instrument"]
    assert "instrument" not in brest["instrument"]  # the root type is left out
    assert {"metropole", "epci", "pays"} <= brest["actor_type"] and "acteur" not in brest["actor_type"]
    assert brest["departement"] == {"finistere", "cotes-d-armor", "morbihan"}
    assert brest["region"] == {"bretagne"}
    assert "period" not in brest


def test_case_values_agree_with_candidates(catalog, store):
    ids = sorted(candidates(catalog, store, region=["bretagne"]) | candidates(catalog, store, lever=["L3"]))
    values = catalog.case_values(store, ids)
    for facet, value in [("region", "bretagne"), ("lever", "L3")]:
        assert {c for c in ids if value in values.get(c, {}).get(facet, ())} == \
            candidates(catalog, store, **{facet: [value]})


def test_case_values_of_every_case_in_one_query(catalog, store, corpus):
    counting = CountingStore(store)
    values = catalog.case_values(counting, list(corpus["cases"]))
    assert counting.queries == 1 and set(values) == set(corpus["cases"])


def test_entity_keys(catalog, store):
    from search.expansion import groups_from_store

    assert catalog.entity("coop:PNR") == ("actor_type", "pnr", "parc naturel régional")
    assert catalog.entity("coop:ContratDeReciprocite")[:2] == ("instrument", "contrat-de-reciprocite")
    assert catalog.entity("lever/L3")[:2] == ("lever", "L3")
    assert catalog.entity("axis/dialogue-territorial")[:2] == ("axis", "dialogue-territorial")
    assert catalog.entity("concept/reciprocite-territoriale")[:2] == ("concept", "reciprocite-territoriale")
    assert catalog.entity("actor/brest-metropole")[:2] == ("actor", "brest-metropole")
    assert catalog.entity("territory/finistere") == ("departement", "finistere", "Finistère")
    assert catalog.entity("territory/bretagne")[:2] == ("region", "bretagne")
    assert catalog.entity("territory/brest-metropole")[:2] == ("territory", "brest-metropole")
    assert catalog.entity("extra:DGS") is None
    # every gazetteer group of the store maps to a facet value
    for group in groups_from_store(store):
        hit = catalog.entity(group.key)
        assert hit is not None, group.key
        assert catalog.iri(hit[0], hit[1]) is not None


def test_placeholder_actors_are_no_expansion_group(store):
    """An unnamed actor's label is a description (« … (non nommées dans la source) », « … (composition
    non détaillée dans la source) »): never a group of synonyms for query expansion."""
    from ontology.placeholders import is_placeholder_label
    from search.expansion import groups_from_store

    groups = groups_from_store(store)
    assert groups and not [g.label for g in groups if is_placeholder_label(g.label)]
    assert "actor/participants-ca-elargi-nevers-sud-nivernais" not in {g.key for g in groups}
    assert "actor/pays-nevers-sud-nivernais" in {g.key for g in groups}
