"""Turn a read, segmented and extracted document into its named graph (pure: values in, triples out).

One document → one ``coop:SourceDocument`` with its passages, one ``coop:ExtractedCase`` per case
candidate, and one ``coop:Extraction`` per extracted statement. An extraction is a standard RDF
reification (``rdf:subject``/``rdf:predicate``/``rdf:object``) carrying the passages that justify
it (``coop:evidence``, with character offsets), the method, the confidence and the review status.

A statement whose confidence reaches the threshold is *asserted*: its triples (``coop:payload``)
are written to the graph. Below the threshold it is a *suggestion*: only the reified statement is
written, until ``coopkg review accept``. Review decisions (accepted / rejected) are keyed by what
is stated, not where, so they survive the re-ingestion of an edited document.

A new actor named in two ways in one document (« PNR X », « Parc naturel régional X ») is one actor,
its other names as ``skos:altLabel`` (:mod:`.coreference`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ingest.compile import unique_slugs
from ontology.iris import Minter, name_slug, slugify
from ontology.namespace import COOP

from .casetexts import partners_scale_value, summary
from .coreference import unify_new_actors
from .model import Block, Candidate, Document, Mention

Triple = tuple

QUOTE_MAX = 600
DEFAULT_ROLE = "partenaire"

GRID_PROPERTIES = {"triggers": COOP.trigger, "stakes": COOP.stake, "ambitions": COOP.ambition,
                   "object": COOP.object, "partners_scale": COOP.partnersScale}
KIND_PROPERTIES = {"actor": COOP.involves, "instrument": COOP.usesInstrument, "lever": COOP.mobilisesLever,
                   "concept": COOP.illustratesConcept, "theme": COOP.hasTheme, "territory": COOP.territory}


@dataclass(frozen=True)
class Statement:
    """One extracted statement, as listed by ``coopkg review`` and the ingest report."""

    iri: URIRef
    case: URIRef
    kind: str
    target: URIRef
    label: str
    confidence: float
    method: str
    status: URIRef
    quote: str


@dataclass
class DocumentGraph:
    document: URIRef
    graph: URIRef
    triples: list[Triple] = field(default_factory=list)
    cases: list[tuple[URIRef, str]] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def asserted(self) -> list[Statement]:
        return [s for s in self.statements if s.status in (COOP.Asserted, COOP.Accepted)]

    @property
    def suggested(self) -> list[Statement]:
        return [s for s in self.statements if s.status == COOP.Suggested]


def fr(text: str) -> Literal:
    return Literal(text, lang="fr")


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX].rstrip() + "…"


def payload_text(triples: list[Triple]) -> str:
    g = Graph()
    for t in triples:
        g.add(t)
    return "\n".join(sorted(line for line in g.serialize(format="nt").splitlines() if line.strip()))


def payload_triples(text: str) -> list[Triple]:
    return list(Graph().parse(data=text, format="nt"))


class _Builder:
    def __init__(self, doc: Document, m: Minter, threshold: float, decisions: dict[URIRef, URIRef],
                 other_names: dict[str, tuple[str, ...]]):
        self.doc, self.m, self.threshold, self.decisions = doc, m, threshold, decisions
        self.other_names = other_names  # a new actor's name -> its other names in the document
        self.doc_id = m.document_id(doc.name)
        self.node = m.document(self.doc_id)
        self.out = DocumentGraph(self.node, m.document_graph(self.doc_id))
        self.passages: set[URIRef] = set()

    def add(self, *triples: Triple) -> None:
        self.out.triples.extend(triples)

    def passage(self, start: int, end: int, section: str) -> URIRef:
        p = self.m.span_passage(self.doc_id, start, end)
        if p not in self.passages:
            self.passages.add(p)
            self.add((p, RDF.type, COOP.Passage), (p, COOP.inDocument, self.node),
                     (p, COOP.section, Literal(section)),
                     (p, COOP.startOffset, Literal(start, datatype=XSD.integer)),
                     (p, COOP.endOffset, Literal(end, datatype=XSD.integer)),
                     (p, COOP.quote, Literal(_quote(self.doc.text[start:end]))))
        return p

    def document(self) -> None:
        title = self.doc.title or self.doc.name
        n = self.node
        self.add((n, RDF.type, COOP.SourceDocument), (n, RDFS.label, fr(title)), (n, DCTERMS.title, fr(title)),
                 (n, COOP.fileName, Literal(self.doc.name)), (n, COOP.contentHash, Literal(self.doc.sha256)),
                 (n, DCTERMS.format, Literal(self.doc.media_type)))

    def statement(self, case: URIRef, case_id: str, kind: str, target: URIRef, label: str, method: str,
                  confidence: float, evidence: list[URIRef], payload: list[Triple], quote: str) -> None:
        predicate = KIND_PROPERTIES.get(kind) or GRID_PROPERTIES.get(kind) or COOP.hasGovernanceBody
        x = self.m.extraction(self.doc_id, f"{case_id}|{predicate}|{target}")
        status = self.decisions.get(x, COOP.Asserted if confidence >= self.threshold else COOP.Suggested)
        if status in (COOP.Asserted, COOP.Accepted):
            self.add(*payload)
            if kind in ("actor", "instrument"):
                self.add(*((case, COOP.evidence, p) for p in evidence))
        self.add((x, RDF.type, COOP.Extraction), (x, RDF.subject, case), (x, RDF.predicate, predicate),
                 (x, RDF.object, target), (x, RDFS.label, Literal(label)), (x, COOP.method, Literal(method)),
                 (x, COOP.confidence, Literal(Decimal(f"{confidence:.3f}"), datatype=XSD.decimal)),
                 (x, COOP.reviewStatus, status), (x, PROV.wasDerivedFrom, self.node),
                 (x, COOP.payload, Literal(payload_text(payload))))
        for p in evidence:
            self.add((x, COOP.evidence, p))
        self.out.statements.append(Statement(x, case, kind, target, label, confidence, method, status, quote))

    def case(self, cand: Candidate, case_id: str, mentions: list[Mention]) -> None:
        m, c = self.m, self.m.case(case_id)
        self.out.cases.append((c, cand.title))
        # The case cites its title line (or its first lines), then the passages naming its actors and
        # instruments once asserted: what a reader checks first.
        if cand.title_start is not None and cand.title_end is not None and cand.title_end > cand.title_start:
            whole = self.passage(cand.title_start, cand.title_end, cand.title)
        else:
            whole = self.passage(cand.start, min(cand.end, cand.start + QUOTE_MAX), cand.title)
        self.add((c, RDF.type, COOP.CooperationCase), (c, RDF.type, COOP.ExtractedCase),
                 (c, RDFS.label, fr(cand.title)), (c, DCTERMS.title, fr(cand.title)),
                 (c, DCTERMS.abstract, fr(summary(cand))), (c, DCTERMS.source, self.node),
                 (c, PROV.wasDerivedFrom, self.node), (c, COOP.evidence, whole))
        for key, blocks in cand.grid.items():
            if key in GRID_PROPERTIES:
                self._grid(c, case_id, cand, key, blocks)
            elif key == "governance":
                for b, slug in zip(blocks, unique_slugs((b.text for b in blocks), 40)):
                    g = m.governance_body(case_id, slug)
                    self.statement(c, case_id, key, g, b.text, "structure", 1.0, [self.passage(b.start, b.end, cand.title)],
                                   [(c, COOP.hasGovernanceBody, g), (g, RDF.type, COOP.GovernanceBody),
                                    (g, RDFS.label, fr(b.text))], b.text)
        groups: dict[tuple, list[Mention]] = {}
        for mention in mentions:
            target = self._target(case_id, mention)
            if target is None:
                if mention.kind == "territory":
                    self.out.warnings.append(f"lieu inconnu de la base, non relié : « {mention.text} »")
                continue
            groups.setdefault((mention.kind, target), []).append(mention)
        for (kind, target), group in sorted(groups.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            best = max(group, key=lambda x: (x.confidence, -x.start))
            evidence = sorted({self.passage(x.start, x.end, cand.title) for x in group})
            payload = self._payload(c, case_id, kind, target, best)
            self.statement(c, case_id, kind, target, best.label or best.text, best.method, best.confidence,
                           evidence, payload, best.text)

    def _grid(self, c: URIRef, case_id: str, cand: Candidate, key: str, blocks: list[Block]) -> None:
        if key == "partners_scale":
            value = partners_scale_value(blocks)
            evidence = [self.passage(b.start, b.end, cand.title) for b in blocks]
            self.statement(c, case_id, key, fr(value), value, "structure", 1.0, evidence,
                           [(c, GRID_PROPERTIES[key], fr(value))], value)
            return
        for b in blocks:
            self.statement(c, case_id, key, fr(b.text), b.text, "structure", 1.0,
                           [self.passage(b.start, b.end, cand.title)], [(c, GRID_PROPERTIES[key], fr(b.text))], b.text)

    def _target(self, case_id: str, mention: Mention) -> URIRef | None:
        if mention.kind == "actor":
            return mention.iri or (self.m.iri("actor", name_slug(mention.label or mention.text)))
        if mention.kind == "instrument":
            kind_class = mention.types[0] if mention.types else mention.iri or COOP.CooperationInstrument
            return self.m.instrument(case_id, slugify(str(kind_class).rsplit("#", 1)[-1]))
        return mention.iri if mention.kind in KIND_PROPERTIES else None

    def _payload(self, c: URIRef, case_id: str, kind: str, target: URIRef, best: Mention) -> list[Triple]:
        m = self.m
        if kind == "actor":
            actor_id = str(target).rsplit("/", 1)[-1]
            p = m.participation(case_id, actor_id)
            triples = [(c, COOP.hasParticipation, p), (p, RDF.type, COOP.Participation), (p, COOP.participant, target)]
            triples += [(p, COOP.role, r) for r in (best.roles or (m.iri("role", DEFAULT_ROLE),))]
            if best.iri is None:  # a new actor: described by this document
                triples += [(target, RDF.type, t) for t in (best.types or (COOP.Actor,))]
                triples.append((target, RDFS.label, fr(best.label or best.text)))
                triples += [(target, SKOS.altLabel, fr(n)) for n in self.other_names.get(best.label or best.text, ())]
                if best.territory is not None:
                    triples.append((target, COOP.territory, best.territory))
            return triples
        if kind == "instrument":
            kind_class = best.types[0] if best.types else best.iri or COOP.CooperationInstrument
            label = best.text[:1].upper() + best.text[1:]
            return [(c, COOP.usesInstrument, target), (target, RDF.type, kind_class), (target, RDFS.label, fr(label))]
        return [(c, KIND_PROPERTIES[kind], target)]


def document_graph(doc: Document, candidates: list[Candidate], mentions: list[list[Mention]], minter: Minter, *,
                   threshold: float = 0.7, decisions: dict[URIRef, URIRef] | None = None) -> DocumentGraph:
    """The named graph of one document. ``mentions[i]`` are the mentions of ``candidates[i]``;
    ``decisions`` maps extraction IRIs to coop:Accepted / coop:Rejected (from the review graph)."""
    mentions, other_names = unify_new_actors(mentions)
    b = _Builder(doc, minter, threshold, decisions or {}, other_names)
    b.document()
    slugs = unique_slugs((c.title for c in candidates), 50)
    for cand, found, slug in zip(candidates, mentions, slugs):
        b.case(cand, f"{b.doc_id}--{slug}", found)
    return b.out
