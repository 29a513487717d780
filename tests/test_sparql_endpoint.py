"""The SPARQL 1.1 Protocol endpoint /sparql (api/sparql.py, docs/sparql.md).

First in-process, through Starlette's TestClient (every verb, every format parsed back, refusals,
limits); then, marked slow, against a live uvicorn server on 127.0.0.1 queried by real clients:
SPARQLWrapper, rdflib's SPARQLStore and ``roqet`` (Debian's rasqal-utils).
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result

import api.sparql
import kb.sparql_text
from api.app import create_app
from coopkg.settings import load_settings
from kb.store import open_store
from tests.conftest import REPO
from tests.servers import HOST, free_port, http

COOP = "https://w3id.org/coopkg/ontology#"
CASE = URIRef("https://w3id.org/coopkg/id/case/contrat-reciprocite-brest-cob")
CASE_GRAPH = "https://w3id.org/coopkg/id/graph/corpus/cases/contrat-reciprocite-brest-cob.md"
CASES = "SELECT ?case ?label WHERE { ?case a coop:CooperationCase ; rdfs:label ?label } ORDER BY ?case"
CASE_TRIPLES = f"CONSTRUCT {{ <{CASE}> ?p ?o }} WHERE {{ <{CASE}> ?p ?o }}"
# Never ends on this base (7k triples cubed): the timeout must stop it.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}


def _with_sparql(app):
    """Include the router unless api/app.py's ROUTERS already does."""
    if not any(getattr(route, "path", None) == "/sparql" for route in app.routes):
        app.include_router(api.sparql.router)
    return app


@pytest.fixture(scope="module")
def make_client(built_settings):
    """A TestClient over the built base with some settings overridden. The lifespan is not run
    (no search index needed): the store is injected as the service's."""
    from fastapi.testclient import TestClient

    stores = []

    def factory(**overrides):
        settings = load_settings(home=built_settings.home, corpus_dir=built_settings.corpus_dir, **overrides)
        store = open_store(settings)
        stores.append(store)
        return TestClient(_with_sparql(create_app(settings, service=SimpleNamespace(store=store))))

    yield factory
    for store in stores:
        store.close()


@pytest.fixture(scope="module")
def client(make_client):
    return make_client()


def _error(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["status"] == status
    return body["error"]["detail"]


def _case_iris_json(body: bytes) -> list[str]:
    data = json.loads(body)
    assert data["head"]["vars"] == ["case", "label"]
    return [b["case"]["value"] for b in data["results"]["bindings"]]


# -- formats ------------------------------------------------------------------------------------
def test_select_as_sparql_json_by_default(client):
    response = client.get("/sparql", params={"query": CASES})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/sparql-results+json"
    iris = _case_iris_json(response.content)
    assert len(iris) == 31 and str(CASE) in iris
    label = next(b["label"] for b in response.json()["results"]["bindings"] if b["case"]["value"] == str(CASE))
    assert label["type"] == "literal" and label["xml:lang"] == "fr"


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("application/sparql-results+json", "application/sparql-results+json"),
])
def test_select_in_every_result_format(client, accept, media):
    reference = _case_iris_json(client.get("/sparql", params={"query": CASES}).content)
    response = client.get("/sparql", params={"query": CASES}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    if accept.endswith("json"):
        iris = _case_iris_json(response.content)
    elif accept.endswith("xml"):
        result = Result.parse(io.BytesIO(response.content), format="xml")
        assert [str(v) for v in result.vars] == ["case", "label"]
        iris = [str(row[0]) for row in result]
        assert all(isinstance(row[1], Literal) and row[1].language == "fr" for row in result)
    elif accept == "text/csv":
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["case", "label"]
        iris = [row[0] for row in rows[1:]]
    else:
        rows = list(csv.reader(io.StringIO(response.text), delimiter="\t", quoting=csv.QUOTE_NONE))
        assert rows[0] == ["?case", "?label"]
        assert all(row[0].startswith("<") and row[1].endswith('"@fr') for row in rows[1:])
        iris = [row[0][1:-1] for row in rows[1:]]
    assert iris == reference


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
])
def test_construct_in_every_rdf_format(client, accept, fmt):
    response = client.get("/sparql", params={"query": CASE_TRIPLES}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=response.content, format=fmt)
    assert (CASE, RDF.type, URIRef(COOP + "CooperationCase")) in graph
    reference = Graph().parse(data=client.get("/sparql", params={"query": CASE_TRIPLES}).content, format="turtle")
    assert len(graph) == len(reference) > 20


