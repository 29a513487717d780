"""The semantic step of extraction: levers, concepts, themes and instrument types a candidate
speaks of without naming them, found by embedding its text and comparing it with their
definitions (:class:`DefinitionIndex`). Split from extract.py, which calls it; the confidences it
gives sit in the table of extract.py's docstring (``embedding``, at most ``CONF_EMBEDDING_MAX``).
"""
from __future__ import annotations

import copy
import re
from typing import Iterable, Sequence

import numpy as np
from rdflib import URIRef

from search.text import tokenize

from .casetexts import CASE_FIELD, index_texts
from .lexicon import LexEntry, Lexicon
from .model import MENTION_KIND as _MENTION_KIND
from .model import Candidate, Document, Mention

CONF_EMBEDDING_MAX = 0.85  # the most an embedding mention can be (extract.py's table)

SEMANTIC_KINDS = ("lever", "concept", "theme", "instrument_type")
CHUNK_WORDS = 128  # consecutive blocks are merged into chunks of about this many words
CHUNK_MAX_WORDS = 160  # a chunk never exceeds this (a longer block is split at sentence ends)
MAX_CHUNKS = 2  # chunks embedded per candidate (the first, then the longest)
PARAGRAPH_WORDS = 30  # a block this long is a paragraph: it starts a chunk unless the current one is shorter
MAX_GAP_WORDS = 6  # words between two blocks (a grid label, a marker) a chunk may span
MIN_UNIT_WORDS = 8


