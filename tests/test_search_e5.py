"""Search with the real multilingual-e5-small model over the repository corpus (slow).

Quality floors on the repository's own labelled questions (eval/queries.json): these fail when a
change makes search worse, not when it is slow."""
from __future__ import annotations

import pytest

from search.evaluation import evaluate_file
from search.metrics import load_query_file

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(e5_service):
    return evaluate_file(e5_service, load_query_file(REPO / "eval" / "queries.json"))


def test_hybrid_beats_each_single_method(report):
    ndcg = {mode: rep.metrics["ndcg@10"] for mode, rep in report.modes.items()}
    assert ndcg["hybrid"] >= ndcg["dense"] and ndcg["hybrid"] >= ndcg["lexical"], ndcg


def test_hybrid_quality_floor(report):
    m = report.modes["hybrid"].metrics
    assert m["ndcg@10"] >= 0.80 and m["recall@10"] >= 0.9, m


@pytest.mark.parametrize("query, expected", [
    ("partnership between a big city and its rural hinterland on health and food", "contrat-reciprocite-brest-cob"),
    ("how did elected officials of neighbouring rural communities learn to work together?", None),
])
def test_english_queries(e5_service, query, expected):
    resp = e5_service.search({"query": query, "k": 5})
    assert resp.results
    if expected:
        assert expected in [r.id for r in resp.results]


def test_paraphrase_without_shared_words_is_found_by_meaning(e5_service):
    # none of these words is in the case's title
    resp = e5_service.search({"query": "faire venir des médecins dans les campagnes grâce à la grande ville voisine",
                              "k": 5, "mode": "dense"})
    assert "contrat-reciprocite-brest-cob" in [r.id for r in resp.results]


def test_vocabulary_definitions_are_recognised_by_meaning(e5_service):
    resp = e5_service.search({"query": "manger des produits de la ferme d'à côté à la cantine", "k": 5})
    close = [e for e in resp.entities if e.method == "embedding"]
    assert close, resp.entities
    assert all(e.score is not None and e.score >= e5_service.params.vocab_min for e in close)


def test_similar_with_real_model(e5_service):
    resp = e5_service.similar("contrat-reciprocite-brest-cob", k=5)
    assert len(resp.results) == 5
    assert all(r.why.scores.dense is not None for r in resp.results)
