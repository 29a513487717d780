"""A SPARQL 1.1 server as the store (Oxigraph server, Virtuoso, Fuseki…), over the SPARQL 1.1
Protocol.

Server requirement: its default graph must be the union of its named graphs, because coopkg writes
every triple into a named graph and its queries (``coopkg sparql``, stats, dump) match triples
without ``GRAPH``. Oxigraph: ``oxigraph serve --union-default-graph`` (checked by
tests/test_remote_store.py against a real server); Fuseki/TDB2: ``tdb2:unionDefaultGraph true``;
Virtuoso does it by default. Against a server without it, builds succeed but those queries find
nothing.

A write is sent as ONE update request, so servers that run a request in one transaction, as
Oxigraph does, apply it atomically::

    PREFIX …                      the prologues of the inference updates, merged and hoisted
    DROP SILENT GRAPH <g1> ;      every replaced or dropped graph
    INSERT DATA { GRAPH <g1> { … } GRAPH <g2> { … } } ;   ONE block, so that a blank node shared by
                                  two graphs stays one node (a label may not span two blocks)
    <raw update> ; …              Changes.updates (review decisions)
    <inference update> ; …        Changes.derived as updates, their leading PREFIX/BASE lines removed

The prologues are hoisted because Oxigraph (0.5) rejects a ``PREFIX`` after ``;`` although the
SPARQL grammar allows it. Updates must therefore agree on their prefixes (a prefix declared twice
with different IRIs is refused before anything is sent), and only the prologue at the start of
each update string is hoisted.
"""
from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request

from rdflib import BNode, Literal, URIRef

from .store import GRAPH_FORMATS, RESULT_FORMATS, Changes, QueryError, SelectResult, StoreError

_JSON = RESULT_FORMATS["json"]
_NT = GRAPH_FORMATS["nt"]
_TURTLE = GRAPH_FORMATS["turtle"]
# Leading prologue of an update: comments, PREFIX and BASE declarations.
_PROLOGUE_ITEM = re.compile(
    r"\s*(?:#[^\n]*(?:\n|$)|(?P<prefix>PREFIX\s+(?P<pname>[A-Za-z][\w.-]*)?:\s*<(?P<piri>[^>]*)>)"
    r"|(?P<base>BASE\s*<(?P<biri>[^>]*)>))",
    re.IGNORECASE,
)


def _nt(term) -> str:
    return term.n3()


