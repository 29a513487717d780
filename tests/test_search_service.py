"""The search service over the repository corpus with the hashing fake embedder: facets +
similarity, explanations, similar(), the contract, bad input. The real model: test_search_e5.py."""
from __future__ import annotations

import pytest

from search.contract import MAX_QUERY_CHARS, Facets, SearchInputError, SearchRequest
from search.lexical import passages_from_store
from search.text import fold

from tests.conftest import CORPUS


def case_front_matter() -> dict[str, dict]:
    import yaml

    out = {}
    for path in sorted((CORPUS / "cases").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        out[path.stem] = yaml.safe_load(text.split("---", 2)[1])
    return out


def levers_of(meta: dict) -> set[str]:
    return set(meta.get("levers") or [])


def search(service, query, **kw):
    facets = kw.pop("facets", {})
    return service.search({"query": query, "facets": facets, **kw})


# -- facets + similarity -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_filtered_search_returns_only_matching_cases(hashing_service, mode):
    resp = search(hashing_service, "coopération santé", mode=mode, k=100, facets={"lever": ["L7"]})
    expected = {cid for cid, meta in case_front_matter().items() if "L7" in levers_of(meta)}
    assert expected, "the corpus should have cases with lever L7"
    got = {r.id for r in resp.results}
    assert got <= expected
    assert resp.candidates == len(expected)
    if mode != "lexical":  # ranking by meaning scores every candidate: none is lost to post-filtering
        assert got == expected
    for r in resp.results:
        assert "L7" in {lever.id for lever in r.levers}
        assert any(s.facet == "lever" and s.id == "L7" for s in r.why.shared)


def test_filter_never_loses_results_to_post_filtering(hashing_service):
    # k smaller than the candidate set: exactly k results, all candidates
    resp = search(hashing_service, "élus", k=3, facets={"lever": ["L7"]})
    assert len(resp.results) == min(3, resp.candidates)


def test_filter_matching_nothing_is_an_empty_result_not_an_error(hashing_service):
    resp = search(hashing_service, "santé", facets={"lever": ["L1"], "period": "1800-1801"})
    assert resp.results == [] and resp.candidates == 0
    assert resp.warnings


def test_unknown_facet_value_lists_valid_values(hashing_service):
    with pytest.raises(SearchInputError) as err:
        search(hashing_service, "santé", facets={"lever": ["L77"]})
    msg = str(err.value)
    assert "L77" in msg and "L1" in msg and "L10" in msg


def test_unknown_facet_name_is_refused(hashing_service):
    with pytest.raises(SearchInputError, match="facets.colour"):
        search(hashing_service, "santé", facets={"colour": ["red"]})


# -- entities and explanations -----------------------------------------------------------------


def test_acronym_is_recognised_and_explains_results(hashing_service):
    resp = search(hashing_service, "coopération entre un PNR et une métropole", mode="hybrid", k=5)
    kinds = {(e.kind, e.id) for e in resp.entities}
    assert ("actor-type", "pnr") in kinds  # ("métropole" alone is too generic to trigger)
    with_pnr = [r for r in resp.results if any(e.id == "pnr" for e in r.why.matched_entities)]
    assert with_pnr
    for r in with_pnr:  # the explanation is true: an actor of the case is a PNR
        assert any("parc naturel" in t.lower() for a in r.actors for t in a.types), r.actors
    for r in resp.results:
        assert all(e in resp.entities for e in r.why.matched_entities)


def test_passage_span_points_at_matching_words(hashing_service):
    resp = search(hashing_service, "alimentation", mode="lexical")
    assert resp.results
    terms = {e.term.lstrip("=") for e in hashing_service.index.lexical.query_terms("alimentation")}
    assert "circuit court" in terms  # expansion from the theme's alt labels
    direct = 0
    for r in resp.results:
        p = r.why.passage
        assert p is not None and p.spans
        for span in p.spans:
            assert span.term in terms
            words = fold(p.text[span.start:span.end])
            direct += words.startswith("aliment")
            assert words.startswith("aliment") or span.term != "aliment"
        assert r.why.scores.lexical > 0 and r.why.scores.dense is None
    assert direct


def test_hybrid_reports_both_score_components(hashing_service):
    resp = search(hashing_service, "contrat de réciprocité ville campagne", k=5)
    for r in resp.results:
        assert r.why.scores.dense is not None and r.why.scores.lexical is not None
        assert r.score == r.why.scores.fused
    assert [r.score for r in resp.results] == sorted((r.score for r in resp.results), reverse=True)


def test_result_card_has_what_a_practitioner_needs(hashing_service):
    resp = search(hashing_service, "contrat de réciprocité Brest Centre Ouest Bretagne", k=3, mode="lexical")
    top = resp.results[0]
    assert top.id == "contrat-reciprocite-brest-cob"
    data = top.model_dump()
    for key in ("id", "label", "score", "summary", "actors", "instruments", "levers", "concepts", "themes",
                "territories", "sources", "why"):
        assert key in data
    assert {"id", "label", "types", "role"} <= set(data["actors"][0])
    assert {"matched_entities", "shared", "passage", "scores"} <= set(data["why"])
    assert {"dense", "lexical"} <= set(data["why"]["scores"])
    assert any(a.id == "brest-metropole" and a.types and a.role for a in top.actors)
    assert top.sources and top.sources[0].passages


def test_english_query_is_handled(hashing_service):
    resp = search(hashing_service, "twinning contract between a city and the countryside")
    assert resp.results  # the real model ranks it (test_search_e5.py); here: no crash, results


# -- similar -----------------------------------------------------------------------------------


def test_similar_excludes_the_case_and_explains_overlap(hashing_service):
    resp = hashing_service.similar("contrat-reciprocite-brest-cob", k=5)
    assert resp.case.id == "contrat-reciprocite-brest-cob"
    ids = [r.id for r in resp.results]
    assert "contrat-reciprocite-brest-cob" not in ids and len(ids) == 5
    assert all(r.why.scores.graph is not None and 0 <= r.why.scores.graph <= 1 for r in resp.results)
    assert any(r.why.shared for r in resp.results)
    # a case sharing instruments/levers outranks, on the graph part, one sharing nothing
    best = max(resp.results, key=lambda r: r.why.scores.graph)
    assert best.why.shared


def test_similar_unknown_case_suggests_close_ids(hashing_service):
    with pytest.raises(SearchInputError, match="did you mean contrat-reciprocite-brest-cob"):
        hashing_service.similar("contrat-reciprocite-brest")


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query, message", [
    ("", "empty query"),
    ("   \n\t ", "empty query"),
    ("x" * 10_000, "too long"),
    ("🤝🌾🏙️", "no letters"),
    ("santé\x00", "control characters"),
])
def test_bad_queries_get_clear_errors(hashing_service, query, message):
    with pytest.raises(SearchInputError, match=message):
        search(hashing_service, query)


