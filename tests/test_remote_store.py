"""The remote store (kb.remote) against a real Oxigraph server started on 127.0.0.1 by the tests.

The server runs with ``--union-default-graph``, as docs/settings.md asks. What the server holds is
read back through its Graph Store endpoint (GET /store, N-Quads), not through kb.remote, and
compared with an embedded build of the same corpus, quad by quad.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import urllib.parse
from contextlib import contextmanager

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from coopkg.cli import cli
from coopkg.settings import load_settings
from ingest.corpus import load_corpus
from kb.build import build
from kb.queries import with_prefixes
from kb.remote import RemoteStore
from kb.store import GRAPH_FORMATS, RESULT_FORMATS, Changes, QueryError, StoreError, open_store
from ontology.iris import Minter
from tests.conftest import CORPUS
from tests.rdfcompare import assert_isomorphic
from tests.servers import HOST, ServerError, free_port, start_oxigraph

pytestmark = pytest.mark.slow

CASE = "contrat-reciprocite-brest-cob"
DEFAULT_GRAPH = URIRef("urn:x-rdflib:default")
_QUAD_PREDICATE = "urn:x-coopkg-test:quad:"


# -- servers ------------------------------------------------------------------------------------
@contextmanager
def running_server(location, **options):
    try:
        server, error = start_oxigraph(location, **options), None
    except ServerError as exc:
        server, error = None, str(exc)
    if error:
        pytest.fail(error, pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", autouse=True)
def _no_proxy_for_localhost():
    """kb.remote honours http_proxy, as it should in production; the test server is local.
    Module-scoped autouse, so it is in place before the module-scoped builds below."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("no_proxy", "NO_PROXY"):
            mp.setenv(name, ",".join(filter(None, [HOST, "localhost", os.environ.get(name)])))
        yield


@pytest.fixture
def server(tmp_path):
    """A fresh, empty server for one test."""
    with running_server(tmp_path / "oxigraph") as srv:
        yield srv


@pytest.fixture(scope="module")
def corpus():
    """The repository corpus, loaded once: both builds below compile the very same snapshot of it,
    even while people edit corpus/."""
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, corpus):
    settings = load_settings(home=tmp_path_factory.mktemp("embedded") / "data", corpus_dir=CORPUS)
    return settings, build(settings, corpus=corpus)


@pytest.fixture(scope="module")
def remote(tmp_path_factory, corpus):
    """A server holding a build of the repository corpus; tests using it must not write to it."""
    root = tmp_path_factory.mktemp("remote")
    with running_server(root / "oxigraph") as srv:
        settings = load_settings(home=root / "data", corpus_dir=CORPUS, **srv.settings())
        yield srv, settings, build(settings, corpus=corpus)


@pytest.fixture
def embedded_store(embedded):
    store = open_store(embedded[0])
    yield store
    store.close()


@pytest.fixture
def remote_store(remote):
    store = open_store(remote[1])
    assert isinstance(store, RemoteStore)
    yield store
    store.close()


# -- comparing datasets -------------------------------------------------------------------------
def _term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return DEFAULT_GRAPH
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def parse_nquads(data: bytes) -> list[tuple]:
    """(s, p, o, graph) rdflib terms; pyoxigraph's parser, which is several times faster than rdflib's."""
    return [tuple(map(_term, (q.subject, q.predicate, q.object, q.graph_name)))
            for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)]


def by_graph(quads) -> dict[URIRef, Graph]:
    graphs: dict[URIRef, Graph] = {}
    for s, p, o, g in quads:
        graphs.setdefault(URIRef(g), Graph()).add((s, p, o))
    return graphs


def _encode(quads) -> Graph:
    """A dataset as one graph, graph name folded into the predicate, so that rdflib's isomorphism
    also matches blank nodes shared by several graphs."""
    graph = Graph()
    for s, p, o, g in quads:
        folded = _QUAD_PREDICATE + urllib.parse.quote(str(g), safe="") + "/" + urllib.parse.quote(str(p), safe="")
        graph.add((s, URIRef(folded), o))
    return graph


