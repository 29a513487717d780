"""SHACL validation of compiled graphs against ontology/shapes.ttl (pySHACL)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import SH

from ontology import SHAPES_FILE
from ontology.model import ontology_graph


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str
    origin: str  # the source file the focus node was compiled from, when known

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        return f"{where}{self.focus}: {self.path}: {self.message}"


class ShapesViolated(Exception):
    """The compiled graph breaks SHACL shapes; nothing was written."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        n = len(violations)
        super().__init__(f"{n} SHACL violation{'s' if n > 1 else ''}; the store was left unchanged:\n"
                         + "\n".join(f"  {v}" for v in violations[:50])
                         + ("" if n <= 50 else f"\n  … and {n - 50} more"))


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def validate(graphs: dict[URIRef, list], origins: dict[URIRef, str], *, focus: set | None = None) -> None:
    """Validate the union of ``graphs`` (+ the ontology); raise ShapesViolated on failure.

    ``origins`` maps a graph IRI to the file it came from, to name it in messages. With ``focus``,
    only violations on those nodes count (the other graphs are context, e.g. the types of the
    actors an ingested document points to, which their own files were validated with)."""
    from pyshacl import validate as shacl_validate

    data = Graph()
    subject_origin: dict = {}
    for graph, triples in graphs.items():
        for t in triples:
            data.add(t)
            subject_origin.setdefault(t[0], origins.get(graph, ""))
    for t in ontology_graph():
        data.add(t)
    conforms, report, _ = shacl_validate(data, shacl_graph=shapes_graph(), inference="none", abort_on_first=False,
                                         allow_warnings=True, advanced=False)
    if conforms:
        return
    violations = []
    for result in report.subjects(SH.focusNode, None):
        node = report.value(result, SH.focusNode)
        if focus is not None and node not in focus:
            continue
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        violations.append(Violation(
            str(node), data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else str(path or "-"),
            str(message or "shape violated"), subject_origin.get(node, "")))
    if not violations:
        return
    raise ShapesViolated(sorted(violations, key=lambda v: (v.origin, v.focus, v.path)))
