"""Embedded Oxigraph store on disk, written copy-on-write through snapshots.

Layout under the store directory::

    snapshots/000007/   an Oxigraph (RocksDB) database
    current -> snapshots/000007
    write.lock          held by the one writer

Readers open ``current`` read-only. A writer takes the lock, makes a cheap backup of the current
snapshot (RocksDB checkpoint: hard links), applies every change to that private copy, flushes it,
then points ``current`` at it with an atomic rename. A crash at any moment leaves ``current`` on
the previous, complete snapshot; the half-written one is removed by the next writer.
"""
from __future__ import annotations

import fcntl
import gc
import itertools
import os
import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from .store import GRAPH_FORMATS, RESULT_FORMATS, Changes, QueryError, SelectResult, StoreError, chunks
from .terms import from_ox, quads

# Fault injection for the crash tests (tests/test_ingest_kill.py): when set, every write pauses
# this many seconds after its new snapshot is complete and before the switch, after printing
# PAUSE_MARKER on stderr, so a test can SIGKILL the writer at exactly that point.
PAUSE_ENV = "COOPKG_DEBUG_PAUSE_BEFORE_SWITCH"
PAUSE_MARKER = "coopkg-debug: snapshot written, pausing before switch"

_RESULT_OX = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_OX = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
# A write touching more IRIs than this (a full build) recomputes the derived graphs as a whole;
# up to INCREMENTAL_ALWAYS touched IRIs, always incrementally; between the two, incrementally when
# the store has more than INCREMENTAL_RATIO quads per touched IRI.
INCREMENTAL_MAX = 50_000
INCREMENTAL_ALWAYS = 2_000
INCREMENTAL_RATIO = 50

_REMEDY = ("restore the data folder from a copy that keeps symbolic links (`cp -a`), or delete {root} and run "
           "`coopkg build` (documents added with `coopkg ingest` must then be ingested again)")


