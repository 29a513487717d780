"""Values passed between the stages of raw document ingestion (read → segment → extract → graph).

Offsets are character offsets into ``Document.text`` (Python string indices, end exclusive); every
``text`` field of a span-carrying value equals ``document.text[start:end]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

# Grid fields of the case template used in the seeds (seed 002) and in corpus/cases/*.md `grid:`.
GRID_FIELDS = ("triggers", "partners_scale", "stakes", "ambitions", "object", "actors", "governance")

# Extraction methods recorded in provenance (docs/extraction.md).
METHODS = ("gazetteer", "pattern", "ner", "fuzzy", "keyword", "embedding", "structure")

MENTION_KINDS = ("actor", "instrument", "lever", "concept", "theme", "territory")

# Confidence at and above which a mention is asserted (below: a review suggestion), as the graph
# stage does by default; extraction (extract.py, descriptions.py) uses it to tell the two apart.
ASSERT_THRESHOLD = 0.7


class DocumentError(Exception):
    """A document cannot be ingested. The message names the file and says what to do."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = message


@dataclass(frozen=True)
class Document:
    """A file read into normalised text (NFC, ``\\n`` line ends)."""

    name: str  # the file name (no directory): the document's identity in the base
    path: str  # the path as given, for messages
    media_type: str  # text/plain, text/markdown, text/html, application/pdf, application/vnd.openxml...
    text: str
    sha256: str  # of the raw bytes
    title: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Block:
    """One structural unit of a document: a heading, a paragraph, a bullet, an arrow line
    ("→ Entente interterritoriale TRIDAN") or one row of a tab-separated grid."""

    kind: str  # heading | paragraph | bullet | arrow | grid
    text: str  # == document.text[start:end], stripped of markers ("→", "✓", "-", "#")
    start: int
    end: int
    level: int = 0  # heading level (1 = top) or bullet depth
    label: str | None = None  # grid rows, and blocks under a label heading: the label as written ("Enjeux")
    field: str | None = None  # the same blocks: the normalised field, one of GRID_FIELDS


@dataclass
class Candidate:
    """A part of a document that describes one cooperation practice."""

    title: str
    start: int
    end: int
    title_start: int | None = None
    title_end: int | None = None
    blocks: list[Block] = field(default_factory=list)
    # grid field -> the items of that field (each a span in the document)
    grid: dict[str, list[Block]] = field(default_factory=dict)
    # the headings enclosing the candidate, outermost first (its own title heading excluded), e.g.
    # ("Levier 8 - Faire converger les procédures et contrats", "Exemples de …"); whitespace collapsed
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """Something a candidate's text refers to, with where, how and how sure."""

    kind: str  # one of MENTION_KINDS
    text: str  # == document.text[start:end]
    start: int
    end: int
    method: str  # one of METHODS
    confidence: float  # 0..1
    iri: URIRef | None = None  # the existing entity it links to (actors, territories, vocabulary)
    label: str | None = None  # display name for a new entity (actors not in the base)
    types: tuple[URIRef, ...] = ()  # actor classes, or the instrument type class
    roles: tuple[URIRef, ...] = ()  # actors: role concepts (pilote, partenaire, financeur, ...)
    territory: URIRef | None = None  # actors: the territory it is attached to, when known


# The kind of mention each kind of lexicon entry gives.
MENTION_KIND = {"actor": "actor", "territory": "territory", "instrument_type": "instrument", "theme": "theme",
                "lever": "lever", "concept": "concept"}
