"""Deterministic minting of the IRIs the knowledge base creates.

Every data IRI is ``<base><kind>/<id>[/<sub-kind>/<sub-id>]``, where ``base`` is the
``COOPKG_BASE_IRI`` setting. Ids come from the corpus (kebab-case), so building twice gives the
same IRIs. This module and ``namespace.py`` are the only places where IRIs are spelled out.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import URIRef

from .namespace import COOP

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII kebab-case slug of a French text ("Comité de pilotage" -> "comite-de-pilotage")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_RE.sub("-", folded).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def name_slug(text: str, max_length: int = 60) -> str:
    """:func:`slugify` for an identity: a name whose slug is longer than ``max_length`` keeps a hash
    of its whole slug at the end, so that two long names sharing their first ``max_length``
    characters are two things (« Deux communautés d'agglomération partenaires de « Convention de
    … » », two file names differing at their end). Shorter names get :func:`slugify`'s slug."""
    slug = slugify(text, 10**6)
    if len(slug) <= max_length:
        return slug
    return f"{slug[:max_length - 9].rstrip('-')}-{short_hash(slug)}"


class Minter:
    """Mints the IRIs of one knowledge base (one base IRI)."""

    # kind name -> path segment
    KINDS = {
        "case": "case",
        "actor": "actor",
        "territory": "territory",
        "lever": "lever",
        "axis": "axis",
        "concept": "concept",
        "theme": "theme",
        "level": "level",
        "role": "role",
        "territory_type": "territory-type",
        "scale": "scale",
        "source": "source",
        "graph": "graph",
    }

    def __init__(self, base: str):
        if not base.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {base!r}")
        self.base = base

    def __repr__(self) -> str:
        return f"Minter({self.base!r})"

    def iri(self, kind: str, ident: str) -> URIRef:
        return URIRef(f"{self.base}{self.KINDS[kind]}/{ident}")

    # Entities described by corpus files -------------------------------------------------
    def case(self, ident: str) -> URIRef:
        return self.iri("case", ident)

    def participation(self, case_id: str, actor_id: str) -> URIRef:
        return URIRef(f"{self.case(case_id)}/participation/{actor_id}")

    def instrument(self, case_id: str, slug: str) -> URIRef:
        return URIRef(f"{self.case(case_id)}/instrument/{slug}")

    def governance_body(self, case_id: str, slug: str) -> URIRef:
        return URIRef(f"{self.case(case_id)}/governance/{slug}")

    def passage(self, source_id: str, section: str, quote: str | None) -> URIRef:
        key = short_hash(f"{section}\n{quote or ''}")
        return URIRef(f"{self.iri('source', source_id)}/passage/{slugify(section, 40)}-{key}")

    def graph(self, relative_path: str) -> URIRef:
        """Named graph holding what one source file compiles to."""
        return URIRef(f"{self.base}graph/{relative_path}")

    # Ingested documents (docs/extraction.md) ---------------------------------------------
    @staticmethod
    def document_id(file_name: str) -> str:
        """A document is identified by its file name: re-ingesting the same name replaces it."""
        return "document-" + name_slug(file_name, 80)

    def document(self, doc_id: str) -> URIRef:
        return self.iri("source", doc_id)

    def document_graph(self, doc_id: str) -> URIRef:
        return self.graph(f"documents/{doc_id}")

    @property
    def documents_graph_prefix(self) -> str:
        return str(self.graph("documents/"))

    def span_passage(self, doc_id: str, start: int, end: int) -> URIRef:
        return URIRef(f"{self.document(doc_id)}/passage/{start}-{end}")

    def extraction(self, doc_id: str, key: str) -> URIRef:
        """One extracted statement; ``key`` names what is stated (not where), so review decisions
        survive re-ingestion of an edited document."""
        return URIRef(f"{self.document(doc_id)}/statement/{short_hash(key, 16)}")

    @property
    def review_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/review")

    # Graphs with a fixed role ------------------------------------------------------------
    @property
    def ontology_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/ontology")

    @property
    def inferred_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/inferred")

    @property
    def meta_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/meta")

    def owns(self, iri: str) -> bool:
        return iri.startswith(self.base)


# Schemes each vocabulary kind belongs to.
SCHEME_OF_KIND = {
    "lever": COOP.LeverScheme,
    "axis": COOP.LeverScheme,
    "concept": COOP.NotionScheme,
    "theme": COOP.ThemeScheme,
    "level": COOP.LevelScheme,
    "role": COOP.RoleScheme,
    "territory_type": COOP.TerritoryTypeScheme,
    "scale": COOP.ScaleScheme,
}

CLASS_OF_KIND = {
    "lever": COOP.Lever,
    "axis": COOP.Axis,
    "concept": COOP.CooperationConcept,
    "theme": COOP.Theme,
    "level": COOP.CooperationLevel,
    "role": COOP.Role,
    "territory_type": COOP.TerritoryType,
    "scale": COOP.Scale,
}