class EmbeddedStore:
    def __init__(self, root: Path, *, write: bool = False, keep: int = 2):
        self.root = Path(root)
        self.keep = keep
        self._lock_file = None
        if write:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self.root / "write.lock", "w")
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock_file.close()
                raise StoreError(f"another coopkg process is writing to {self.root}; wait for it to finish") from None
        self._store = self._open_current()

    # -- opening ----------------------------------------------------------------------------
    @property
    def current_path(self) -> Path | None:
        """The snapshot ``current`` points to; None when nothing was built yet. A ``current`` that
        is not a link to a snapshot folder is refused rather than read as an empty store: a data
        folder copied without its symbolic links (``cp -rL``, ``shutil.copytree`` by default) or
        a snapshot deleted by hand would otherwise look like a base with nothing in it."""
        link = self.root / "current"
        if link.is_symlink():
            target = link.resolve()
            if target.is_dir():
                return target
            raise StoreError(f"the store at {self.root} is damaged: 'current' points to {os.readlink(link)}, "
                             f"which is not there; {_REMEDY.format(root=self.root)}")
        if link.exists():
            raise StoreError(f"the store at {self.root} is damaged: 'current' should be a symbolic link to a "
                             f"snapshot, but is a {'folder' if link.is_dir() else 'file'} (was the data folder "
                             f"copied without its symbolic links?); {_REMEDY.format(root=self.root)}")
        return None

    def _open_current(self) -> ox.Store:
        path = self.current_path
        if path is None:
            return ox.Store()  # nothing built yet: an empty in-memory store answers queries
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from None

    def close(self) -> None:
        self._store = None
        gc.collect()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- reading ----------------------------------------------------------------------------
    def _query(self, query: str, *, union: bool = True):
        """``union``: the default graph is the union of all graphs (a query with FROM needs False:
        Oxigraph's union option would replace the dataset the query names)."""
        try:
            return self._store.query(query, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None

    def select(self, query: str) -> SelectResult:
        result = self._query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in result.variables]
        rows = [tuple(from_ox(sol[i]) for i in range(len(names))) for sol in result]
        return SelectResult(names, rows)

    def ask(self, query: str) -> bool:
        result = self._query(query)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(result)

    def construct(self, query: str) -> list[tuple]:
        result = self._query(query)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in result]

    def raw_query(self, query: str, fmt: str) -> tuple[bytes, str]:
        """Run any query and serialise its result: a result format for SELECT/ASK, an RDF
        format for CONSTRUCT/DESCRIBE. Returns (bytes, media type). The default graph is the
        union of all graphs, unless the query names its dataset (FROM / FROM NAMED), as the
        SPARQL endpoint does."""
        from .sparql_text import analyse

        result = self._query(query, union=not analyse(query).dataset)
        if isinstance(result, ox.QueryTriples):
            fmt = fmt if fmt in _GRAPH_OX else "turtle"
            return result.serialize(format=_GRAPH_OX[fmt]), GRAPH_FORMATS[fmt]
        fmt = fmt if fmt in _RESULT_OX else "json"
        return result.serialize(format=_RESULT_OX[fmt]), RESULT_FORMATS[fmt]

    def named_graphs(self) -> set[URIRef]:
        return {URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}

    def size(self) -> int:
        return len(self._store)

    def dump(self, fmt: str) -> bytes:
        if fmt in ("nq", "trig"):
            return self._store.dump(format=_GRAPH_OX[fmt])
        # Triple formats: the union of all graphs.
        return self._query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize(format=_GRAPH_OX[fmt])

    # -- writing ----------------------------------------------------------------------------
    def apply(self, changes: Changes, progress=None) -> None:
        if self._lock_file is None:
            raise StoreError("store opened read-only; open it with write=True to change it")
        snapshots = self.root / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        self._remove_stale(snapshots)
        numbers = [int(p.name) for p in snapshots.iterdir() if p.name.isdigit()]
        target = snapshots / f"{max(numbers, default=0) + 1:06d}"
        try:
            if self.current_path is not None:
                self._store.backup(str(target))
                new = ox.Store(str(target))
            else:
                new = ox.Store(str(target))
            touched = [self._touched(new, changes, d) for d in changes.derived]  # before the old graphs go
            for graph in sorted(changes.drop | set(changes.replace)):
                node = ox.NamedNode(str(graph))
                if new.contains_named_graph(node):
                    new.remove_graph(node)
            # One stream across all graphs, in large batches: each bulk_extend call writes its
            # own RocksDB files, so one call per graph (per corpus file) fragments the store and
            # is ~40x slower (docs/benchmarks.md).
            stream = itertools.chain.from_iterable(quads(t, g) for g, t in changes.replace.items())
            for batch in chunks(stream, 500_000):
                new.bulk_extend(batch)
                if progress:
                    progress(len(batch))
            for update in changes.updates:  # before the derived graphs, which must reflect them
                try:
                    new.update(update)
                except SyntaxError as exc:
                    raise QueryError(f"SPARQL update syntax error: {exc}") from None
            for derivation, nodes in zip(changes.derived, touched):
                self._recompute(new, derivation, nodes)
            new.flush()
            del new
            gc.collect()
            if os.environ.get(PAUSE_ENV):
                print(PAUSE_MARKER, file=sys.stderr, flush=True)
                time.sleep(float(os.environ[PAUSE_ENV]))
        except BaseException:
            gc.collect()
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._switch(target)

    @staticmethod
    def _touched(store: ox.Store, changes: Changes, derivation) -> set | None:
        """The IRIs whose derived triples a change can alter: the subjects and IRI objects of the
        triples of the graphs it replaces or drops, before and after. None when the derived graph
        must be recomputed as a whole: raw updates (their triples are not known in advance), a
        change to the ontology graph, blank nodes, or more than ``INCREMENTAL_MAX`` IRIs."""
        graphs = changes.drop | set(changes.replace)
        if changes.updates or not graphs or derivation.ontology is None or derivation.ontology in graphs \
                or derivation.graph in graphs:
            return None
        nodes: set = set()
        old = (q for g in sorted(graphs) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(g))))
        new = (q for triples in changes.replace.values() for q in quads(triples, derivation.graph))
        for q in itertools.chain(old, new):
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
                return None
            nodes.add(q.subject)
            if isinstance(q.object, ox.NamedNode):
                nodes.add(q.object)
            if len(nodes) > INCREMENTAL_MAX:
                return None
        # Cost model (measured, docs/data-model.md §4): a full recomputation costs ~2.7 µs per quad
        # of the store, an incremental one ~120 µs per touched IRI; counting the quads costs
        # ~0.25 µs each, so it is only done when the touched IRIs are many.
        if len(nodes) > INCREMENTAL_ALWAYS and len(store) < INCREMENTAL_RATIO * len(nodes):
            return None
        return nodes

    @staticmethod
    def _recompute(store: ox.Store, derivation, touched: set | None = None) -> None:
        """Bring a derived graph up to date by writing only what changed: from every rule, or,
        with ``touched`` (:meth:`_touched`), only the conclusions about those IRIs and, for a
        property chain p1 ∘ p2, about the subjects of p1 pointing to them (kb/inference.py: every
        rule says of which variable its conclusions are; tests/test_inference_incremental.py)."""
        graph = ox.NamedNode(str(derivation.graph))

        def run(query: str):
            try:
                return store.query(query)
            except SyntaxError as exc:
                raise QueryError(f"inference rule syntax error: {exc}") from None

        wanted: set = set()
        if touched is None:
            for rule in derivation.rules:
                wanted.update(ox.Quad(t.subject, t.predicate, t.object, graph) for t in run(rule.construct()))
            present = set(store.quads_for_pattern(None, None, None, graph))
        else:
            subjects = set(touched)
            for rule in derivation.rules:
                if rule.upstream is not None:
                    for batch in chunks(sorted(n.value for n in touched), 1000):
                        values = " ".join(f"<{n}>" for n in batch)
                        subjects.update(row[0] for row in run(
                            f"SELECT DISTINCT ?a WHERE {{ VALUES ?b {{ {values} }} GRAPH ?g {{ ?a <{rule.upstream}> ?b }} "
                            f"FILTER(?g != <{derivation.graph}>) FILTER(isIRI(?a)) }}"))
            names = sorted(n.value for n in subjects if isinstance(n, ox.NamedNode))
            for rule in derivation.rules:
                if rule.subject.startswith("?"):
                    for batch in chunks(names, 1000):
                        wanted.update(ox.Quad(t.subject, t.predicate, t.object, graph) for t in run(rule.construct(batch)))
                else:  # a constant conclusion
                    wanted.update(ox.Quad(t.subject, t.predicate, t.object, graph) for t in run(rule.construct())
                                  if t.subject in subjects)
            present = {q for n in subjects for q in store.quads_for_pattern(n, None, None, graph)}
        for quad in present - wanted:
            store.remove(quad)
        store.extend(wanted - present)

    def _switch(self, target: Path) -> None:
        link = self.root / "current"
        tmp = self.root / "current.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(target, self.root), tmp)
        os.replace(tmp, link)  # atomic on POSIX
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._store = None
        gc.collect()
        self._store = self._open_current()
        self._remove_stale(target.parent)

    def _remove_stale(self, snapshots: Path) -> None:
        """Delete snapshots older than the ``keep`` newest ones, and any unfinished one."""
        current = self.current_path
        dirs = sorted((p for p in snapshots.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
        if current is None:
            keep = set()
        else:
            older = [p for p in dirs if int(p.name) <= int(current.name)]
            keep = {p.resolve() for p in older[-self.keep:]}
        for p in dirs:
            if p.resolve() not in keep:
                shutil.rmtree(p, ignore_errors=True)
