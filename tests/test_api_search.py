"""The search API (/api/…): contract, facets as query parameters, cases, vocabularies, facet
values, statistics, meta, the error shape and the OpenAPI description. In-process (TestClient)
over the repository corpus with the hashing fake embedder."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from search.contract import Facets

CASE = "contrat-reciprocite-brest-cob"


@pytest.fixture(scope="module")
def client(built_settings, hashing_service):
    return TestClient(create_app(built_settings, service=hashing_service))


def assert_error(response, status: int, field: str | None = "__any__") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail", "field"}
    assert body["error"]["status"] == status and body["error"]["title"] and body["error"]["detail"]
    if field != "__any__":
        assert body["error"]["field"] == field
    return body["error"]


# -- /api/search --------------------------------------------------------------------------------
def test_search_is_the_cli_contract(client, built_settings, hashing_service, monkeypatch):
    from coopkg.cli import cli
    from search.service import SearchService

    monkeypatch.setenv("COOPKG_HOME", str(built_settings.home))
    monkeypatch.setattr(SearchService, "open", classmethod(lambda cls, settings, **kw: hashing_service))
    query = "coopération ville-campagne autour de la santé"
    result = CliRunner().invoke(cli, ["search", query, "--json", "--k", "3", "--lever", "L7", "--lever", "L9",
                                      "--region", "bretagne"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    api = client.get("/api/search", params=[("q", query), ("k", "3"), ("lever", "L7"), ("lever", "L9"),
                                            ("region", "bretagne")])
    assert api.status_code == 200 and api.headers["content-type"] == "application/json"
    assert api.json() == json.loads(result.output)
    assert api.json()["facets"] == {"lever": ["L7", "L9"], "region": ["bretagne"]}


def test_search_facets_and_modes(client):
    body = client.get("/api/search", params={"q": "parc naturel régional", "actor_type": "pnr", "k": 5,
                                             "mode": "lexical"}).json()
    assert body["mode"] == "lexical" and body["k"] == 5 and body["candidates"] >= 1
    for result in body["results"]:
        assert {"facet": "actor_type", "id": "pnr"} == {k: result["why"]["shared"][0][k] for k in ("facet", "id")}
    period = client.get("/api/search", params={"q": "coopération", "period": "2010-2020"}).json()
    assert period["facets"] == {"period": "2010-2020"} and period["candidates"] is not None
    none = client.get("/api/search", params={"q": "coopération", "lever": "L1", "period": "-1900"}).json()
    assert none["candidates"] == 0 and none["results"] == [] and none["warnings"]


def test_every_facet_is_a_query_parameter(client):
    for name in Facets.model_fields:
        value = "2016" if name == "period" else client.get(f"/api/facets/{name}").json()[0]["id"]
        response = client.get("/api/search", params={"q": "coopération", name: value, "k": 1})
        assert response.status_code == 200, (name, response.text)
        assert name in response.json()["facets"]


def test_search_errors(client):
    assert "empty query" in assert_error(client.get("/api/search", params={"q": "   "}), 422, "q")["detail"]
    assert_error(client.get("/api/search"), 422, "q")
    assert_error(client.get("/api/search", params={"q": "x" * 1001}), 422, "q")
    assert_error(client.get("/api/search", params={"q": "🙂🙂"}), 422, "q")
    assert_error(client.get("/api/search", params={"q": "santé", "k": 0}), 422, "k")
    assert_error(client.get("/api/search", params={"q": "santé", "k": 101}), 422, "k")
    assert_error(client.get("/api/search", params={"q": "santé", "mode": "fuzzy"}), 422, "mode")
    unknown = assert_error(client.get("/api/search", params={"q": "santé", "lever": "L99"}), 400, "lever")
    assert "did you mean L9" in unknown["detail"] and "Valid lever values" in unknown["detail"]
    assert "YYYY" in assert_error(client.get("/api/search", params={"q": "santé", "period": "2020-20"}), 400,
                                  "period")["detail"]
    typo = assert_error(client.get("/api/search", params={"q": "santé", "levr": "L9"}), 400, "levr")
    assert "did you mean lever" in typo["detail"]


def test_method_and_path_errors(client):
    response = client.post("/api/search", params={"q": "santé"})
    assert_error(response, 405, None)
    assert "GET" in response.headers["allow"]
    assert_error(client.get("/api/nothing-here"), 404, None)


# -- cases --------------------------------------------------------------------------------------
def test_case_detail(client, hashing_service):
    body = client.get(f"/api/cases/{CASE}").json()
    assert body["id"] == CASE and body["iri"].endswith(f"/case/{CASE}")
    assert {a["id"] for a in body["actors"]} >= {"brest-metropole"} and body["instruments"] and body["sources"]
    assert [lv["id"] for lv in body["levers"]] == ["L7", "L9"]
    assert body["grid"]["trigger"] and body["alt_labels"] and body["related"] is not None
    from search.cards import case_cards

    card = case_cards(hashing_service.store, [CASE])[CASE]
    assert body["label"] == card["label"] and body["summary"] == card["summary"]


def test_every_case_has_a_detail(client):
    ids = [line.split(";", 1)[0] for line in client.get("/dumps/cases.csv").text.lstrip("\ufeff").splitlines()[1:]]
    assert len(ids) == 31
    for cid in ids:
        assert client.get(f"/api/cases/{cid}").status_code == 200


def test_unknown_case(client):
    error = assert_error(client.get("/api/cases/contrat-reciprocite-brest"), 404, "id")
    assert CASE in error["detail"]
    assert_error(client.get("/api/cases/a b"), 404, "id")
    assert_error(client.get("/api/cases/nope/similar"), 404, "id")


def test_similar(client, hashing_service):
    body = client.get(f"/api/cases/{CASE}/similar", params={"k": 3}).json()
    assert body == json.loads(hashing_service.similar(CASE, 3).model_dump_json())
    assert body["case"]["id"] == CASE and len(body["results"]) == 3
    assert_error(client.get(f"/api/cases/{CASE}/similar", params={"k": 0}), 422, "k")


# -- vocabularies, facets, stats, meta ----------------------------------------------------------
def test_levers_by_axis(client):
    body = client.get("/api/vocab/levers").json()
    assert body["scheme"]["label"]["fr"]
    assert len(body["axes"]) == 4
    levers = [lv for axis in body["axes"] for lv in axis["levers"]]
    assert sorted(lv["rank"] for lv in levers) == list(range(1, 11))
    assert all(lv["prefLabel"]["fr"] and lv["prefLabel"]["en"] and lv["definition"]["fr"] for lv in levers)
    for axis in body["axes"]:
        assert all(axis["id"] in lv["broader"] for lv in axis["levers"])


@pytest.mark.parametrize("name, some_id", [("instrument-types", "contrat-de-reciprocite"), ("actor-types", "pnr"),
                                           ("concepts", "reciprocite-territoriale"), ("themes", "sante")])
def test_vocab_listings(client, name, some_id):
    body = client.get(f"/api/vocab/{name}").json()
    by_id = {c["id"]: c for c in body["concepts"]}
    assert some_id in by_id and by_id[some_id]["prefLabel"]["fr"] and by_id[some_id]["iri"].startswith("https://")
    assert body["scheme"]["iri"].startswith("https://w3id.org/coopkg/ontology#")
    for c in body["concepts"]:
        assert all(c["id"] in by_id[b]["narrower"] for b in c["broader"])
    if name in ("instrument-types", "actor-types"):
        assert by_id[some_id]["broader"]


def test_facet_values(client):
    levers = client.get("/api/facets/lever").json()
    assert [v["id"] for v in levers] == [f"L{i}" for i in range(1, 11)] and all(v["count"] >= 0 for v in levers)
    assert client.get("/api/facets/actor-type").json() == client.get("/api/facets/actor_type").json()
    everything = client.get("/api/facets").json()
    assert set(everything) == set(Facets.model_fields) - {"period"} and everything["lever"] == levers
    assert "lever" in assert_error(client.get("/api/facets/levers"), 404, "name")["detail"]


def test_stats(client, hashing_service):
    from kb.queries import stats

    assert client.get("/api/stats").json() == stats(hashing_service.store)


def test_meta_hides_the_token(built_settings, hashing_service):
    token = "s3cret-token-of-the-publisher"
    with_token = built_settings.model_copy(update={"write_token": __import__("pydantic").SecretStr(token)})
    response = TestClient(create_app(with_token, service=hashing_service)).get("/api/meta")
    assert response.status_code == 200 and token not in response.text
    body = response.json()
    assert body["settings"]["write_token"] == "***"
    assert body["model"] == hashing_service.embedder.model_id == body["index"]["model_id"]
    assert body["counts"]["cases"] == 31 and body["versions"]["fastapi"]
    assert "vocabulary" not in body["index"]
    plain = TestClient(create_app(built_settings, service=hashing_service)).get("/api/meta").json()
    assert plain["settings"]["write_token"] is None and plain["settings"]["base_iri"] == built_settings.base_iri


def test_openapi(client):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z_]*[a-z]", i) for i in ids), ids
    assert {"search_cases", "get_case", "similar_cases", "list_levers", "get_stats", "get_meta", "get_resource",
            "get_dataset", "dump_turtle"} <= set(ids)
    assert {"SearchResponse", "SimilarResponse", "CaseDetail"} <= set(spec["components"]["schemas"])
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params == {"q", "k", "mode", *Facets.model_fields}
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