def _decode(triple) -> str:
    s, folded, o = triple
    g, p = (urllib.parse.unquote(part) for part in str(folded)[len(_QUAD_PREDICATE):].split("/", 1))
    where = "" if g == str(DEFAULT_GRAPH) else f" <{g}>"
    return f"  {s.n3()} <{p}> {o.n3()}{where} ."


def assert_same_dataset(actual: bytes, expected: bytes, label: str, limit: int = 200) -> None:
    """Isomorphic as datasets (N-Quads); on failure, lists only the quads that differ, per side."""
    a, e = to_isomorphic(_encode(parse_nquads(actual))), to_isomorphic(_encode(parse_nquads(expected)))
    if a == e:
        return
    _, only_actual, only_expected = graph_diff(a, e)
    lines = [f"{label}: the datasets differ"]
    for title, diff in (("only in actual", only_actual), ("only in expected", only_expected)):
        rows = sorted(_decode(t) for t in diff)
        lines.append(f"--- {title} ({len(rows)} quads)")
        lines += rows[:limit] + ([f"  … and {len(rows) - limit} more"] if len(rows) > limit else [])
    raise AssertionError("\n".join(lines))


def embedded_nquads(settings) -> bytes:
    store = open_store(settings)
    try:
        return store.dump("nq")
    finally:
        store.close()


def record_updates(monkeypatch, server) -> list[str]:
    """Bodies of the update requests kb.remote sends to ``server`` from now on."""
    sent: list[str] = []
    real = RemoteStore._post

    def post(self, url, body, content_type, accept=None):
        if url == server.update_url:
            sent.append(body.decode("utf-8"))
        return real(self, url, body, content_type, accept)

    monkeypatch.setattr(RemoteStore, "_post", post)
    return sent


# -- 1. a remote build holds the same dataset as an embedded one ---------------------------------
def test_server_helper_serves_the_union_of_named_graphs(server):
    store = RemoteStore(server.query_url, server.update_url)
    store.apply(Changes(replace={URIRef("http://example.org/g"): [
        (URIRef("http://example.org/s"), URIRef("http://example.org/p"), URIRef("http://example.org/o"))]}))
    assert store.ask("ASK { <http://example.org/s> <http://example.org/p> <http://example.org/o> }")
    assert store.named_graphs() == {URIRef("http://example.org/g")}
    assert parse_nquads(server.dump_nquads())[0][3] == URIRef("http://example.org/g")


def test_remote_build_holds_the_same_dataset_as_an_embedded_build(remote, embedded, remote_store, embedded_store):
    server, _, report = remote
    _, expected_report = embedded
    assert_same_dataset(server.dump_nquads(), embedded_nquads(embedded[0]), "remote vs embedded build")
    assert report.full and len(report.compiled) == report.files == expected_report.files
    assert report.triples_written == expected_report.triples_written
    assert report.store_triples == expected_report.store_triples == remote_store.size() == embedded_store.size()
    assert remote_store.named_graphs() == embedded_store.named_graphs()