def test_query_at_the_length_limit_is_accepted(hashing_service):
    words = ("coopération entre territoires ruraux et urbains " * 40)[:MAX_QUERY_CHARS]
    assert search(hashing_service, words, k=2).results


def test_emoji_with_words_and_non_latin_script_do_not_crash(hashing_service):
    assert search(hashing_service, "🤝 coopération ville-campagne 🌾").results
    resp = search(hashing_service, "城市与乡村的合作")
    assert resp.results and any("ranked by meaning only" in w for w in resp.warnings)
    resp = search(hashing_service, "сотрудничество города и деревни", mode="lexical")
    assert resp.results == [] and resp.warnings


@pytest.mark.parametrize("bad", [{"query": "santé", "k": 0}, {"query": "santé", "k": 1000},
                                 {"query": "santé", "mode": "fuzzy"}, {"query": 42}])
def test_bad_requests_are_refused(hashing_service, bad):
    with pytest.raises(SearchInputError):
        hashing_service.search(bad)


def test_request_model_validates_alone():
    assert SearchRequest(query="  santé ").query == "santé"
    assert Facets(lever=["L1"]).active() == {"lever": ["L1"]}


# -- index -------------------------------------------------------------------------------------


def test_index_covers_every_case_of_the_store(hashing_service):
    passages = passages_from_store(hashing_service.store)
    assert set(hashing_service.index.lexical.case_ids) == {p.case_id for p in passages}
    assert {vid.split("#")[0] for vid in hashing_service.index.dense.ids} == {p.case_id for p in passages}
    assert len(hashing_service.index.vocab) > 30


def test_query_vectors_are_memoised(hashing_service):
    before = hashing_service.embedder.embedded
    search(hashing_service, "mutualiser un thermicien entre communes", k=2)
    search(hashing_service, "mutualiser un thermicien entre communes", k=5, facets={"lever": ["L9"]})
    assert hashing_service.embedder.embedded - before == 1  # one query embedding, reused


# -- the in-memory facet index -------------------------------------------------------------------

