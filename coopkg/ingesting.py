"""The ingestion service behind `coopkg ingest` (and the API's document upload): read → segment →
extract → graph → SHACL → atomic store write → search index update.

Per document, all or nothing: a document that cannot be read, whose graph breaks the shapes, or
that fails for any other reason is reported and nothing of it is written; the batch goes on with
the next file unless ``fail_fast``. Validated documents are written in groups of up to
``COOPKG_INGEST_BATCH`` in one store transaction (one snapshot, one inference pass): a process
killed during a group write leaves the store as before the group, each document whole or absent.
An unchanged document (same file name, same content hash) is a no-op; a changed one replaces its
graph (docs/extraction.md).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.documents.graph import DocumentGraph, document_graph
from ingest.documents.model import Document, DocumentError
from ontology.iris import Minter

from .prefetch import EmbedderWrapper

log = logging.getLogger(__name__)

STAGES = ("parse", "segment", "nlp", "embedding", "graph", "shacl", "store")


@dataclass
class Outcome:
    path: str
    name: str = ""
    status: str = "failed"  # ingested | unchanged | checked (dry run) | failed | validated (waiting for its write)
    error: str | None = None
    cases: list[str] = field(default_factory=list)
    asserted: int = 0
    suggested: int = 0
    triples: int = 0
    words: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.status == "failed":
            return f"ÉCHEC {self.error}"
        what = {"ingested": "ingéré", "unchanged": "inchangé (déjà dans la base)", "checked": "vérifié (--dry-run : rien écrit)",
                "validated": "validé, en attente d'écriture"}
        if self.status == "unchanged":
            return f"{self.name} : {what[self.status]}"
        return (f"{self.name} : {what[self.status]} — {len(self.cases)} cas, {self.asserted} énoncés affirmés, "
                f"{self.suggested} suggestions à relire, {self.triples} triplets")


@dataclass
class Prepared:
    """A document read and segmented ahead of its extraction (or the error that stopped it)."""

    path: Path
    doc: Document | None = None
    found: list | None = None
    unchanged: bool = False
    error: Exception | None = None


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: {s: 0.0 for s in STAGES})
    index: object | None = None  # search.index.UpdateReport
    seconds: float = 0.0
    embedded_ahead: int = 0  # passages embedded on the embedding thread and handed over to extraction

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def written(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "ingested"]

    @property
    def words(self) -> int:
        return sum(o.words for o in self.outcomes if o.status != "failed")

    def summary(self) -> str:
        counts = {s: sum(o.status == s for o in self.outcomes) for s in ("ingested", "unchanged", "checked", "failed")}
        return (f"{len(self.outcomes)} document(s) : {counts['ingested']} ingéré(s), {counts['unchanged']} inchangé(s), "
                f"{counts['checked']} vérifié(s) sans écriture, {counts['failed']} en échec ; "
                f"{sum(len(o.cases) for o in self.outcomes)} cas, {self.words:,} mots".replace(",", "\u202f").replace("\u202f ", ", "))


def _freeze() -> None:
    """Move the loaded models' objects out of the garbage collector's reach: each store write runs
    a full collection (to release the RocksDB handles it switches), which otherwise traverses
    spaCy's and torch's millions of objects (≈0.5 s per document, docs/benchmarks.md)."""
    import gc

    gc.collect()
    gc.freeze()


def runs(cand, found: list) -> list:
    """A candidate merged from several places of a document (the same practice on two slides) as
    its runs of contiguous blocks, so that extraction does not read the other practices lying in
    between; a candidate in one piece is returned as it is."""
    from dataclasses import replace

    others = sorted(b.start for c in found if c is not cand for b in c.blocks)
    blocks = sorted(cand.blocks, key=lambda b: b.start)
    pieces: list[list] = []
    for b in blocks:
        if pieces and any(pieces[-1][-1].end <= o < b.start for o in others):
            pieces.append([b])
        elif pieces:
            pieces[-1].append(b)
        else:
            pieces.append([b])
    if len(pieces) <= 1:
        return [cand]
    out = []
    for i, piece in enumerate(pieces):
        start = cand.start if i == 0 else piece[0].start
        end = piece[-1].end
        ids = {id(b) for b in piece}
        grid = {k: [b for b in v if id(b) in ids] for k, v in cand.grid.items()}
        out.append(replace(cand, start=start, end=end, blocks=piece, grid={k: v for k, v in grid.items() if v}))
    return out


class CachedEmbedder(EmbedderWrapper):
    """``embedder`` with its passages read from and written to ``cache`` (an open
    ``search.vectors.EmbeddingCache``, keyed by model, kind and text): the cache the search index
    update consults, so that a text extraction embeds as a passage is not embedded again by the
    index update, nor by a later ingestion. Queries are embedded as they are."""

    def __init__(self, embedder, cache):
        super().__init__(embedder)
        self.cache = cache

    def embed_passages(self, texts):
        return self.cache.embed(self.embedder, list(texts), kind="passage")


class Ingestor:
    """Holds what ingestion loads once per run: the lexicon, the spaCy pipeline, the embedder.

    One run at a time: a run opens the embedding cache of the base (``<home>/cache/
    embeddings.sqlite``) and closes it before the search index update, which opens it again."""

    def __init__(self, settings, *, embedder=None, nlp=None, prefetch: bool = True):
        """``prefetch``: embed each document's passages on a background thread, ahead of its
        extraction (:mod:`coopkg.prefetch`); False embeds them when extraction asks (the same
        vectors, one core idle while spaCy and SHACL run)."""
        self.settings = settings
        self.prefetch = prefetch
        self._prefetch = None  # the run's Prefetch, while a run is going on
        self._ahead_texts: list[str] = []
        self._warm_index = False
        self._changed: dict[str, set] = {"cases": set(), "prefixes": set(), "nodes": set()}
        self.minter = Minter(settings.base_iri)
        self._embedder = embedder
        self._nlp = nlp
        self._nlp_thread = None  # loading spaCy (see _start_nlp)
        self._nlp_error: Exception | None = None
        self._semantic = None
        self._cache = None  # the run's EmbeddingCache, while a run is going on

    # -- the models, loaded when first needed --------------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from search.embedder import make_embedder

            self._embedder = make_embedder(self.settings.embedding_model_ref, **self.embedder_options())
            _freeze()
        return self._embedder

    def embedder_options(self) -> dict:
        """Passages (and the definitions, embedded as queries) through the encoder the settings
        name (``COOPKG_PASSAGE_ENCODER``): with ``onnx-fp32``, the fp32 model on ONNX Runtime, which
        gives the torch model's vectors (same model id) without loading it; with ``onnx-int8``, its
        int8 export (another model id: the index of an fp32 base is rebuilt). The same options as
        ``coopkg build`` (``search.embedder.settings_options``)."""
        from search.embedder import settings_options

        return settings_options(self.settings)

    @property
    def nlp(self):
        """The spaCy pipeline: loaded now, or waited for when :meth:`_start_nlp` loads it."""
        if self._nlp_thread is not None:
            self._wait_nlp()  # at once when it is done
        if self._nlp is None:
            if self._nlp_error is None:
                self._load_nlp()
            error, self._nlp_error = self._nlp_error, None
            if error is not None:
                raise error
        return self._nlp

    def _load_nlp(self) -> None:
        from ingest.documents.ner import load_nlp

        try:
            nlp = load_nlp()
            _freeze()
            self._nlp = nlp
        except Exception as exc:  # noqa: BLE001 - raised by the nlp property, in the caller's thread
            self._nlp_error = exc

    def _start_nlp(self) -> None:
        """Load spaCy on a thread (≈6 s: importing it imports PyTorch through thinc, and the French
        tokenizer exceptions are built at import) while the main thread loads the embedding model,
        embeds the definitions and reads the next document; started by the first document that has
        something to extract (a run of unchanged documents loads nothing)."""
        import threading

        if self._nlp is None and self._nlp_thread is None:
            self._nlp_thread = threading.Thread(target=self._load_nlp, name="coopkg-spacy-load", daemon=True)
            self._nlp_thread.start()

    def _wait_nlp(self) -> None:
        self._nlp_thread.join()
        self._nlp_thread = None

    @property
    def cache_path(self) -> Path:
        return self.settings.embedding_cache_path

    def _open_cache(self):
        """The base's embedding cache, or None (with a warning) when it cannot be opened: the
        texts are then embedded without it, and the index update embeds them again."""
        import sqlite3

        from search.vectors import EmbeddingCache

        try:
            return EmbeddingCache(self.cache_path)
        except (OSError, sqlite3.Error) as exc:
            log.warning("embedding cache %s unusable (%s): ingesting without it", self.cache_path, exc)
            return None

    def _passage_embedder(self):
        """The embedder, through the run's embedding cache when a run is going on (and behind it,
        what the run embedded ahead)."""
        embedder = self.embedder
        if self._prefetch is not None:
            from .prefetch import PrefetchedEmbedder

            embedder = PrefetchedEmbedder(embedder, self._prefetch)
        return CachedEmbedder(embedder, self._cache) if self._cache is not None else embedder

    def semantic(self, lexicon):
        """The definition index (built once per Ingestor: the definitions the search index holds
        are reused, the others embedded through the cache), embedding through this run's cache."""
        embedder = self._passage_embedder()
        if self._semantic is None:
            from ingest.documents.semantic import DefinitionIndex

            built = DefinitionIndex.build(lexicon, embedder, known=self.indexed_definitions())
            self._semantic = built.using(self.embedder)  # kept without this run's cache
        return self._semantic.using(embedder)

    def indexed_definitions(self) -> dict:
        """The definition vectors of the search index's vocabulary ("label : definition" of the
        levers, concepts, themes and instrument types, embedded as passages), by text; {} when
        there is no index, or it was built with another model."""
        from search.index import SearchIndex, SearchIndexError
        from search.vectors import VectorIndex, VectorIndexError

        directory = Path(self.settings.search_dir)
        try:
            meta = SearchIndex.read_meta(directory)
            rows = meta.get("vocabulary") or []
            if meta.get("model_id") != self.embedder.model_id or not rows or not (directory / "vocab").is_dir():
                return {}
            vocab = VectorIndex.load(directory / "vocab", expected_model_id=meta["model_id"],
                                     expected_dimension=self.embedder.dimension,
                                     expected_corpus_hash=meta.get("vocab_hash"))
            vectors = vocab.vectors([row[0] for row in rows])
        except (SearchIndexError, VectorIndexError, OSError, KeyError, ValueError, IndexError) as exc:
            log.info("definitions embedded again: the search index's vocabulary is unusable (%s)", exc)
            return {}
        return {row[3]: v for row, v in zip(rows, vectors)}

    # -- one run ----------------------------------------------------------------------------------
    def run(self, paths: list[str], *, dry_run: bool = False, fail_fast: bool = False, index: bool = True,
            progress: Callable[[Outcome, int, int], None] | None = None) -> IngestReport:
        from ingest.documents.readers import expand_paths
        from kb.store import open_store

        started = time.perf_counter()
        report = IngestReport()
        files, errors = expand_paths(list(paths))
        for err in errors:
            report.outcomes.append(Outcome(err.path, status="failed", error=str(err)))
        if errors and fail_fast:
            report.seconds = time.perf_counter() - started
            return report
        store = open_store(self.settings, write=not dry_run)
        self._cache = self._open_cache()
        if self.prefetch and files:
            from .prefetch import Prefetch

            self._prefetch = Prefetch(lambda: self.embedder)  # the model loaded when first needed
        pending: list[tuple[Outcome, DocumentGraph]] = []  # validated, waiting for the group write
        unreported: list[tuple[Outcome, int]] = []  # reported once the write before them is done
        prepared: dict[int, Prepared] = {}  # read and segmented ahead, by position in files
        self._ahead_texts = []  # index texts sent to the embedding thread
        self._changed = {"cases": set(), "prefixes": set(), "nodes": set()}  # see _note_changes
        self._warm_index = index and not dry_run
        try:
            lexicon = None
            seen: dict[str, str] = {}
            for i, path in enumerate(files, 1):
                outcome = Outcome(str(path))
                try:
                    if lexicon is None:
                        from ingest.documents.lexicon import Lexicon

                        lexicon = Lexicon.from_store(store)
                    # this document, then the next one, read and segmented with their passages
                    # sent to the embedding thread, before this one's NER, SHACL and write
                    for j in (i, i + 1):
                        if j <= len(files) and j not in prepared:
                            prepared[j] = self._prepare(store, lexicon, files[j - 1], seen, report)
                    dg = self._one(store, lexicon, prepared.pop(i), outcome, report, dry_run)
                    if dg is not None:
                        pending.append((outcome, dg))
                except DocumentError as exc:
                    outcome.status, outcome.error = "failed", str(exc)
                except Exception as exc:  # one bad document must not stop the batch
                    from kb.validation import ShapesViolated

                    if isinstance(exc, ShapesViolated):
                        outcome.status, outcome.error = "failed", f"{path}: graphe refusé par SHACL, rien écrit : {exc}"
                    else:
                        log.exception("ingesting %s failed", path)
                        outcome.status, outcome.error = "failed", f"{path}: erreur inattendue ({type(exc).__name__}: {exc}) ; rien écrit"
                report.outcomes.append(outcome)
                unreported.append((outcome, i))
                stop = outcome.status == "failed" and fail_fast
                if pending and (len(pending) >= self.settings.ingest_batch or stop or i == len(files)):
                    written, pending = pending, []
                    self._commit(store, written, report)
                    stop = stop or (fail_fast and any(o.status == "failed" for o, _ in written))
                if progress and not pending:
                    for done, j in unreported:
                        progress(done, j, len(files))
                    unreported = []
                if stop:
                    break
            if self._prefetch is not None and self._warm_index:
                started_ahead = time.perf_counter()
                self._store_ahead()
                report.timings["embedding"] += time.perf_counter() - started_ahead
        finally:
            if self._prefetch is not None:
                report.embedded_ahead = self._prefetch.taken
                self._prefetch.close()
                self._prefetch = None
            store.close()
            if self._cache is not None:
                self._cache.close()
                self._cache = None
        if index and report.written:
            report.index = self.update_index(self.changed(self._changed))
        report.seconds = time.perf_counter() - started
        return report

    def _prepare(self, store, lexicon, path: Path, seen: dict, report: IngestReport) -> "Prepared":
        """Read and segment one document (in the order of the files: duplicate names are caught
        here) and send the passages its semantic step will embed to the embedding thread. An error
        is kept, and raised when the document's turn comes."""
        from ingest.documents.readers import read_document
        from ingest.documents.segment import candidates as find_candidates
        from kb import documents

        out = Prepared(path)
        t = report.timings
        clock = time.perf_counter()
        try:
            out.doc = doc = read_document(path, max_bytes=self.settings.ingest_max_bytes)
            t["parse"] += time.perf_counter() - clock
            doc_id = self.minter.document_id(doc.name)
            if doc_id in seen:
                raise DocumentError(str(path), f"même nom de document que {seen[doc_id]} dans ce lot : un document "
                                               "est identifié par son nom de fichier ; renommez l'un des deux")
            seen[doc_id] = str(path)
            if documents.stored_hash(store, self.minter, doc_id) == doc.sha256:
                out.unchanged = True
                return out
            clock = time.perf_counter()
            out.found = find_candidates(doc)
            t["segment"] += time.perf_counter() - clock
            if out.found:
                self._start_nlp()  # the first document to extract: spaCy loads while its passages are embedded
            if self._prefetch is not None and out.found:
                clock = time.perf_counter()
                self._send_ahead(lexicon, doc, out.found)
                t["embedding"] += time.perf_counter() - clock
        except Exception as exc:  # noqa: BLE001 - raised in _one, at the document's turn
            out.error = exc
        return out

    def _send_ahead(self, lexicon, doc: Document, found: list) -> None:
        """The texts :meth:`DefinitionIndex.mentions` will embed for ``doc`` that the cache does
        not hold, to the embedding thread."""
        semantic = self.semantic(lexicon)
        texts = [text for cand in found for part in runs(cand, found) for text, _, _ in semantic.rows(doc, part)]
        if self._cache is not None:
            texts = self._cache.uncached(self.embedder, texts)
        self._prefetch.submit(texts)

    def _one(self, store, lexicon, prep: "Prepared", outcome: Outcome, report: IngestReport,
             dry_run: bool) -> DocumentGraph | None:
        """Extract, compile and validate one document read by :meth:`_prepare`; returns its graph to
        write (None when there is nothing to write: unchanged, or a dry run)."""
        from ingest.documents.extract import extract
        from kb import documents

        t = report.timings
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            t[stage] += now - clock
            clock = now

        doc = prep.doc
        if doc is not None:
            outcome.name, outcome.words, outcome.warnings = doc.name, doc.words, list(doc.warnings)
        if prep.error is not None:
            raise prep.error
        if prep.unchanged:
            outcome.status = "unchanged"
            return None
        found = prep.found
        if not found:
            outcome.warnings.append("aucune pratique de coopération reconnue : le document est enregistré sans cas")
        semantic = self.semantic(lexicon) if found else None
        lap("embedding")
        mentions = [[m for part in runs(cand, found)
                     for m in extract(doc, part, lexicon, nlp=self.nlp, semantic=semantic,
                                      link_threshold=self.settings.ingest_link_threshold)]
                    for cand in found]
        lap("nlp")
        dg = self.compile(store, doc, found, mentions)
        lap("graph")
        documents.check(store, dg, str(prep.path))
        lap("shacl")
        outcome.cases = [label for _, label in dg.cases]
        outcome.asserted, outcome.suggested = len(dg.asserted), len(dg.suggested)
        outcome.triples = len(dg.triples)
        outcome.warnings += dg.warnings
        if dry_run:
            outcome.status = "checked"
            return None
        outcome.status = "validated"  # "ingested" once written (see _commit)
        return dg

    def _commit(self, store, pending: list[tuple[Outcome, DocumentGraph]], report: IngestReport) -> None:
        """Write validated documents in one store transaction (group commit: one snapshot and one
        inference pass for the group, instead of one per document; each document stays all or
        nothing). When the group write fails, each document is written alone, so that one
        document the store refuses does not take the others with it."""
        started = time.perf_counter()
        try:
            self._note_changes(store, [dg for _, dg in pending])
            self._write(store, pending)
        finally:
            report.timings["store"] += time.perf_counter() - started
        if self._prefetch is not None and self._warm_index:
            started = time.perf_counter()
            try:
                self._index_ahead(store, [dg for o, dg in pending if o.status == "ingested"])
            except Exception as exc:  # noqa: BLE001 - only a head start: the index update embeds them anyway
                log.warning("index texts not embedded ahead (%s: %s)", type(exc).__name__, exc)
            report.timings["embedding"] += time.perf_counter() - started

    def _note_changes(self, store, graphs: list[DocumentGraph]) -> None:
        """Note what the search index update must read again for these documents (see
        :meth:`document_changes`), before they are written."""
        source = str(self.minter.iri("source", ""))
        for dg in graphs:
            self.document_changes(store, str(dg.document)[len(source):], dg, into=self._changed)

    def document_changes(self, store, doc_id: str, dg: DocumentGraph | None = None, *, into: dict | None = None) -> dict:
        """What writing ``dg`` as document ``doc_id`` (None: removing it) may change in the search
        index (search.index.Changed): the document's cases, before and after, and the cases
        reading what its graph describes beyond its own cases and passages (a minted actor, say),
        in the old version (read from ``store``, before the write) and the new."""
        out = into if into is not None else {"cases": set(), "prefixes": set(), "nodes": set()}
        graph = self.minter.document_graph(doc_id)
        own = (str(self.minter.document(doc_id)), str(self.minter.case(f"{doc_id}--")))
        old = store.select(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}").rows
        subjects = {str(r[0]) for r in old} | ({str(t[0]) for t in dg.triples} if dg is not None else set())
        out["nodes"] |= {x for x in subjects if not x.startswith(own)}
        out["prefixes"].add(f"{doc_id}--")
        out["cases"] |= {str(iri) for iri, _ in dg.cases} if dg is not None else set()
        return out

    def changed(self, parts: dict):
        """``parts`` (cases, prefixes, nodes) as a search.index.Changed."""
        from search.index import Changed

        return Changed(str(self.minter.case("")), **{k: frozenset(v) for k, v in parts.items()})

    def remove(self, name: str) -> bool:
        """Remove the ingested document ``name`` (its graph, atomically) and bring the search index
        up to date, reading again only the cases it may have changed; False when there is none."""
        from kb import documents
        from kb.store import open_store

        doc_id = self.minter.document_id(Path(name).name)
        store = open_store(self.settings, write=True)
        try:
            parts = self.document_changes(store, doc_id)
            removed = documents.remove(store, self.minter, doc_id)
        finally:
            store.close()
        if removed:
            self.update_index(self.changed(parts))
        return removed

    def _index_ahead(self, store, written: list[DocumentGraph]) -> None:
        """Send the texts the search index update will embed for the cases just written (read back
        from the store, as the update reads them) to the embedding thread, so that they are
        embedded while the next documents go through spaCy and SHACL; :meth:`_store_ahead` puts
        them in the cache before the update."""
        from search.index import dense_items
        from search.lexical import passages_from_store

        cases = [iri for dg in written for iri, _ in dg.cases]
        if not cases or self._cache is None:
            return
        texts = self._cache.uncached(self.embedder, [text for _, _, text in dense_items(passages_from_store(store, cases))])
        self._prefetch.submit(texts)
        self._ahead_texts += texts

    def _store_ahead(self) -> None:
        """The index texts embedded ahead, into the embedding cache the index update reads."""
        from .prefetch import PrefetchedEmbedder

        if self._ahead_texts and self._cache is not None:
            self._cache.embed(PrefetchedEmbedder(self.embedder, self._prefetch), self._ahead_texts)
        self._ahead_texts = []

    def _write(self, store, pending: list[tuple[Outcome, DocumentGraph]]) -> None:
        from kb import documents

        try:
            documents.write_many(store, self.minter, [dg for _, dg in pending])
        except Exception as exc:  # noqa: BLE001 - reported per document below
            if len(pending) > 1:
                log.warning("writing %d documents together failed (%s): writing them one by one", len(pending), exc)
                for item in pending:
                    self._write(store, [item])
                return
            outcome = pending[0][0]
            log.exception("writing %s failed", outcome.path)
            outcome.status = "failed"
            outcome.error = f"{outcome.path}: écriture refusée par la base ({type(exc).__name__}: {exc}) ; rien écrit"
            return
        for outcome, _ in pending:
            outcome.status = "ingested"

    def compile(self, store, doc: Document, found, mentions) -> DocumentGraph:
        from kb import documents

        decided = documents.decisions(store, self.minter, self.minter.document_id(doc.name))
        return document_graph(doc, found, mentions, self.minter, threshold=self.settings.ingest_threshold,
                              decisions=decided)

    def update_index(self, changed=None):
        """Bring the search index up to date; ``changed`` (search.index.Changed): only the cases
        those writes may have changed are read again."""
        from kb.store import open_store
        from search.index import update

        store = open_store(self.settings)
        try:
            return update(store, self.settings.search_dir, self.embedder, self.cache_path,
                          exact_max=self.settings.vector_exact_max, changed=changed)
        finally:
            store.close()
