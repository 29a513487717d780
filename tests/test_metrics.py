"""Retrieval metrics on tiny hand-computed examples, and query-file parsing / validation."""
from __future__ import annotations

import json
import math
import unicodedata

import pytest

from search.metrics import (
    METRICS,
    QueryFileError,
    evaluate,
    load_query_file,
    ndcg_at_k,
    per_query,
    qrels,
    recall_at_k,
    reciprocal_rank,
    relevant_ids,
)

LOG2_3 = math.log2(3)  # 1.584962500721156 ; 1/log2(3) = 0.6309297535714575


# --------------------------------------------------------------------------- recall


def test_recall_two_relevant_at_ranks_1_and_3():
    ranked = ["a", "b", "c", "d"]
    rel = {"a", "c"}
    assert recall_at_k(ranked, rel, 1) == 0.5  # a found, c not yet: 1/2
    assert recall_at_k(ranked, rel, 2) == 0.5  # b is not relevant: still 1/2
    assert recall_at_k(ranked, rel, 3) == 1.0  # a and c: 2/2
    assert recall_at_k(ranked, rel, 10) == 1.0


def test_recall_is_fraction_of_relevant_cases_found():
    # three relevant cases (one query whose regexes match three cases), one of them in the top 5
    ranked = ["x1", "x2", "b", "x3", "x4", "a"]
    assert recall_at_k(ranked, {"a", "b", "c"}, 5) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, {"a", "b", "c"}, 6) == pytest.approx(2 / 3)


def test_recall_nothing_found_and_k_beyond_list():
    assert recall_at_k(["x", "y"], {"a"}, 5) == 0.0
    assert recall_at_k([], {"a"}, 5) == 0.0
    # k = 10 on a 1-item list: the list is simply shorter; 1 of 2 relevant found
    assert recall_at_k(["a"], {"a", "b"}, 10) == 0.5


def test_recall_duplicates_count_once_and_take_a_place():
    ranked = ["a", "a", "b"]
    # the repeated "a" earns nothing and pushes "b" to rank 3
    assert recall_at_k(ranked, {"a", "b"}, 2) == 0.5
    assert recall_at_k(ranked, {"a", "b"}, 3) == 1.0
    assert recall_at_k(["a", "a", "a"], {"a", "b"}, 3) == 0.5  # never above 1 relevant found


# --------------------------------------------------------------------------- reciprocal rank


def test_reciprocal_rank():
    assert reciprocal_rank(["a", "b"], {"a"}) == 1.0
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)  # first relevant at rank 3
    assert reciprocal_rank(["x", "b", "a"], {"a", "b"}) == 0.5  # first relevant (b) at rank 2
    assert reciprocal_rank(["x", "y"], {"a"}) == 0.0
    assert reciprocal_rank([], {"a"}) == 0.0
    assert reciprocal_rank(["x", "y", "a"], {"a"}, k=2) == 0.0  # cut before rank 3
    assert reciprocal_rank(["x", "x", "a"], {"a"}) == pytest.approx(1 / 3)  # the repeat keeps its place


# --------------------------------------------------------------------------- nDCG


def test_ndcg_two_relevant_at_ranks_1_and_3():
    # DCG  = 1/log2(2) + 1/log2(4)          = 1 + 0.5           = 1.5
    # IDCG = 1/log2(2) + 1/log2(3)          = 1 + 0.6309297536  = 1.6309297536
    # nDCG = 1.5 / 1.6309297536             = 0.9197207891
    assert ndcg_at_k(["a", "b", "c", "d"], {"a", "c"}, 10) == pytest.approx(0.9197207891, abs=1e-9)
    assert ndcg_at_k(["a", "b", "c", "d"], {"a", "c"}, 10) == pytest.approx(1.5 / (1 + 1 / LOG2_3))
    # @2: DCG = 1 (c is cut off), IDCG = 1.6309297536 -> 0.6131471928
    assert ndcg_at_k(["a", "b", "c", "d"], {"a", "c"}, 2) == pytest.approx(0.6131471928, abs=1e-9)


def test_ndcg_single_relevant_at_rank_3():
    # DCG = 1/log2(4) = 0.5 ; IDCG = 1 -> 0.5
    assert ndcg_at_k(["x", "y", "a"], {"a"}, 10) == 0.5
    assert ndcg_at_k(["x", "y", "a"], {"a"}, 2) == 0.0


def test_ndcg_perfect_and_ideal_capped_at_k():
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 10) == 1.0
    # 3 relevant but k = 2: the ideal ranking has only 2 places -> a perfect top 2 scores 1
    assert ndcg_at_k(["a", "b", "c"], {"a", "b", "c"}, 2) == 1.0
    # recall@2 of that ranking is still 2/3
    assert recall_at_k(["a", "b", "c"], {"a", "b", "c"}, 2) == pytest.approx(2 / 3)


