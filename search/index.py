"""The search index of a knowledge base: one directory ``<home>/search`` holding

- ``lexical/``: the BM25 index over the case passages (search/lexical.py);
- ``dense/``: one vector per passage (``<case>#<field>``) plus a case-level vector (``<case>#case``:
  label and summary), in a FAISS index (search/vectors.py);
- ``vocab/``: one vector per definition of a lever, concept, theme and instrument type, keyed like
  the gazetteer (``lever/L3``, ``coop:ContratDeReciprocite``), to recognise what a query is about
  even when it names none of them;
- ``meta.json``: the model, the passage hash and the vocabulary hash.

:func:`update` brings it in line with the store: it re-embeds only passages it has never embedded
(sqlite cache keyed by content hash), updates the changed cases in place and replaces the whole
directory atomically. Readers keep the directory they loaded.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .lexical import LexicalIndex, Passage, passages_hash, passages_from_store
from .persist import read_meta, staging_dir, swap_in
from .vectors import EmbeddingCache, VectorIndex

log = logging.getLogger(__name__)

META_KIND = "coopkg-search-index"
FORMAT_VERSION = 1
CASE_FIELD = "case"
# Passage fields embedded for the dense index (label and alt labels are in the case-level vector).
DENSE_FIELDS = ("abstract", "trigger", "partners_scale", "stake", "ambition", "object", "actors",
                "instruments", "governance", "territories")


class SearchIndexError(Exception):
    """The search index is missing, corrupt or built for another model/corpus; says what to run."""


@dataclass(frozen=True)
class VocabEntry:
    key: str
    kind: str
    label: str
    text: str


def case_texts(passages: list[Passage]) -> dict[str, str]:
    """The text of each case-level vector: label, alt labels and summary."""
    parts: dict[str, list[str]] = {}
    for p in passages:
        if p.field in ("label", "alt_labels", "abstract"):
            parts.setdefault(p.case_id, []).append(p.text)
    return {cid: "\n".join(texts) for cid, texts in parts.items()}


def dense_items(passages: list[Passage]) -> list[tuple[str, str, str]]:
    """(vector id, case id, text) for every vector of the dense index."""
    items = [(p.id, p.case_id, p.text) for p in passages if p.field in DENSE_FIELDS]
    items += [(f"{cid}#{CASE_FIELD}", cid, text) for cid, text in case_texts(passages).items()]
    return sorted(items)


def vocabulary_from_store(store) -> list[VocabEntry]:
    """Levers, concepts, themes and instrument types with their French definitions."""
    from kb.queries import with_prefixes

    from .expansion import _key

    query = with_prefixes("""
        SELECT ?x ?kind ?label ?def WHERE {
          { ?x skos:inScheme ?scheme . VALUES (?scheme ?kind) { (coop:LeverScheme "lever")
              (coop:NotionScheme "concept") (coop:ThemeScheme "theme") } }
          UNION { ?x a owl:Class ; skos:notation ?n ; rdfs:subClassOf+ coop:CooperationInstrument .
                  BIND("instrument-type" AS ?kind) }
          ?x rdfs:label|skos:prefLabel ?label . FILTER(LANG(?label) = "fr")
          OPTIONAL { ?x skos:definition ?def . FILTER(LANG(?def) = "fr" || LANG(?def) = "") }
        }""")
    entries: dict[str, VocabEntry] = {}
    for x, kind, label, definition in store.select(query).rows:
        key = _key(str(x))
        text = f"{label} : {definition}" if definition is not None else str(label)
        if key not in entries or len(text) > len(entries[key].text):
            entries[key] = VocabEntry(key, str(kind), str(label), text)
    return [entries[k] for k in sorted(entries)]


def _vocab_hash(entries: list[VocabEntry]) -> str:
    return hashlib.sha256(json.dumps([[e.key, e.kind, e.label, e.text] for e in entries]).encode()).hexdigest()


class SearchIndex:
    def __init__(self, lexical: LexicalIndex, dense: VectorIndex, vocab: VectorIndex | None,
                 vocab_entries: list[VocabEntry], model_id: str):
        self.lexical = lexical
        self.dense = dense
        self.vocab = vocab
        self.vocab_entries = {e.key: e for e in vocab_entries}
        self.model_id = model_id

    @property
    def corpus_hash(self) -> str:
        return self.lexical.corpus_hash

    def meta(self) -> dict:
        return {"kind": META_KIND, "format": FORMAT_VERSION, "model_id": self.model_id,
                "dimension": self.dense.dimension, "corpus_hash": self.corpus_hash,
                "cases": len(self.lexical.case_ids), "passages": len(self.lexical.passages()),
                "vectors": len(self.dense),
                "vocabulary": [[e.key, e.kind, e.label, e.text] for e in self.vocab_entries.values()],
                "vocab_hash": _vocab_hash(list(self.vocab_entries.values()))}

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        tmp = staging_dir(directory)
        self.lexical.save(tmp / "lexical")
        self.dense.save(tmp / "dense")
        if self.vocab is not None:
            self.vocab.save(tmp / "vocab")
        return swap_in(tmp, directory, self.meta())

    @staticmethod
    def read_meta(directory: str | Path) -> dict:
        return read_meta(directory, META_KIND, "search index", SearchIndexError)

    @classmethod
    def load(cls, directory: str | Path, *, model_id: str | None, dimension: int | None = None) -> "SearchIndex":
        """Load; refuses (SearchIndexError) an index of another format or model."""
        from .lexical import LexicalIndexError
        from .vectors import VectorIndexError

        directory = Path(directory)
        hint = "run `coopkg build` (it updates the search index)"
        try:
            meta = cls.read_meta(directory)
        except SearchIndexError as exc:
            raise SearchIndexError(f"{exc}: {hint}") from None
        if meta.get("format") != FORMAT_VERSION:
            raise SearchIndexError(f"search index in {directory} has format {meta.get('format')}, expected "
                                   f"{FORMAT_VERSION}: {hint}")
        if model_id is not None and meta.get("model_id") != model_id:
            raise SearchIndexError(f"search index in {directory} was built with model {meta.get('model_id')!r}, "
                                   f"the configured model is {model_id!r}{_why(meta.get('model_id'), model_id)}: {hint}")
        try:
            lexical = LexicalIndex.load(directory / "lexical", expected_corpus_hash=meta.get("corpus_hash"))
            dense = VectorIndex.load(directory / "dense", expected_model_id=meta.get("model_id"),
                                     expected_dimension=dimension, expected_corpus_hash=meta.get("corpus_hash"))
            vocab = None
            if (directory / "vocab").is_dir():
                vocab = VectorIndex.load(directory / "vocab", expected_model_id=meta.get("model_id"),
                                         expected_dimension=dense.dimension, expected_corpus_hash=meta.get("vocab_hash"))
        except (LexicalIndexError, VectorIndexError) as exc:
            raise SearchIndexError(f"{exc} ({hint})") from None
        entries = [VocabEntry(*row) for row in meta.get("vocabulary", [])]
        return cls(lexical, dense, vocab, entries, meta["model_id"])


def _why(built: object, configured: str) -> str:
    """Says so when two model ids differ only by their passage encoder (COOPKG_PASSAGE_ENCODER)."""
    from .embedder import PASSAGE_MODEL_SUFFIX

    def base(model_id: str) -> str:
        for suffix in filter(None, PASSAGE_MODEL_SUFFIX.values()):
            if model_id.endswith(suffix):
                return model_id[:-len(suffix)]
        return model_id

    if isinstance(built, str) and base(built) == base(configured):
        return " (the same model, passages embedded by another COOPKG_PASSAGE_ENCODER)"
    return ""


# A change of the expansion vocabulary updates the lexical index in place (LexicalIndex.swap_expander);
# False builds a new one, as before (benchmarks/ingest_into.py's "full" mode re-enacts that).
INCREMENTAL_RELEX = True


@dataclass
class UpdateReport:
    changed: bool
    cases_added: int = 0
    cases_removed: int = 0
    cases_updated: int = 0
    embedded: int = 0  # texts actually sent to the model (cache misses)
    cached: int = 0
    cases_relexed: int = 0  # unchanged cases analysed again (lexical only): labels they may hold came or went


def build_index(passages: list[Passage], vocab_entries: list[VocabEntry], embedder, cache: EmbeddingCache,
                expander=None, *, exact_max: int | None = None, threads: int | None = None,
                previous: SearchIndex | None = None,
                progress: Callable[[str, int, int], None] | None = None,
                relex: bool = False) -> tuple[SearchIndex, UpdateReport]:
    """A search index for ``passages``; with ``previous`` (same model), only the changed cases
    are replaced in it (``relex``: the expansion vocabulary changed; the lexical index takes
    ``expander``, analysing again the passages its new or dropped labels may occur in — the same
    index as one built anew —, and the vectors are still replaced case by case)."""
    params = {}
    if exact_max is not None:
        params["exact_max"] = exact_max
    if threads is not None:
        params["build_threads"] = threads
    corpus_hash = passages_hash(passages)
    by_case: dict[str, list[Passage]] = {}
    for p in passages:
        by_case.setdefault(p.case_id, []).append(p)
    items = dense_items(passages)
    report = UpdateReport(changed=True)
    lexical = dense = None
    if previous is not None and previous.model_id == embedder.model_id:
        old = {}
        for p in previous.lexical.passages():
            old.setdefault(p.case_id, set()).add(p.digest)
        new = {cid: {p.digest for p in ps} for cid, ps in by_case.items()}
        removed = [c for c in old if c not in new]
        updated = [c for c in new if c in old and old[c] != new[c]]
        added = [c for c in new if c not in old]
        report.cases_added, report.cases_removed, report.cases_updated = len(added), len(removed), len(updated)
        lexical, dense = previous.lexical, previous.dense
        stale = {vid for vid in dense.ids if vid.split("#", 1)[0] in set(removed + updated)}
        dense.remove(stale)
        todo = set(added + updated)
        if relex and (lexical.expander is None or not INCREMENTAL_RELEX):
            lexical = LexicalIndex.build(passages, expander)
        else:
            for cid in removed + updated:
                lexical.remove_case(cid)
            if relex:  # labels came or went: only the passages they may occur in are analysed again
                report.cases_relexed = len(lexical.swap_expander(expander, by_case))
            for cid in sorted(todo):
                lexical.add_case(cid, by_case[cid])
            lexical.compact()
        new_items = [it for it in items if it[1] in todo]
        if new_items:
            vecs = _embed(cache, embedder, [t for _, _, t in new_items], report, progress)
            dense.add([i for i, _, _ in new_items], vecs)
        dense.corpus_hash = corpus_hash
    else:
        lexical = LexicalIndex.build(passages, expander)
        vecs = _embed(cache, embedder, [t for _, _, t in items], report, progress)
        dense = VectorIndex.build([i for i, _, _ in items], vecs.reshape(-1, embedder.dimension), embedder.model_id,
                                  corpus_hash=corpus_hash, **params)
        report.cases_added = len(by_case)
    vocab = None
    if vocab_entries:
        vvecs = _embed(cache, embedder, [e.text for e in vocab_entries], report, progress)
        vocab = VectorIndex.build([e.key for e in vocab_entries], vvecs, embedder.model_id,
                                  corpus_hash=_vocab_hash(vocab_entries))
    return SearchIndex(lexical, dense, vocab, vocab_entries, embedder.model_id), report


def _embed(cache: EmbeddingCache, embedder, texts: list[str], report: UpdateReport, progress) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    out = []
    step = 64
    hits0, misses0 = cache.hits, cache.misses
    for start in range(0, len(texts), step):
        out.append(cache.embed(embedder, texts[start:start + step]))
        if progress is not None:
            progress("embedding", min(start + step, len(texts)), len(texts))
    report.embedded += cache.misses - misses0
    report.cached += cache.hits - hits0
    return np.concatenate(out)


# How a case's passages read another node (search/lexical.py passages_from_store).
_READS = ("?case coop:hasParticipation ?x .", "?p coop:participant ?x . ?case coop:hasParticipation ?p .",
          "?case coop:usesInstrument ?x .", "?case coop:hasGovernanceBody ?x .", "?case coop:territory ?x .")


@dataclass(frozen=True)
class Changed:
    """What a write may have changed in the passages of the cases: the cases themselves
    (``cases``: IRIs, written or removed), every case whose id starts with one of ``prefixes`` (the
    cases of a document, ``<document id>--``: those of its previous version included; ``case_base``
    makes their IRIs), and every case whose passages read one of ``nodes`` (actors, instruments,
    governance bodies, territories the written graphs describe, before and after)."""

    case_base: str
    cases: frozenset = frozenset()
    prefixes: frozenset = frozenset()
    nodes: frozenset = frozenset()

    def case_iris(self, store, indexed: Iterable[str]) -> set[str]:
        from kb.queries import with_prefixes

        out = {str(c) for c in self.cases}
        if self.prefixes:
            out |= {self.case_base + cid for cid in indexed if cid.startswith(tuple(self.prefixes))}
        for batch in _batches(sorted(str(n) for n in self.nodes), 500):
            values = " ".join(f"<{n}>" for n in batch)
            # one query per way of reading a node: as a UNION under one VALUES, Oxigraph does not
            # bind ?x in the branches (3.6 s for 6 nodes at 10,000 cases; ~1 ms each this way)
            for pattern in _READS:
                rows = store.select(with_prefixes(f"""SELECT DISTINCT ?case WHERE {{ VALUES ?x {{ {values} }}
                    {pattern} ?case a coop:CooperationCase }}""")).rows
                out |= {str(r[0]) for r in rows}
        return out

    def passages(self, store, indexed: list[Passage]) -> list[Passage]:
        """The passages of every case: those of the changed cases read from the store, the
        others as ``indexed`` has them."""
        from .lexical import case_id_of

        iris = self.case_iris(store, {p.case_id for p in indexed})
        ids = {case_id_of(c) for c in iris}
        return [p for p in indexed if p.case_id not in ids] + passages_from_store(store, iris)


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def update(store, directory: str | Path, embedder, cache_path: str | Path, *, exact_max: int | None = None,
           threads: int | None = None, progress=None, changed: "Changed | None" = None) -> UpdateReport:
    """Bring the index in ``directory`` in line with ``store``; a no-op when nothing changed.

    ``changed``: the cases a write may have changed (:class:`Changed`), when the caller knows
    them (an ingestion): only their passages are read from the store, the others are taken from
    the index as it is — the same result as reading every case, in time proportional to the write
    instead of the base (tests/test_index_update_changed.py)."""
    from .expansion import Expander

    directory = Path(directory)
    previous = None
    if (directory / "meta.json").exists():
        try:
            previous = SearchIndex.load(directory, model_id=embedder.model_id)
        except SearchIndexError as exc:
            log.warning("rebuilding the search index: %s", exc)
    if changed is not None and previous is not None:
        passages = changed.passages(store, previous.lexical.passages())
    else:
        passages = passages_from_store(store)
    vocab_entries = vocabulary_from_store(store)
    expander = None
    if changed is not None and previous is not None and previous.lexical.expander is not None:
        # the labels of the nodes the write described only: not every label of the base again
        expander = previous.lexical.expander.updated(store, changed.nodes)
    if expander is None:
        expander = Expander.from_store(store)
    relex = False
    if previous is not None:
        if previous.lexical.expander is None or previous.lexical.expander.vocabulary_hash != expander.vocabulary_hash:
            # labels changed (a new actor, say): expansions change everywhere, so a new lexical
            # index; the vectors do not depend on them: only the changed cases are embedded
            relex = True
        elif (previous.corpus_hash == passages_hash(passages)
              and previous.meta()["vocab_hash"] == _vocab_hash(vocab_entries)):
            return UpdateReport(changed=False)
    with EmbeddingCache(cache_path) as cache:
        index, report = build_index(passages, vocab_entries, embedder, cache, expander, exact_max=exact_max,
                                    threads=threads, previous=previous, progress=progress, relex=relex)
    index.save(directory)
    return report
