"""The in-memory facet index (search.facets.FacetIndex) against the SPARQL of FacetCatalog, which
stays the source of truth: every value of every facet, combinations of facets, periods and the
values of every case, on the knowledge base of the repository corpus and on a copy of it with edge
cases added (several start years, years that are not years, open periods, triples repeated in two
graphs, a non-case subject with case properties)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from kb.queries import with_prefixes
from kb.store import open_store
from search.contract import Facets
from search.facets import FACETS, FILTER_FACETS, FacetCatalog, FacetIndex, _tsv_term, path_steps

PERIODS = ["1990", "2005", "2009", "2010", "2011", "2012", "2014", "2015", "2016", "2017", "2018", "2019", "2020",
           "2025", "2030", "2010-2015", "2017-2018", "2000-2030", "1990-2000", "2019-", "2015-", "2030-", "-2005",
           "-2010", "-2015", "-2016", "-2017", "1200-1300", "-1999"]


class SelectOnly:
    """A store without raw_query: the facet index then reads rdflib terms through select()."""

    def __init__(self, store):
        self.store = store

    def select(self, query):
        return self.store.select(query)


@pytest.fixture(scope="module")
def store(built_settings):
    s = open_store(built_settings)
    yield s
    s.close()


def edge_store(store, tmp_path_factory):
    """An in-memory Oxigraph store holding the corpus twice (two named graphs) plus edge cases."""
    import pyoxigraph as ox

    from kb.embedded import EmbeddedStore

    coop = "https://w3id.org/coopkg/ontology#"
    gyear = "http://www.w3.org/2001/XMLSchema#gYear"
    dump = store.dump("nt")
    edge = EmbeddedStore(tmp_path_factory.mktemp("edge") / "empty")  # nothing built: in memory
    for graph in ("urn:test:a", "urn:test:b"):
        edge._store.load(dump, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    no_year = [str(r[0]) for r in store.select(with_prefixes("""SELECT DISTINCT ?c WHERE { ?c a coop:CooperationCase
        FILTER NOT EXISTS { ?c coop:startYear ?s } FILTER NOT EXISTS { ?c coop:endYear ?e } } ORDER BY ?c""")).rows]
    with_start = [str(r[0]) for r in store.select(with_prefixes("""SELECT DISTINCT ?c WHERE {
        ?c a coop:CooperationCase ; coop:startYear ?s } ORDER BY ?c""")).rows]
    assert len(no_year) >= 4 and len(with_start) >= 2
    a_lever = str(store.select(with_prefixes("SELECT ?l WHERE { ?l a coop:Lever } LIMIT 1")).rows[0][0])
    an_actor = str(store.select(with_prefixes("SELECT ?a WHERE { ?c coop:involves ?a } LIMIT 1")).rows[0][0])
    year = lambda text, dt=gyear: ox.Literal(text, datatype=ox.NamedNode(dt))  # noqa: E731
    triples = [
        (with_start[0], "startYear", year("2005")),  # two start years
        (with_start[1], "endYear", year("2011")),
        (with_start[1], "endYear", year("2021")),  # two end years
        (no_year[0], "endYear", year("2012")),  # an end year only
        (no_year[1], "startYear", year("20x1", "http://www.w3.org/2001/XMLSchema#string")),  # not a year
        (no_year[1], "endYear", year("2019")),
        (no_year[2], "startYear", year("abcd", "http://www.w3.org/2001/XMLSchema#string")),  # only not a year
        (no_year[3], "startYear", year("20170", "http://www.w3.org/2001/XMLSchema#string")),  # 5 digits: "2017"
        (an_actor, "mobilisesLever", ox.NamedNode(a_lever)),  # not a case: never a candidate
        (an_actor, "startYear", year("2000")),
    ]
    edge._store.extend([ox.Quad(ox.NamedNode(s), ox.NamedNode(coop + p), o, ox.NamedNode("urn:test:edge"))
                        for s, p, o in triples])
    cid = lambda iri: iri.rsplit("/case/", 1)[-1]  # noqa: E731
    return edge, {"two_starts": cid(with_start[0]), "end_only": cid(no_year[0]), "bad_start": cid(no_year[1]),
                  "bad_start_only": cid(no_year[2]), "five_digits": cid(no_year[3]),
                  "lever": a_lever.rsplit("/", 1)[-1], "actor": an_actor}


@pytest.fixture(scope="module", params=["corpus", "edge-cases", "select-only"])
def setup(request, store, tmp_path_factory):
    """(store, catalog, facet index): the corpus store (facet index read as SPARQL TSV), the
    store with edge cases, and the corpus store seen through select() only."""
    if request.param == "edge-cases":
        s, _ = edge_store(store, tmp_path_factory)
        catalog = FacetCatalog.from_store(s)
        return s, catalog, FacetIndex.from_store(s, catalog)
    catalog = FacetCatalog.from_store(store)
    reader = SelectOnly(store) if request.param == "select-only" else store
    return store, catalog, FacetIndex.from_store(reader, catalog)


def test_every_value_of_every_facet_has_the_same_cases(setup):
    store, catalog, index = setup
    checked = nonempty = 0
    for facet in FACETS:
        for value in catalog.values(facet):
            want = catalog.cases_with(store, facet, value.id)
            assert index.cases_with(facet, value.id) == want, (facet, value.id)
            positions = index.positions(facet, value.id)
            assert np.all(np.diff(positions) > 0)  # sorted, unique
            checked += 1
            nonempty += bool(want)
    assert checked > 300 and nonempty > 150
    assert index.cases_with("lever", "no-such-lever") == set()


def test_candidates_are_the_same(setup):
    store, catalog, index = setup
    rng = np.random.default_rng(0)
    combos = [Facets(**{facet: [v.id]}) for facet in FILTER_FACETS for v in catalog.values(facet)[:3]]
    for _ in range(60):  # two or three facets (AND), one to three values each (OR), sometimes a period
        facets = {}
        for facet in rng.choice(FILTER_FACETS, size=int(rng.integers(2, 4)), replace=False):
            values = [v.id for v in catalog.values(str(facet)) if v.count > 0] or [catalog.values(str(facet))[0].id]
            facets[str(facet)] = list(rng.choice(values, size=min(len(values), int(rng.integers(1, 4))), replace=False))
        if rng.random() < 0.4:
            facets["period"] = str(rng.choice(PERIODS))
        combos.append(Facets(**facets))
    combos += [Facets(period=p) for p in PERIODS]
    combos += [Facets(lever=["L3"], actor_type=["epci"], region=["bretagne"], period="2010-"),
               Facets(instrument=["contrat"]), Facets(departement=["finistere"], region=["occitanie"])]
    some = 0
    for facets in combos:
        want = catalog.candidates(store, facets)
        assert index.candidates(facets) == want, facets.active()
        some += bool(want)
    assert some >= len(combos) // 3
    assert index.candidates(Facets()) is None


@pytest.mark.parametrize("period", PERIODS)
def test_periods_are_the_same(setup, period):
    store, catalog, index = setup
    assert index.candidates(Facets(period=period)) == catalog.candidates(store, Facets(period=period))


def test_case_values_are_the_same(setup):
    store, catalog, index = setup
    ids = list(index.cases) + ["no-such-case"]
    want = catalog.case_values(store, ids)
    assert index.case_values(ids) == want
    assert len(want) == len(index.cases)


def test_membership_helpers(setup):
    store, catalog, index = setup
    brest = catalog.cases_with(store, "departement", "finistere")
    assert brest
    some = sorted(brest)[0]
    assert index.has("departement", "finistere", some)
    assert not index.has("departement", "finistere", "no-such-case")
    assert not index.has("lever", "no-such-lever", some)
    others = [c for c in index.cases if c not in brest][:5]
    assert index.having("departement", "finistere", [*others, some, "nope"]) == {some}


def test_edge_cases_are_really_in_the_edge_store(store, tmp_path_factory):
    """What the edge cases do (the comparisons above check that SPARQL agrees)."""
    edge, case = edge_store(store, tmp_path_factory)
    catalog = FacetCatalog.from_store(edge)
    index = FacetIndex.from_store(edge, catalog)
    got = lambda period: index.candidates(Facets(period=period))  # noqa: E731
    assert case["end_only"] in got("2012") and case["end_only"] in got("-1200")  # open start
    assert case["end_only"] not in got("2013-")
    assert case["bad_start"] in got("2019-") and case["bad_start"] not in got("2019")  # "20x1" is no year
    assert case["bad_start_only"] in got("2015-") and case["bad_start_only"] not in got("2015")
    assert case["five_digits"] in got("2017") and case["five_digits"] not in got("-2016")  # (open end)
    assert case["two_starts"] in got("2005")
    assert case["two_starts"] not in FacetIndex.from_store(store, FacetCatalog.from_store(store)).candidates(
        Facets(period="2005"))
    assert set(index.cases) == set(FacetIndex.from_store(store, FacetCatalog.from_store(store)).cases)
    assert case["actor"] not in index.position and "/case/" not in case["actor"]
    assert index.cases_with("lever", case["lever"]) == catalog.cases_with(edge, "lever", case["lever"])


def test_paths_and_tsv_terms():
    assert path_steps("coop:territory/coop:inDepartement?") == [("coop:territory", False), ("coop:inDepartement", True)]
    with pytest.raises(ValueError):
        path_steps("coop:a|coop:b")
    assert _tsv_term("<https://x/y>") == "https://x/y"
    assert _tsv_term('"2016"^^<http://www.w3.org/2001/XMLSchema#gYear>') == "2016"
    assert _tsv_term('"a\\tb\\"c\\u00e9"@fr') == 'a\tb"cé'
    assert _tsv_term("2016") == "2016"


def test_index_reads_the_store_in_a_few_queries(store):
    class Counting(SelectOnly):
        queries = 0

        def raw_query(self, query, fmt):
            Counting.queries += 1
            return self.store.raw_query(query, fmt)

    catalog = FacetCatalog.from_store(store)
    FacetIndex.from_store(Counting(store), catalog)
    props = {p for f in FACETS.values() for p, _ in path_steps(f.path)}
    assert Counting.queries == 1 + len(props) + 2  # cases, one per property, start and end years


def test_combinations_of_single_values_match_intersections(setup):
    """AND across facets is the intersection, OR within one facet the union."""
    _, catalog, index = setup
    lever = [v.id for v in catalog.values("lever") if v.count][:3]
    types = [v.id for v in catalog.values("actor_type") if v.count][:2]
    for a, b in itertools.product(lever, types):
        assert index.candidates(Facets(lever=[a], actor_type=[b])) == \
            index.cases_with("lever", a) & index.cases_with("actor_type", b)
    assert index.candidates(Facets(lever=lever)) == set().union(*(index.cases_with("lever", x) for x in lever))
