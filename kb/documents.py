"""Ingested documents in the store: one named graph per document, written atomically, plus the
review graph that keeps the decisions on suggestions (docs/extraction.md).

Every write is one :class:`Changes` set applied by the store as a unit (the embedded store writes a
new snapshot and switches to it; a process killed before the switch leaves the previous one), and
it recomputes the inferred graph, so an ingested case is typed, linked and counted like a curated
one at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from ingest.documents.graph import DocumentGraph, payload_triples
from ontology.iris import Minter
from ontology.model import ontology_graph
from ontology.namespace import COOP, DCTERMS, PROV

from .inference import inference
from .store import Changes, StoreError, TripleStore, chunks
from .validation import validate

DECIDED = {"accept": COOP.Accepted, "reject": COOP.Rejected}


class ReviewError(StoreError):
    """A review decision cannot be applied (unknown or already decided statement)."""


def _nt(term) -> str:
    return term.n3()


def stored_hash(store: TripleStore, minter: Minter, doc_id: str) -> str | None:
    graph, node = minter.document_graph(doc_id), minter.document(doc_id)
    rows = store.select(f"SELECT ?h WHERE {{ GRAPH <{graph}> {{ <{node}> <{COOP.contentHash}> ?h }} }}").rows
    return str(rows[0][0]) if rows else None


def decisions(store: TripleStore, minter: Minter, doc_id: str) -> dict[URIRef, URIRef]:
    """Review decisions taken on this document's statements (kept across re-ingestion)."""
    prefix = f"{minter.document(doc_id)}/statement/"
    rows = store.select(
        f"SELECT ?x ?s WHERE {{ GRAPH <{minter.review_graph}> {{ ?x <{COOP.reviewStatus}> ?s }} "
        f"FILTER(STRSTARTS(STR(?x), {Literal(prefix).n3()})) }}").rows
    return {URIRef(str(x)): URIRef(str(s)) for x, s in rows}


def context(store: TripleStore, triples: list) -> list:
    """Types and labels, from the store, of the IRIs a document graph points to but does not
    describe (actors, territories, vocabulary), so that SHACL can check ``sh:class``."""
    described = {t[0] for t in triples}
    wanted = sorted({o for _, _, o in triples if isinstance(o, URIRef) and o not in described} - {COOP.Asserted})
    out: list = []
    for batch in chunks(wanted, 400):
        values = " ".join(_nt(o) for o in batch)
        out += store.construct(f"CONSTRUCT {{ ?x a ?t ; <{RDFS.label}> ?l }} WHERE {{ VALUES ?x {{ {values} }} "
                               f"?x a ?t . OPTIONAL {{ ?x <{RDFS.label}> ?l }} }}")
    return out


def check(store: TripleStore, dg: DocumentGraph, origin: str) -> None:
    """SHACL-validate a document graph (raises kb.validation.ShapesViolated, naming ``origin``)."""
    ctx = URIRef(f"{dg.graph}#context")
    validate({dg.graph: dg.triples, ctx: context(store, dg.triples)}, {dg.graph: origin},
             focus={t[0] for t in dg.triples})


def write(store: TripleStore, minter: Minter, dg: DocumentGraph, progress=None) -> int:
    """Replace the document's graph with ``dg`` (atomically, with the inferred graph)."""
    return write_many(store, minter, [dg], progress=progress)


def write_many(store: TripleStore, minter: Minter, graphs: list[DocumentGraph], progress=None) -> int:
    """Replace the graphs of several documents in one store transaction with one inference pass
    (group commit): all of them are written, or none. Each must have been validated on its own."""
    names = [dg.graph for dg in graphs]
    if len(set(names)) != len(names):
        raise StoreError("the same document graph twice in one write")
    changes = Changes(replace={dg.graph: dg.triples for dg in graphs},
                      derived=[inference(ontology_graph(), minter.ontology_graph, minter.inferred_graph)])
    store.apply(changes, progress=progress)
    return sum(len(dg.triples) for dg in graphs)


def remove(store: TripleStore, minter: Minter, doc_id: str) -> bool:
    graph = minter.document_graph(doc_id)
    if graph not in store.named_graphs():
        return False
    store.apply(Changes(drop={graph}, derived=[inference(ontology_graph(), minter.ontology_graph,
                                                         minter.inferred_graph)]))
    return True


@dataclass(frozen=True)
class Suggestion:
    iri: URIRef
    document: str  # file name
    case: URIRef
    case_label: str
    predicate: URIRef
    target: URIRef
    target_label: str
    confidence: float
    method: str
    status: URIRef
    quote: str


