"""`coopkg build`: compile ontology + vocabularies + corpus into the store, incrementally and atomically.

Steps: load and validate the corpus (nothing touched on error) → compile the files whose content
hash changed, one named graph per file → SHACL-validate → one atomic write (changed graphs,
removed graphs, the manifest in the meta graph, and the inference updates).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from ingest.compile import compile_file
from ingest.corpus import Corpus, load_corpus
from ontology import ONTOLOGY_FILE
from ontology.iris import Minter
from ontology.model import ontology_graph
from ontology.namespace import COOP, PROV

from .inference import inference
from .store import Changes, TripleStore, open_store
from .validation import validate

COMPILER_FILES = ("ingest/compile.py", "kb/inference.py", "ontology/iris.py")


@dataclass
class BuildReport:
    files: int = 0
    compiled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    full: bool = False
    triples_written: int = 0
    store_triples: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.compiled or self.removed)


def fingerprint(base_iri: str) -> str:
    """Changes whenever compiled output could change for unchanged input files."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(base_iri.encode())
    h.update(ONTOLOGY_FILE.read_bytes())
    for rel in COMPILER_FILES:
        h.update((root / rel).read_bytes())
    return h.hexdigest()


def read_manifest(store: TripleStore, minter: Minter) -> dict[URIRef, str]:
    """graph IRI -> content hash recorded by the previous build."""
    rows = store.select(
        f"SELECT ?g ?h WHERE {{ GRAPH <{minter.meta_graph}> {{ ?g <{COOP.contentHash}> ?h }} }}"
    ).rows
    return {URIRef(str(g)): str(h) for g, h in rows}


def build(settings, *, force: bool = False, progress: Callable[[str, int, int], None] | None = None,
          corpus: Corpus | None = None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    t = time.perf_counter()
    corpus = corpus or load_corpus(settings.corpus_dir)
    report.timings["load"] = time.perf_counter() - t
    report.files = len(corpus.files)
    minter = Minter(settings.base_iri)
    onto = ontology_graph()

    store = open_store(settings, write=True)
    try:
        manifest = read_manifest(store, minter)
        stamp = fingerprint(settings.base_iri)
        report.full = force or manifest.get(minter.meta_graph) != stamp

        t = time.perf_counter()
        graphs: dict[URIRef, list] = {}
        origins: dict[URIRef, str] = {}
        registries: dict[URIRef, list] = {}
        hashes: dict[URIRef, str] = {}
        names = sorted(corpus.files)
        for i, rel in enumerate(names, 1):
            sf = corpus.files[rel]
            graph = minter.graph(f"corpus/{rel}")
            hashes[graph] = sf.digest
            origins[graph] = sf.display
            changed = report.full or manifest.get(graph) != sf.digest
            is_case = rel.startswith("cases/")
            if changed or not is_case:
                triples = compile_file(corpus, rel, minter)
                if changed:
                    graphs[graph] = triples
                    report.compiled.append(sf.display)
                if not is_case:
                    registries[graph] = triples
            if progress:
                progress("compile", i, len(names))
        corpus_prefix = str(minter.graph("corpus/"))
        removed = {g for g in manifest if str(g).startswith(corpus_prefix) and g not in hashes}
        if report.full:  # e.g. a new base IRI: nothing written by an earlier build may survive
            # Ingested documents and review decisions are not rebuilt from corpus/: they stay.
            keep = {minter.ontology_graph, minter.inferred_graph, minter.meta_graph, minter.review_graph}
            stale = {g for g in store.named_graphs() - set(hashes) - keep
                     if not str(g).startswith(minter.documents_graph_prefix)}
        else:
            stale = set()
        report.removed = sorted(str(g)[len(corpus_prefix):] for g in removed)
        report.timings["compile"] = time.perf_counter() - t

        if not report.changed:
            report.store_triples = store.size()
            report.seconds = time.perf_counter() - started
            return report

        if settings.shacl:
            t = time.perf_counter()
            validate({**registries, **graphs}, origins)
            report.timings["shacl"] = time.perf_counter() - t

        changes = Changes(drop=removed | stale)
        changes.replace.update(graphs)
        if report.full:
            changes.replace[minter.ontology_graph] = list(onto)
        hashes[minter.meta_graph] = stamp
        changes.replace[minter.meta_graph] = [
            triple for graph, digest in sorted(hashes.items()) for triple in (
                (graph, COOP.contentHash, Literal(digest)),
                *(((graph, COOP.fileName, Literal(origins[graph])), (graph, RDF.type, PROV.Entity)) if graph in origins else ()),
            )
        ]
        changes.derived = [inference(onto, minter.ontology_graph, minter.inferred_graph)]
        report.triples_written = changes.triple_count()

        t = time.perf_counter()
        done = 0

        def written(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("write", done, report.triples_written)

        store.apply(changes, progress=written)
        report.timings["write"] = time.perf_counter() - t
        report.store_triples = store.size()
    finally:
        store.close()
    report.seconds = time.perf_counter() - started
    return report