def test_ndcg_edge_cases():
    assert ndcg_at_k(["x", "y"], {"a"}, 10) == 0.0  # nothing found
    assert ndcg_at_k([], {"a"}, 10) == 0.0
    # k larger than the list: 1 of 2 relevant at rank 1 -> 1 / (1 + 0.6309297536) = 0.6131471928
    assert ndcg_at_k(["a"], {"a", "b"}, 10) == pytest.approx(0.6131471928, abs=1e-9)
    # duplicates: [a, a, b] with {a, b}: DCG = 1 + 0 + 1/log2(4) = 1.5 -> 0.9197207891, never above 1
    assert ndcg_at_k(["a", "a", "b"], {"a", "b"}, 10) == pytest.approx(0.9197207891, abs=1e-9)
    assert ndcg_at_k(["a", "a", "a", "b"], {"a", "b"}, 10) <= 1.0


@pytest.mark.parametrize("fn", [recall_at_k, ndcg_at_k])
@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_invalid_k(fn, k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        fn(["a"], {"a"}, k)


@pytest.mark.parametrize("fn", [lambda r, rel: recall_at_k(r, rel, 5), reciprocal_rank,
                                lambda r, rel: ndcg_at_k(r, rel, 10)])
def test_no_relevant_id_is_an_error(fn):
    with pytest.raises(ValueError, match="at least one relevant"):
        fn(["a"], set())


# --------------------------------------------------------------------------- evaluate


def test_evaluate_means_over_queries():
    runs = {"q1": ["a", "b", "c", "d"], "q2": ["x", "y", "a"]}
    gold = {"q1": {"a", "c"}, "q2": {"a"}}
    got = evaluate(runs, gold)
    assert set(got) == set(METRICS) == {"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"}
    assert got["recall@1"] == 0.25  # (1/2 + 0) / 2
    assert got["recall@5"] == 1.0  # (1 + 1) / 2
    assert got["recall@10"] == 1.0
    assert got["mrr"] == pytest.approx(2 / 3)  # (1 + 1/3) / 2
    assert got["ndcg@10"] == pytest.approx((0.9197207891 + 0.5) / 2, abs=1e-9)  # 0.7098603946
    assert per_query(runs, gold)["q2"]["mrr"] == pytest.approx(1 / 3)


def test_evaluate_empty_ranking_scores_zero():
    assert evaluate({"q1": []}, {"q1": {"a"}}) == {m: 0.0 for m in METRICS}


def test_evaluate_errors():
    with pytest.raises(ValueError, match="no ranking for queries 'q2'"):
        evaluate({"q1": ["a"]}, {"q1": {"a"}, "q2": {"b"}})
    with pytest.raises(ValueError, match="unknown queries 'q9'"):
        evaluate({"q1": ["a"], "q9": []}, {"q1": {"a"}})
    with pytest.raises(ValueError, match="no query"):
        evaluate({}, {})
    with pytest.raises(ValueError, match="'q1' has no relevant id"):
        evaluate({"q1": ["a"]}, {"q1": set()})


# --------------------------------------------------------------------------- relevance rule

CASES = {
    "brest-cob": ["Contrat de réciprocité entre Brest métropole et le Pays du Centre Ouest Bretagne",
                  "Coopération ville-campagne Brest métropole – COB"],
    "pays-de-brest": ["Pôle métropolitain du Pays de Brest", "Brest métropole"],
    "toulouse": ["Les pôles de proximité de Toulouse Métropole", "Directions localisées de la métropole"],
    "nantes": ["Les pôles de proximité de Nantes Métropole", "Directions localisées de la métropole"],
    "besancon": ["Pacte politique du Grand Besançon"],
}


def test_relevant_ids_rule():
    # case-insensitive, anywhere in the label
    assert relevant_ids(["centre ouest"], CASES) == {"brest-cob"}
    # an alt label is enough
    assert relevant_ids(["\\bCOB\\b"], CASES) == {"brest-cob"}
    # one regex may match several cases: all of them are relevant
    assert relevant_ids(["brest"], CASES) == {"brest-cob", "pays-de-brest"}
    assert relevant_ids(["directions localis[ée]es"], CASES) == {"toulouse", "nantes"}
    # several regexes: the union
    assert relevant_ids(["toulouse", "besan[cç]on"], CASES) == {"toulouse", "besancon"}
    # a dict in the query-file format works too; no match -> empty set
    assert relevant_ids({"id": "x", "q": "…", "relevant": ["lille"]}, CASES) == set()
    # uppercase accented letters fold too
    assert relevant_ids(["PÔLE MÉTROPOLITAIN"], CASES) == {"pays-de-brest"}


def test_relevant_ids_unicode_normalisation():
    decomposed = unicodedata.normalize("NFD", "Pacte politique du Grand Besançon")
    assert decomposed != "Pacte politique du Grand Besançon"
    assert relevant_ids(["besançon"], {"b": [decomposed]}) == {"b"}


def test_relevant_ids_from_loaded_query_and_qrels(tmp_path):
    path = _write(tmp_path, {"about": "t", "queries": [
        {"id": "a1", "q": "pôles de proximité", "relevant": ["toulouse", "nantes"]},
        {"id": "a2", "q": "nothing", "relevant": ["lille"]},
    ]})
    qf = load_query_file(path)
    assert relevant_ids(qf.queries[0], CASES) == {"toulouse", "nantes"}
    assert qrels(qf, CASES) == {"a1": {"toulouse", "nantes"}, "a2": set()}


# --------------------------------------------------------------------------- query files


def _write(tmp_path, data, name="queries.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_load_valid_file(tmp_path):
    path = _write(tmp_path, {"about": "a set", "queries": [
        {"id": "d01", "q": "Exemples de coopération", "relevant": ["bordeaux", "brest"]},
        {"id": "d02", "q": "entente", "relevant": ["tridan"]},
    ]})
    qf = load_query_file(path)
    assert qf.about == "a set"
    assert len(qf) == 2
    assert [q.id for q in qf] == ["d01", "d02"]
    assert qf.queries[0].relevant == ("bordeaux", "brest")
    assert qf.queries[0].patterns[0].search("BORDEAUX Métropole")


def _error(tmp_path, data) -> str:
    path = _write(tmp_path, data)
    with pytest.raises(QueryFileError) as info:
        load_query_file(path)
    msg = str(info.value)
    assert str(path) in msg  # every error names the file
    return msg


def test_error_invalid_json(tmp_path):
    msg = _error(tmp_path, '{"queries": [ {"id": "q1", } ]}')
    assert "invalid JSON at line 1" in msg


def test_error_missing_file(tmp_path):
    with pytest.raises(QueryFileError, match="file not found"):
        load_query_file(tmp_path / "nope.json")


def test_error_top_level(tmp_path):
    assert 'missing key "queries"' in _error(tmp_path, {"about": "x"})
    assert "expected a JSON object" in _error(tmp_path, [1, 2])
    assert '"queries" must be a list' in _error(tmp_path, {"queries": {"id": "q1"}})
    assert '"queries" is empty' in _error(tmp_path, {"queries": []})
    assert '"about" must be a string' in _error(tmp_path, {"about": 3, "queries": [{"id": "q", "q": "x", "relevant": ["a"]}]})


@pytest.mark.parametrize("query, expected", [
    ({"id": "q7", "relevant": ["a"]}, "query 'q7': missing key \"q\""),
    ({"id": "q7", "q": "x"}, "query 'q7': missing key \"relevant\""),
    ({"id": "q7", "q": "   ", "relevant": ["a"]}, "query 'q7': empty query text"),
    ({"id": "q7", "q": 3, "relevant": ["a"]}, "query 'q7': \"q\" must be a string"),
    ({"id": "q7", "q": "x", "relevant": []}, "query 'q7': \"relevant\" must be a non-empty list"),
    ({"id": "q7", "q": "x", "relevant": "brest"}, "query 'q7': \"relevant\" must be a non-empty list"),
    ({"id": "q7", "q": "x", "relevant": ["ok", ""]}, "query 'q7': relevant[1] must be a non-empty string"),
    ({"id": "q7", "q": "x", "relevant": ["ok", "(unclosed"]}, "query 'q7': invalid regex relevant[1] '(unclosed'"),
    ({"id": "q7", "q": "x", "relevant": ["[a-"]}, "query 'q7': invalid regex relevant[0]"),
    ({"q": "x", "relevant": ["a"]}, "query #2: missing key \"id\""),
    ({"id": "", "q": "x", "relevant": ["a"]}, "query #2: \"id\" must be a non-empty string"),
    ({"id": "q1", "q": "x", "relevant": ["a"]}, "query 'q1': duplicate query id"),
    ("just a string", "query #2 must be an object"),
])
def test_error_in_a_query_names_it(tmp_path, query, expected):
    first = {"id": "q1", "q": "une question valide", "relevant": ["brest"]}
    msg = _error(tmp_path, {"about": "x", "queries": [first, query]})
    assert expected in msg
