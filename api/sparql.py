"""The read-only SPARQL 1.1 Protocol endpoint, ``/sparql`` (docs/sparql.md).

    GET  /sparql?query=…                       (+ default-graph-uri, named-graph-uri, format)
    POST /sparql  application/x-www-form-urlencoded  query=…
    POST /sparql  application/sparql-query           the query as the body
    GET  /sparql                               a service description (Turtle; HTML for browsers)

Queries run in **worker processes** (``python -m api.sparql``), never in the server process:
pyoxigraph cannot interrupt a query, and a query it runs in a thread keeps a CPU until it ends
(an aggregate over a cartesian product never does). The server waits for the answer, up to
``COOPKG_SPARQL_TIMEOUT``, in a thread of the threadpool (the event loop stays free), then kills
the worker with SIGKILL and answers 503; a new worker is started for the next query. Each worker
also sets its own ``RLIMIT_CPU`` before a query, so that a query stops even if the server died.

In a worker, a query is checked before it touches the store. A token scan (comments, strings and
IRIs skipped) settles the common case: no update verb, no ``SERVICE``, no ``FROM`` as a bare word →
nothing to refuse. Otherwise it is parsed with rdflib's SPARQL parser (updates refused with their
name, ``SERVICE`` found in the parse tree, ``FROM`` noticed). The query is then run by
Oxigraph, whose parser has the last word on syntax (its errors give line and column). When rdflib
cannot parse a query that Oxigraph accepts (Oxigraph extensions), a SPARQL tokenizer (comments,
strings and IRIs skipped) decides whether a ``SERVICE`` or ``FROM`` keyword is present.

Results are read at most ``COOPKG_SPARQL_MAX_RESULTS`` + 1 rows or triples; a larger result is an
error (never a silently truncated one), and a smaller one is serialised by Oxigraph in the
negotiated format.
"""
from __future__ import annotations

import atexit
import html
import json
import logging
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .deps import SettingsDep, StoreDep
from .errors import ApiError

log = logging.getLogger(__name__)

router = APIRouter(tags=["SPARQL"])

# -- limits -------------------------------------------------------------------------------------
MAX_QUERY_BYTES = 100_000  # the query text, UTF-8
MAX_BODY_BYTES = 3 * MAX_QUERY_BYTES + 8_192  # a form-encoded body (percent-encoding triples a byte)
MAX_WORKERS = 4  # queries running at once in one server process; more wait for a free slot
IDLE_WORKERS = MAX_WORKERS  # ready workers kept between queries: one started for a burst is kept for the next
SPAWN_TIMEOUT = 60.0  # seconds for a new worker to import its modules and open the store

# -- formats ------------------------------------------------------------------------------------
# (canonical media type, key) — the first one is the default. Aliases map other media types
# clients send (e.g. SPARQLWrapper, rdflib) to the same formats, at a lower priority.
RESULT_FORMATS = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]
RESULT_ALIASES = [("application/json", "json"), ("application/xml", "xml"), ("text/xml", "xml")]
GRAPH_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdfxml"),
]
GRAPH_ALIASES = [("application/x-turtle", "turtle"), ("application/turtle", "turtle"),
                 ("text/plain", "nt"), ("application/json", "jsonld"), ("application/xml", "rdfxml"),
                 ("text/xml", "rdfxml")]
MEDIA = {key: media for media, key in RESULT_FORMATS} | {key: media for media, key in GRAPH_FORMATS}
# format= parameter: (result format, graph format); either may be None (not for that query form).
FORMAT_PARAM = {
    "json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "csv": ("csv", None), "tsv": ("tsv", None),
    "turtle": (None, "turtle"), "ttl": (None, "turtle"), "jsonld": (None, "jsonld"), "json-ld": (None, "jsonld"),
    "nt": (None, "nt"), "ntriples": (None, "nt"), "n-triples": (None, "nt"), "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
} | {media: (key, None) for media, key in RESULT_FORMATS} | {media: (None, key) for media, key in GRAPH_FORMATS}

