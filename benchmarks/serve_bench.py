"""`coopkg bench serve`: throughput and latency of `coopkg serve` under a bounded loopback load.

The parent process prepares a knowledge base and a search index of the repository corpus with the
real embedding model under ``benchmarks/work/serve/`` (``coopkg build``; the corpus embeddings are
seeded from ``data/cache`` when present, so they are not recomputed), then for each number of
workers (1, 2) starts ``coopkg serve --workers N`` as a subprocess on a free 127.0.0.1 port, pinned
to cores {0, 1}, waits until every worker has started, and drives it with a bounded load
generator on the same cores: ``wrk`` when installed (C, a separate process, a generated Lua script;
benchmarks/wrk_load.py), else an asynchronous client in this process (``httpx.AsyncClient``). Each
keeps one persistent connection per simulated user (closed loop), for a fixed list of concurrency
levels. Four scenarios, each with warm-up requests (httpx) that are not measured:

* ``search-repeated``: ``GET /api/search?q=…`` rotating through the 62 questions of
  eval/queries.json. The service memoises query vectors (per worker process), so after the
  warm-up (every connection sends every question once) no request embeds its question: this
  measures retrieval, fusion, cards and HTTP.
* ``search-distinct``: the same questions, each made unique by a suffix that no request of the
  server's lifetime repeats (a nonsense consonant-only word of the request's number, e.g. ``… zb``,
  that matches no vocabulary, gazetteer entry or number): every request is a memo miss and pays for
  embedding its question with the model, as a new user's question does.
* ``search-distinct-facets``: new questions likewise (the same numbering: no text of
  search-distinct comes back), each with one of ``FACET_FILTERS`` (lever, region, actor type,
  theme, period, combinations).
* ``sparql``: ``GET /sparql`` with a small SELECT (levers by axis, 10 rows), JSON results.

Each (scenario, concurrency) window lasts ``duration`` seconds (wrk: rounded up to whole seconds)
or, with httpx, ``max_requests`` requests, whichever comes first; it reports requests/s, p50, p95,
mean and max latency, errors (non-2xx answers and transport errors), and the CPU time the server's
processes and the load generator used per request (Linux). The load generator shares the two
cores with the server (the machine has two): its CPU use is part of the measurement conditions,
and the result names it (``parameters.client``, ``runs[].client``).

Results: ``benchmarks/results/serve.json``; summary: the "Serving" section of docs/benchmarks.md.
Run: ``coopkg bench serve`` (or ``python -m benchmarks.serve_bench``).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlencode

import click

from . import wrk_load
from .build_bench import CORES, ROOT, machine_info, pin_cores

HOST = "127.0.0.1"
WORK_HOME = ROOT / "benchmarks" / "work" / "serve"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_FILE = RESULTS_DIR / "serve.json"
EVAL_QUERIES = ROOT / "eval" / "queries.json"
DEFAULT_MODEL = ROOT / "data" / "models" / "multilingual-e5-small"
GOAL_RPS = 100.0  # search requests/s on 2 cores…
GOAL_P95_MS = 100.0  # …with p95 ≤ 100 ms
SCENARIOS = ("search-repeated", "search-distinct", "search-distinct-facets", "sparql")
# The filters search-distinct-facets walks through, one per request (values of the repository corpus).
FACET_FILTERS = ("&lever=L3", "&region=bretagne", "&actor_type=epci", "&theme=gouvernance",
                 "&axis=convergence&territory_type=rural", "&lever=L7&lever=L9", "&period=2010-",
                 "&instrument=programme&region=auvergne-rhone-alpes")
SPARQL_QUERY = """SELECT ?axis ?lever WHERE {
  ?l a coop:Lever ; coop:axis/skos:prefLabel ?axis ; skos:prefLabel ?lever ; coop:rank ?r .
  FILTER(LANG(?axis) = "fr" && LANG(?lever) = "fr")
} ORDER BY ?r"""
_CONSONANTS = wrk_load.NONCE_ALPHABET

Echo = Callable[[str], None]


# -- statistics ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's
    default, ``method="linear"``); NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0–100, got {q}")
    data = sorted(values)
    if not data:
        return math.nan
    pos = (len(data) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summarise(latencies: Sequence[float], errors: int, elapsed: float) -> dict:
    """Requests/s (successful answers per second of the measured window) and latency in ms."""
    ms = [x * 1000 for x in latencies]
    return {
        "requests": len(latencies), "errors": errors, "seconds": round(elapsed, 3),
        "requests_per_s": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
        "mean_ms": sum(ms) / len(ms) if ms else math.nan, "max_ms": max(ms) if ms else math.nan,
    }


# -- requests -----------------------------------------------------------------------------------
def load_queries(path: Path = EVAL_QUERIES) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [q["q"] for q in data["queries"]]


def nonce_word(n: int) -> str:
    """A consonant-only word unique to ``n`` (bijective base 20, at least two letters)."""
    n += len(_CONSONANTS)  # skip the one-letter words
    letters = []
    while n >= 0:
        n, r = divmod(n, len(_CONSONANTS))
        letters.append(_CONSONANTS[r])
        n -= 1
    return "".join(reversed(letters))


class Numbers:
    """Request numbers of one or more scenarios against one server: each is taken once."""

    def __init__(self) -> None:
        self.next = 0

    def take(self) -> int:
        n = self.next
        self.next += 1
        return n


@dataclass
class Scenario:
    """What the requests of a scenario ask for: request number ``n`` asks for :meth:`path` (n).
    ``prefixes`` are URL-encoded paths with their query; a ``fresh`` scenario appends a nonce word
    of ``n`` to the question (the last parameter of the prefix), so no two numbers ask the same
    question; ``suffixes`` (e.g. facet filters, URL-encoded, starting with ``&``) follow.
    wrk_load.lua_script builds the same paths in Lua."""
    name: str
    prefixes: list[str]
    suffixes: list[str] = field(default_factory=lambda: [""])
    fresh: bool = False
    headers: dict = field(default_factory=dict)
    numbers: Numbers = field(default_factory=Numbers)

    def path(self, n: int) -> str:
        path = self.prefixes[n % len(self.prefixes)]
        if self.fresh:
            path += "+" + nonce_word(n)
        return path + self.suffixes[n % len(self.suffixes)]


def search_path(question: str) -> str:
    return "/api/search?" + urlencode({"q": question})


def make_scenarios(queries: Sequence[str]) -> dict[str, Scenario]:
    questions = [search_path(q) for q in queries]
    fresh = Numbers()  # shared by the scenarios of new questions: no text is ever sent twice to one server
    return {
        "search-repeated": Scenario("search-repeated", questions),
        "search-distinct": Scenario("search-distinct", questions, fresh=True, numbers=fresh),
        "search-distinct-facets": Scenario("search-distinct-facets", questions, list(FACET_FILTERS), fresh=True,
                                           numbers=fresh),
        "sparql": Scenario("sparql", ["/sparql?" + urlencode({"query": SPARQL_QUERY})],
                           headers={"Accept": "application/sparql-results+json"}),
    }


# -- load ---------------------------------------------------------------------------------------
async def _load(base_url: str, scenario: Scenario, concurrency: int, duration: float, max_requests: int,
                warmup_requests: int, warmup_per_connection: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    timeout = httpx.Timeout(60.0)
    clients = [httpx.AsyncClient(base_url=base_url, timeout=timeout, headers=scenario.headers, trust_env=False,
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
               for _ in range(concurrency)]

    async def one(client, n: int, record: bool) -> None:
        t = time.perf_counter()
        try:
            response = await client.get(scenario.path(n))
            await response.aread()
            ok, what = response.is_success, f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            ok, what = False, f"{type(exc).__name__}: {exc}"
        if record:
            if ok:
                latencies.append(time.perf_counter() - t)
            else:
                errors.append(what)

    try:
        # Warm-up, not measured: each connection sends requests 0…warmup_per_connection-1 (for
        # search-repeated: every question), then a common pool of requests.
        warm = itertools.count()
        if warmup_per_connection:
            async def warm_connection(client):
                for j in range(warmup_per_connection):
                    await one(client, j, False)
            await asyncio.gather(*(warm_connection(c) for c in clients))

        async def warm_pool(client):
            while next(warm) < warmup_requests:
                await one(client, scenario.numbers.take(), False)
        await asyncio.gather(*(warm_pool(c) for c in clients))

        deadline = time.perf_counter() + duration
        sent = itertools.count()

        async def user(client):
            while time.perf_counter() < deadline and next(sent) < max_requests:
                await one(client, scenario.numbers.take(), True)

        cpu = time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(user(c) for c in clients))
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    result = summarise(latencies, len(errors), elapsed)
    result.update({"scenario": scenario.name, "concurrency": concurrency, "client": "httpx",
                   "client_cpu_s": round(cpu, 3)})
    if errors:
        result["first_error"] = errors[0]
    return result


def run_load(base_url: str, scenario: Scenario, concurrency: int, *, duration: float, max_requests: int,
             warmup_requests: int = 0, warmup_per_connection: int = 0) -> dict:
    """One measured window of ``scenario`` at ``concurrency`` simultaneous users (connections),
    driven by httpx in this process (also used for the warm-up before a wrk window)."""
    return asyncio.run(_load(base_url, scenario, concurrency, duration, max_requests, warmup_requests,
                             warmup_per_connection))


def run_wrk_window(wrk: str, base_url: str, scenario: Scenario, concurrency: int, *, duration: float) -> dict:
    """One measured window of ``scenario`` driven by wrk (``concurrency`` connections, one thread
    per pinned core at most, ``duration`` rounded up to whole seconds; no request cap); the
    scenario's numbers continue after the highest one wrk used."""
    threads = wrk_load.threads_for(concurrency, len(pinned_cores()))
    script = wrk_load.lua_script(prefixes=scenario.prefixes, suffixes=scenario.suffixes, nonce=scenario.fresh,
                                 headers=scenario.headers, first=scenario.numbers.next)
    before = _children_cpu()
    report = wrk_load.run_wrk(wrk, base_url, script=script, connections=concurrency, threads=threads,
                              duration=duration)
    scenario.numbers.next = max(scenario.numbers.next, report["last_n"] + 1)
    result = wrk_load.summarise_report(report)
    result.update({"scenario": scenario.name, "concurrency": concurrency, "client": "wrk", "wrk_threads": threads,
                   "client_cpu_s": round(_children_cpu() - before, 3)})
    if result["errors"]:
        result["first_error"] = f"wrk errors: {result['wrk_errors']}"
    return result


