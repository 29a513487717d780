"""Reusable queries over the knowledge base: prefixes, statistics."""
from __future__ import annotations

import re

from ontology.namespace import COOP, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from .store import TripleStore

PREFIXES = {
    "coop": str(COOP._NS), "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD),
    "skos": str(SKOS), "dcterms": str(DCTERMS), "prov": str(PROV), "org": str(ORG), "foaf": str(FOAF),
}
_DECLARED = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE | re.MULTILINE)


def with_prefixes(query: str) -> str:
    """Prepend the standard PREFIX declarations the query does not declare itself."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(query)}
    # One line, no newline: error positions reported by the engine keep the user's line numbers.
    header = "".join(f"PREFIX {p}: <{ns}> " for p, ns in PREFIXES.items() if p not in declared)
    return header + query


def stats(store: TripleStore) -> dict:
    coop = str(COOP._NS)
    classes = store.select(with_prefixes(f"""
        SELECT ?c (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?x) AS ?n) WHERE {{
          ?x a ?c . FILTER(STRSTARTS(STR(?c), "{coop}"))
          OPTIONAL {{ ?c rdfs:label ?l FILTER(LANG(?l) = "fr") }}
        }} GROUP BY ?c ORDER BY DESC(?n) ?c"""))
    schemes = store.select(with_prefixes("""
        SELECT ?s (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?c) AS ?n) WHERE {
          ?c skos:inScheme ?s . OPTIONAL { ?s rdfs:label ?l FILTER(LANG(?l) = "fr") }
        } GROUP BY ?s ORDER BY ?s"""))
    rows = lambda r: [{"iri": str(c), "label": str(l or c), "count": int(n)} for c, l, n in r.rows]  # noqa: E731
    return {"triples": store.size(), "graphs": len(store.named_graphs()), "classes": rows(classes), "schemes": rows(schemes)}