def _term(binding: dict):
    kind = binding["type"]
    if kind == "uri":
        return URIRef(binding["value"])
    if kind == "bnode":
        return BNode(binding["value"])
    if "xml:lang" in binding:
        return Literal(binding["value"], lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(binding["value"], datatype=URIRef(datatype))
    return Literal(binding["value"])


def split_prologue(update: str) -> tuple[list[tuple[str, str]], str]:
    """Split an update into its leading declarations [("PREFIX x:" | "BASE", iri)] and the rest."""
    decls, pos = [], 0
    while True:
        m = _PROLOGUE_ITEM.match(update, pos)
        if not m or m.end() == pos:
            break
        if m.group("prefix"):
            decls.append((f"PREFIX {m.group('pname') or ''}:", m.group("piri")))
        elif m.group("base"):
            decls.append(("BASE", m.group("biri")))
        pos = m.end()
    return decls, update[pos:]


def merge_updates(updates: list[str]) -> tuple[str, list[str]]:
    """Hoist the prologues of ``updates``: (one prologue, the updates without theirs)."""
    declared: dict[str, str] = {}
    bodies = []
    for update in updates:
        decls, body = split_prologue(update)
        for key, iri in decls:
            if declared.setdefault(key, iri) != iri:
                raise StoreError(
                    f"cannot send the updates in one request: {key} is declared as <{declared[key]}> "
                    f"and as <{iri}>; use one IRI per prefix"
                )
        bodies.append(body.strip())
    return "".join(f"{key} <{iri}>\n" for key, iri in declared.items()), bodies


def _check_url(url) -> str:
    parsed = urllib.parse.urlparse(url or "")
    try:
        parsed.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise StoreError(f"invalid SPARQL endpoint URL {url!r} (COOPKG_SPARQL_QUERY_URL / COOPKG_SPARQL_UPDATE_URL): "
                         "expected an http(s) URL such as http://127.0.0.1:7878/query")
    return url


class RemoteStore:
    def __init__(self, query_url: str, update_url: str, timeout: float = 30.0):
        _check_url(query_url)
        _check_url(update_url)
        self.query_url = query_url
        self.update_url = update_url
        self.timeout = timeout

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- protocol ---------------------------------------------------------------------------
    def _post(self, url: str, body: bytes, content_type: str, accept: str | None = None) -> tuple[bytes, str]:
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        try:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        except urllib.error.HTTPError as exc:
            try:
                detail = exc.read().decode("utf-8", "replace").strip()[:500]
            except (OSError, http.client.HTTPException):
                detail = ""
            detail = detail or exc.reason or ""
            if exc.code in (401, 403, 404, 405):
                raise StoreError(f"the SPARQL server at {url} refused the request ({exc.code} {exc.reason}): "
                                 f"check the endpoint URL and its access rights; {detail}") from None
            if 400 <= exc.code < 500:
                raise QueryError(f"the SPARQL server at {url} rejected the request ({exc.code}): {detail}") from None
            raise StoreError(f"the SPARQL server at {url} failed ({exc.code}): {detail}") from None
        except TimeoutError:
            raise StoreError(self._timed_out(url)) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise StoreError(self._timed_out(url)) from None
            raise StoreError(f"cannot reach the SPARQL server at {url}: {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {exc or type(exc).__name__}") from None
        except ValueError as exc:  # a URL _check_url let through but urllib refuses
            raise StoreError(f"invalid SPARQL endpoint URL {url!r}: {exc}") from None

    def _timed_out(self, url: str) -> str:
        message = f"the SPARQL server at {url} did not answer within {self.timeout:g}s (COOPKG_REMOTE_TIMEOUT)"
        if url == self.update_url:
            message += "; the server may still apply the write: run the build again once it answers"
        return message

    def _query(self, query: str, accept: str) -> tuple[bytes, str]:
        return self._post(self.query_url, query.encode("utf-8"), "application/sparql-query", accept)

    def _results(self, query: str, form: str) -> dict:
        """Run a SELECT or ASK query; anything else is a QueryError, as in the embedded store."""
        body, media = self._query(query, f"{_JSON}, {_NT};q=0.1")
        if media == _NT:
            raise QueryError(f"expected {form} query")
        if "json" not in media:
            raise StoreError(f"the server at {self.query_url} answered {media or 'without a type'}, not SPARQL "
                             "results: is it the SPARQL query endpoint?")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise StoreError(f"the server at {self.query_url} sent invalid SPARQL JSON results: {exc}") from None

    # -- reading ----------------------------------------------------------------------------
    def select(self, query: str) -> SelectResult:
        data = self._results(query, "a SELECT")
        if "results" not in data:
            raise QueryError("expected a SELECT query")
        names = data["head"]["vars"]
        rows = [tuple(_term(b[n]) if n in b else None for n in names) for b in data["results"]["bindings"]]
        return SelectResult(names, rows)

    def ask(self, query: str) -> bool:
        data = self._results(query, "an ASK")
        if "boolean" not in data:
            raise QueryError("expected an ASK query")
        return bool(data["boolean"])

    def construct(self, query: str) -> list[tuple]:
        from rdflib import Graph

        body, media = self._query(query, f"{_NT}, {_JSON};q=0.1")
        if media != _NT and "json" in media:
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        if media not in (_NT, "text/plain"):
            raise StoreError(f"the server at {self.query_url} answered {media or 'without a type'}, not "
                             "N-Triples: is it the SPARQL query endpoint?")
        return list(Graph().parse(data=body.decode("utf-8"), format="nt"))

    def raw_query(self, query: str, fmt: str) -> tuple[bytes, str]:
        """Like the embedded store: a result format for SELECT/ASK, an RDF format for
        CONSTRUCT/DESCRIBE; a format that does not fit the query form falls back to JSON results
        or Turtle. Returns (bytes, media type)."""
        if fmt in GRAPH_FORMATS:
            accept = f"{GRAPH_FORMATS[fmt]}, {_JSON};q=0.1"
        else:
            accept = f"{RESULT_FORMATS.get(fmt, _JSON)}, {_TURTLE};q=0.1"
        return self._query(query, accept)

    def named_graphs(self) -> set[URIRef]:
        return {row[0] for row in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows}

    def size(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        return int(rows[0][0])

    def dump(self, fmt: str) -> bytes:
        if fmt in ("nq", "trig"):
            raise StoreError("quad dumps of a remote store are not supported; use the server's own dump")
        if fmt not in GRAPH_FORMATS:
            raise StoreError(f"unknown dump format {fmt!r}")
        body, _ = self._query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", GRAPH_FORMATS[fmt])
        return body

    # -- writing ----------------------------------------------------------------------------
    def apply(self, changes: Changes, progress=None) -> None:
        # the raw updates first: the derived graphs are recomputed from their result
        prologue, updates = merge_updates(changes.updates + [u for d in changes.derived for u in d.as_updates()])
        ops = [f"DROP SILENT GRAPH {_nt(graph)}" for graph in sorted(changes.drop | set(changes.replace))]
        blocks = []
        for graph, triples in changes.replace.items():
            if triples:
                body = "\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)} ." for s, p, o in triples)
                blocks.append(f"GRAPH {_nt(graph)} {{\n{body}\n}}")
        if blocks:
            ops.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
        ops.extend(updates)
        if ops:
            self._post(self.update_url, (prologue + " ;\n".join(ops)).encode("utf-8"), "application/sparql-update")
        if progress:
            for triples in changes.replace.values():
                progress(len(triples))