def bench_server(base_url: str, queries: Sequence[str], *, levels: Sequence[int], duration: float,
                 max_requests: int, warmup: int, scenarios: Sequence[str] = SCENARIOS, wrk: str | None = None,
                 server_pid: int | None = None, echo: Echo = lambda m: None) -> list[dict]:
    """Every scenario at every concurrency level against one running server, measured by wrk
    (the binary ``wrk``) or else by httpx; the warm-up is always httpx's. search-repeated runs first,
    while the memo holds nothing but the eval questions. With ``server_pid``, each run also
    reports the CPU time the server's processes used during the window."""
    defined = make_scenarios(queries)
    runs = []
    for name in scenarios:
        scenario = defined[name]
        for level in levels:
            per_connection = len(queries) if name == "search-repeated" else 0
            run_load(base_url, scenario, level, duration=0.0, max_requests=0, warmup_requests=warmup * level,
                     warmup_per_connection=per_connection)
            server_cpu = process_tree_cpu(server_pid) if server_pid else None
            if wrk:
                run = run_wrk_window(wrk, base_url, scenario, level, duration=duration)
            else:
                run = run_load(base_url, scenario, level, duration=duration, max_requests=max_requests)
            if server_cpu is not None:
                run["server_cpu_s"] = round(process_tree_cpu(server_pid) - server_cpu, 3)
            answered = run["requests"] + run["errors"]
            for side in ("server", "client"):
                if f"{side}_cpu_s" in run and answered:
                    run[f"{side}_cpu_ms_per_request"] = round(run[f"{side}_cpu_s"] * 1000 / answered, 2)
            cpu = (f", CPU/request server {run['server_cpu_ms_per_request']:.1f} ms client "
                   f"{run['client_cpu_ms_per_request']:.1f} ms" if "server_cpu_ms_per_request" in run else "")
            echo(f"    {name:<22} c={level:<3} {run['requests_per_s']:7.1f} req/s  p50 {run['p50_ms']:7.1f} ms  "
                 f"p95 {run['p95_ms']:7.1f} ms  ({run['requests']} requests, {run['errors']} errors{cpu})")
            runs.append(run)
    return runs


