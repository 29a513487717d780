"""Conversion between rdflib terms and pyoxigraph terms."""
from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_XSD_STRING = str(XSD.string)


def to_ox(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


# Query results repeat the same IRIs and short literals (subjects, predicates, labels, years):
# rdflib terms are immutable, so each is built once (rdflib's checks cost more than the query
# engine's own decoding). Long literals (texts, quotes) are rarely repeated: built each time.
_MEMO = 1 << 15
_MEMO_LITERAL_CHARS = 200


@lru_cache(maxsize=_MEMO)
def _iri(value: str) -> URIRef:
    return URIRef(value)


@lru_cache(maxsize=_MEMO)
def _short_literal(value: str, language: str | None, datatype: str) -> Literal:
    return _literal(value, language, datatype)


def _literal(value: str, language: str | None, datatype: str) -> Literal:
    if language:
        return Literal(value, lang=language)
    if datatype == _XSD_STRING:
        return Literal(value)
    return Literal(value, datatype=_iri(datatype))


def from_ox(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return _iri(term.value)
    if isinstance(term, ox.Literal):
        value = term.value
        make = _short_literal if len(value) <= _MEMO_LITERAL_CHARS else _literal
        return make(value, term.language, term.datatype.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"unsupported term: {term!r}")


def quads(triples, graph: URIRef):
    g = ox.NamedNode(str(graph))
    for s, p, o in triples:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)
