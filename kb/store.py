"""The triple-store interface, its result types and the factory that picks a backend.

Two backends implement it: an embedded Oxigraph store on disk (kb.embedded) and any SPARQL 1.1
server (kb.remote). Writes are expressed as a :class:`Changes` set applied atomically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol

from rdflib import URIRef

# Result formats accepted by raw_query (CLI --format and, later, HTTP content negotiation).
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


class StoreError(Exception):
    """The store could not be opened, queried or written; the message says why."""


class QueryError(StoreError):
    """A SPARQL query or update was rejected (syntax or evaluation error)."""


@dataclass
class SelectResult:
    variables: list[str]
    rows: list[tuple]  # rdflib terms (or None when unbound), in variable order

    def dicts(self) -> list[dict]:
        return [dict(zip(self.variables, row)) for row in self.rows]

    def column(self, name: str) -> list:
        i = self.variables.index(name)
        return [row[i] for row in self.rows]


@dataclass
class Changes:
    """An atomic write: graphs to replace (or create), graphs to drop, raw SPARQL updates, then
    the derived graphs recomputed from the result (kb.inference.Derivation)."""

    replace: dict[URIRef, list] = field(default_factory=dict)  # graph -> triples
    drop: set[URIRef] = field(default_factory=set)
    derived: list = field(default_factory=list)  # kb.inference.Derivation
    updates: list[str] = field(default_factory=list)  # raw SPARQL updates, run before the derivations

    def is_empty(self) -> bool:
        return not (self.replace or self.drop or self.derived or self.updates)

    def triple_count(self) -> int:
        return sum(len(t) for t in self.replace.values())


class TripleStore(Protocol):
    def select(self, query: str) -> SelectResult: ...
    def ask(self, query: str) -> bool: ...
    def construct(self, query: str) -> list[tuple]: ...
    def raw_query(self, query: str, fmt: str) -> tuple[bytes, str]: ...
    def named_graphs(self) -> set[URIRef]: ...
    def apply(self, changes: Changes) -> None: ...
    def dump(self, fmt: str) -> bytes: ...
    def size(self) -> int: ...
    def close(self) -> None: ...


def open_store(settings, *, write: bool = False) -> "TripleStore":
    """Open the store the settings name. ``write=True`` takes the writer lock (embedded)."""
    from coopkg.settings import StoreKind

    if settings.store is StoreKind.remote:
        from .remote import RemoteStore

        return RemoteStore(settings.sparql_query_url, settings.sparql_update_url, timeout=settings.remote_timeout)
    from .embedded import EmbeddedStore

    return EmbeddedStore(settings.store_dir, write=write, keep=settings.snapshots_keep)


def chunks(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