# -- CPU accounting -----------------------------------------------------------------------------
def pinned_cores() -> list[int]:
    """The cores this process (and so the load generator it starts) may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def _children_cpu() -> float:
    """User + system CPU seconds of this process's ended and waited-for children (wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` and its live descendants (Linux
    /proc; 0.0 elsewhere). uvicorn's workers are children of the ``coopkg serve`` process."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent pid, CPU seconds)
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        stats[int(entry.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, (ppid, _) in stats.items() if ppid == parent and p not in tree]
        tree.update(children)
        frontier += children
    return sum(stats[p][1] for p in tree if p in stats)


# -- the server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path
    workers: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self, limit: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-limit:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def _ready(server: Server) -> bool:
    import httpx

    # uvicorn logs this once per worker process, when its lifespan (store, index, model) is done
    if server.log(10**7).count("Application startup complete") < server.workers:
        return False
    try:
        return httpx.get(server.url + "/api/stats", timeout=5, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def start_server(env: dict, workers: int, log_dir: Path, *, cores: set[int] | None = None,
                 startup_timeout: float = 180.0, attempts: int = 3) -> Server:
    """``coopkg serve --workers N`` on a free 127.0.0.1 port, pinned to ``cores``; returns once
    every worker has loaded the base and the model and the server answers."""
    coopkg = Path(sys.executable).parent / "coopkg"
    cores = cores if cores is not None else CORES
    affinity = cores & os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()

    def pin() -> None:
        if affinity:
            os.sched_setaffinity(0, affinity)

    log_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    for attempt in range(1, attempts + 1):
        port = free_port()
        log_path = log_dir / f"serve-w{workers}-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen([str(coopkg), "serve", "--host", HOST, "--port", str(port), "--workers",
                                        str(workers)], env={**os.environ, **env}, cwd=ROOT, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, preexec_fn=pin if affinity else None)
        server = Server(process, port, log_path, workers)
        deadline = time.monotonic() + startup_timeout
        try:
            while time.monotonic() < deadline and process.poll() is None:
                if _ready(server):
                    return server
                time.sleep(0.25)
        except BaseException:
            server.stop()
            raise
        server.stop()
        failures.append(f"attempt {attempt}: {server.log()}")
        if "address already in use" not in failures[-1].lower():
            break
    raise RuntimeError("coopkg serve did not start:\n" + "\n".join(failures))


