"""A SPARQL 1.1 server as the store (Oxigraph server, Virtuoso, Fuseki…), over the SPARQL 1.1
Protocol. The server's default graph must be the union of its named graphs (Oxigraph:
``oxigraph serve --union-default-graph``).

A write is sent as ONE update request (``DROP SILENT GRAPH`` + ``INSERT DATA`` per graph, then
the inference updates); servers that run a request in one transaction, as Oxigraph does, apply it
atomically.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from rdflib import BNode, Literal, URIRef

from .store import GRAPH_FORMATS, RESULT_FORMATS, Changes, QueryError, SelectResult, StoreError

_ACCEPT_ANY = ", ".join([RESULT_FORMATS["json"], GRAPH_FORMATS["nt"] + ";q=0.9"])


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


class RemoteStore:
    def __init__(self, query_url: str, update_url: str, timeout: float = 30.0):
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
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get("Content-Type", "").split(";")[0].strip()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            if 400 <= exc.code < 500:
                raise QueryError(f"the SPARQL server rejected the request ({exc.code}): {detail}") from None
            raise StoreError(f"the SPARQL server failed ({exc.code}): {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(f"cannot reach the SPARQL server at {url}: {reason}") from None

    def _query(self, query: str, accept: str) -> tuple[bytes, str]:
        return self._post(self.query_url, query.encode("utf-8"), "application/sparql-query", accept)

    # -- reading ----------------------------------------------------------------------------
    def select(self, query: str) -> SelectResult:
        body, _ = self._query(query, RESULT_FORMATS["json"])
        data = json.loads(body)
        if "results" not in data:
            raise QueryError("expected a SELECT query")
        names = data["head"]["vars"]
        rows = [tuple(_term(b[n]) if n in b else None for n in names) for b in data["results"]["bindings"]]
        return SelectResult(names, rows)

    def ask(self, query: str) -> bool:
        body, _ = self._query(query, RESULT_FORMATS["json"])
        data = json.loads(body)
        if "boolean" not in data:
            raise QueryError("expected an ASK query")
        return bool(data["boolean"])

    def construct(self, query: str) -> list[tuple]:
        from rdflib import Graph

        body, _ = self._query(query, GRAPH_FORMATS["nt"])
        return list(Graph().parse(data=body.decode("utf-8"), format="nt"))

    def raw_query(self, query: str, fmt: str) -> tuple[bytes, str]:
        media = RESULT_FORMATS.get(fmt) or GRAPH_FORMATS.get(fmt) or _ACCEPT_ANY
        return self._query(query, media)

    def named_graphs(self) -> set[URIRef]:
        return {row[0] for row in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows}

    def size(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        return int(rows[0][0])

    def dump(self, fmt: str) -> bytes:
        if fmt in ("nq", "trig"):
            raise StoreError("quad dumps of a remote store are not supported; use the server's own dump")
        body, _ = self._query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", GRAPH_FORMATS[fmt])
        return body

    # -- writing ----------------------------------------------------------------------------
    def apply(self, changes: Changes, progress=None) -> None:
        ops = []
        for graph in sorted(changes.drop | set(changes.replace)):
            ops.append(f"DROP SILENT GRAPH {_nt(graph)}")
        for graph, triples in changes.replace.items():
            if triples:
                body = "\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)} ." for s, p, o in triples)
                ops.append(f"INSERT DATA {{ GRAPH {_nt(graph)} {{\n{body}\n}} }}")
            if progress:
                progress(len(triples))
        ops.extend(changes.updates)
        if ops:
            self._post(self.update_url, " ;\n".join(ops).encode("utf-8"), "application/sparql-update")