FACET_REQUESTS = [
    ("coopération santé", {"lever": ["L7"]}),
    ("coopération entre un PNR et une métropole", {}),
    ("contrat de réciprocité Brest Finistère", {"region": ["bretagne"]}),
    ("mutualiser l'ingénierie", {"actor_type": ["epci", "pnr"], "period": "2010-"}),
    ("alimentation circuits courts", {"instrument": ["contrat"], "theme": ["alimentation", "sante"]}),
    ("élus et habitants", {"departement": ["29", "33"]}),
    ("santé", {"lever": ["L1"], "period": "1800-1801"}),
]


@pytest.fixture(scope="module")
def sparql_service(hashing_service):
    """The same store, index and embedder, with per-request SPARQL instead of the facet index."""
    from search.service import SearchService

    return SearchService(hashing_service.store, hashing_service.index, hashing_service.embedder,
                         catalog=hashing_service.catalog, facet_index=False)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
@pytest.mark.parametrize("query, facets", FACET_REQUESTS)
def test_facet_index_gives_the_same_responses_as_sparql(hashing_service, sparql_service, query, facets, mode):
    assert hashing_service.facet_index is not None and sparql_service.facet_index is None
    a = search(hashing_service, query, mode=mode, k=20, facets=facets)
    b = search(sparql_service, query, mode=mode, k=20, facets=facets)
    assert a.model_dump() == b.model_dump()


def test_facet_index_gives_the_same_similar_cases(hashing_service, sparql_service):
    for case in ("contrat-reciprocite-brest-cob", "chantiers-gironde-2033"):
        assert hashing_service.similar(case, k=8).model_dump() == sparql_service.similar(case, k=8).model_dump()
    ids = sorted(hashing_service._case_vectors) + ["no-such-case"]
    assert hashing_service.case_values(ids) == sparql_service.case_values(ids)


def test_ranking_sends_no_query_to_the_store_once_warm(hashing_service):
    from search.service import SearchService

    class Counting:
        def __init__(self, store):
            self.store, self.queries = store, 0

        def select(self, query):
            self.queries += 1
            return self.store.select(query)

        def raw_query(self, query, fmt):
            self.queries += 1
            return self.store.raw_query(query, fmt)

    store = Counting(hashing_service.store)
    service = SearchService(store, hashing_service.index, hashing_service.embedder, catalog=hashing_service.catalog)
    service.warm()
    built = store.queries
    assert built > 0
    ranking = service.rank("coopération entre un PNR et une métropole en Bretagne", k=5,
                           facets=Facets(actor_type=["pnr", "metropole"], period="2000-"))
    assert ranking.entities and ranking.boost and ranking.candidates
    service.similar("contrat-reciprocite-brest-cob", k=3)  # (its result cards are read from the store)
    store.queries = built
    service.rank("santé des jeunes", k=5, facets=Facets(region=["bretagne"]))
    assert store.queries == built


def test_filtered_dense_search_scores_every_candidate_case(hashing_service):
    """Every candidate's dense score is its exact score (w · case vector + (1 − w) · best passage)."""
    resp = hashing_service.rank("coopération ville campagne", mode="dense", k=50, facets=Facets(region=["bretagne"]))
    assert set(resp.dense) == resp.candidates
    exact, _ = hashing_service._dense_exact(hashing_service.embed_query("coopération ville campagne"),
                                            sorted(resp.candidates))
    assert resp.dense == pytest.approx(exact)


# -- the dense stage and the cards, computed faster than their definitions ---------------------
def _dense_by_vector(service, qvec, case_ids):
    """The dense scores as defined: every vector of each case, one by one."""
    vids = [v for c in case_ids for v in service._case_vectors.get(c, ())]
    sims = service.index.dense.vectors(vids) @ qvec
    w, case_sim, best = service.params.case_vector_weight, {}, {}
    for vid, s in zip(vids, sims.tolist()):
        cid, _, field = vid.partition("#")
        if field == "case":
            case_sim[cid] = s
        elif cid not in best or s > best[cid][0]:
            best[cid] = (s, vid)
    scores = {}
    for cid in set(case_sim) | set(best):
        bp = best.get(cid, (case_sim.get(cid, 0.0), ""))[0]
        scores[cid] = w * case_sim.get(cid, bp) + (1.0 - w) * bp
    return scores, {cid: vid for cid, (_, vid) in best.items()}


