"""Materialisation of the OWL inferences search and SPARQL users need, as SPARQL updates.

The updates rebuild one named graph (``<base>graph/inferred``) from everything else in the store:

1. property chains of length two (``coop:involves = hasParticipation ∘ participant``,
   ``coop:inRegion ⊒ inDepartement ∘ inRegion``);
2. symmetric properties (``coop:relatedCase``);
3. super-properties (``coop:participant ⊑ prov:agent`` …);
4. the type closure over ``rdfs:subClassOf`` (a métropole is also an EPCI, a public actor, an
   actor, an org:Organization and a prov:Agent);
5. SKOS inverses (``skos:narrower``, ``skos:hasTopConcept``) and the two derived schemes of actor
   types and instrument types, built from the class tree.

The rules are read from the ontology graph, so adding an axiom of these kinds to coopkg.ttl needs
no code change. tests/test_reasoning.py checks that HermiT infers the same types.

Each rule is a (template, where) pair that reads only asserted graphs (never the inferred graph
itself). The embedded store evaluates them as CONSTRUCT queries and writes only the difference
with the previous inferred graph (an incremental build touches a handful of triples); a remote
store gets ``DROP GRAPH`` + ``INSERT … WHERE`` updates (:func:`as_updates`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from ontology.namespace import COOP

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX coop: <https://w3id.org/coopkg/ontology#>
"""


def _n(term: URIRef) -> str:
    return f"<{term}>"


@dataclass(frozen=True)
class Rule:
    template: str  # triple patterns of the conclusion
    where: str  # graph pattern over asserted graphs
    # The subject of every conclusion: a variable of ``where`` (the rule can then be evaluated for
    # some subjects only), or an IRI (a constant conclusion).
    subject: str = ""
    # A property chain p1 ∘ p2: p1. A change to ?b's triples changes the conclusions of every ?a
    # with ?a p1 ?b, not only ?b's.
    upstream: URIRef | None = None

    def construct(self, subjects: Sequence[str] | None = None) -> str:
        """The CONSTRUCT query of the rule; with ``subjects`` (IRIs), of their conclusions only."""
        values = ""
        if subjects is not None:
            if not self.subject.startswith("?"):
                raise ValueError(f"a rule whose conclusions have the constant subject {self.subject!r} "
                                 "cannot be restricted to some subjects")
            values = f"VALUES {self.subject} {{ {' '.join(f'<{s}>' for s in subjects)} }} "
        return f"{PREFIXES}CONSTRUCT {{ {self.template} }} WHERE {{ {values}{self.where} }}"


@dataclass(frozen=True)
class Derivation:
    """A named graph whose whole content is derived by ``rules`` from the rest of the store (and
    from ``ontology``, the graph of the axioms; a change to it changes every rule)."""

    graph: URIRef
    rules: tuple[Rule, ...]
    ontology: URIRef | None = None

    def as_updates(self) -> list[str]:
        g = _n(self.graph)
        return [f"DROP SILENT GRAPH {g}"] + [
            f"{PREFIXES}INSERT {{ GRAPH {g} {{ {r.template} }} }} WHERE {{ {r.where} }}" for r in self.rules
        ]


def inference(ontology: Graph, ontology_graph: URIRef, inferred_graph: URIRef) -> Derivation:
    onto = _n(ontology_graph)
    asserted = f"FILTER(?g != {_n(inferred_graph)})"

    def graph(var: str, pattern: str) -> str:
        return f"GRAPH {var} {{ {pattern} }} FILTER({var} != {_n(inferred_graph)})"

    rules: list[Rule] = []
    for prop, chain in sorted(ontology.subject_objects(OWL.propertyChainAxiom)):
        first, second = list(ontology.items(chain))
        rules.append(Rule(f"?a {_n(prop)} ?c", graph("?g1", f"?a {_n(first)} ?b") + " " + graph("?g2", f"?b {_n(second)} ?c"),
                          "?a", first))
    for prop in sorted(ontology.subjects(RDF.type, OWL.SymmetricProperty)):
        rules.append(Rule(f"?b {_n(prop)} ?a", f"GRAPH ?g {{ ?a {_n(prop)} ?b }} {asserted}", "?b"))
    rules.append(Rule("?s ?super ?o", f"GRAPH {onto} {{ ?p rdfs:subPropertyOf+ ?super }} GRAPH ?g {{ ?s ?p ?o }} {asserted}",
                      "?s"))
    # A type already asserted (a case is asserted both coop:CuratedCase and coop:CooperationCase, so
    # that a query on its own graph finds it) is not inferred again: the union default graph would
    # count it twice.
    rules.append(Rule("?x rdf:type ?super", f"GRAPH ?g {{ ?x rdf:type ?c }} FILTER(?g != {onto}) {asserted} "
                                            f"GRAPH {onto} {{ ?c rdfs:subClassOf+ ?super }} FILTER(isIRI(?super)) "
                                            f"FILTER NOT EXISTS {{ GRAPH ?g3 {{ ?x rdf:type ?super }} "
                                            f"FILTER(?g3 != {_n(inferred_graph)}) }}", "?x"))
    rules.append(Rule("?b skos:narrower ?a", f"GRAPH ?g {{ ?a skos:broader ?b }} {asserted}", "?b"))
    rules.append(Rule("?s skos:hasTopConcept ?c", f"GRAPH ?g {{ ?c skos:topConceptOf ?s }} {asserted}", "?s"))
    for root, scheme in ((COOP.Actor, COOP.ActorTypeScheme), (COOP.CooperationInstrument, COOP.InstrumentTypeScheme)):
        rules.append(Rule(
            f"?c rdf:type skos:Concept ; skos:inScheme {_n(scheme)} ; skos:prefLabel ?label ; skos:definition ?def ; skos:altLabel ?alt .",
            f"GRAPH {onto} {{ ?c rdfs:subClassOf* {_n(root)} ; rdf:type owl:Class ; rdfs:label ?label . "
            f"OPTIONAL {{ ?c skos:definition ?def }} OPTIONAL {{ ?c skos:altLabel ?alt }} }}", "?c"))
        tree = f"GRAPH {onto} {{ ?c rdfs:subClassOf ?sup . ?sup rdfs:subClassOf* {_n(root)} . ?c rdf:type owl:Class }}"
        rules.append(Rule("?c skos:broader ?sup", tree, "?c"))
        rules.append(Rule("?sup skos:narrower ?c", tree, "?sup"))
        rules.append(Rule(f"{_n(root)} skos:topConceptOf {_n(scheme)}", "", _n(root)))
        rules.append(Rule(f"{_n(scheme)} skos:hasTopConcept {_n(root)}", "", _n(scheme)))
    return Derivation(inferred_graph, tuple(rules), ontology_graph)
