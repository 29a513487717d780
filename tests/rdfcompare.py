"""Graph comparison for tests: isomorphism, with a diff that prints only the differing triples."""
from __future__ import annotations

from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic


def as_graph(triples) -> Graph:
    if isinstance(triples, Graph):
        return triples
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def assert_isomorphic(actual, expected, label: str = "graph") -> None:
    a, e = to_isomorphic(as_graph(actual)), to_isomorphic(as_graph(expected))
    if a == e:
        return
    _, only_actual, only_expected = graph_diff(a, e)
    lines = [f"{label}: graphs differ"]
    for title, g in (("only in actual", only_actual), ("only in expected", only_expected)):
        lines.append(f"--- {title} ({len(g)} triples)")
        lines += sorted(f"  {s.n3()} {p.n3()} {o.n3()} ." for s, p, o in g)
    raise AssertionError("\n".join(lines))