class DefinitionIndex:
    """Definition vectors of the levers, concepts, themes and instrument types of a lexicon, and
    the way a candidate's text is compared with them.

    The candidate's chunks (:meth:`units`: consecutive blocks merged up to about ``CHUNK_WORDS``
    words, at most ``MAX_CHUNKS``: the first, then the longest) and, when there are several, the
    candidate as a whole are embedded as *passages*, in one call per candidate (:meth:`rows`). The
    whole candidate is the case-level text the search index embeds for the case (title and
    summary: :func:`.casetexts.index_texts`), and a chunk whose words are exactly those of a text
    the index will embed (the summary of a one-paragraph example; the title and summary) is
    embedded as that very text: through the ingestion's embedding cache (coopkg/ingesting.py
    ``CachedEmbedder``) the index update finds them embedded, so no text is embedded twice. The
    definitions ("<label> : <definition>", the text of the search index's vocabulary, whose
    passage vectors are reused when given as ``known``) are the *queries*: "which passage is about
    this lever?" is the retrieval the e5 models are trained for. The embedding model dominates the
    cost of extraction, and its cost grows with the number of words embedded, not of texts:
    merging blocks into a few long chunks and capping them is what keeps extraction fast on long
    documents (a slide deck read as one candidate embeds at most ≈ ``MAX_CHUNKS × CHUNK_WORDS``
    words besides its case-level text). Chunks, not the summary alone, so that a paragraph
    paraphrasing a lever is compared on its own, not averaged with the paragraphs around it. A
    chunk's mention cites the block of the chunk sharing the most words with the definition (a
    short, readable passage); the whole candidate's mentions cite the candidate.
    Some definitions are close to every text (hubs), so each cosine is first standardised against
    that definition's cosines with the *other* definitions embedded as passages (``hub_mean``,
    ``hub_std``). Then, for each row and each kind, the standardised scores of that kind's
    definitions become confidences by rank and margin, never by absolute value (e5 cosines sit in a
    narrow band): with ``z`` a definition's distance to the mean of the others in standard
    deviations and ``g`` the best one's margin over the runner-up in the same row,
    ``confidence = clip(Z_WEIGHT·(z − Z0) + GAP_WEIGHT·g, 0, CONF_EMBEDDING_MAX)`` for the best and
    ``clip(Z_WEIGHT·(z − Z0), 0, RUNNER_UP_MAX)`` for the others (suggestions at most). On the
    real model a clear paraphrase of one lever reaches z ≈ 4–5, g ≈ 2–3 (asserted), unrelated text
    z ≈ 1.5–2.5, g < 1 (below ``floor`` or a suggestion). Mentions below ``floor`` are dropped."""

    Z0 = 1.5
    Z_WEIGHT = 0.12
    GAP_WEIGHT = 0.2
    RUNNER_UP_MAX = 0.55

    def __init__(self, entries: Sequence[LexEntry], vectors: np.ndarray, embedder,
                 hub_mean: np.ndarray | None = None, hub_std: np.ndarray | None = None):
        """``vectors``: the definitions embedded as queries, one row per entry."""
        self.entries = tuple(entries)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.embedder = embedder
        self.model_id = getattr(embedder, "model_id", "?")
        n = len(self.entries)
        self.hub_mean = np.zeros(n) if hub_mean is None else np.asarray(hub_mean, dtype=np.float64)
        self.hub_std = np.ones(n) if hub_std is None else np.maximum(np.asarray(hub_std, dtype=np.float64), 1e-6)
        self._groups: dict[str, np.ndarray] = {}
        self._definition_terms: dict[URIRef, frozenset[str]] = {}
        for kind in SEMANTIC_KINDS:
            idx = [i for i, e in enumerate(self.entries) if e.kind == kind]
            if len(idx) >= 3:
                self._groups[kind] = np.asarray(idx)

    @staticmethod
    def definition_text(entry: LexEntry) -> str:
        """What is embedded of a definition: "<label> : <definition>", as the search index's
        vocabulary (search/index.py ``vocabulary_from_store``) embeds it."""
        return f"{entry.label} : {entry.definition}" if entry.definition else entry.label

    @staticmethod
    def evidence_text(entry: LexEntry) -> str:
        """The words a mention's passage is chosen by: the definition and the alternative labels."""
        alts = entry.french_labels[1:]
        text = DefinitionIndex.definition_text(entry)
        return f"{text} ({', '.join(alts)})" if alts else text

    @classmethod
    def build(cls, lexicon: Lexicon, embedder, kinds: Iterable[str] = SEMANTIC_KINDS, *,
              known: dict[str, np.ndarray] | None = None) -> "DefinitionIndex":
        """Embed the definitions as queries; their passage vectors (for the hub statistics) are
        taken from ``known`` (by text: the search index's vocabulary, embedded by the same model)
        when there, else embedded (``embedder.embed_passages``: through a cache, when it is a
        ``CachedEmbedder``)."""
        entries = []
        for kind in kinds:
            for e in lexicon.by_kind(kind):
                if kind == "instrument_type" and lexicon.depth(e.iri) <= 1:
                    continue  # generic classes ("outil contractuel") would match everything
                entries.append(e)
        if len(entries) < 3:
            raise ValueError("the lexicon has too few levers, concepts, themes or instrument types to index")
        texts = [cls.definition_text(e) for e in entries]
        passages = _passages(embedder, texts, known)
        vectors = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
        background = vectors @ passages.T  # [definition as query, definition as passage]
        np.fill_diagonal(background, np.nan)
        return cls(entries, vectors, embedder, np.nanmean(background, axis=1), np.nanstd(background, axis=1))

    def __len__(self) -> int:
        return len(self.entries)

    def using(self, embedder) -> "DefinitionIndex":
        """The same definitions, candidates' texts embedded by ``embedder`` (the same model, behind
        a cache)."""
        if embedder is self.embedder:
            return self
        if getattr(embedder, "model_id", self.model_id) != self.model_id:
            raise ValueError(f"embedder {embedder.model_id!r} is not the model of the definitions ({self.model_id!r})")
        other = copy.copy(self)
        other.embedder = embedder
        return other

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Hub-standardised similarities ``[len(texts), len(entries)]`` of the texts (embedded as
        passages) with the definitions."""
        q = self.embedder.embed_passages(list(texts))
        return ((q @ self.vectors.T) - self.hub_mean) / self.hub_std

    def confidences(self, scores: np.ndarray) -> np.ndarray:
        """Confidence of each definition for each row of ``scores`` (see the class doc)."""
        scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
        out = np.zeros_like(scores)
        for idx in self._groups.values():
            sub = scores[:, idx]
            n = sub.shape[1]
            total, total_sq = sub.sum(axis=1, keepdims=True), (sub ** 2).sum(axis=1, keepdims=True)
            mean_others = (total - sub) / (n - 1)
            var_others = np.maximum((total_sq - sub ** 2) / (n - 1) - mean_others ** 2, 0.0)
            sd_others = np.maximum(np.sqrt(var_others), 1e-9)
            z = (sub - mean_others) / sd_others
            conf = np.clip(self.Z_WEIGHT * (z - self.Z0), 0.0, self.RUNNER_UP_MAX)
            order = np.argsort(-sub, axis=1)
            rows = np.arange(sub.shape[0])
            top, second = order[:, 0], order[:, 1]
            gap = (sub[rows, top] - sub[rows, second]) / sd_others[rows, top]
            conf[rows, top] = np.clip(self.Z_WEIGHT * (z[rows, top] - self.Z0) + self.GAP_WEIGHT * gap, 0.0,
                                      CONF_EMBEDDING_MAX)
            out[:, idx] = conf
        return out

    def blocks(self, document: Document, candidate: Candidate) -> list[tuple[int, int, bool]]:
        """(start, end, is a heading) of the candidate's blocks in text order (grid items inside
        a block already taken are skipped; without blocks, its lines), blocks longer than
        ``CHUNK_MAX_WORDS`` split at sentence ends."""
        text = document.text
        raw = sorted({(b.start, b.end, b.kind == "heading") for b in
                      [*candidate.blocks, *(x for bs in candidate.grid.values() for x in bs)]
                      if candidate.start <= b.start and b.end <= candidate.end})
        if not raw:
            pos = candidate.start
            for line in text[candidate.start:candidate.end].split("\n"):
                if line.strip():
                    raw.append((pos, pos + len(line), False))
                pos += len(line) + 1
        out: list[tuple[int, int, bool]] = []
        last_end = -1
        for bs, be, heading in raw:
            if be <= last_end:
                continue
            last_end = be
            if len(text[bs:be].split()) <= CHUNK_MAX_WORDS:
                out.append((bs, be, heading))
                continue
            piece_start, words = bs, 0
            for m in re.finditer(r"\S+", text[bs:be]):
                words += 1
                end = bs + m.end()
                if words >= CHUNK_WORDS and (text[end - 1] in ".!?;:…" or words >= CHUNK_MAX_WORDS):
                    out.append((piece_start, end, False))
                    piece_start, words = end, 0
            if words:
                out.append((piece_start, be, False))
        return [(*sp, h) for s, e, h in out for sp in [_strip_span(text, s, e)] if sp]

    def units(self, document: Document, candidate: Candidate, *, min_words: int | None = None,
              target_words: int | None = None, max_chunks: int | None = None) -> list[tuple[int, int]]:
        """Spans compared with the definitions (one embedding each): consecutive blocks merged into
        chunks of about ``target_words`` words (never more than ``CHUNK_MAX_WORDS``, never across a
        block: a longer block is split at sentence ends; a paragraph of ``PARAGRAPH_WORDS`` words
        or a heading starts a new chunk once the current one has that many words), at most
        ``max_chunks`` per candidate —
        the first one (the title and what opens the case) and then the longest. Chunks under
        ``min_words`` words are dropped unless the candidate has nothing longer; a candidate of
        fewer words has no chunk at all."""
        min_words = MIN_UNIT_WORDS if min_words is None else min_words
        target_words = CHUNK_WORDS if target_words is None else target_words
        max_chunks = MAX_CHUNKS if max_chunks is None else max_chunks
        text = document.text
        groups: list[list[int]] = []  # [start, end, words]
        for bs, be, heading in self.blocks(document, candidate):
            words = len(text[bs:be].split())
            current = groups[-1][2] if groups else None
            # A paragraph (or a heading) starts its own chunk once the current one says something:
            # two paragraphs on different matters are not averaged into one text.
            own = words >= PARAGRAPH_WORDS or heading
            # never across text that belongs to no block (what lies between two blocks of a
            # candidate is not part of it), beyond a grid label or a marker
            gap = len(text[groups[-1][1]:bs].split()) if groups else 0
            if current is not None and current < target_words and current + words <= CHUNK_MAX_WORDS and \
                    not (own and current >= PARAGRAPH_WORDS) and gap <= MAX_GAP_WORDS:
                groups[-1][1], groups[-1][2] = be, current + gap + words
            else:
                groups.append([bs, be, words])
        if sum(g[2] for g in groups) < min_words:
            return []  # a name alone ("Toulouse Métropole"): its nearest definition says nothing
        kept = [g for g in groups if g[2] >= min_words] or groups[:1]
        if len(kept) > max_chunks:
            rest = sorted(range(1, len(kept)), key=lambda i: (-kept[i][2], i))[:max_chunks - 1]
            kept = [kept[0]] + [kept[i] for i in sorted(rest)]
        return [sp for sp in (_strip_span(text, g[0], g[1]) for g in kept) if sp]

    def rows(self, document: Document, candidate: Candidate) -> list[tuple[str, tuple[int, int], list[tuple[int, int]]]]:
        """What :meth:`mentions` embeds: (text, span, the block spans a mention may cite) per row —
        the candidate's chunks (:meth:`units`), then, when there are several, the candidate as a
        whole (span: the candidate; text: the case-level text the search index embeds). A chunk
        whose words are those of a text the index will embed for the case (its summary, or its
        title and summary: :func:`.casetexts.index_texts`) is embedded as that very text, so that
        the index update finds it in the embedding cache."""
        text = document.text
        chunks = self.units(document, candidate)
        if not chunks:
            return []
        blocks = [(bs, be) for bs, be, _ in self.blocks(document, candidate)]
        indexed = index_texts(candidate)
        shared = {embedding_text(t.text): t.text for t in indexed}
        out = []
        for s, e in chunks:
            own = embedding_text(text[s:e])
            out.append((shared.get(own, own), (s, e), [(bs, be) for bs, be in blocks if s <= bs and be <= e]))
        whole = _strip_span(text, max(0, candidate.start), min(len(text), candidate.end))
        if len(chunks) > 1 and whole is not None and whole not in chunks:
            out.append((next(t.text for t in indexed if t.field == CASE_FIELD), whole, []))
        return out

    def mentions(self, document: Document, candidate: Candidate, *, floor: float = 0.3) -> list[Mention]:
        """Semantic mentions of one candidate, from one batched embedding call of the texts of
        :meth:`rows`, as passages: per row, the definitions that stand out; a mention cites the
        row's block sharing the most words with the definition (the candidate, for the
        case-level text)."""
        rows = self.rows(document, candidate)
        if not rows:
            return []
        text = document.text
        q = self.embedder.embed_passages([t for t, _, _ in rows])
        conf = self.confidences(((q @ self.vectors.T) - self.hub_mean) / self.hub_std)
        out = []
        for r, (_, (s, e), inner) in enumerate(rows):
            hits = np.nonzero(conf[r] >= floor)[0]
            for c in hits:
                entry = self.entries[c]
                kind = _MENTION_KIND[entry.kind]
                value = round(float(conf[r, c]), 3)
                ms, me = self._evidence(text, entry, inner) if len(inner) > 1 else (s, e)
                if kind == "instrument":
                    out.append(Mention(kind, text[ms:me], ms, me, "embedding", value, None, entry.label, (entry.iri,)))
                else:
                    out.append(Mention(kind, text[ms:me], ms, me, "embedding", value, entry.iri))
        return out

    def _terms(self, entry: LexEntry) -> frozenset[str]:
        terms = self._definition_terms.get(entry.iri)
        if terms is None:
            terms = frozenset(t.term for t in tokenize(self.evidence_text(entry)) if not t.alt)
            self._definition_terms[entry.iri] = terms
        return terms

    def _evidence(self, text: str, entry: LexEntry, blocks: list[tuple[int, int]]) -> tuple[int, int]:
        """The block sharing the most analysed terms with the entry's definition (the first on
        ties), stripped: the passage a reviewer reads."""
        terms = self._terms(entry)
        best, best_score = blocks[0], -1
        for bs, be in blocks:
            score = len(terms & {t.term for t in tokenize(text[bs:be]) if not t.alt})
            if score > best_score:
                best, best_score = (bs, be), score
        return _strip_span(text, *best) or best


_MARKUP = re.compile(r"<[^<>\n]{0,200}>|[*_#|✓•▪◦●○×→⇒➜►]+|&nbsp;")


def _passages(embedder, texts: list[str], known: dict[str, np.ndarray] | None) -> np.ndarray:
    """Passage vectors of ``texts``: from ``known`` when there, the others embedded in one call."""
    known = known or {}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    fresh = dict(zip(missing, embedder.embed_passages(missing))) if missing else {}
    return np.asarray([known[t] if t in known else fresh[t] for t in texts], dtype=np.float32)


def embedding_text(text: str) -> str:
    """What is embedded of a passage: without markup (HTML tags of tables exported as text, bullet
    glyphs, emphasis marks), whitespace collapsed — tokens the model would spend on noise."""
    return " ".join(_MARKUP.sub(" ", text).split()) or text.strip()


def _strip_span(text: str, s: int, e: int) -> tuple[int, int] | None:
    seg = text[s:e]
    lead = len(seg) - len(seg.lstrip())
    trail = len(seg) - len(seg.rstrip())
    s, e = s + lead, e - trail
    return (s, e) if e > s else None