def test_dense_scores_are_exactly_their_definition(hashing_service):
    cases = sorted(hashing_service._case_vectors) + ["no-such-case"]
    for query in ("coopération ville campagne", "mutualiser un poste", "eau potable"):
        qvec = hashing_service.embed_query(query)
        assert hashing_service._dense_exact(qvec, cases) == _dense_by_vector(hashing_service, qvec, cases)
        assert hashing_service._dense_exact(qvec, cases[3:9]) == _dense_by_vector(hashing_service, qvec, cases[3:9])
    assert hashing_service._dense_exact(qvec, []) == ({}, {})


@pytest.fixture(scope="module")
def hnsw_service(hashing_service):
    """The same service with its dense vectors in an HNSW graph (exact_max below their number)."""
    from search.index import SearchIndex
    from search.service import SearchService
    from search.vectors import VectorIndex

    idx, dense = hashing_service.index, hashing_service.index.dense
    hnsw = VectorIndex.build(dense.ids, dense.vectors(dense.ids), dense.model_id, exact_max=50)
    assert hnsw.kind == "hnsw"
    index = SearchIndex(idx.lexical, hnsw, idx.vocab, list(idx.vocab_entries.values()), idx.model_id)
    return SearchService(hashing_service.store, index, hashing_service.embedder, catalog=hashing_service.catalog)


QUERIES = ["coopération ville campagne", "mutualiser un poste", "eau potable", "Bretagne", "santé des jeunes"]


@pytest.mark.parametrize("pool", [5, 12, 30])
def test_dense_pool_is_the_exact_top_of_every_case(hnsw_service, pool):
    """The pool is the best ``pool`` cases by exact dense score among those the case-vector scan
    and the ANN search bring: on a small HNSW index, the exact top of every case."""
    every = hnsw_service._cases
    for q in QUERIES:
        qvec = hnsw_service.embed_query(q)
        scores, passages = hnsw_service._dense(qvec, None, pool)
        exact, _ = hnsw_service._dense_exact(qvec, every)
        best = sorted(exact, key=lambda c: (-exact[c], c))[:pool]
        assert sorted(scores) == sorted(best)
        assert all(scores[c] == exact[c] for c in scores) and set(passages) <= set(scores)


def test_dense_pool_with_candidates_is_their_exact_top(hnsw_service):
    every = hnsw_service._cases
    candidates = set(every[::3])
    for q in QUERIES:
        qvec = hnsw_service.embed_query(q)
        scores, _ = hnsw_service._dense(qvec, candidates, 8)
        exact, _ = hnsw_service._dense_exact(qvec, sorted(candidates))
        assert sorted(scores) == sorted(sorted(exact, key=lambda c: (-exact[c], c))[:8])
    assert hnsw_service._dense(qvec, {"no-such-case"}, 8) == ({}, {})


def test_dense_pool_finds_a_case_by_one_strong_passage(hnsw_service, monkeypatch):
    """Without the case-vector scan (CASE_POOL 0) the ANN part alone still finds the cases; without
    the ANN part (VECTOR_POOL 0) the scan alone does: each half is a real retriever."""
    import search.service as service_module

    qvec = hnsw_service.embed_query("mutualiser un poste")
    full, _ = hnsw_service._dense(qvec, None, 5)
    for name in ("CASE_POOL", "VECTOR_POOL"):
        with monkeypatch.context() as m:
            m.setattr(service_module, name, 0)
            half, _ = hnsw_service._dense(qvec, None, 5)
        assert half and len(set(half) & set(full)) >= 3, name


def test_cards_read_the_case_prefix_and_reference_labels_once(hashing_service):
    from search.service import SearchService

    class Counting:
        def __init__(self, store):
            self.store, self.queries = store, []

        def select(self, query):
            self.queries.append(query)
            return self.store.select(query)

    store = Counting(hashing_service.store)
    service = SearchService(store, hashing_service.index, hashing_service.embedder, catalog=hashing_service.catalog)
    ids = sorted(service._case_vectors)
    assert service.cards(ids) == hashing_service.cards(ids)
    service._cards.clear()
    store.queries.clear()
    assert service.cards(ids[:3]) == hashing_service.cards(ids[:3])
    assert store.queries and not any("LIMIT 1" in q or "skos:notation, skos:prefLabel" in q for q in store.queries)


def test_candidate_ids_is_the_set_of_the_cases_at_the_positions():
    import numpy as np

    from search.service import CandidateIds

    cases = ["a", "b", "c", "d"]
    ids = CandidateIds(cases, np.asarray([1, 3]))
    assert len(ids) == 2 and ids._ids is None  # counting builds nothing
    assert "b" in ids and "a" not in ids and ids == {"b", "d"} and sorted(ids) == ["b", "d"]
    assert not CandidateIds(cases, np.zeros(0, dtype=np.int64))