_UPDATE_TYPES = {"application/sparql-update"}
_FORM_TYPES = {"application/x-www-form-urlencoded"}
_QUERY_TYPES = {"application/sparql-query"}


# ==== content negotiation ======================================================================
def _accept_ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        kind, _, sub = fields[0].lower().partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub or "*", q))
    return ranges


def negotiate(accept: str | None, offers: list[tuple[str, str]], aliases: list[tuple[str, str]] = ()) -> str | None:
    """The format key of the offer the ``Accept`` header prefers (q-values, most specific range
    wins; ties go to the earlier offer, canonical types before aliases); None if nothing is
    acceptable. No or an empty header: the first offer."""
    if not accept or not accept.strip():
        return offers[0][1]
    ranges = _accept_ranges(accept)
    best, best_q = None, 0.0
    for media, key in [*offers, *aliases]:
        kind, _, sub = media.partition("/")
        q, specificity = None, -1
        for r_kind, r_sub, r_q in ranges:
            if r_kind == kind and r_sub == sub:
                spec = 2
            elif r_kind == kind and r_sub == "*":
                spec = 1
            elif r_kind == "*":
                spec = 0
            else:
                continue
            if spec > specificity:
                q, specificity = r_q, spec
        if q is not None and q > best_q:
            best, best_q = key, q
    return best


def _offered(offers) -> str:
    return ", ".join(media for media, _ in offers)


# ==== request parsing ==========================================================================
@dataclass
class SparqlRequest:
    query: str
    default_graphs: list[str]
    named_graphs: list[str]
    result_fmt: str | None
    graph_fmt: str | None


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    return bytes(body)


def _too_large() -> ApiError:
    return ApiError(413, f"the query is larger than {MAX_QUERY_BYTES // 1000} kB, the most this endpoint accepts",
                    field="query")


def _read_only(how: str) -> ApiError:
    return ApiError(403, f"this SPARQL endpoint is read-only: {how} is not accepted (SPARQL Update, LOAD, CLEAR, "
                         "INSERT, DELETE… are refused); send a SELECT, ASK, CONSTRUCT or DESCRIBE query",
                    field="update")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise ApiError(400, f"give exactly one '{name}' parameter, not {len(values)}", field=name)
    return values[0] if values else None


def _build_request(params: dict[str, list[str]], query: str | None, accept: str | None) -> SparqlRequest:
    if params.get("update"):
        raise _read_only("an 'update' parameter")
    if query is None:
        raise ApiError(400, "missing 'query' parameter: send ?query=… (GET), query=… (form POST) or the query "
                            "as an application/sparql-query body", field="query")
    if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
        raise _too_large()
    if not query.strip():
        raise ApiError(400, "the query is empty", field="query")
    fmt = _one(params, "format")
    if fmt is not None:
        key = fmt.strip().lower()
        if key not in FORMAT_PARAM:
            names = ", ".join(k for k in FORMAT_PARAM if "/" not in k)
            raise ApiError(400, f"unknown format {fmt!r}; use one of {names} (or omit it and send an Accept header)",
                           field="format")
        result_fmt, graph_fmt = FORMAT_PARAM[key]
    else:
        result_fmt = negotiate(accept, RESULT_FORMATS, RESULT_ALIASES)
        graph_fmt = negotiate(accept, GRAPH_FORMATS, GRAPH_ALIASES)
    if result_fmt is None and graph_fmt is None:
        raise _not_acceptable(accept)
    return SparqlRequest(query, list(params.get("default-graph-uri") or []), list(params.get("named-graph-uri") or []),
                         result_fmt, graph_fmt)


def _not_acceptable(accept: str | None, form: str | None = None) -> ApiError:
    if form in ("SELECT", "ASK"):
        offers = _offered(RESULT_FORMATS)
    elif form in ("CONSTRUCT", "DESCRIBE"):
        offers = _offered(GRAPH_FORMATS)
    else:
        offers = f"{_offered(RESULT_FORMATS)} (SELECT, ASK); {_offered(GRAPH_FORMATS)} (CONSTRUCT, DESCRIBE)"
    what = f"a {form} result" if form else "a SPARQL result"
    return ApiError(406, f"cannot send {what} as {accept!r}; acceptable types: {offers}")