def test_describe_is_turtle_by_default(client):
    response = client.post("/sparql", content=f"DESCRIBE <{CASE}>", headers=SPARQL_QUERY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert (CASE, RDFS.label, None) in Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize("accept, fmt", [("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
                                         ("text/csv", "csv"), ("text/tab-separated-values", "tsv")])
def test_ask_in_every_result_format(client, accept, fmt):
    query = f"ASK {{ <{CASE}> a coop:CooperationCase }}"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    if fmt in ("json", "xml"):
        assert Result.parse(io.BytesIO(response.content), format=fmt).askAnswer is True
    else:
        assert response.text.strip() == "true"


@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+xml;q=0.2, text/csv;q=0.9", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("application/json", "application/sparql-results+json"),  # an alias
    ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
    ("", "application/sparql-results+json"),
])
def test_accept_q_values(client, accept, expected):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    assert response.headers["vary"] == "Accept"


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", params={"query": CASES, "format": "csv"}, headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"].startswith("text/csv")
    response = client.get("/sparql", params={"query": CASE_TRIPLES, "format": "json"})
    assert response.headers["content-type"] == "application/ld+json"
    assert "unknown format" in _error(client.get("/sparql", params={"query": CASES, "format": "yaml"}), 400)


@pytest.mark.parametrize("accept, query", [("image/png", CASES), ("text/csv", CASE_TRIPLES),
                                           ("text/turtle", "ASK {}"), ("application/sparql-results+json;q=0", CASES)])
def test_unacceptable_accept_is_406(client, accept, query):
    detail = _error(client.get("/sparql", params={"query": query}, headers={"Accept": accept}), 406)
    assert "acceptable types" in detail


# -- verbs and protocol parameters ---------------------------------------------------------------
def test_post_form_and_post_body_give_the_get_result(client):
    get = client.get("/sparql", params={"query": CASES}).json()
    form = client.post("/sparql", data={"query": CASES})
    body = client.post("/sparql", content=CASES.encode(), headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert form.status_code == body.status_code == 200
    assert form.json() == body.json() == get


def test_default_graph_is_the_union_and_prefixes_are_predeclared(client):
    query = "PREFIX coop: <http://example.org/other#> ASK { ?c a coop:CooperationCase }"  # the user's prefix wins
    assert client.get("/sparql", params={"query": query}).json()["boolean"] is False
    assert client.get("/sparql", params={"query": "ASK { ?c a coop:CooperationCase ; coop:mobilisesLever ?l }"}).json()["boolean"] is True


def test_default_graph_uri_and_from_restrict_the_dataset(client):
    one_graph = client.get("/sparql", params={"query": CASES, "default-graph-uri": CASE_GRAPH})
    assert _case_iris_json(one_graph.content) == [str(CASE)]
    from_clause = f"SELECT ?case ?label FROM <{CASE_GRAPH}> WHERE {{ ?case a coop:CooperationCase ; rdfs:label ?label }}"
    assert _case_iris_json(client.post("/sparql", data={"query": from_clause}).content) == [str(CASE)]
    named = client.post("/sparql", data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                          "named-graph-uri": CASE_GRAPH})
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [CASE_GRAPH]


