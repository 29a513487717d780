"""What the search index embeds of an extracted case, known before extraction.

The search index (``search.index.dense_items``) embeds, per case, one passage per text field read
back from the store (``search.lexical.passages_from_store``: several values of a field joined
with newlines, sorted) and a case-level text (label, alt labels and summary joined with
newlines). For a case extracted from a document, three kinds of these texts come from its
candidate alone, and are written by graph.py:

* the summary (``dcterms:abstract``, :func:`summary`);
* the grid fields (``coop:trigger``, ``coop:partnersScale``, ``coop:stake``, ``coop:ambition``,
  ``coop:object``: one value per block, the partners and scale joined with " ; ");
* the case-level text: the title (``rdfs:label``), then the summary.

:func:`index_texts` gives these strings exactly as the index builds them, so that the semantic step
of extraction (``semantic.DefinitionIndex``) can embed them, as passages, through the embedding
cache the index update consults (``search.vectors.EmbeddingCache``, keyed by model, kind and
text) — the case-level text as the candidate as a whole (when it has several chunks), and the
summary, or the title and summary, when a chunk it reads holds exactly their words — and no text is
embedded twice in one ingestion. The case's other passages (actors, instruments, governance, territories) depend on what
extraction finds; the index update embeds them. tests/test_ingest_casetexts.py checks the strings
against the index's own ``dense_items`` for an ingested document, so that a change on either side
shows.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Block, Candidate

SUMMARY_MAX = 700
# Candidate grid fields -> the search index's passage fields (search.lexical.CASE_FIELDS)
INDEX_GRID_FIELDS = {"triggers": "trigger", "partners_scale": "partners_scale", "stakes": "stake",
                     "ambitions": "ambition", "object": "object"}
# The order of the grid properties in the summary when a candidate has no paragraph
_SUMMARY_GRID = ("object", "ambitions", "stakes", "triggers", "partners_scale")
CASE_FIELD = "case"  # the case-level text (search.index.CASE_FIELD)


@dataclass(frozen=True)
class IndexText:
    """One text the search index will embed for a candidate's case."""

    field: str  # the index's field: "case", "abstract", "trigger", "partners_scale", "stake", ...
    text: str
    blocks: tuple[Block, ...]  # the candidate's blocks it is made of (all of them for "case")


def _summary_blocks(cand: Candidate) -> list[Block]:
    prose = [b for b in cand.blocks if b.kind == "paragraph"]
    return prose or [b for key in _SUMMARY_GRID for b in cand.grid.get(key, [])]


def summary(cand: Candidate) -> str:
    """The case's summary (``dcterms:abstract``): its paragraphs, else its grid items (object,
    ambitions, stakes, triggers, partners), whitespace collapsed, at most ``SUMMARY_MAX``
    characters (cut at a word, with an ellipsis); the title when it has neither."""
    text = " ".join(" ".join(b.text for b in _summary_blocks(cand)).split()) or cand.title
    return text if len(text) <= SUMMARY_MAX else text[:SUMMARY_MAX].rsplit(" ", 1)[0] + "…"


def _summarised(cand: Candidate, abstract: str) -> tuple[Block, ...]:
    """The blocks of the summary whose whole text it holds (a long summary is cut)."""
    out, used = [], 0
    kept = len(abstract.rstrip("…"))
    for b in _summary_blocks(cand):
        used += len(" ".join(b.text.split())) + (1 if out else 0)
        if used > kept:
            break
        out.append(b)
    return tuple(out)


def partners_scale_value(blocks: list[Block]) -> str:
    """The one ``coop:partnersScale`` value of a case: its items joined with " ; "."""
    return " ; ".join(b.text for b in blocks)


def _joined(values) -> str:
    """Several values of one field as the index joins them (passages_from_store)."""
    return "\n".join(sorted({v.strip() for v in values if v.strip()}))


def index_texts(cand: Candidate) -> list[IndexText]:
    """The texts the search index embeds for ``cand``'s case that do not depend on extraction: the
    case-level text, the summary and the grid fields, in that order (blank ones left out)."""
    abstract = summary(cand).strip()
    title = cand.title.strip()
    out = [IndexText(CASE_FIELD, "\n".join(t for t in (title, abstract) if t), tuple(cand.blocks)),
           IndexText("abstract", abstract, _summarised(cand, abstract))]
    for key, field in INDEX_GRID_FIELDS.items():
        blocks = cand.grid.get(key, [])
        if blocks:
            values = [partners_scale_value(blocks)] if key == "partners_scale" else [b.text for b in blocks]
            out.append(IndexText(field, _joined(values), tuple(blocks)))
    return [t for t in out if t.text.strip()]