# ==== routes ===================================================================================
_QUERY_DOC = "SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); prefixes coop, rdf, rdfs, owl, xsd, skos, dcterms, prov, org and foaf are predeclared"
_RESPONSES = {
    200: {"description": "the result, in the negotiated format",
          "content": {m: {} for m, _ in RESULT_FORMATS + GRAPH_FORMATS}},
    400: {"description": "syntax error, result larger than COOPKG_SPARQL_MAX_RESULTS, bad parameter"},
    403: {"description": "SPARQL Update (the endpoint is read-only), or SERVICE while it is disabled"},
    406: {"description": "no acceptable result format"},
    413: {"description": "query larger than 100 kB"},
    503: {"description": "the query ran longer than COOPKG_SPARQL_TIMEOUT, or too many queries are running"},
}


@router.get("/sparql", responses=_RESPONSES, summary="SPARQL 1.1 query (GET)")
async def sparql_get(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    query: Annotated[str | None, Query(description=_QUERY_DOC + ". Without it: the service description.")] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri", description="graphs making up the default graph (instead of the union of all graphs)")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri", description="the named graphs GRAPH may match (default: all)")] = None,
    format: Annotated[str | None, Query(description="result format instead of Accept: json, xml, csv, tsv, turtle, jsonld, nt, rdfxml")] = None,  # noqa: A002
):
    params = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
    if "query" not in params and "update" not in params:
        return _service_description(request, settings)
    return await _answer(request, settings, store, params, _one(params, "query"))


@router.post("/sparql", responses=_RESPONSES, summary="SPARQL 1.1 query (POST, form or application/sparql-query)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["query"], "properties": {
                     "query": {"type": "string"}, "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                     "named-graph-uri": {"type": "array", "items": {"type": "string"}}, "format": {"type": "string"}}}},
                 "application/sparql-query": {"schema": {"type": "string"}}}}})
async def sparql_post(request: Request, settings: SettingsDep, store: StoreDep):
    media = _media_type(request)
    params = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
    if media in _UPDATE_TYPES:
        raise _read_only("an application/sparql-update request")
    body = await _read_body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the request body is not UTF-8 ({exc})", field="query") from None
    if media in _FORM_TYPES:
        if params.get("query"):
            raise ApiError(400, "with a form POST, send the query in the body, not in the URL", field="query")
        form = urllib.parse.parse_qs(text, keep_blank_values=True)
        for name, values in form.items():
            params.setdefault(name, []).extend(values)
        return await _answer(request, settings, store, params, _one(params, "query"))
    if media in _QUERY_TYPES:
        if params.get("query"):
            raise ApiError(400, "with an application/sparql-query POST, the body is the query: do not also send "
                                "'query' in the URL", field="query")
        return await _answer(request, settings, store, params, text)
    raise ApiError(415, f"unsupported Content-Type {media or '(none)'!r}: POST the query as "
                        "application/x-www-form-urlencoded (query=…) or as application/sparql-query")


async def _answer(request: Request, settings, store, params, query: str | None) -> Response:
    req = _build_request(params, query, request.headers.get("accept"))
    target = _target(store)
    if target["kind"] == "remote" and (req.default_graphs or req.named_graphs):
        raise ApiError(400, "default-graph-uri and named-graph-uri are not supported when the base is a remote "
                            "SPARQL server; use FROM and FROM NAMED in the query", field="default-graph-uri")
    job = {
        "query": req.query, "default_graphs": req.default_graphs, "named_graphs": req.named_graphs,
        "result_fmt": req.result_fmt, "graph_fmt": req.graph_fmt, "max_results": settings.sparql_max_results,
        "allow_service": settings.sparql_allow_service, "timeout": settings.sparql_timeout,
    }
    pool = _pool(target)
    reply = await run_in_threadpool(pool.run, job, settings.sparql_timeout)
    if not reply["ok"]:
        if reply["status"] == 406:
            raise _not_acceptable(request.headers.get("accept"), reply.get("form"))
        raise ApiError(reply["status"], reply["detail"], field=reply.get("field"), headers=reply.get("headers"))
    media = MEDIA[reply["fmt"]]
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(reply["body"], media_type=media, headers={"Vary": "Accept"})