def test_service_description_without_query(client):
    response = client.get("/sparql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef("http://testserver/sparql")
    assert (service, RDF.type, URIRef("http://www.w3.org/ns/sparql-service-description#Service")) in graph
    page = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and "<form" in page.text


# -- refusals ------------------------------------------------------------------------------------
UPDATES = ["INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
           "LOAD <http://127.0.0.1:9/data.ttl>", "CLEAR ALL", "DROP GRAPH <http://example.org/g>",
           "DELETE WHERE { ?s ?p ?o }", "PREFIX ex: <http://example.org/> CREATE GRAPH ex:g"]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_in_every_form(client, update):
    answers = [
        client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"}),
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update, headers=SPARQL_QUERY),
        client.post("/sparql", data={"query": update}),
        client.get("/sparql", params={"query": update}),
        client.get("/sparql", params={"update": update}),
    ]
    for response in answers:
        assert "read-only" in _error(response, 403)
    assert client.get("/sparql", params={"query": "ASK { ?s <http://example.org/b> ?o }"}).json()["boolean"] is False


def test_service_is_refused_by_default(client):
    for query in ["SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "ASK { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } } }",
                  "select * where { { ?s ?p ?o } union { service ?endpoint { ?s ?p ?o } } }"]:
        detail = _error(client.post("/sparql", content=query, headers=SPARQL_QUERY), 403)
        assert "SERVICE" in detail and "COOPKG_SPARQL_ALLOW_SERVICE" in detail


def test_the_word_service_in_comments_strings_and_iris_is_not_a_service(client):
    query = ('# SERVICE <http://127.0.0.1:9/sparql> { }\n'
             'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }" AS ?x) '
             'FILTER(?x != <http://example.org/SERVICE>) }')
    response = client.post("/sparql", content=query, headers=SPARQL_QUERY)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_service_is_found_in_oxigraph_extensions_rdflib_cannot_parse(client):
    """LATERAL is an Oxigraph extension: rdflib's parser fails, the tokenizer decides."""
    lateral = ("SELECT ?case ?label WHERE { ?case a coop:CooperationCase "
               "LATERAL { SELECT ?label WHERE { ?case rdfs:label ?label } LIMIT 1 } }")
    assert kb.sparql_text.analyse(lateral).parsed is False
    response = client.post("/sparql", content=lateral, headers=SPARQL_QUERY)
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 31
    federated = lateral.replace("?case rdfs:label ?label", "SERVICE <http://127.0.0.1:9/sparql> { ?case rdfs:label ?label }")
    assert "SERVICE" in _error(client.post("/sparql", content=federated, headers=SPARQL_QUERY), 403)


PLAIN_QUERIES = {
    "SELECT": "PREFIX s: <http://e/> SELECT ?x (COUNT(*) AS ?n) WHERE { ?x a s:C # FROM SERVICE\n } GROUP BY ?x",
    "ASK": "ask { ?s ?p \"SERVICE <http://e/> { }\" }",
    "CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3 } }",
    "DESCRIBE": "DESCRIBE <http://e/x>",
}


@pytest.mark.parametrize("form", sorted(PLAIN_QUERIES))
def test_plain_queries_skip_the_parser_and_agree_with_it(form):
    query = PLAIN_QUERIES[form]
    fast = kb.sparql_text._plain(query)
    assert fast is not None and fast.form == form
    full = kb.sparql_text.checked(query)
    assert (full.form, full.update, full.service, full.dataset) == (form, None, False, False)
    assert (fast.update, fast.service, fast.dataset) == (None, False, False)


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }",
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?a<?b)SERVICE?c>) }",  # IRI-looking span hiding the word
    "SELECT * WHERE { ?s ?p <http://e/SERVICE> }",
])
def test_queries_with_a_checked_word_go_to_the_parser(query):
    assert kb.sparql_text._plain(query) is None


def test_keywords_skip_comments_strings_iris_variables_and_prefixed_names():
    text = ("PREFIX service: <http://e/SERVICE> # SERVICE\nSELECT ?service WHERE { ?s service:x \"SERVICE\" ; "
            "<http://e/SERVICE> '''SERVICE''' . FILTER(?s < 3 || ?service>2) }")
    assert kb.sparql_text.keywords(text) == ["PREFIX", "SELECT", "WHERE", "FILTER"]


