"""`coopkg bench serve` plumbing (benchmarks/serve_bench.py): the percentile, the unique query
suffixes, and the result document of a tiny run against an in-process uvicorn server over the
repository corpus with the hashing embedder. No timing is asserted."""
from __future__ import annotations

import json
import math
import os
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from benchmarks import serve_bench as sb
from tests.servers import HOST, free_port


def test_percentile():
    assert sb.percentile([3.0], 95) == 3.0
    assert sb.percentile([1, 2, 3, 4, 5], 50) == 3
    assert sb.percentile([1, 2, 3, 4], 50) == 2.5
    assert sb.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)  # numpy's "linear" method
    assert sb.percentile([5, 1, 4, 2, 3], 0) == 1 and sb.percentile([5, 1, 4, 2, 3], 100) == 5
    assert math.isnan(sb.percentile([], 50))
    with pytest.raises(ValueError):
        sb.percentile([1.0], 101)


def test_summarise():
    s = sb.summarise([0.010, 0.020, 0.030, 0.040], errors=1, elapsed=2.0)
    assert s["requests"] == 4 and s["errors"] == 1 and s["requests_per_s"] == 2.0
    assert s["p50_ms"] == pytest.approx(25.0) and s["max_ms"] == pytest.approx(40.0)
    assert s["mean_ms"] == pytest.approx(25.0)


def test_distinct_queries_never_repeat():
    words = [sb.nonce_word(i) for i in range(50_000)]
    assert len(set(words)) == len(words)
    assert all(len(w) >= 2 and set(w) <= set(sb._CONSONANTS) for w in words)
    scenarios = sb.make_scenarios(["a b", "c d"])
    distinct, faceted = scenarios["search-distinct"], scenarios["search-distinct-facets"]
    paths = [s.path(s.numbers.take()) for _ in range(100) for s in (distinct, faceted)]
    questions = [parse_qs(urlsplit(p).query)["q"][0] for p in paths]
    assert len(set(questions)) == 200  # the two scenarios share one numbering: no question comes back
    assert paths[0] == "/api/search?q=a+b+bb" and questions[0] == "a b bb"
    assert paths[1].startswith("/api/search?q=c+d+bc&") and paths[1].endswith(sb.FACET_FILTERS[1])
    repeated = scenarios["search-repeated"]
    assert [parse_qs(urlsplit(repeated.path(i)).query)["q"][0] for i in range(4)] == ["a b", "c d", "a b", "c d"]
    sparql = scenarios["sparql"]
    assert parse_qs(urlsplit(sparql.path(7)).query)["query"] == [sb.SPARQL_QUERY]


def test_facet_filters_are_valid(live_url):
    """Every filter of search-distinct-facets names values of the repository corpus."""
    import httpx

    for suffix in sb.FACET_FILTERS:
        response = httpx.get(live_url + "/api/search?q=coop%C3%A9ration" + suffix, trust_env=False, timeout=30)
        assert response.status_code == 200, (suffix, response.text[:300])


def test_eval_queries_load():
    queries = sb.load_queries()
    assert len(queries) >= 50 and len(set(queries)) == len(queries)


@pytest.fixture(scope="module")
def live_url(built_settings, hashing_service):
    """An in-process uvicorn server (thread) over the repository corpus with the hashing embedder."""
    import uvicorn

    from api.app import create_app

    app = create_app(built_settings, service=hashing_service)
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=free_port(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the in-process uvicorn server did not start")
        time.sleep(0.05)
    try:
        yield f"http://{HOST}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_tiny_run_result_document(live_url, tmp_path):
    queries = sb.load_queries()[:3]
    runs = sb.bench_server(live_url, queries, levels=[1, 2], duration=5.0, max_requests=4, warmup=1)
    assert [(r["scenario"], r["concurrency"]) for r in runs] == [
        (s, c) for s in sb.SCENARIOS for c in (1, 2)]
    for r in runs:
        assert r["errors"] == 0, r.get("first_error")
        assert r["requests"] == 4  # bounded by max_requests, whatever the concurrency
        assert r["requests_per_s"] > 0 and 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"]

    result = sb._nan_to_none(sb.assemble({1: runs}, params={"duration_s": 5.0}, machine={"cpu": "test"},
                                         preparation=None))
    path = sb.save(result, tmp_path / "serve.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["benchmark"] == "serve" and data["date"] and data["parameters"] == {"duration_s": 5.0}
    assert {"cpu", "serve_versions"} <= set(data["machine"]) and "uvicorn" in data["machine"]["serve_versions"]
    assert len(data["runs"]) == 2 * len(sb.SCENARIOS) and all(r["workers"] == 1 for r in data["runs"])
    assert all(r["client"] == "httpx" and r["client_cpu_s"] >= 0 for r in data["runs"])
    assert set(data["runs"][0]) >= {"workers", "scenario", "concurrency", "requests", "errors", "seconds",
                                    "requests_per_s", "p50_ms", "p95_ms", "mean_ms", "max_ms"}
    goal = data["goal"]
    assert goal["requests_per_s"] == sb.GOAL_RPS and goal["p95_ms"] == sb.GOAL_P95_MS
    for name in ("search-distinct", "search-distinct-facets", "search-repeated"):
        assert isinstance(goal[name]["met"], bool) and goal[name]["best"]["workers"] == 1
    table = sb.render_table(data)
    assert table.count("\n") == 1 + len(data["runs"]) and "| 1 | sparql | 2 |" in table
    assert "| httpx | — |" in table  # client named; no server CPU without the server's pid


def test_errors_are_counted(live_url):
    bad = sb.Scenario("bad", ["/api/search?q="])  # 422: empty query
    run = sb.run_load(live_url, bad, 1, duration=5.0, max_requests=3)
    assert run["requests"] == 0 and run["errors"] == 3 and "HTTP 422" in run["first_error"]


def test_command_usage():
    runner = CliRunner()
    assert sb.serve_command.name == "serve"
    help_text = runner.invoke(sb.serve_command, ["--help"]).output
    assert all(o in help_text for o in ("--workers", "--concurrency", "--duration", "--reuse", "--client"))
    assert runner.invoke(sb.serve_command, ["--workers", "0"]).exit_code == 2
    assert runner.invoke(sb.serve_command, ["--scenarios", "nope"]).exit_code == 2


def test_process_tree_cpu_counts_this_process():
    assert sb.process_tree_cpu(os.getpid()) > 0
    assert sb.process_tree_cpu(2**22 + 12345) == 0.0  # no such process


def test_client_choice(monkeypatch, tmp_path):
    import click

    assert sb.choose_client("httpx") is None
    monkeypatch.setenv("PATH", str(tmp_path))  # no wrk there
    monkeypatch.delenv("COOPKG_BENCH_WRK", raising=False)
    assert sb.choose_client("auto") is None
    with pytest.raises(click.UsageError, match="wrk is not installed"):
        sb.choose_client("wrk")
    assert sb.client_description(None, 10)["name"] == "httpx"