def _target(store) -> dict:
    """What a worker opens: the embedded store's directory, or the remote server's URLs."""
    if hasattr(store, "query_url"):
        return {"kind": "remote", "query_url": store.query_url, "update_url": store.update_url,
                "timeout": float(getattr(store, "timeout", 30.0))}
    root = getattr(store, "root", None)
    if root is None:
        raise ApiError(500, f"the SPARQL endpoint does not support the store {type(store).__name__}")
    return {"kind": "embedded", "root": str(Path(root).resolve())}


# ==== service description ======================================================================
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def _service_description(request: Request, settings) -> Response:
    import pyoxigraph as ox

    accept = request.headers.get("accept")
    key = negotiate(accept, [("text/turtle", "turtle"), ("text/html", "html"), *GRAPH_FORMATS[1:]], GRAPH_ALIASES)
    if settings.public_url:
        endpoint = settings.public_url + "/sparql"
    else:
        endpoint = str(request.url.replace(query="", fragment=""))
    if key is None:
        raise _not_acceptable(accept, "DESCRIBE")
    if key == "html":
        return HTMLResponse(_HTML.format(endpoint=html.escape(endpoint)))
    node, sd = ox.NamedNode(endpoint), lambda n: ox.NamedNode(SD + n)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [ox.Triple(node, rdf_type, sd("Service")), ox.Triple(node, sd("endpoint"), node),
               ox.Triple(node, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(node, sd("feature"), sd("UnionDefaultGraph")),
               ox.Triple(node, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(
                   "Read-only SPARQL 1.1 endpoint of coopkg (territorial cooperation practices). The default graph "
                   f"is the union of all graphs; queries stop after {settings.sparql_timeout:g} s and may return at "
                   f"most {settings.sparql_max_results} rows or triples.", language="en"))]
    if settings.sparql_allow_service:
        triples.append(ox.Triple(node, sd("feature"), sd("BasicFederatedQuery")))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "JSON-LD", "N-Triples", "RDF_XML"):
        triples.append(ox.Triple(node, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name)))
    dataset = ox.BlankNode()
    triples += [ox.Triple(node, sd("defaultDataset"), dataset), ox.Triple(dataset, rdf_type, sd("Dataset"))]
    body = ox.serialize(triples, format=_rdf_formats()[key], prefixes={"sd": SD, "formats": FORMATS_NS, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
    media = MEDIA[key] + ("; charset=utf-8" if MEDIA[key].startswith("text/") else "")
    return Response(body, media_type=media, headers={"Vary": "Accept"})


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coopkg SPARQL endpoint</title></head>
<body><h1>coopkg SPARQL endpoint</h1>
<p>This is a read-only <a href="https://www.w3.org/TR/sparql11-protocol/">SPARQL 1.1 Protocol</a> endpoint:
send a query as <code>GET {endpoint}?query=…</code>, or POST it (form field <code>query</code>, or an
<code>application/sparql-query</code> body). The default graph is the union of all graphs; the prefixes
coop, rdf, rdfs, owl, xsd, skos, dcterms, prov, org and foaf are predeclared.</p>
<form method="get" action="{endpoint}"><textarea name="query" rows="8" cols="80">SELECT ?case ?label WHERE {{
  ?case a coop:CooperationCase ; rdfs:label ?label .
}} LIMIT 10</textarea><br><button type="submit">Run</button></form>
</body></html>
"""


# ==== worker processes (server side) ============================================================
class _Timeout(Exception):
    pass


def _write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _read_exact(stream, n: int) -> bytes | None:
    data = bytearray()
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _read_frame(stream):
    header = _read_exact(stream, 8)
    if header is None:
        return None
    data = _read_exact(stream, struct.unpack(">Q", header)[0])
    return None if data is None else pickle.loads(data)


class _Worker:
    """One worker process: requests on its stdin, replies on its stdout (length-prefixed pickles
    between this process and the child it started)."""

    def __init__(self, target: dict):
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.process = subprocess.Popen([sys.executable, "-m", "api.sparql", "--worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, cwd=root, start_new_session=True)
        _LIVE.add(self)
        try:
            _write_frame(self.process.stdin, target)
            reply = self._receive(time.monotonic() + SPAWN_TIMEOUT)
        except BaseException:
            self.kill()
            raise
        if not (isinstance(reply, dict) and reply.get("ready")):
            self.kill()
            raise RuntimeError(f"the SPARQL worker did not start: {reply!r}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def _receive(self, deadline: float):
        """Read one reply frame; _Timeout at the deadline, None if the worker died."""
        fd = self.process.stdout.fileno()
        buffer = bytearray()
        need = 8
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                while len(buffer) < need:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not selector.select(remaining):
                        raise _Timeout()
                    chunk = os.read(fd, max(65536, need - len(buffer)))
                    if not chunk:
                        return None
                    buffer += chunk
                if need == 8:
                    need = 8 + struct.unpack(">Q", bytes(buffer[:8]))[0]
                    continue
                return pickle.loads(bytes(buffer[8:need]))

    def call(self, job: dict, timeout: float):
        """The worker's reply to ``job``; _Timeout (worker killed) after ``timeout`` seconds."""
        _write_frame(self.process.stdin, job)
        return self._receive(time.monotonic() + timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        _LIVE.discard(self)

    close = kill


class _Pool:
    def __init__(self, target: dict):
        self.target = target
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_WORKERS)
        self.spawned = 0
        self.killed = 0

    def _take(self) -> _Worker | None:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return None

    def _give(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < IDLE_WORKERS and worker.alive():
                self._idle.append(worker)
                return
        worker.kill()

    def _spawn(self) -> _Worker:
        self.spawned += 1
        return _Worker(self.target)

    def warm(self) -> None:
        """Start a worker in the background so that the next query finds one ready."""
        def run():
            try:
                self._give(self._spawn())
            except Exception:  # noqa: BLE001 - the next query starts one itself and reports the error
                log.exception("could not start a SPARQL worker")
        threading.Thread(target=run, name="sparql-warm", daemon=True).start()

    def run(self, job: dict, timeout: float) -> dict:
        if not self._slots.acquire(timeout=timeout):
            return _error(503, f"{MAX_WORKERS} SPARQL queries are already running; try again in a few seconds",
                          headers={"Retry-After": str(max(1, int(timeout)))})
        try:
            try:
                worker = self._take() or self._spawn()
            except Exception as exc:  # noqa: BLE001
                log.exception("could not start a SPARQL worker")
                return _error(500, f"could not start a query process: {exc}")
            try:
                reply = worker.call(job, timeout)
            except _Timeout:
                worker.kill()
                self.killed += 1
                self.warm()
                return _error(503, f"the query took longer than {timeout:g} s (COOPKG_SPARQL_TIMEOUT) and was "
                                   "stopped; narrow it (more specific patterns, LIMIT) or raise the limit",
                              headers={"Retry-After": "1"})
            except (OSError, pickle.UnpicklingError, EOFError) as exc:
                worker.kill()
                return _error(500, f"the query process failed: {exc}")
            if reply is None:
                code = worker.process.poll()
                worker.kill()
                self.warm()
                return _error(500, f"the query process ended unexpectedly (exit code {code}; out of memory?)")
            self._give(worker)
            return reply
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_POOLS: dict[tuple, _Pool] = {}
_POOLS_LOCK = threading.Lock()
_LIVE: set = set()


def _pool(target: dict) -> _Pool:
    key = tuple(sorted(target.items()))
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = _Pool(target)
    return pool


def warm(store) -> None:
    """Start a worker for ``store`` now (e.g. at application start-up) instead of on the first query."""
    _pool(_target(store)).warm()


@atexit.register
def shutdown() -> None:
    """Kill every worker process (they also exit on their own when the server's pipe closes)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()
    for worker in list(_LIVE):
        worker.kill()


def _error(status: int, detail: str, *, field: str | None = None, headers: dict | None = None, form=None) -> dict:
    return {"ok": False, "status": status, "detail": detail, "field": field, "headers": headers, "form": form}


# Query analysis (form, update, SERVICE, FROM): kb/sparql_text.py
from kb.sparql_text import Analysis, analyse


# ==== query execution (worker side) ============================================================
def _rdf_formats():
    import pyoxigraph as ox

    return {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "nt": ox.RdfFormat.N_TRIPLES,
            "rdfxml": ox.RdfFormat.RDF_XML}


def _result_formats():
    import pyoxigraph as ox

    return {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}


def _term_json(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


class Runner:
    """Runs queries for one store in a worker process."""

    def __init__(self, target: dict):
        from kb.queries import PREFIXES

        self.target = target
        self.prefixes = dict(PREFIXES)
        self._store = None
        self._path = None
        self._remote = None
        if target["kind"] == "remote":
            from kb.remote import RemoteStore

            self._remote = RemoteStore(target["query_url"], target["update_url"], timeout=target["timeout"])
        else:
            self._open()

    def _open(self):
        """The embedded store's current snapshot, reopened when a build switched it."""
        import pyoxigraph as ox

        link = Path(self.target["root"]) / "current"
        path = link.resolve() if link.is_symlink() and link.resolve().is_dir() else None
        if self._store is None or path != self._path:
            self._store = None
            self._store = ox.Store.read_only(str(path)) if path else ox.Store()
            self._path = path
        return self._store

    def run(self, job: dict) -> dict:
        try:
            return self._run(job)
        except MemoryError:
            return _error(500, "the query needed more memory than the server has; narrow it")

    def _run(self, job: dict) -> dict:
        query = job["query"]
        info = analyse(query)
        if info.update:
            return _error(403, f"this SPARQL endpoint is read-only: {info.update} is a SPARQL Update operation, "
                               "not a query; send a SELECT, ASK, CONSTRUCT or DESCRIBE query", field="query")
        if info.service and not job["allow_service"]:
            return _error(403, "SERVICE (federated query) is disabled on this endpoint: it would make the server "
                               "fetch other URLs (COOPKG_SPARQL_ALLOW_SERVICE=true enables it)", field="query")
        if info.form is not None and self._format_for(info.form, job) is None:
            return _error(406, "", form=info.form)
        try:
            # Evaluation is lazy: errors can come from query() or from reading the results.
            return self._serialise(self._execute(query, job, info), job)
        except SyntaxError as exc:
            return _error(400, f"SPARQL syntax error: {exc}", field="query")
        except _Refused as exc:
            return exc.reply
        except OSError as exc:
            if info.service:
                return _error(502, f"the query failed, possibly in a SERVICE call: {exc}")
            return _error(500, f"the query failed: {exc}")

    @staticmethod
    def _format_for(form: str, job: dict) -> str | None:
        return job["graph_fmt"] if form in ("CONSTRUCT", "DESCRIBE") else job["result_fmt"]

    def _execute(self, query: str, job: dict, info: Analysis):
        import pyoxigraph as ox

        if self._remote is not None:
            return self._execute_remote(query, job)
        store = self._open()
        options = {"prefixes": self.prefixes}
        try:
            if job["default_graphs"] or job["named_graphs"]:
                # The protocol's dataset replaces FROM / FROM NAMED; without default-graph-uri the
                # default graph is empty (SPARQL 1.1 Protocol, 2.1.4).
                options["default_graph"] = [ox.NamedNode(g) for g in job["default_graphs"]]
                if job["named_graphs"]:
                    options["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
            elif not info.dataset:
                options["use_default_graph_as_union"] = True
            return store.query(query, **options)
        except ValueError as exc:  # an invalid graph IRI
            raise _Refused(_error(400, f"invalid graph IRI: {exc}", field="default-graph-uri")) from None

    def _execute_remote(self, query: str, job: dict):
        import pyoxigraph as ox

        from kb.queries import with_prefixes
        from kb.store import QueryError, StoreError

        probe = ox.Store().query(query, prefixes=self.prefixes)  # the form (and syntax), on an empty store
        graph = isinstance(probe, ox.QueryTriples)
        try:
            body, media = self._remote.raw_query(with_prefixes(query), "nt" if graph else "json")
        except QueryError as exc:
            raise _Refused(_error(400, str(exc), field="query")) from None
        except StoreError as exc:
            raise _Refused(_error(502, str(exc))) from None
        try:
            if graph:
                fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
                return _Triples(ox.parse(body, format=fmt))
            fmt = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
            return ox.parse_query_results(body, format=fmt)
        except (SyntaxError, ValueError) as exc:
            raise _Refused(_error(502, f"the SPARQL server sent a result that cannot be read ({media}): {exc}")) from None

    def _serialise(self, result, job: dict) -> dict:
        import pyoxigraph as ox

        cap = job["max_results"]
        if isinstance(result, ox.QueryBoolean):
            fmt = job["result_fmt"]
            if fmt is None:
                return _error(406, "", form="ASK")
            body = json.dumps({"head": {}, "boolean": bool(result)}).encode()
            if fmt != "json":
                body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(
                    format=_result_formats()[fmt])
            return {"ok": True, "body": body, "fmt": fmt, "count": 1}
        if isinstance(result, (ox.QueryTriples, _Triples)):
            fmt = job["graph_fmt"]
            if fmt is None:
                return _error(406, "", form="CONSTRUCT")
            triples = []
            for triple in result:
                if len(triples) >= cap:
                    return _too_many(cap, "triples")
                triples.append(triple)
            body = ox.serialize(triples, format=_rdf_formats()[fmt], prefixes=self.prefixes if fmt != "nt" else None)
            return {"ok": True, "body": body, "fmt": fmt, "count": len(triples)}
        fmt = job["result_fmt"]
        if fmt is None:
            return _error(406, "", form="SELECT")
        names = [v.value for v in result.variables]
        bindings = []
        for solution in result:
            if len(bindings) >= cap:
                return _too_many(cap, "rows")
            row = {}
            for i, name in enumerate(names):
                term = solution[i]
                if term is not None:
                    row[name] = _term_json(term)
            bindings.append(row)
        body = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
        if fmt != "json":
            body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=_result_formats()[fmt])
        return {"ok": True, "body": body, "fmt": fmt, "count": len(bindings)}


class _Triples:
    """Parsed triples of a remote CONSTRUCT/DESCRIBE, iterated like QueryTriples."""

    def __init__(self, items):
        self._items = items

    def __iter__(self):
        for item in self._items:
            yield getattr(item, "triple", item)


class _Refused(Exception):
    def __init__(self, reply: dict):
        super().__init__(reply["detail"])
        self.reply = reply


def _too_many(cap: int, unit: str) -> dict:
    return _error(400, f"the result has more than {cap} {unit}, the most this endpoint returns "
                       f"(COOPKG_SPARQL_MAX_RESULTS); add LIMIT {cap} (and OFFSET to page through it) or narrow the "
                       "query", field="query")


def _limit_cpu(seconds: float) -> None:
    """Backstop: the kernel stops this worker (SIGXCPU) once the query has used ``seconds`` of
    CPU time more than it has used so far, even if the server that should kill it is gone."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file when SIGXCPU ends the worker
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = used.ru_utime + used.ru_stime
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(spent + seconds) + 2
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass


def worker_main() -> None:
    """The worker process: first frame the store target, then one frame per query, until EOF."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to the server's stderr, not into the reply pipe
    inp = sys.stdin.buffer
    target = _read_frame(inp)
    if target is None:
        return
    try:
        runner = Runner(target)
        analyse("ASK FROM <urn:coopkg:warm> {}")  # loads rdflib's parser (the checked path) now, not at the first query
    except Exception as exc:  # noqa: BLE001
        _write_frame(out, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    _write_frame(out, {"ready": True})
    while True:
        job = _read_frame(inp)
        if job is None:
            return
        _limit_cpu(job["timeout"])
        _write_frame(out, runner.run(job))


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker_main()
    else:
        sys.exit("usage: python -m api.sparql --worker (started by the server; reads its requests on stdin)")