# -- the knowledge base -------------------------------------------------------------------------
def prepare_home(model: str, reuse: bool, echo: Echo, home: Path = WORK_HOME) -> dict:
    """`coopkg build` of the repository corpus into ``home`` with the real model (reused when
    ``reuse`` and a build with the same model exists)."""
    stamp = home / "bench-build.json"
    if reuse and stamp.exists():
        data = json.loads(stamp.read_text(encoding="utf-8"))
        if data.get("model") == model:
            echo(f"[serve] reusing {home}")
            return data
    shutil.rmtree(home, ignore_errors=True)
    (home / "cache").mkdir(parents=True)
    seeded = ROOT / "data" / "cache" / "embeddings.sqlite"
    if seeded.exists():  # corpus embeddings computed by an earlier `coopkg build` in ./data
        shutil.copyfile(seeded, home / "cache" / "embeddings.sqlite")
    echo(f"[serve] coopkg build into {home} (model {model})")
    t = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "coopkg"), "build", "--quiet"], cwd=ROOT, check=True,
                   env={**os.environ, **server_env(home, model)})
    data = {"model": model, "seconds": time.perf_counter() - t, "embedding_cache_seeded": seeded.exists()}
    stamp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return data


def server_env(home: Path, model: str) -> dict[str, str]:
    return {"COOPKG_HOME": str(home), "COOPKG_CORPUS_DIR": str(ROOT / "corpus"), "COOPKG_EMBEDDING_MODEL": model}


def default_model() -> str:
    env = os.environ.get("COOPKG_EMBEDDING_MODEL")
    return env if env else str(DEFAULT_MODEL)


