"""`coopkg bench serve` with wrk as the load generator (benchmarks/wrk_load.py): the generated Lua
script asks for exactly the paths serve_bench.Scenario.path builds (checked against a recording
server on 127.0.0.1), its report is parsed, and a tiny run against the in-process app over the
repository corpus has no error. Needs the Debian package wrk (scripts/setup-test installs it). No
timing is asserted."""
from __future__ import annotations

import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks import serve_bench as sb
from benchmarks import wrk_load
from tests.servers import HOST
from tests.test_bench_serve import live_url  # noqa: F401 (the fixture)

WRK = shutil.which("wrk")
needs_wrk = pytest.mark.skipif(WRK is None, reason="wrk is not installed: scripts/setup-test installs the Debian "
                                                   "package wrk (apt-get install wrk)")


@pytest.fixture
def recording_server():
    """A tiny HTTP/1.1 keep-alive server on 127.0.0.1 that records each request's path and header
    Accept, and answers 200 (or 404 under /missing)."""
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append((self.path, self.headers.get("Accept")))
            status = 404 if self.path.startswith("/missing") else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@needs_wrk
def test_lua_script_asks_for_the_scenario_paths(recording_server):
    url, seen = recording_server
    scenario = sb.make_scenarios(["une question", "a question d'été ?"])["search-distinct-facets"]
    scenario.numbers.next = first = 123_456  # nonce words of several letters
    run = sb.run_wrk_window(WRK, url, scenario, 2, duration=1)
    assert run["client"] == "wrk" and run["wrk_threads"] == min(2, len(sb.pinned_cores()))
    assert run["errors"] == 0 and 0 < run["requests"] <= len(seen)
    assert 0 < run["p50_ms"] <= run["p95_ms"] <= run["max_ms"]
    paths = [path for path, _ in seen]
    assert len(set(paths)) == len(paths)  # every request is a new question
    expected = {scenario.path(n): n for n in range(first, scenario.numbers.next)}
    assert set(paths) <= set(expected), sorted(set(paths) - set(expected))[:3]
    assert max(expected[p] for p in paths) == scenario.numbers.next - 1  # the next window continues after it
    assert any(p.endswith(f) for p in paths for f in sb.FACET_FILTERS)


@needs_wrk
def test_headers_and_errors(recording_server):
    url, seen = recording_server
    sparql = sb.make_scenarios(["q"])["sparql"]
    run = sb.run_wrk_window(WRK, url, sparql, 1, duration=1)
    assert run["errors"] == 0 and run["requests"] > 0 and run["wrk_threads"] == 1
    assert {accept for _, accept in seen} == {"application/sparql-results+json"}
    missing = sb.Scenario("missing", ["/missing?x=1"])
    run = sb.run_wrk_window(WRK, url, missing, 1, duration=1)
    assert run["requests"] == 0 and run["errors"] > 0 and run["wrk_errors"]["status_errors"] == run["errors"]
    assert "status_errors" in run["first_error"]


@needs_wrk
def test_tiny_wrk_run_against_the_app(live_url):  # noqa: F811 (the fixture)
    queries = sb.load_queries()[:3]
    runs = sb.bench_server(live_url, queries, levels=[1, 2], duration=1, max_requests=10, warmup=1, wrk=WRK,
                           server_pid=os.getpid())  # the server runs in this process (a thread)
    assert [(r["scenario"], r["concurrency"]) for r in runs] == [(s, c) for s in sb.SCENARIOS for c in (1, 2)]
    for r in runs:
        assert r["errors"] == 0, r.get("first_error")
        assert r["client"] == "wrk" and r["requests"] > 0 and r["client_cpu_s"] >= 0
        assert r["server_cpu_ms_per_request"] > 0 and r["client_cpu_ms_per_request"] >= 0
    description = sb.client_description(WRK, 10)
    assert description["name"] == "wrk" and description["version"].startswith("wrk")
    assert description["cores"] == sb.pinned_cores()


def test_wrk_only_targets_loopback():
    with pytest.raises(wrk_load.WrkError, match="127.0.0.1"):
        wrk_load.run_wrk("wrk", "http://example.org:80", script="", connections=1, threads=1, duration=1)
    with pytest.raises(wrk_load.WrkError, match="threads"):
        wrk_load.run_wrk("wrk", "http://127.0.0.1:9", script="", connections=1, threads=2, duration=1)


def test_report_parsing():
    line = ('coopkg-wrk-report {"requests": 10, "duration_us": 2000000, "status_errors": 2, "connect_errors": 0, '
            '"read_errors": 1, "write_errors": 0, "timeouts": 0, "p50_us": 1500, "p95_us": 3000, "mean_us": 1700.5, '
            '"max_us": 4000, "last_n": 41}')
    report = wrk_load.parse_report("Running 2s test\n" + line + "\n")
    assert report["last_n"] == 41
    summary = wrk_load.summarise_report(report)
    assert summary["requests"] == 8 and summary["errors"] == 3 and summary["requests_per_s"] == 4.0
    assert summary["p50_ms"] == 1.5 and summary["p95_ms"] == 3.0 and summary["max_ms"] == 4.0
    with pytest.raises(wrk_load.WrkError, match="no report"):
        wrk_load.parse_report("Running 2s test\n")
    with pytest.raises(ValueError, match="URL-encoded"):
        wrk_load.lua_script(prefixes=['/a?q="'], suffixes=[""], nonce=False, headers={}, first=0)


def test_wrk_binary_override(monkeypatch, tmp_path):
    monkeypatch.setenv(wrk_load.WRK_ENV, str(tmp_path / "nope"))
    with pytest.raises(wrk_load.WrkError, match="not an executable"):
        wrk_load.find_wrk()