def statements(store: TripleStore, *, status: URIRef | None = COOP.Suggested, document: str | None = None,
               statement: URIRef | None = None) -> list[Suggestion]:
    """Extracted statements (by default the suggestions waiting for review), best first; only
    ``statement`` when given."""
    filters = [f"VALUES ?x {{ {_nt(statement)} }}"] if statement is not None else []
    if status is not None:
        filters.append(f"?x <{COOP.reviewStatus}> <{status}> .")
    if document:
        filters.append(f"FILTER(?file = {Literal(document).n3()})")
    rows = store.select(f"""
        SELECT ?x ?file ?c ?cl ?p ?o (COALESCE(SAMPLE(?fr0), SAMPLE(?ol0), SAMPLE(?xl0)) AS ?ol) ?conf ?method ?st
               (SAMPLE(?q0) AS ?q) WHERE {{
          GRAPH ?g {{ ?x a <{COOP.Extraction}> ; <{RDF.subject}> ?c ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ;
                      <{COOP.confidence}> ?conf ; <{COOP.method}> ?method ; <{COOP.reviewStatus}> ?st ;
                      <{PROV.wasDerivedFrom}> ?d .
                    ?d <{COOP.fileName}> ?file .
                    OPTIONAL {{ ?c <{RDFS.label}> ?cl }}
                    OPTIONAL {{ ?x <{RDFS.label}> ?xl0 }}
                    OPTIONAL {{ ?x <{COOP.evidence}> ?e . ?e <{COOP.quote}> ?q0 }} }}
          {" ".join(filters)}
          OPTIONAL {{ ?o <{RDFS.label}> ?ol0 }}
          OPTIONAL {{ ?o <{RDFS.label}> ?fr0 FILTER(LANG(?fr0) = "fr") }}
        }} GROUP BY ?x ?file ?c ?cl ?p ?o ?conf ?method ?st
        ORDER BY DESC(?conf) ?file ?x""").rows
    out = []
    for x, file, c, cl, p, o, ol, conf, method, st, q in rows:
        label = str(ol) if ol is not None else (str(o) if isinstance(o, Literal) else str(o).rsplit("/", 1)[-1])
        out.append(Suggestion(URIRef(str(x)), str(file), URIRef(str(c)), str(cl or c), URIRef(str(p)), o, label,
                              float(conf), str(method), URIRef(str(st)), str(q or "")))
    return out


def decide(store: TripleStore, minter: Minter, statement: URIRef, decision: str) -> Suggestion:
    """Accept (write its triples) or reject a suggestion, atomically; the decision is also kept in
    the review graph so that re-ingesting the document applies it again."""
    status = DECIDED[decision]
    rows = store.select(f"""SELECT ?g ?st ?payload WHERE {{ GRAPH ?g {{ <{statement}> a <{COOP.Extraction}> ;
        <{COOP.reviewStatus}> ?st ; <{COOP.payload}> ?payload }} }}""").rows
    if not rows:
        raise ReviewError(f"no extracted statement {statement}; list them with `coopkg review`")
    graph, current, payload = URIRef(str(rows[0][0])), URIRef(str(rows[0][1])), str(rows[0][2])
    if current != COOP.Suggested:
        raise ReviewError(f"{statement} is not a suggestion waiting for review (status: {current.rsplit('#', 1)[-1]})")
    found = statements(store, status=None, statement=statement)
    x, g, r = _nt(statement), _nt(graph), _nt(minter.review_graph)
    updates = [f"DELETE {{ GRAPH {g} {{ {x} <{COOP.reviewStatus}> ?s }} }} INSERT {{ GRAPH {g} {{ {x} <{COOP.reviewStatus}> <{status}> }} }} "
               f"WHERE {{ GRAPH {g} {{ {x} <{COOP.reviewStatus}> ?s }} }}",
               f"DELETE WHERE {{ GRAPH {r} {{ {x} <{COOP.reviewStatus}> ?s }} }}",
               f"INSERT DATA {{ GRAPH {r} {{ {x} <{COOP.reviewStatus}> <{status}> }} }}"]
    if status == COOP.Accepted and payload.strip():
        data = " ".join(f"{_nt(s)} {_nt(p)} {_nt(o)} ." for s, p, o in payload_triples(payload))
        updates.insert(0, f"INSERT DATA {{ GRAPH {g} {{ {data} }} }}")
    store.apply(Changes(updates=updates,
                        derived=[inference(ontology_graph(), minter.ontology_graph, minter.inferred_graph)]))
    return found[0] if found else None


def documents(store: TripleStore, minter: Minter) -> list[dict]:
    """The ingested documents: file name, title, hash, number of cases."""
    rows = store.select(f"""SELECT ?d ?file ?title ?hash (COUNT(DISTINCT ?c) AS ?cases) WHERE {{
        GRAPH ?g {{ ?d a <{COOP.SourceDocument}> ; <{COOP.fileName}> ?file ; <{COOP.contentHash}> ?hash .
                    OPTIONAL {{ ?d <{DCTERMS.title}> ?title }}
                    OPTIONAL {{ ?c <{PROV.wasDerivedFrom}> ?d ; a <{COOP.ExtractedCase}> }} }}
        FILTER(STRSTARTS(STR(?g), {Literal(minter.documents_graph_prefix).n3()}))
    }} GROUP BY ?d ?file ?title ?hash ORDER BY ?file""").rows
    return [{"iri": str(d), "file": str(f), "title": str(t or f), "sha256": str(h), "cases": int(n)}
            for d, f, t, h, n in rows]