# -- results ------------------------------------------------------------------------------------
def _versions() -> dict:
    out = {}
    for pkg in ("fastapi", "starlette", "uvicorn", "httpx", "pyoxigraph", "torch", "sentence-transformers",
                "faiss-cpu"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def assemble(runs_by_workers: dict[int, list[dict]], *, params: dict, machine: dict, preparation: dict | None) -> dict:
    """The result document: machine, versions, parameters, date, every run and the goal status."""
    search = [r | {"workers": w} for w, runs in runs_by_workers.items() for r in runs if r["scenario"].startswith("search")]
    goal = {}
    for name in ("search-distinct", "search-distinct-facets", "search-repeated"):
        rows = [r for r in search if r["scenario"] == name and r["errors"] == 0]
        if name == "search-distinct-facets" and not rows:
            continue  # not run
        met = [r for r in rows if r["requests_per_s"] >= GOAL_RPS and r["p95_ms"] <= GOAL_P95_MS]
        best = max(met or rows, key=lambda r: (r["requests_per_s"] if met else r["requests_per_s"] / max(
            1.0, r["p95_ms"] / GOAL_P95_MS)), default=None)
        goal[name] = {"met": bool(met), "best": None if best is None else {
            k: best[k] for k in ("workers", "concurrency", "requests_per_s", "p50_ms", "p95_ms")}}
    return {
        "benchmark": "serve", "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {**machine, "serve_versions": _versions(), "loadavg_end": _loadavg()},
        "parameters": params, "preparation": preparation,
        "runs": [{"workers": w, **r} for w, runs in runs_by_workers.items() for r in runs],
        "goal": {"requests_per_s": GOAL_RPS, "p95_ms": GOAL_P95_MS, **goal},
    }


def save(result: dict, path: Path = RESULTS_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False,
                               default=str) + "\n", encoding="utf-8")
    return path


def render_table(result: dict) -> str:
    """The runs as a Markdown table; the last columns say which client measured and the CPU time
    per request of the server's processes and of the client (— when not measured)."""
    lines = ["| workers | scenario | concurrency | requests/s | p50 ms | p95 ms | mean ms | requests | errors | client "
             "| server CPU ms/req | client CPU ms/req |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]

    def cpu(r: dict, side: str) -> str:
        value = r.get(f"{side}_cpu_ms_per_request")
        return "—" if value is None else f"{value:.1f}"

    for r in result["runs"]:
        lines.append(f"| {r['workers']} | {r['scenario']} | {r['concurrency']} | {r['requests_per_s']:.1f} | "
                     f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['mean_ms']:.1f} | {r['requests']:,} | {r['errors']} | "
                     f"{r.get('client', 'httpx')} | {cpu(r, 'server')} | {cpu(r, 'client')} |")
    return "\n".join(lines)


def _nan_to_none(obj):
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_to_none(v) for v in obj]
    return obj


def _query_cache_size() -> int:
    from search.service import QUERY_CACHE_SIZE  # query vectors memoised per worker process

    return QUERY_CACHE_SIZE


def choose_client(name: str) -> str | None:
    """The wrk binary for ``name`` "wrk" (an error when missing) or "auto" (when installed); None
    for httpx."""
    if name == "httpx":
        return None
    binary = wrk_load.find_wrk()
    if binary is None and name == "wrk":
        raise click.UsageError("wrk is not installed (Debian: apt-get install wrk; scripts/setup-test installs it); "
                               "use --client httpx or --client auto")
    return binary


def client_description(wrk: str | None, max_requests: int) -> dict:
    cores = pinned_cores()
    if wrk:
        return {"name": "wrk", "version": wrk_load.wrk_version(wrk), "cores": cores,
                "threads": f"min(connections, {len(cores)}): one per pinned core",
                "description": "wrk (C, epoll), a separate process on the same cores as the server; one keep-alive "
                               "connection per simulated user, closed loop; requests built by a generated Lua script; "
                               "latency percentiles from wrk's histogram; windows bounded by duration only (whole "
                               "seconds; --max-requests does not apply); warm-up requests sent with httpx"}
    return {"name": "httpx", "version": _versions().get("httpx", "unknown"), "cores": cores, "threads": 1,
            "description": "httpx.AsyncClient in the benchmark process, on the same cores as the server; one "
                           f"keep-alive connection per simulated user, closed loop; at most {max_requests} requests "
                           "per window"}


