"""`coopkg bench serve` plumbing (benchmarks/serve_bench.py): the percentile, the unique query
suffixes, and the result document of a tiny run against an in-process uvicorn server over the
repository corpus with the hashing embedder. No timing is asserted."""
from __future__ import annotations

import json
import math
import threading
import time

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
    scenario = sb.make_scenarios(["a b", "c d"])["search-distinct"]
    texts = [scenario.target(0)[1]["q"] for _ in range(100)]  # the index is ignored: every call is new
    assert len(set(texts)) == 100 and texts[0].startswith("a b ")
    repeated = sb.make_scenarios(["a b", "c d"])["search-repeated"]
    assert [repeated.target(i)[1]["q"] for i in range(4)] == ["a b", "c d", "a b", "c d"]


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
    assert len(data["runs"]) == 6 and all(r["workers"] == 1 for r in data["runs"])
    assert set(data["runs"][0]) >= {"workers", "scenario", "concurrency", "requests", "errors", "seconds",
                                    "requests_per_s", "p50_ms", "p95_ms", "mean_ms", "max_ms"}
    goal = data["goal"]
    assert goal["requests_per_s"] == sb.GOAL_RPS and goal["p95_ms"] == sb.GOAL_P95_MS
    for name in ("search-distinct", "search-repeated"):
        assert isinstance(goal[name]["met"], bool) and goal[name]["best"]["workers"] == 1
    table = sb.render_table(data)
    assert table.count("\n") == 1 + len(data["runs"]) and "| 1 | sparql | 2 |" in table


def test_errors_are_counted(live_url):
    bad = sb.Scenario("bad", lambda i: ("/api/search", {"q": ""}))  # 422: empty query
    run = sb.run_load(live_url, bad, 1, duration=5.0, max_requests=3)
    assert run["requests"] == 0 and run["errors"] == 3 and "HTTP 422" in run["first_error"]


def test_command_usage():
    runner = CliRunner()
    assert sb.serve_command.name == "serve"
    help_text = runner.invoke(sb.serve_command, ["--help"]).output
    assert all(o in help_text for o in ("--workers", "--concurrency", "--duration", "--reuse"))
    assert runner.invoke(sb.serve_command, ["--workers", "0"]).exit_code == 2
    assert runner.invoke(sb.serve_command, ["--scenarios", "nope"]).exit_code == 2
