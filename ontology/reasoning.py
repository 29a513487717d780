"""Run the HermiT OWL 2 DL reasoner (through owlready2) on the ontology plus a compiled ABox.

The build never calls this: kb/inference.py materialises inferences with SPARQL updates, and
tests/test_reasoning.py uses this module to check that both agree and that the corpus is
consistent. It needs Java. Every call uses a fresh owlready2 World, so calls share no state.

    result = reason(ontology_graph(), abox)
    result.consistent, result.explanation, result.types[iri]

Before HermiT sees the data, :func:`to_owl` makes the graph acceptable to it (nothing else changes):

* ``xsd:gYear`` is not in the OWL 2 datatype map and HermiT refuses it, even as a mere
  ``rdfs:range``. ``coop:startYear``/``coop:endYear`` values ("2015"^^xsd:gYear) become
  xsd:integer and ranges xsd:gYear become xsd:integer, which keeps the range and
  functional-property checks (two different start years stay an inconsistency).
* every IRI typed with a class or linked by an object property gets ``rdf:type
  owl:NamedIndividual``: owlready2 only lists declared individuals. A punned term (a class also
  used as an individual) is declared the same way.

Punning, language-tagged literals (rdf:langString ranges), annotation properties on imported
terms, the anonymous owl:AllDisjointClasses and the property chains need no conversion.
"""
from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .namespace import COOP

COOP_NS = str(COOP._NS)


@dataclass
class ReasoningResult:
    consistent: bool
    explanation: str = ""  # when inconsistent: HermiT's verdict and the likely causes
    types: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)  # individual -> all named classes
    unsatisfiable: frozenset[URIRef] = frozenset()  # named classes equivalent to owl:Nothing
    converted: list[tuple] = field(default_factory=list)  # (original, replacement or None) triples, see to_owl
    seconds: float = 0.0  # HermiT run only

    def coop_types(self, individual: URIRef) -> set[URIRef]:
        return {t for t in self.types.get(individual, ()) if str(t).startswith(COOP_NS)}


def to_owl(ontology: Graph, abox: Graph) -> tuple[Graph, list[tuple]]:
    """Ontology + ABox as one graph HermiT accepts, and the (original, replacement or None) triples changed."""
    merged, converted = Graph(), []
    for s, p, o in (*ontology, *abox):
        if o == XSD.gYear and p == RDFS.range:
            new = (s, p, XSD.integer)
        elif isinstance(o, Literal) and o.datatype == XSD.gYear:
            year = re.match(r"-?\d{4,}", str(o))  # a timezone, if any, is dropped; no year: triple dropped
            new = (s, p, Literal(int(year.group()), datatype=XSD.integer)) if year else None
        else:
            merged.add((s, p, o))
            continue
        if new:
            merged.add(new)
        converted.append(((s, p, o), new))
    classes = set(merged.subjects(RDF.type, OWL.Class))
    object_properties = set(merged.subjects(RDF.type, OWL.ObjectProperty))
    individuals = {x for x, cls in merged.subject_objects(RDF.type) if cls in classes}
    individuals.update(n for s, p, o in merged if p in object_properties for n in (s, o))
    for x in individuals:
        if isinstance(x, URIRef):
            merged.add((x, RDF.type, OWL.NamedIndividual))
    return merged, converted


def reason(ontology: Graph, abox: Graph | None = None, *, explain: bool = True) -> ReasoningResult:
    """Check ontology + ABox with HermiT; on success return every named individual's inferred types."""
    import owlready2

    merged, converted = to_owl(ontology, abox if abox is not None else Graph())
    with tempfile.TemporaryDirectory(prefix="coopkg-reasoning-") as tmp:
        path = Path(tmp) / "kb.nt"
        merged.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            started = time.perf_counter()
            try:
                owlready2.sync_reasoner_hermit(world, debug=0)
            except owlready2.OwlReadyInconsistentOntologyError as error:
                seconds = time.perf_counter() - started
                why = " ".join(filter(None, ["HermiT: inconsistent ontology.", str(error)]))
                if explain:
                    why += "\n" + explain_inconsistency(merged)
                return ReasoningResult(False, why, converted=converted, seconds=seconds)
            seconds = time.perf_counter() - started
            types = {
                URIRef(ind.iri): frozenset(URIRef(c.iri) for c in ind.INDIRECT_is_a
                                           if isinstance(c, owlready2.ThingClass) and c is not owlready2.Thing)
                for ind in world.individuals()
            }
            unsat = frozenset(URIRef(c.iri) for c in world.inconsistent_classes() if c is not owlready2.Nothing)
        finally:
            world.close()
    return ReasoningResult(True, "", types, unsat, converted, seconds)


def explain_inconsistency(graph: Graph) -> str:
    """Likely culprits of an inconsistency, found without a reasoner.

    owlready2 runs HermiT's command line, which only says "Inconsistent ontology", and the Pellet
    bundled with owlready2 cannot explain this ontology (its OWL API 3 misreads the
    rdf:langString ranges). So this looks for the two usual causes in the corpus: an individual
    whose types (asserted, or implied by property domains and ranges, closed under
    rdfs:subClassOf) include two disjoint classes, and a functional data property with two values.
    """
    supers = lambda c: set(graph.transitive_objects(c, RDFS.subClassOf))  # noqa: E731
    disjoint: dict = {}
    for a, b in graph.subject_objects(OWL.disjointWith):
        disjoint.setdefault(a, set()).add(b)
        disjoint.setdefault(b, set()).add(a)
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(graph.items(graph.value(axiom, OWL.members)))
        for a in members:
            disjoint.setdefault(a, set()).update(m for m in members if m != a)
    told: dict = {}
    for s, p, o in graph:
        if p == RDF.type:
            told.setdefault(s, set()).add(o)
        for cls in graph.objects(p, RDFS.domain):
            told.setdefault(s, set()).add(cls)
        for cls in graph.objects(p, RDFS.range):
            if isinstance(o, URIRef) and (cls, RDF.type, OWL.Class) in graph:
                told.setdefault(o, set()).add(cls)
    lines = []
    for x, classes in told.items():
        closure = set().union(*(supers(c) for c in classes))
        clash = sorted({tuple(sorted((a, b))) for a in closure for b in disjoint.get(a, ()) if b in closure})
        lines += [f"{x}: types {_short(a)} and {_short(b)} are disjoint" for a, b in clash]
    for prop in graph.subjects(RDF.type, OWL.FunctionalProperty):
        if (prop, RDF.type, OWL.DatatypeProperty) in graph:
            for x in set(graph.subjects(prop, None)):
                values = set(graph.objects(x, prop))
                if len(values) > 1:
                    lines.append(f"{x}: functional {_short(prop)} has {len(values)} values {sorted(map(str, values))}")
    return "Likely causes:\n" + "\n".join(sorted(lines)) if lines else "No likely cause found (no disjoint types)."


def _short(iri: URIRef) -> str:
    return "coop:" + iri[len(COOP_NS):] if iri.startswith(COOP_NS) else str(iri)