def bench(*, workers: Sequence[int], levels: Sequence[int], duration: float, max_requests: int, warmup: int,
          model: str, reuse: bool, echo: Echo, scenarios: Sequence[str] = SCENARIOS, client: str = "auto") -> dict:
    cores = pin_cores()  # this process (the load generator) and, through start_server, the server
    wrk = choose_client(client)
    generator = wrk or ("httpx (wrk not installed)" if client == "auto" else "httpx")
    echo(f"pinned to {cores} core(s) {pinned_cores()}; load generator: {generator}")
    machine = machine_info(cores)
    preparation = prepare_home(model, reuse, echo)
    queries = load_queries()
    env = server_env(WORK_HOME, model)
    runs: dict[int, list[dict]] = {}
    for n in workers:
        echo(f"[serve] {n} worker(s): starting coopkg serve")
        t = time.perf_counter()
        server = start_server(env, n, WORK_HOME / "logs")
        try:
            echo(f"  ready in {time.perf_counter() - t:.1f} s on {server.url}")
            runs[n] = bench_server(server.url, queries, levels=levels, duration=duration, max_requests=max_requests,
                                   warmup=warmup, scenarios=scenarios, wrk=wrk, server_pid=server.process.pid,
                                   echo=echo)
        finally:
            server.stop()
    params = {"workers": list(workers), "concurrency": list(levels), "duration_s": duration,
              "max_requests": max_requests, "warmup_requests_per_connection": warmup, "model": model,
              "queries": len(queries), "scenarios": list(scenarios), "sparql_query": SPARQL_QUERY,
              "facet_filters": list(FACET_FILTERS), "query_cache_size": _query_cache_size(),
              "search_threads": os.environ.get("COOPKG_SEARCH_THREADS", "1 (default)"),
              "client": client_description(wrk, max_requests)}
    return _nan_to_none(assemble(runs, params=params, machine=machine, preparation=preparation))


@click.command("serve")
@click.option("--workers", "workers_text", default="1,2", show_default=True, help="Comma-separated worker counts.")
@click.option("--concurrency", "levels_text", default="1,4,16", show_default=True,
              help="Comma-separated numbers of simultaneous connections.")
@click.option("--duration", default=10.0, show_default=True, type=click.FloatRange(0.5),
              help="Seconds measured per scenario and concurrency level.")
@click.option("--max-requests", default=5000, show_default=True, type=click.IntRange(1),
              help="Requests measured at most per scenario and concurrency level (httpx client only).")
@click.option("--warmup", default=3, show_default=True, type=click.IntRange(0),
              help="Unmeasured requests per connection before each window (search-repeated also sends every "
                   "eval question once per connection).")
@click.option("--scenarios", "scenarios_text", default=",".join(SCENARIOS), show_default=True,
              help="Comma-separated scenarios.")
@click.option("--model", default=None, help="Embedding model folder (default: $COOPKG_EMBEDDING_MODEL or "
                                            "data/models/multilingual-e5-small).")
@click.option("--reuse", is_flag=True, help="Reuse the base built before under benchmarks/work/serve/.")
@click.option("--client", type=click.Choice(["auto", "wrk", "httpx"]), default="auto", show_default=True,
              help="Load generator: wrk (C, needs the Debian package wrk), httpx (Python, in this process), or auto "
                   "(wrk when installed).")
def serve_command(workers_text: str, levels_text: str, duration: float, max_requests: int, warmup: int,
                  scenarios_text: str, model: str | None, reuse: bool, client: str) -> None:
    """Requests/s, p50 and p95 of `coopkg serve` (1 and 2 workers) on /api/search and /sparql."""
    def ints(text: str, hint: str) -> list[int]:
        try:
            values = [int(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise click.BadParameter("expected comma-separated integers", param_hint=hint) from None
        if not values or min(values) < 1:
            raise click.BadParameter("expected positive integers", param_hint=hint)
        return values

    scenarios = [s.strip() for s in scenarios_text.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown or not scenarios:
        raise click.BadParameter(f"unknown scenario {unknown[0] if unknown else ''!r}; choose among "
                                 f"{', '.join(SCENARIOS)}", param_hint="--scenarios")

    def echo(message: str) -> None:
        click.echo(message, err=True)

    result = bench(workers=ints(workers_text, "--workers"), levels=ints(levels_text, "--concurrency"),
                   duration=duration, max_requests=max_requests, warmup=warmup, model=model or default_model(),
                   reuse=reuse, echo=echo, scenarios=scenarios, client=client)
    echo(f"results: {save(result)}")
    click.echo(render_table(result))


if __name__ == "__main__":
    serve_command()