def test_service_runs_when_allowed(make_client):
    """Allowed: the query is run, and a SERVICE to a closed 127.0.0.1 port fails clearly (no
    network beyond this machine)."""
    client = make_client(sparql_allow_service=True)
    query = f"SELECT * WHERE {{ SERVICE <http://{HOST}:{free_port()}/sparql> {{ ?s ?p ?o }} }}"
    assert "SERVICE" in _error(client.post("/sparql", content=query, headers=SPARQL_QUERY), 502)
    silent = f"SELECT * WHERE {{ SERVICE SILENT <http://{HOST}:{free_port()}/sparql> {{ ?s ?p ?o }} }}"
    assert client.post("/sparql", content=silent, headers=SPARQL_QUERY).status_code == 200


# -- errors and limits ---------------------------------------------------------------------------
def test_syntax_error_gives_the_position(client):
    detail = _error(client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"}), 400)
    assert detail.startswith("SPARQL syntax error: error at 3:")  # the user's line: prefixes are not prepended


def test_bad_requests(client):
    assert "missing 'query'" in _error(client.post("/sparql", data={"format": "json"}), 400)
    assert "empty" in _error(client.get("/sparql", params={"query": "  "}), 400)
    assert "exactly one" in _error(client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]), 400)
    assert "Content-Type" in _error(client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}), 415)
    big = "ASK {} # " + "x" * api.sparql.MAX_QUERY_BYTES
    assert "100 kB" in _error(client.post("/sparql", content=big, headers=SPARQL_QUERY), 413)
    assert "100 kB" in _error(client.post("/sparql", data={"query": big}), 413)


def test_result_cap_is_an_error_suggesting_limit(make_client):
    client = make_client(sparql_max_results=5)
    detail = _error(client.get("/sparql", params={"query": CASES}), 400)
    assert "more than 5 rows" in detail and "LIMIT 5" in detail
    assert "more than 5 triples" in _error(client.get("/sparql", params={"query": CASE_TRIPLES}), 400)
    limited = client.get("/sparql", params={"query": CASES + " LIMIT 5"})
    assert len(limited.json()["results"]["bindings"]) == 5
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_timeout_stops_the_query_and_the_next_one_runs(make_client):
    client = make_client(sparql_timeout=0.3)
    pool_before = {id(p): p.killed for p in api.sparql._POOLS.values()}
    # ENDLESS never ends on its own: an answer at all means the timeout stopped it.
    detail = _error(client.get("/sparql", params={"query": ENDLESS}), 503)
    assert "took longer than 0.3 s" in detail
    assert sum(p.killed for p in api.sparql._POOLS.values()) > sum(pool_before.values())
    assert client.get("/sparql", params={"query": CASES}).status_code == 200