# -- 2. incremental builds -----------------------------------------------------------------------
def test_rebuild_is_a_no_op_and_an_edit_replaces_exactly_its_graph(server, corpus_copy, tmp_path, monkeypatch):
    settings = load_settings(home=tmp_path / "data", corpus_dir=corpus_copy, **server.settings())
    first = build(settings)
    assert first.full and len(first.compiled) == first.files
    before = server.dump_nquads()

    sent = record_updates(monkeypatch, server)
    second = build(settings)
    assert not second.changed and second.compiled == [] and second.removed == [] and not second.full
    assert sent == [], "a no-op build sent an update request"
    assert sorted(server.dump_nquads().splitlines()) == sorted(before.splitlines())

    path = corpus_copy / "cases" / f"{CASE}.md"
    text, edits = re.subn(r"^title: (.+)$", r"title: \1 (révisé)", path.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert edits == 1, f"{path} has no 'title:' line to edit"
    path.write_text(text, encoding="utf-8")
    third = build(settings)
    assert third.compiled == [f"corpus/cases/{CASE}.md"] and third.removed == [] and not third.full

    minter = Minter(settings.base_iri)
    case_graph = minter.graph(f"corpus/cases/{CASE}.md")
    assert len(sent) == 1, "an incremental build must be one update request"
    assert set(re.findall(r"DROP SILENT GRAPH <([^>]+)>", sent[0])) == {
        str(case_graph), str(minter.meta_graph), str(minter.inferred_graph)}

    after = server.dump_nquads()
    old, new = by_graph(parse_nquads(before)), by_graph(parse_nquads(after))
    assert set(old) == set(new)
    changed = {g for g in old if set(old[g]) != set(new[g]) and to_isomorphic(old[g]) != to_isomorphic(new[g])}
    assert changed - {minter.inferred_graph} == {case_graph, minter.meta_graph}
    _, meta_gone, meta_added = graph_diff(old[minter.meta_graph], new[minter.meta_graph])
    assert {(s, p) for s, p, _ in meta_gone} == {(s, p) for s, p, _ in meta_added} == {
        (case_graph, URIRef("https://w3id.org/coopkg/ontology#contentHash"))}
    assert any("(révisé)" in str(o) for o in new[case_graph].objects())

    reference = load_settings(home=tmp_path / "embedded", corpus_dir=corpus_copy)
    build(reference)
    assert_same_dataset(after, embedded_nquads(reference), "remote after the edit vs embedded build of the edited corpus")


# -- 3. queries and errors -----------------------------------------------------------------------
SELECT_ALL = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) }"
CASES = with_prefixes("SELECT ?c ?title ?start ?none WHERE { ?c a coop:CooperationCase ; dcterms:title ?title "
                      "OPTIONAL { ?c coop:startYear ?start } OPTIONAL { ?c coop:nope ?none } } ORDER BY ?c ?title")
