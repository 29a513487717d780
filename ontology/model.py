"""Read-only view of the ontology used by validation and compilation: type slugs and labels."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from . import ONTOLOGY_FILE
from .namespace import COOP


@dataclass(frozen=True)
class TypeInfo:
    iri: URIRef
    slug: str
    label: str


class OntologyIndex:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.actor_types = self._types_under(COOP.Actor)
        self.instrument_types = self._types_under(COOP.CooperationInstrument)

    def _types_under(self, root: URIRef) -> dict[str, TypeInfo]:
        found: dict[str, TypeInfo] = {}
        for cls in self.graph.transitive_subjects(RDFS.subClassOf, root):
            if (cls, RDF.type, OWL.Class) not in self.graph:
                continue
            slug = self.graph.value(cls, SKOS.notation)
            if slug is None:
                continue
            found[str(slug)] = TypeInfo(cls, str(slug), self.label(cls))
        return dict(sorted(found.items()))

    def label(self, node: URIRef, lang: str = "fr") -> str:
        fallback = None
        for value in self.graph.objects(node, RDFS.label):
            if getattr(value, "language", None) == lang:
                return str(value)
            fallback = fallback or str(value)
        return fallback or str(node)


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@lru_cache(maxsize=1)
def ontology_index() -> OntologyIndex:
    return OntologyIndex(ontology_graph())
