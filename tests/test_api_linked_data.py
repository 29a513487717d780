"""Linked data: IRIs dereference by content negotiation (Accept and extensions), the ontology at
its own IRI, the DCAT + VoID dataset description, the dumps, and the route prefix derived from
the base IRI setting."""
from __future__ import annotations

import csv
import gzip
import io
import json
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from api.app import create_app
from api.linked_data import negotiate
from ontology import ONTOLOGY_FILE

CASE = "contrat-reciprocite-brest-cob"
BASE = "https://w3id.org/coopkg/id/"
CASE_IRI = URIRef(BASE + "case/" + CASE)
COOP = Namespace("https://w3id.org/coopkg/ontology#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
           "application/rdf+xml": "xml"}
EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples",
              "rdf": "application/rdf+xml"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(built_settings, hashing_service):
    return TestClient(create_app(built_settings, service=hashing_service))


def parse(response) -> Graph:
    media = response.headers["content-type"].split(";")[0]
    return Graph().parse(data=response.content, format=PARSERS[media])


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) == {"status", "title", "detail", "field"} and body["error"]["status"] == status
    return body["error"]


# -- content negotiation ------------------------------------------------------------------------
@pytest.mark.parametrize("accept, expected", [
    (None, "turtle"), ("", "turtle"), ("*/*", "turtle"), (BROWSER, "html"), ("text/html", "html"),
    ("text/turtle", "turtle"), ("application/ld+json", "jsonld"), ("application/json", "jsonld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "rdfxml"),
    ("text/turtle;q=0.5, application/ld+json", "jsonld"), ("application/rdf+xml;q=0.9, text/html;q=0.1", "rdfxml"),
    ("text/*", "turtle"), ("*/*;q=0.1, text/turtle;q=0", "jsonld"), ("text/html;q=0, */*", "turtle"),
    ("application/*;q=0.5, text/html;q=0.4", "jsonld"), ("image/png", None), ("text/turtle;q=0", None),
    ("text/turtle;q=abc, application/n-triples", "nt"),
])
def test_negotiate(accept, expected):
    assert negotiate(accept) == expected


def test_case_iri_as_turtle(client):
    response = client.get(f"/coopkg/id/case/{CASE}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert response.headers["vary"] == "Accept" and 'rel="alternate"' in response.headers["link"]
    g = parse(response)
    assert (CASE_IRI, RDF.type, COOP.CooperationCase) in g
    participation = URIRef(f"{CASE_IRI}/participation/brest-metropole")
    assert (CASE_IRI, COOP.hasParticipation, participation) in g
    assert (participation, COOP.participant, URIRef(BASE + "actor/brest-metropole")) in g  # nested resources
    instruments = list(g.objects(CASE_IRI, COOP.usesInstrument))
    assert instruments and all(list(g.predicate_objects(i)) for i in instruments)
    assert Literal("Santé", lang="fr") in set(g.objects(URIRef(BASE + "theme/sante"), None))  # labels of objects


def test_formats_are_isomorphic(client):
    graphs = {}
    for media in PARSERS:
        response = client.get(f"/coopkg/id/case/{CASE}", headers={"Accept": media})
        assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media
        graphs[media] = parse(response)
    reference = graphs.pop("text/turtle")
    assert len(reference) > 50
    for media, g in graphs.items():
        assert isomorphic(reference, g), media


def test_extension_and_accept(client):
    for ext, media in EXTENSIONS.items():
        by_ext = client.get(f"/coopkg/id/case/{CASE}.{ext}", headers={"Accept": "text/html"})  # the extension wins
        assert by_ext.status_code == 200 and by_ext.headers["content-type"].split(";")[0] == media
        by_accept = client.get(f"/coopkg/id/case/{CASE}", headers={"Accept": media})
        assert isomorphic(parse(by_ext), parse(by_accept))
    html = client.get(f"/coopkg/id/case/{CASE}.html")
    assert html.headers["content-type"].startswith("text/html")
    assert client.get(f"/coopkg/id/case/{CASE}.xyz").status_code == 404


def test_browser_gets_html(client):
    response = client.get(f"/coopkg/id/case/{CASE}", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html and "Contrat de réciprocité entre Brest métropole" in html
    assert 'href="/coopkg/id/actor/brest-metropole"' in html
    assert f'href="/coopkg/id/case/{CASE}/participation/brest-metropole"' in html  # local links
    assert 'href="/coopkg/ontology#CooperationCase"' in html
    assert f'<link rel="alternate" type="text/turtle" href="/coopkg/id/case/{CASE}.ttl"' in html
    assert "<script" not in html


def test_local_alias_and_default_format(client):
    alias = client.get(f"/id/case/{CASE}", headers={"Accept": "*/*"})
    assert alias.headers["content-type"].startswith("text/turtle")
    assert isomorphic(parse(alias), parse(client.get(f"/coopkg/id/case/{CASE}.ttl")))
    assert client.get(f"/coopkg/id/case/{CASE}").headers["content-type"].startswith("text/turtle")  # no Accept


def test_unknown_iris(client):
    error = assert_error(client.get("/coopkg/id/case/nope", headers={"Accept": "text/turtle"}), 404)
    assert "case/nope" in error["detail"]
    assert_error(client.get("/coopkg/id/case/a%20b"), 404)
    assert_error(client.get("/coopkg/id/case/%3Ex%3C"), 404)
    assert_error(client.get("/coopkg/id/"), 404)
    assert_error(client.get(f"/coopkg/id/case/{CASE}", headers={"Accept": "image/png"}), 406)


def test_every_kind_of_minted_iri_dereferences(client):
    dump = Graph().parse(data=gzip.decompress(client.get("/dumps/coopkg.ttl.gz").content), format="turtle")
    kinds = {}
    for s in sorted({s for s in dump.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)}):
        parts = str(s)[len(BASE):].split("/")
        kinds.setdefault((parts[0], parts[2] if len(parts) > 2 else ""), s)
    assert {("case", ""), ("case", "participation"), ("case", "instrument"), ("case", "governance"), ("actor", ""),
            ("territory", ""), ("source", ""), ("source", "passage"), ("lever", ""), ("theme", ""),
            ("graph", "cases")} <= set(kinds)
    for iri in kinds.values():
        response = client.get("/coopkg/id/" + str(iri)[len(BASE):], headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, iri
        assert set(parse(response).predicate_objects(iri)) == set(dump.predicate_objects(iri))


# -- ontology -----------------------------------------------------------------------------------
def test_ontology_at_its_iri(client):
    turtle = client.get("/coopkg/ontology", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.content == ONTOLOGY_FILE.read_bytes()
    reference = Graph().parse(ONTOLOGY_FILE, format="turtle")
    for media in ("application/ld+json", "application/n-triples", "application/rdf+xml"):
        response = client.get("/coopkg/ontology", headers={"Accept": media})
        assert response.headers["vary"] == "Accept" and isomorphic(reference, parse(response)), media
    assert isomorphic(reference, parse(client.get("/coopkg/ontology.nt")))
    assert client.get("/ontology", headers={"Accept": "text/turtle"}).content == turtle.content
    html = client.get("/coopkg/ontology", headers={"Accept": BROWSER}).text
    assert 'id="PNR"' in html and 'id="hasParticipation"' in html and "parc naturel régional" in html


# -- dataset and dumps --------------------------------------------------------------------------
def test_dataset_description(client):
    response = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["vary"] == "Accept"
    g = parse(response)
    ds = URIRef(BASE + "dataset")
    assert (ds, RDF.type, DCAT.Dataset) in g and (ds, RDF.type, VOID.Dataset) in g
    titles = {t.language for t in g.objects(ds, URIRef("http://purl.org/dc/terms/title"))}
    assert titles == {"fr", "en"}
    assert (ds, VOID.sparqlEndpoint, URIRef("http://testserver/sparql")) in g
    dumps = {str(u) for u in g.objects(ds, VOID.dataDump)}
    assert dumps == {"http://testserver/dumps/coopkg.ttl.gz", "http://testserver/dumps/coopkg.jsonld"}
    dump = Graph().parse(data=gzip.decompress(client.get("/dumps/coopkg.ttl.gz").content), format="turtle")
    assert int(g.value(ds, VOID.triples)) == len(dump)
    assert int(g.value(ds, VOID.entities)) > 500
    partitions = {g.value(p, VOID["class"]): int(g.value(p, VOID.entities)) for p in g.objects(ds, VOID.classPartition)}
    assert partitions[COOP.CooperationCase] == 31
    assert len(list(g.objects(ds, DCAT.distribution))) == 3
    assert isomorphic(g, parse(client.get("/dataset.jsonld")))
    assert isomorphic(g, parse(client.get("/coopkg/id/dataset", headers={"Accept": "text/turtle"})))  # its IRI
    html = client.get("/dataset", headers={"Accept": BROWSER})
    assert html.headers["content-type"].startswith("text/html") and "/dumps/cases.csv" in html.text


def test_dataset_uses_the_public_url(built_settings, hashing_service):
    settings = built_settings.model_copy(update={"public_url": "https://pratiques.example.org"})
    g = parse(TestClient(create_app(settings, service=hashing_service)).get("/dataset.ttl"))
    assert (URIRef(BASE + "dataset"), VOID.sparqlEndpoint, URIRef("https://pratiques.example.org/sparql")) in g


def test_dumps(client):
    ttl = client.get("/dumps/coopkg.ttl.gz")
    assert ttl.status_code == 200 and ttl.headers["content-type"] == "application/gzip"
    assert "coopkg.ttl.gz" in ttl.headers["content-disposition"]
    turtle = Graph().parse(data=gzip.decompress(ttl.content), format="turtle")
    jsonld = client.get("/dumps/coopkg.jsonld")
    assert jsonld.headers["content-type"] == "application/ld+json"
    json.loads(jsonld.content)
    assert len(turtle) > 5000 and isomorphic(turtle, Graph().parse(data=jsonld.content, format="json-ld"))


def test_cases_csv(client):
    response = client.get("/dumps/cases.csv")
    assert response.headers["content-type"].startswith("text/csv") and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 31 and len({r["id"] for r in rows}) == 31
    assert list(rows[0]) == ["id", "iri", "label", "summary", "actors", "instruments", "levers", "concepts", "themes",
                             "territories", "departements", "regions", "period", "sources"]
    brest = next(r for r in rows if r["id"] == CASE)
    assert brest["iri"] == str(CASE_IRI) and "L7 " in brest["levers"] and "Brest métropole" in brest["actors"]
    assert "Finistère" in brest["departements"] and "Bretagne" in brest["regions"] and " | " in brest["themes"]


# -- the base IRI is a setting ------------------------------------------------------------------
@pytest.fixture(scope="module")
def other_base(tmp_path_factory):
    """A knowledge base built with a publisher's own base IRI (no search index: linked data only)."""
    from coopkg.settings import load_settings
    from kb.build import build
    from kb.store import open_store
    from tests.conftest import CORPUS

    settings = load_settings(home=tmp_path_factory.mktemp("other") / "data", corpus_dir=CORPUS,
                             base_iri="https://pratiques.example.org/donnees/")
    build(settings)
    store = open_store(settings)
    yield settings, TestClient(create_app(settings, service=SimpleNamespace(store=store)))
    store.close()


def test_route_prefix_follows_the_base_iri(other_base):
    settings, client = other_base
    iri = URIRef(f"{settings.base_iri}case/{CASE}")
    response = client.get(f"/donnees/case/{CASE}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and (iri, RDF.type, COOP.CooperationCase) in parse(response)
    assert isomorphic(parse(response), parse(client.get(f"/id/case/{CASE}.ttl")))  # the local alias
    assert client.get(f"/coopkg/id/case/{CASE}").status_code == 404
    g = parse(client.get("/dataset.ttl"))
    assert str(g.value(URIRef(settings.base_iri + "dataset"), VOID.uriSpace)) == settings.base_iri
    html = client.get(f"/donnees/case/{CASE}.html").text
    assert f'href="/donnees/case/{CASE}/participation/' in html
