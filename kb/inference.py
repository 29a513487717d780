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
"""
from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ontology.namespace import COOP

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX coop: <https://w3id.org/coopkg/ontology#>
"""


def _n(term: URIRef) -> str:
    return f"<{term}>"


def inference_updates(ontology: Graph, ontology_graph: URIRef, inferred_graph: URIRef) -> list[str]:
    inf, onto = _n(inferred_graph), _n(ontology_graph)
    ups = [f"DROP SILENT GRAPH {inf}"]

    for prop, chain in sorted(ontology.subject_objects(OWL.propertyChainAxiom)):
        first, second = list(ontology.items(chain))
        ups.append(
            f"INSERT {{ GRAPH {inf} {{ ?a {_n(prop)} ?c }} }} WHERE {{ "
            f"GRAPH ?g1 {{ ?a {_n(first)} ?b }} GRAPH ?g2 {{ ?b {_n(second)} ?c }} }}"
        )
    for prop in sorted(ontology.subjects(RDF.type, OWL.SymmetricProperty)):
        ups.append(f"INSERT {{ GRAPH {inf} {{ ?b {_n(prop)} ?a }} }} WHERE {{ GRAPH ?g {{ ?a {_n(prop)} ?b }} }}")

    ups.append(
        f"INSERT {{ GRAPH {inf} {{ ?s ?super ?o }} }} WHERE {{ "
        f"GRAPH {onto} {{ ?p rdfs:subPropertyOf+ ?super }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    ups.append(
        f"INSERT {{ GRAPH {inf} {{ ?x rdf:type ?super }} }} WHERE {{ "
        f"GRAPH ?g {{ ?x rdf:type ?c }} FILTER(?g != {onto}) "
        f"GRAPH {onto} {{ ?c rdfs:subClassOf+ ?super }} FILTER(isIRI(?super)) }}"
    )
    ups.append(f"INSERT {{ GRAPH {inf} {{ ?b skos:narrower ?a }} }} WHERE {{ GRAPH ?g {{ ?a skos:broader ?b }} }}")
    ups.append(f"INSERT {{ GRAPH {inf} {{ ?s skos:hasTopConcept ?c }} }} WHERE {{ GRAPH ?g {{ ?c skos:topConceptOf ?s }} }}")

    for root, scheme in ((COOP.Actor, COOP.ActorTypeScheme), (COOP.CooperationInstrument, COOP.InstrumentTypeScheme)):
        ups.append(
            f"INSERT {{ GRAPH {inf} {{ ?c rdf:type skos:Concept ; skos:inScheme {_n(scheme)} ; skos:prefLabel ?label ; "
            f"skos:definition ?def ; skos:altLabel ?alt . }} }} WHERE {{ GRAPH {onto} {{ "
            f"?c rdfs:subClassOf* {_n(root)} ; rdf:type owl:Class ; rdfs:label ?label . "
            f"OPTIONAL {{ ?c skos:definition ?def }} OPTIONAL {{ ?c skos:altLabel ?alt }} }} }}"
        )
        ups.append(
            f"INSERT {{ GRAPH {inf} {{ ?c skos:broader ?sup . ?sup skos:narrower ?c }} }} WHERE {{ GRAPH {onto} {{ "
            f"?c rdfs:subClassOf ?sup . ?sup rdfs:subClassOf* {_n(root)} . ?c rdf:type owl:Class }} }}"
        )
        ups.append(
            f"INSERT {{ GRAPH {inf} {{ {_n(root)} skos:topConceptOf {_n(scheme)} . {_n(scheme)} skos:hasTopConcept {_n(root)} }} }} WHERE {{ }}"
        )
    return [PREFIXES + u for u in ups]
