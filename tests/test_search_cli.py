"""`coopkg search / similar / facets / eval` through the CLI (hashing fake embedder, set in conftest)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coopkg.cli import cli

from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-search") / "data"
    result = CliRunner().invoke(cli, ["--home", str(home), "--corpus", str(CORPUS), "build", "-q"])
    assert result.exit_code == 0, result.output
    return home


def run(home, *args, input=None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input)


def test_build_creates_the_search_index(home):
    assert (home / "search" / "meta.json").is_file()
    result = run(home, "build")
    assert result.exit_code == 0 and "Search index up to date" in result.output


def test_search_json_contract(home):
    result = run(home, "search", "contrat de réciprocité", "--json", "--k", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "contrat de réciprocité" and data["mode"] == "hybrid"
    assert len(data["results"]) == 3
    r = data["results"][0]
    for key in ("id", "label", "score", "summary", "actors", "instruments", "levers", "concepts", "themes",
                "territories", "sources", "why"):
        assert key in r
    assert set(r["why"]["scores"]) >= {"dense", "lexical"}


def test_search_text_output_is_french_and_explained(home):
    result = run(home, "search", "PNR", "--mode", "lexical", "--k", "2")
    assert result.exit_code == 0, result.output
    assert "Acteurs :" in result.output and "Pourquoi :" in result.output and "scores :" in result.output


def test_search_with_facets(home):
    result = run(home, "search", "élus", "--json", "--lever", "L7", "--actor-type", "metropole")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facets"] == {"lever": ["L7"], "actor_type": ["metropole"]}
    for r in data["results"]:
        assert "L7" in {lever["id"] for lever in r["levers"]}


def test_unknown_facet_value_exits_2_with_valid_values(home):
    result = run(home, "search", "santé", "--lever", "L99")
    assert result.exit_code == 2
    assert "L99" in result.output and "L10" in result.output


@pytest.mark.parametrize("args, code, message", [
    (["search", ""], 2, "empty query"),
    (["search", "x" * 10_000], 2, "too long"),
    (["search", "🌾🏙️"], 2, "no letters"),
    (["search"], 2, "missing QUERY"),
    (["search", "santé", "--k", "0"], 2, "0"),
    (["search", "santé", "--period", "hier"], 2, "period"),
    (["similar", "nope"], 2, "unknown case"),
])
def test_bad_input_exit_codes(home, args, code, message):
    result = run(home, *args)
    assert result.exit_code == code, result.output
    assert message in result.output


def test_batch_one_json_line_per_query(home):
    queries = "coopération ville-campagne\n\nalimentation locale\n   \n🌾\n"
    result = run(home, "search", "--batch", "-", "--k", "2", input=queries)
    assert result.exit_code == 1  # one line failed
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [d["query"] for d in lines] == ["coopération ville-campagne", "alimentation locale", "🌾"]
    assert len(lines[0]["results"]) == 2 and "error" in lines[2]


def test_batch_without_queries_is_refused(home):
    result = run(home, "search", "--batch", "-", input="\n\n")
    assert result.exit_code == 2 and "no query" in result.output


def test_similar_cli(home):
    result = run(home, "similar", "contrat-reciprocite-brest-cob", "--json", "--k", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["case"]["id"] == "contrat-reciprocite-brest-cob" and len(data["results"]) == 3


def test_facets_lists_values(home):
    result = run(home, "facets", "lever", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [v["id"] for v in data["lever"]][:2] == ["L1", "L2"]
    assert run(home, "facets", "colour").exit_code == 2


def test_eval_cli(home, tmp_path):
    qfile = tmp_path / "q.json"
    qfile.write_text(json.dumps({"about": "t", "queries": [
        {"id": "a", "q": "contrat de réciprocité Brest", "relevant": ["Brest"]},
        {"id": "b", "q": "projet alimentaire territorial", "relevant": ["alimentaire"]},
        {"id": "z", "q": "rien", "relevant": ["^nothing-matches-this$"]},
    ]}), encoding="utf-8")
    result = run(home, "eval", str(qfile), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"hybrid", "dense", "lexical"}
    assert set(data["lexical"]) == {"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"}
    assert data["lexical"]["recall@10"] == 1.0
    assert "match no case" in result.stderr
    text = run(home, "eval", str(qfile), "--mode", "lexical")
    assert text.exit_code == 0 and "ndcg@10" in text.output


def test_eval_bad_file(home, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = run(home, "eval", str(bad))
    assert result.exit_code == 1 and "invalid JSON" in result.output


def test_a_query_encoder_failure_is_one_clear_line(home, monkeypatch):
    """The ONNX query encoder's errors (a model folder it cannot write into…) are embedder errors:
    one line and exit code 1, not a traceback."""
    from search.embedder import EmbedderError
    from search.onnx_query import QueryEncoderError, QueryEncoderStale
    from search.service import SearchService

    assert issubclass(QueryEncoderError, EmbedderError) and issubclass(QueryEncoderStale, EmbedderError)

    def refuse(cls, settings, **kwargs):
        raise QueryEncoderError("cannot write the ONNX query encoder in /x: read-only; make the model folder writable")

    monkeypatch.setattr(SearchService, "open", classmethod(refuse))
    result = run(home, "search", "coopération")
    assert result.exit_code == 1
    assert result.output.strip() == ("coopkg: cannot write the ONNX query encoder in /x: read-only; "
                                     "make the model folder writable")
