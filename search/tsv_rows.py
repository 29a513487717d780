"""SELECT results read as SPARQL TSV, for queries that return many rows whose values are only used
as IRIs and texts (the result cards, search/cards.py).

``store.select`` converts every value to an rdflib term through a pyoxigraph object, ≈1.5–2 µs a
value; the store writes the TSV serialisation natively and splitting it costs a fraction of that
(measured on the card query of 10 cases of the 10,000-case base, ≈1,100 values: reading the rows
took 0.9–1.6 ms less than with ``select``, 10–18% of the cards). :func:`rows` gives, for each
solution, a tuple in the order of the SELECT variables of:

* an IRI: a :class:`rdflib.URIRef`;
* a literal: its lexical form, a plain ``str`` (not its language or datatype: a query filters on
  them, or its caller reads the raw fields with :func:`language`);
* a blank node: a :class:`rdflib.BNode`;
* an unbound variable: ``None``.

TSV (SPARQL 1.1 Query Results CSV and TSV Formats) writes terms in Turtle syntax: ``<iri>``,
``_:label``, ``"text"`` with ``@lang`` or ``^^<datatype>``, and numbers and booleans bare; tabs and
line breaks inside literals are escaped.
"""
from __future__ import annotations

import re

from rdflib import BNode, URIRef

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_IRIS: dict[str, URIRef] = {}  # the same IRIs come back in every result: each URIRef built once
_MAX_IRIS = 1 << 16


def _unescape(match: re.Match) -> str:
    code = match.group(1) or match.group(2)
    if code:
        return chr(int(code, 16))
    return _ECHAR.get(match.group(3), match.group(0))


def term(text: str):
    """The value of one TSV field (see the module docstring)."""
    if not text:
        return None
    first = text[0]
    if first == "<":
        iri = _IRIS.get(text)
        if iri is None:
            if len(_IRIS) >= _MAX_IRIS:
                _IRIS.clear()
            value = text[1:-1]
            iri = _IRIS[text] = URIRef(_ESCAPE.sub(_unescape, value) if "\\" in value else value)
        return iri
    if first == '"':
        value = text[1:text.rindex('"')]  # what follows the closing quote (@lang, ^^<iri>) has no quote
        return _ESCAPE.sub(_unescape, value) if "\\" in value else value
    if text.startswith("_:"):
        return BNode(text[2:])
    return text  # a bare number or boolean: its lexical form


def language(text: str) -> str | None:
    """What ``LANG`` gives for the value of a TSV field: its language tag, "" for a literal without,
    None for an IRI, a blank node or an unbound variable (an error in SPARQL)."""
    if not text or text[0] in "<_":
        return None
    if text[0] != '"':
        return ""  # a bare number or boolean
    tail = text[text.rindex('"') + 1:]
    return tail[1:] if tail.startswith("@") else ""


def field(value) -> str:
    """The TSV field of an rdflib term (or None): what a store writes for it."""
    if value is None:
        return ""
    if isinstance(value, URIRef):
        return f"<{value}>"
    if isinstance(value, BNode):
        return f"_:{value}"
    text = '"' + "".join(_WRITE.get(ch, ch) for ch in str(value)) + '"'
    if getattr(value, "language", None):
        return f"{text}@{value.language}"
    datatype = getattr(value, "datatype", None)
    return f"{text}^^<{datatype}>" if datatype is not None and str(datatype) != _XSD_STRING else text


_WRITE = {"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rows(store, query: str, raw: bool = False) -> list[tuple]:
    """The solutions of a SELECT query (see the module docstring), in the store's order; with
    ``raw``, the TSV fields themselves (to be read with :func:`term` and :func:`language`). A store
    without ``raw_query`` (a test double) is read with ``select``, its terms written as TSV."""
    if not hasattr(store, "raw_query"):
        result = store.select(query)
        lines = ["\t".join(f"?{v}" for v in result.variables)] + [
            "\t".join(map(field, row)) for row in result.rows]
    else:
        body, _ = store.raw_query(query, "tsv")
        lines = body.decode("utf-8").split("\n")
        if lines and lines[-1] in ("", "\r"):
            lines.pop()  # the final line break
        if not lines:
            return []
    width = len(lines[0].split("\t"))
    convert = str if raw else term
    out = [tuple(map(convert, line.rstrip("\r").split("\t"))) for line in lines[1:]]
    for row, line in zip(out, lines[1:]):
        if len(row) != width:
            raise ValueError(f"a TSV result row has {len(row)} fields, not {width}: {line[:200]!r}")
    return out