CONSTRUCT = with_prefixes("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
DESCRIBE = f"DESCRIBE <https://w3id.org/coopkg/id/case/{CASE}>"
CASE_TRIPLES = with_prefixes("CONSTRUCT { ?c ?p ?o } WHERE { ?c a coop:CooperationCase ; ?p ?o }")
ASK_TRUE = with_prefixes("ASK { ?c a coop:CooperationCase }")
ASK_FALSE = "ASK { <urn:x-nothing> ?p ?o }"


def test_select_ask_construct_give_what_the_embedded_store_gives(remote_store, embedded_store):
    every = remote_store.select(SELECT_ALL)
    assert every.variables == ["g", "s", "p", "o"]
    assert len(every.rows) > 1000  # literals of every kind: language tags, datatypes, plain
    assert set(every.rows) == set(embedded_store.select(SELECT_ALL).rows)
    cases = remote_store.select(CASES)
    assert cases == embedded_store.select(CASES) and len(cases.rows) >= 31
    assert all(row[3] is None for row in cases.rows)  # unbound
    assert {row[2].datatype for row in cases.rows if row[2] is not None} == {URIRef("http://www.w3.org/2001/XMLSchema#gYear")}
    assert {row[1].language for row in cases.rows} == {"fr"}
    count = with_prefixes("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # union default graph
    assert remote_store.select(count).rows == embedded_store.select(count).rows
    assert remote_store.ask(ASK_TRUE) is True and remote_store.ask(ASK_FALSE) is False
    assert_isomorphic(remote_store.construct(CONSTRUCT), embedded_store.construct(CONSTRUCT), "CONSTRUCT")
    assert_isomorphic(remote_store.construct(DESCRIBE), embedded_store.construct(DESCRIBE), "DESCRIBE")
    assert remote_store.named_graphs() == embedded_store.named_graphs()


@pytest.mark.parametrize("fmt", [*RESULT_FORMATS, *GRAPH_FORMATS])
def test_raw_query_formats_and_fallbacks_match_the_embedded_store(remote_store, embedded_store, fmt):
    for query in (CASES, ASK_TRUE, CASE_TRIPLES):
        body, media = remote_store.raw_query(query, fmt)
        expected_body, expected_media = embedded_store.raw_query(query, fmt)
        assert media == expected_media, (query[-40:], fmt)
        if media == RESULT_FORMATS["json"]:
            assert json.loads(body) == json.loads(expected_body)
        elif media in (RESULT_FORMATS["csv"], RESULT_FORMATS["tsv"]):
            assert body.decode().splitlines() == expected_body.decode().splitlines()
        elif media in GRAPH_FORMATS.values() and media not in (GRAPH_FORMATS["nq"], GRAPH_FORMATS["trig"]):
            rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                             "application/ld+json": "json-ld"}[media]
            assert_isomorphic(Graph().parse(data=body.decode(), format=rdflib_format),
                              Graph().parse(data=expected_body.decode(), format=rdflib_format), f"{fmt} {media}")
        else:
            assert body.strip(), (fmt, media)


def test_query_errors_are_query_errors_with_the_servers_message(remote, remote_store, embedded_store):
    server = remote[0]
    with pytest.raises(QueryError) as info:
        remote_store.select("SELEC ?s WHERE { ?s ?p ?o }")
    message = str(info.value)
    assert message.startswith(f"the SPARQL server at {server.query_url} rejected the request (400): error at 1:")
    assert "\n" not in message and len(message) < 600
    with pytest.raises(QueryError):
        embedded_store.select("SELEC ?s WHERE { ?s ?p ?o }")
    for method, query, expected in ((remote_store.select, ASK_TRUE, "expected a SELECT query"),
                                    (remote_store.select, CONSTRUCT, "expected a SELECT query"),
                                    (remote_store.ask, CASES, "expected an ASK query"),
                                    (remote_store.construct, CASES, "expected a CONSTRUCT or DESCRIBE query")):
        with pytest.raises(QueryError, match=expected):
            method(query)


def test_rejected_updates_change_nothing(remote, remote_store):
    server = remote[0]
    before = server.dump_nquads()
    with pytest.raises(QueryError, match=r"rejected the request \(400\)"):
        remote_store.apply(Changes(updates=["DROP SILENT GRAPH <urn:x-a>", "INSERT DATA { oops"]))
    with pytest.raises(StoreError, match="PREFIX p: is declared as <urn:x-a> and as <urn:x-b>"):
        remote_store.apply(Changes(updates=["PREFIX p: <urn:x-a> DROP SILENT GRAPH p:g", "PREFIX p: <urn:x-b> CLEAR SILENT GRAPH p:g"]))
    assert server.dump_nquads() == before


def test_updates_with_prologues_and_shared_blank_nodes_go_in_one_request(server):
    store = RemoteStore(server.query_url, server.update_url)
    shared = BNode()
    g1, g2, p = URIRef("http://example.org/g1"), URIRef("http://example.org/g2"), URIRef("http://example.org/p")
    text = Literal('multi\nline "quoted" \\ backslash', lang="fr")
    store.apply(Changes(
        replace={g1: [(URIRef("http://example.org/a"), p, shared), (shared, p, text)], g2: [(URIRef("http://example.org/b"), p, shared)]},
        updates=["# comment\nPREFIX ex: <http://example.org/>\nINSERT { GRAPH ex:g3 { ?s ex:q ?o } } WHERE { GRAPH ex:g1 { ?s ex:p ?o } }",
                 "PREFIX ex: <http://example.org/> BASE <http://example.org/>\nINSERT DATA { GRAPH <g4> { ex:x ex:y ex:z } }"]))
    quads = parse_nquads(server.dump_nquads())
    objects = {(str(g), str(s)): o for s, _, o, g in quads if str(s).startswith("http://example.org/")}
    assert objects[("http://example.org/g1", "http://example.org/a")] == objects[("http://example.org/g2", "http://example.org/b")]
    assert text in {o for *_, o, _ in quads}
    assert store.named_graphs() == {g1, g2, URIRef("http://example.org/g3"), URIRef("http://example.org/g4")}


def test_unreachable_or_misconfigured_server_gives_a_store_error_naming_the_url(remote):
    server = remote[0]
    port = free_port()  # nothing listens there
    url = f"http://{HOST}:{port}/query"
    with pytest.raises(StoreError, match=re.escape(f"cannot reach the SPARQL server at {url}")) as info:
        RemoteStore(url, f"http://{HOST}:{port}/update", timeout=5).select("SELECT * WHERE { ?s ?p ?o }")
    assert type(info.value) is StoreError
    with pytest.raises(StoreError, match=re.escape(f"cannot reach the SPARQL server at http://{HOST}:{port}/update")):
        RemoteStore(url, f"http://{HOST}:{port}/update", timeout=5).apply(Changes(updates=["CLEAR SILENT GRAPH <urn:x-a>"]))
    wrong = f"{server.base_url}/no-such-endpoint"
    with pytest.raises(StoreError, match=re.escape(f"the SPARQL server at {wrong} refused the request (404")) as info:
        RemoteStore(wrong, wrong).ask(ASK_TRUE)
    assert type(info.value) is StoreError
    for bad in ("127.0.0.1:7878/query", "ftp://127.0.0.1/query", "http:///query"):
        with pytest.raises(StoreError, match=re.escape(f"invalid SPARQL endpoint URL {bad!r}")):
            RemoteStore(bad, server.update_url)
    with pytest.raises(StoreError, match=re.escape("invalid SPARQL endpoint URL 'http://127.0.0.1:99999/query'")):
        RemoteStore(f"http://{HOST}:99999/query", server.update_url).ask(ASK_TRUE)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:  # accepts connections, never answers
        silent.bind((HOST, 0))
        silent.listen(1)
        url = f"http://{HOST}:{silent.getsockname()[1]}/query"
        with pytest.raises(StoreError, match=re.escape(f"the SPARQL server at {url} did not answer within 0.5s")):
            RemoteStore(url, url, timeout=0.5).ask(ASK_TRUE)


# -- 4. the CLI ----------------------------------------------------------------------------------
def test_sparql_command_against_the_remote_store(remote, embedded_store, tmp_path, monkeypatch):
    server = remote[0]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {**server.env(), "COOPKG_HOME": str(tmp_path / "home")}

    def run(*args):
        return runner.invoke(cli, ["sparql", *args], env=env)

    cases = int(embedded_store.select(with_prefixes("SELECT (COUNT(*) AS ?n) WHERE { ?c a coop:CooperationCase }")).rows[0][0])
    result = run("SELECT (COUNT(*) AS ?n) WHERE { ?c a coop:CooperationCase }")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[0] == "n" and lines[2:] == [str(cases), "(1 row)"]
    result = run("SELECT ?c WHERE { ?c a coop:CooperationCase } ORDER BY ?c LIMIT 2", "--format", "csv")
    assert result.exit_code == 0 and result.output.splitlines()[0] == "c" and len(result.output.splitlines()) == 3
    result = run("ASK { ?c a coop:CooperationCase }", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["boolean"] is True
    query_file = tmp_path / "cases.rq"
    query_file.write_text(f"CONSTRUCT {{ ?c a coop:CooperationCase }} WHERE {{ ?c a coop:CooperationCase }}\n", encoding="utf-8")
    result = run(str(query_file))  # table format: a CONSTRUCT comes back as Turtle
    assert result.exit_code == 0, result.output
    assert len(Graph().parse(data=result.output, format="turtle")) == cases

    result = run("SELEC nothing")
    assert result.exit_code == 2
    assert result.output.startswith(f"coopkg: the SPARQL server at {server.query_url} rejected the request (400): error at")
    assert "Traceback" not in result.output

    port = free_port()
    down = {"COOPKG_SPARQL_QUERY_URL": f"http://{HOST}:{port}/query", "COOPKG_SPARQL_UPDATE_URL": f"http://{HOST}:{port}/update"}
    result = runner.invoke(cli, ["sparql", "ASK {}"], env={**env, **down})
    assert result.exit_code == 1
    assert result.output.startswith(f"coopkg: cannot reach the SPARQL server at http://{HOST}:{port}/query:")
    assert "Traceback" not in result.output


def test_sparql_command_in_a_real_process(remote, tmp_path):
    server = remote[0]
    env = {**os.environ, **server.env(), "COOPKG_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "coopkg.cli", "sparql", "ASK { ?c a coop:CooperationCase }"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "true\n", "")
