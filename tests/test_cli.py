"""The `coopkg` command line, in-process (click's runner) against a real built store."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from rdflib import Graph

from coopkg.cli import cli


@pytest.fixture
def run(built_settings, monkeypatch):
    monkeypatch.setenv("COOPKG_HOME", str(built_settings.home))
    monkeypatch.setenv("COOPKG_CORPUS_DIR", str(built_settings.corpus_dir))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


QUERY = "SELECT ?c ?l WHERE { ?c a coop:CooperationCase ; rdfs:label ?l } ORDER BY ?l LIMIT 3"


def test_help_on_every_command(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("build", "validate", "sparql", "export", "stats", "bench", "model", "dev"):
        assert command in result.output
        assert run(command, "--help").exit_code == 0


def test_validate_ok(run):
    result = run("validate")
    assert result.exit_code == 0 and result.output.startswith("OK:") and "31 case" in result.output


def test_build_reports_up_to_date(run):
    result = run("build")
    assert result.exit_code == 0 and "Up to date" in result.output


def test_sparql_formats(run):
    table = run("sparql", QUERY)
    assert table.exit_code == 0 and "(3 rows)" in table.output and "@fr" in table.output
    data = json.loads(run("sparql", QUERY, "--format", "json").output)
    assert len(data["results"]["bindings"]) == 3
    rows = list(csv.reader(io.StringIO(run("sparql", QUERY, "--format", "csv").output)))
    assert rows[0] == ["c", "l"] and len(rows) == 4
    assert run("sparql", "ASK { ?s a coop:Lever }").output.strip() == "true"
    ttl = run("sparql", "CONSTRUCT { ?l skos:prefLabel ?p } WHERE { ?l a coop:Lever ; skos:prefLabel ?p }")
    assert len(Graph().parse(data=ttl.output, format="turtle")) == 20


def test_sparql_from_file(run, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text("PREFIX coop: <https://w3id.org/coopkg/ontology#>\nSELECT (COUNT(*) AS ?n) WHERE { ?l a coop:Lever }\n")
    result = run("sparql", str(query), "--format", "csv")
    assert result.output.split() == ["n", "10"]


def test_sparql_errors(run, tmp_path):
    bad = run("sparql", "SELEC ?x WHERE {}")
    assert bad.exit_code == 2 and "SPARQL syntax error" in bad.output
    missing = run("sparql", str(tmp_path / "nope.rq"))
    assert missing.exit_code == 2 and "query file not found" in missing.output
    empty = run("sparql", "   ")
    assert empty.exit_code == 2 and "empty" in empty.output


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_export_parses(run, fmt, parser):
    result = run("export", "--format", fmt)
    assert result.exit_code == 0
    assert len(Graph().parse(data=result.output, format=parser)) > 5000


def test_export_to_file_and_quads(run, tmp_path):
    out = tmp_path / "kb.nq"
    assert run("export", "--format", "nq", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").count("\n") > 5000


def test_stats(run):
    data = json.loads(run("stats", "--json").output)
    counts = {row["iri"].rsplit("#", 1)[-1]: row["count"] for row in data["classes"]}
    assert counts["CooperationCase"] >= 31 and counts["Lever"] == 10 and counts["EPCI"] > 5
    assert {row["iri"].rsplit("#", 1)[-1] for row in data["schemes"]} >= {"LeverScheme", "InstrumentTypeScheme", "ActorTypeScheme"}
    assert "Instances per class" in run("stats").output


def test_bad_settings_are_refused_at_start(monkeypatch):
    monkeypatch.setenv("COOPKG_BASE_IRI", "not an iri")
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 2 and "COOPKG_BASE_IRI" in result.output
    monkeypatch.setenv("COOPKG_BASE_IRI", "https://example.org/no-slash")
    assert "must end with '/'" in CliRunner().invoke(cli, ["stats"]).output
    monkeypatch.delenv("COOPKG_BASE_IRI")
    monkeypatch.setenv("COOPKG_STORE", "remote")
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 2 and "COOPKG_SPARQL_QUERY_URL" in result.output
    monkeypatch.setenv("COOPKG_SPARQL_QUERY_URL", "127.0.0.1:7878/query")
    monkeypatch.setenv("COOPKG_SPARQL_UPDATE_URL", "http://127.0.0.1:7878/update")
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 2 and "COOPKG_SPARQL_QUERY_URL: Value error, must be an absolute http(s) URL" in result.output


def test_invalid_corpus_exit_code(monkeypatch, tmp_path, corpus_copy):
    (corpus_copy / "cases" / "zz.md").write_text("---\nid: zz\n", encoding="utf-8")
    monkeypatch.setenv("COOPKG_HOME", str(tmp_path / "h"))
    result = CliRunner().invoke(cli, ["--corpus", str(corpus_copy), "build"])
    assert result.exit_code == 1 and "corpus/cases/zz.md:1" in result.output
    assert not (tmp_path / "h" / "store" / "current").exists()


def test_sparql_from_names_the_default_graph(run):
    """A query with FROM gets the dataset it names, as on the endpoint; without, the union of all graphs."""
    def count(query: str) -> int:
        return int(json.loads(run("sparql", query, "--format", "json").output)["results"]["bindings"][0]["n"]["value"])

    graphs = json.loads(run("sparql", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
                            "--format", "json").output)["results"]["bindings"]
    g = next(b["g"]["value"] for b in graphs if "/graph/" in b["g"]["value"])
    union = count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    inside = count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    assert 0 < inside < union
    assert count(f"SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}") == inside
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{g}> WHERE {{ GRAPH ?x {{ ?s ?p ?o }} }}") == inside
    # "FROM" inside a string is no dataset clause: still the union
    assert count('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "FROM <urn:x>") }') <= union
    assert count('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "FROM <urn:x>") }') > inside
