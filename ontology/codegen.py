"""Generate the Python namespace module and docs/ontology.md from the Turtle source of truth.

``coopkg dev regenerate`` writes both; tests call :func:`stale_outputs` and fail when either is
out of date.
"""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from . import ONTOLOGY_DIR, ONTOLOGY_FILE

NS = "https://w3id.org/coopkg/ontology#"
NAMESPACE_FILE = ONTOLOGY_DIR / "namespace.py"
REPO_ROOT = ONTOLOGY_DIR.parent
DOCS_FILE = REPO_ROOT / "docs" / "ontology.md"


def load_ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def _local_terms(g: Graph) -> list[str]:
    terms = {str(s)[len(NS):] for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(NS)}
    return sorted(t for t in terms if t)


def render_namespace(g: Graph) -> str:
    lines = [
        '"""coopkg ontology namespace. GENERATED from ontology/coopkg.ttl by `coopkg dev regenerate`:',
        "do not edit by hand (tests/test_ontology.py fails when this file is stale).",
        '"""',
        "from rdflib import Namespace, URIRef",
        "from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, DefinedNamespace",
        "",
        "__all__ = [\"COOP\", \"ONTOLOGY_IRI\", \"VANN\", \"DCAT\", \"VOID\", \"DCTERMS\", \"FOAF\", \"ORG\", \"OWL\",",
        "           \"PROV\", \"RDF\", \"RDFS\", \"SH\", \"SKOS\", \"XSD\"]",
        "",
        f'ONTOLOGY_IRI = URIRef("{NS[:-1]}")',
        'VANN = Namespace("http://purl.org/vocab/vann/")',
        'DCAT = Namespace("http://www.w3.org/ns/dcat#")',
        'VOID = Namespace("http://rdfs.org/ns/void#")',
        "",
        "",
        "class COOP(DefinedNamespace):",
        '    """Terms of the coopkg ontology."""',
        "",
        "    _fail = True",
        f'    _NS = Namespace("{NS}")',
        "",
    ]
    for term in _local_terms(g):
        lines.append(f"    {term}: URIRef")
    return "\n".join(lines) + "\n"


def _label(g: Graph, node, lang: str = "fr") -> str:
    for value in g.objects(node, RDFS.label):
        if getattr(value, "language", None) == lang:
            return str(value)
    return str(node).rsplit("#", 1)[-1]


def _definition(g: Graph, node) -> str:
    for value in g.objects(node, SKOS.definition):
        return str(value)
    return ""


def _curie(g: Graph, node) -> str:
    try:
        return g.namespace_manager.normalizeUri(node)
    except Exception:  # pragma: no cover - rdflib raises for odd IRIs
        return f"<{node}>"


def render_docs(g: Graph) -> str:
    classes = {s for s in g.subjects(RDF.type, OWL.Class) if str(s).startswith(NS)}
    parents = {c: sorted((p for p in g.objects(c, RDFS.subClassOf) if p in classes), key=str) for c in classes}
    children: dict = {c: [] for c in classes}
    roots = []
    for c in classes:
        if parents[c]:
            for p in parents[c]:
                children[p].append(c)
        else:
            roots.append(c)

    out = [
        "# The coopkg ontology",
        "",
        "GENERATED from `ontology/coopkg.ttl` by `coopkg dev regenerate` — do not edit by hand.",
        "",
        f"Namespace: `{NS}` (prefix `coop:`). Reused vocabularies: SKOS, PROV-O, Dublin Core terms,",
        "the W3C Organization Ontology (ORG) and FOAF. See docs/data-model.md for how cases are",
        "represented and how inferences are materialised.",
        "",
        "## Class tree",
        "",
        "Slug = the `skos:notation` corpus files use for actor and instrument types.",
        "",
    ]

    def walk(node, depth: int) -> None:
        notation = next(iter(g.objects(node, SKOS.notation)), None)
        extra = [_curie(g, p) for p in g.objects(node, RDFS.subClassOf) if p not in classes]
        bits = [f"**{_label(g, node)}** `{_curie(g, node)}`"]
        if notation is not None:
            bits.append(f"slug `{notation}`")
        if extra and depth == 0:
            bits.append("⊑ " + ", ".join(f"`{e}`" for e in sorted(extra)))
        out.append("  " * depth + "- " + " — ".join(bits) + (f": {_definition(g, node)}" if _definition(g, node) else ""))
        for child in sorted(children[node], key=lambda c: _label(g, c).casefold()):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda c: _label(g, c).casefold()):
        walk(root, 0)

    out += ["", "## Disjointness", ""]
    for axiom in sorted(g.subjects(RDF.type, OWL.AllDisjointClasses), key=str):
        members = [_curie(g, m) for m in g.items(next(g.objects(axiom, OWL.members)))]
        out.append("- all disjoint: " + ", ".join(f"`{m}`" for m in members))
    for a, b in sorted(g.subject_objects(OWL.disjointWith)):
        out.append(f"- `{_curie(g, a)}` disjoint with `{_curie(g, b)}`")

    for kind, title in ((OWL.ObjectProperty, "Object properties"), (OWL.DatatypeProperty, "Datatype properties")):
        out += ["", f"## {title}", "", "| property | label | domain | range | characteristics | definition |", "|---|---|---|---|---|---|"]
        for prop in sorted((p for p in g.subjects(RDF.type, kind) if str(p).startswith(NS)), key=str):
            domain = ", ".join(_curie(g, d) for d in g.objects(prop, RDFS.domain)) or "—"
            rng = ", ".join(_curie(g, r) for r in g.objects(prop, RDFS.range)) or "—"
            chars = [_curie(g, t).split(":")[-1] for t in g.objects(prop, RDF.type) if t != kind]
            chars += [f"⊑ {_curie(g, s)}" for s in g.objects(prop, RDFS.subPropertyOf)]
            chain = next(iter(g.objects(prop, OWL.propertyChainAxiom)), None)
            if chain is not None:
                chars.append("chain " + " ∘ ".join(_curie(g, x) for x in g.items(chain)))
            out.append(f"| `{_curie(g, prop)}` | {_label(g, prop)} | {domain} | {rng} | {'; '.join(sorted(chars)) or '—'} | {_definition(g, prop)} |")

    out += ["", "## Concept schemes", "", "Members of the first seven schemes are listed in `corpus/vocab/`; the last two are derived",
            "from the class tree at build time.", ""]
    for scheme in sorted(g.subjects(RDF.type, SKOS.ConceptScheme), key=str):
        out.append(f"- `{_curie(g, scheme)}` — {_label(g, scheme)}")
    return "\n".join(out) + "\n"


def outputs() -> dict[Path, str]:
    g = load_ontology()
    return {NAMESPACE_FILE: render_namespace(g), DOCS_FILE: render_docs(g)}


def regenerate() -> list[Path]:
    written = []
    for path, text in outputs().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale_outputs() -> list[Path]:
    return [p for p, text in outputs().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