def test_endpoint_is_in_the_openapi_description(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/sparql"])


# == live server ================================================================================
_SERVE = """
import sys, uvicorn, api.sparql
from api.app import create_app
app = create_app()
if not any(getattr(r, "path", None) == "/sparql" for r in app.routes):
    app.include_router(api.sparql.router)
uvicorn.run(app, host=sys.argv[1], port=int(sys.argv[2]), log_level="warning")
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A uvicorn server on a free 127.0.0.1 port over a base built in a temporary directory, with
    a 2 s SPARQL timeout."""
    home = tmp_path_factory.mktemp("sparql-live") / "data"
    env = dict(os.environ, COOPKG_HOME=str(home), COOPKG_EMBEDDING_MODEL="hashing:384", COOPKG_SPARQL_TIMEOUT="2",
               no_proxy=f"{HOST},localhost", NO_PROXY=f"{HOST},localhost")
    env.pop("COOPKG_STORE", None)
    build = subprocess.run([str(Path(sys.executable).parent / "coopkg"), "--home", str(home), "--corpus",
                            str(REPO / "corpus"), "build"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    log_path = home.parent / "server.log"
    for _ in range(3):
        port = free_port()
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, "-c", _SERVE, HOST, str(port)], env=env, cwd=REPO,
                                       stdout=log, stderr=subprocess.STDOUT)
        url = f"http://{HOST}:{port}/sparql"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if http("GET", url, timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            process.kill()
            process.wait()
            continue
        break
    else:
        pytest.fail(f"the server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
    # Two queries at once: two workers started now stay ready for the tests.
    ask = f"{url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
    warmers = [threading.Thread(target=http, args=("GET", ask), kwargs={"timeout": 60}) for _ in range(2)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join()
    with pytest.MonkeyPatch.context() as mp:
        for name in ("no_proxy", "NO_PROXY"):
            mp.setenv(name, f"{HOST},localhost")
        yield SimpleNamespace(url=url, process=process, log=log_path)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_live_sparqlwrapper_json_xml_and_construct(live):
    from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

    client = SPARQLWrapper(live.url)
    client.setQuery(CASES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert len(rows) == 31 and str(CASE) in {r["case"]["value"] for r in rows}

    client.setReturnFormat(XML)
    document = client.query().convert()  # xml.dom.minidom
    assert len(document.getElementsByTagName("result")) == 31

    client.setMethod("POST")
    client.setQuery(CASE_TRIPLES)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert (CASE, RDF.type, URIRef(COOP + "CooperationCase")) in graph

    client.setReturnFormat(XML)  # CONSTRUCT + XML: RDF/XML, converted to an rdflib Graph
    assert (CASE, RDF.type, URIRef(COOP + "CooperationCase")) in client.query().convert()


@pytest.mark.slow
def test_live_rdflib_sparqlstore(live):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(query_endpoint=live.url)
    graph = Graph(store)
    rows = list(graph.query(CASES))  # coop: is predeclared by the endpoint
    assert len(rows) == 31 and CASE in {row[0] for row in rows}
    triples = list(graph.triples((CASE, RDFS.label, None)))
    assert triples and all(isinstance(o, Literal) for _, _, o in triples)
    assert (CASE, RDF.type, URIRef(COOP + "CooperationCase")) in graph


@pytest.mark.slow
def test_live_roqet(live):
    roqet = shutil.which("roqet")
    if roqet is None:
        pytest.skip("roqet is not installed (Debian package rasqal-utils; scripts/setup-test installs it)")
    query = (f"SELECT ?label WHERE {{ <{CASE}> <{RDFS.label}> ?label }}")
    env = dict(os.environ, no_proxy=f"{HOST},localhost", http_proxy="", HTTP_PROXY="")
    run = subprocess.run([roqet, "-p", live.url, "-e", query], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("row: [label=string(") and "Brest m" in run.stdout and '"@fr)]' in run.stdout
    assert "Query returned 1 results" in run.stderr
    count = subprocess.run([roqet, "-p", live.url, "-r", "csv", "-e",
                            f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{COOP}CooperationCase> }}"],
                           capture_output=True, text=True, timeout=60, env=env)
    assert count.returncode == 0, count.stdout + count.stderr
    assert "31" in count.stdout


def _children_cpu(pid: int) -> dict[int, float]:
    """CPU seconds used by each child process of ``pid`` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


@pytest.mark.slow
def test_live_timeout_keeps_the_server_responsive_and_frees_the_cpu(live):
    slow: dict = {}

    def endless():
        slow["status"], _, slow["body"] = http("POST", live.url, body=ENDLESS.encode(), headers=SPARQL_QUERY, timeout=30)
        slow["done"] = time.monotonic()

    thread = threading.Thread(target=endless)
    thread.start()
    time.sleep(0.3)
    before = _children_cpu(live.process.pid)
    time.sleep(0.5)
    during = _children_cpu(live.process.pid)
    # The worker running the endless query: the child whose CPU time grows.
    runaway = [pid for pid in during if pid in before and during[pid] - before[pid] > 0.2]
    # The event loop is free: pages served in-process answer at once...
    quick = []
    for _ in range(3):
        status, _, _ = http("GET", live.url, timeout=10)  # the service description
        quick.append((status, time.monotonic()))
    # ...and another query runs meanwhile (in another worker, started now if none is ready).
    ask = http("GET", live.url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}), timeout=10)
    ask_done = time.monotonic()
    thread.join(timeout=30)
    assert all(status == 200 for status, _ in quick), quick
    assert ask[0] == 200 and b"true" in ask[2], ask
    assert slow["status"] == 503 and b"took longer than 2 s" in slow["body"], slow
    # Ordering, not speed: the other requests were answered while the long query was still running.
    assert max(done for _, done in quick) < slow["done"] and ask_done < slow["done"], (quick, ask_done, slow)
    # The stopped query no longer uses a CPU: its worker process is gone.
    assert len(runaway) == 1, (before, during)
    assert not Path(f"/proc/{runaway[0]}").exists(), f"worker {runaway[0]} still exists after the timeout"


@pytest.mark.slow
def test_remote_store_backend(tmp_path):
    """With COOPKG_STORE=remote, a worker forwards the query to the SPARQL server and applies the
    same checks, cap and formats (tested on the worker's Runner, against a real Oxigraph server)."""
    from tests.servers import oxigraph_server

    with oxigraph_server(tmp_path / "oxigraph") as server:
        insert = (b"INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> "
                  b"<http://www.w3.org/2000/01/rdf-schema#label> 'A'@fr . <http://example.org/b> "
                  b"<http://www.w3.org/2000/01/rdf-schema#label> 'B' } }")
        assert http("POST", server.update_url, body=insert, headers={"Content-Type": "application/sparql-update"})[0] == 204
        runner = api.sparql.Runner({"kind": "remote", "query_url": server.query_url, "update_url": server.update_url,
                                    "timeout": 10.0})
        job = {"default_graphs": [], "named_graphs": [], "result_fmt": "xml", "graph_fmt": "nt", "max_results": 10,
               "allow_service": False, "timeout": 10.0}
        select = runner.run(dict(job, query="SELECT ?s ?l WHERE { ?s rdfs:label ?l }"))
        assert select["ok"] and select["count"] == 2
        assert {str(row[1]) for row in Result.parse(io.BytesIO(select["body"]), format="xml")} == {"A", "B"}
        construct = runner.run(dict(job, query="CONSTRUCT WHERE { ?s rdfs:label ?l }"))
        assert len(Graph().parse(data=construct["body"], format="nt")) == 2
        assert runner.run(dict(job, query="CONSTRUCT WHERE { ?s rdfs:label ?l }", max_results=1))["status"] == 400
        assert runner.run(dict(job, query="CLEAR ALL"))["status"] == 403
        assert runner.run(dict(job, query="SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))["status"] == 403
        assert "syntax error" in runner.run(dict(job, query="SELECT * { ?s ?p }"))["detail"]


def test_workers_started_for_a_burst_are_kept_for_the_next(client):
    """A worker costs ~1 s to start: one started for concurrent queries stays ready (up to
    MAX_WORKERS) instead of being killed and started again at the next burst."""
    client.get("/sparql", params={"query": "ASK {}"})  # the pool of this store exists now
    pool = next(iter(api.sparql._POOLS.values()))
    job = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default_graphs": [], "named_graphs": [],
           "result_fmt": "json", "graph_fmt": "turtle", "max_results": 100, "allow_service": False, "timeout": 60}
    burst = min(3, api.sparql.MAX_WORKERS)

    def run_burst():
        threads = [threading.Thread(target=pool.run, args=(job, 60)) for _ in range(burst)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    run_burst()
    spawned = pool.spawned
    assert len(pool._idle) >= burst - 1
    run_burst()
    assert pool.spawned == spawned
