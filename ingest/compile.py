"""Compile validated corpus entries into RDF triples: pure functions, one triple list per file.

The mapping is documented in docs/data-model.md. Every IRI comes from ontology.iris.Minter, so
the same corpus always compiles to the same graph.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ontology.iris import CLASS_OF_KIND, SCHEME_OF_KIND, Minter, slugify
from ontology.namespace import COOP

from .corpus import Corpus, Entry

Triple = tuple[URIRef, URIRef, object]


def fr(text: str) -> Literal:
    return Literal(text, lang="fr")


def compile_file(corpus: Corpus, rel: str, minter: Minter) -> list[Triple]:
    """All triples produced by one corpus file (its named graph)."""
    triples: list[Triple] = []
    for entry in corpus.entry_files.get(rel, []):
        triples.extend(compile_entry(entry, minter))
    return triples


def compile_entry(entry: Entry, m: Minter) -> Iterator[Triple]:
    if entry.kind == "case":
        yield from compile_case(entry, m)
    elif entry.kind == "actor":
        yield from compile_actor(entry, m)
    elif entry.kind == "territory":
        yield from compile_territory(entry, m)
    elif entry.kind == "source":
        yield from compile_source(entry, m)
    else:
        yield from compile_concept(entry, m)


def _labels(node: URIRef, entry: Entry, pref: bool = False) -> Iterator[Triple]:
    yield node, RDFS.label, fr(entry["label"])
    if pref:
        yield node, SKOS.prefLabel, fr(entry["label"])
    if entry.get("label_en"):
        yield node, RDFS.label, Literal(entry["label_en"], lang="en")
        if pref:
            yield node, SKOS.prefLabel, Literal(entry["label_en"], lang="en")
    for alt in entry.get("alt_labels") or []:
        yield node, SKOS.altLabel, fr(alt)


def _evidence(node: URIRef, ref: dict | None, m: Minter) -> Iterator[Triple]:
    if not ref:
        return
    doc = m.iri("source", ref["source"])
    passage = m.passage(ref["source"], ref["section"], ref.get("quote"))
    yield node, DCTERMS.source, doc
    yield node, COOP.evidence, passage
    yield passage, RDF.type, COOP.Passage
    yield passage, COOP.inDocument, doc
    yield passage, COOP.section, Literal(ref["section"])
    if ref.get("quote"):
        yield passage, COOP.quote, Literal(ref["quote"])


def compile_concept(entry: Entry, m: Minter) -> Iterator[Triple]:
    node = m.iri(entry.kind, entry.id)
    yield node, RDF.type, CLASS_OF_KIND[entry.kind]
    yield node, RDF.type, SKOS.Concept
    yield node, SKOS.inScheme, SCHEME_OF_KIND[entry.kind]
    yield node, SKOS.notation, Literal(entry.id)
    yield from _labels(node, entry, pref=True)
    yield node, SKOS.definition, fr(entry["definition"])
    if entry.get("rank") is not None:
        yield node, COOP.rank, Literal(int(entry["rank"]))
    if entry.kind == "lever":
        yield node, COOP.rank, Literal(int(entry.id[1:]))
        yield node, COOP.axis, m.iri("axis", entry["axis"])
        yield node, SKOS.broader, m.iri("axis", entry["axis"])
    elif entry.kind == "level":
        yield node, COOP.rank, Literal(int(entry.id))
    if entry.kind in ("axis", "level", "role", "scale", "territory_type", "theme", "concept"):
        yield node, SKOS.topConceptOf, SCHEME_OF_KIND[entry.kind]
    yield from _evidence(node, entry.get("source"), m)


def compile_source(entry: Entry, m: Minter) -> Iterator[Triple]:
    node = m.iri("source", entry.id)
    yield node, RDF.type, COOP.SourceDocument
    yield node, RDFS.label, fr(entry["title"])
    yield node, DCTERMS.title, fr(entry["title"])
    yield node, COOP.fileName, Literal(entry["file"])
    for key, prop in (("publisher", DCTERMS.publisher), ("description", DCTERMS.description), ("kind", DCTERMS.type)):
        if entry.get(key):
            yield node, prop, fr(entry[key])
    if entry.get("date"):
        yield node, DCTERMS.date, Literal(entry["date"])


def compile_territory(entry: Entry, m: Minter) -> Iterator[Triple]:
    node = m.iri("territory", entry.id)
    yield node, RDF.type, COOP.Territory
    yield from _labels(node, entry)
    for t in entry["types"]:
        yield node, COOP.territoryType, m.iri("territory_type", t)
    if entry.get("code"):
        yield node, COOP.officialCode, Literal(entry["code"])
    for d in entry["departements"]:
        yield node, COOP.inDepartement, m.iri("territory", d)
    for r in entry["regions"]:
        yield node, COOP.inRegion, m.iri("territory", r)
    if entry.get("note"):
        yield node, SKOS.note, fr(entry["note"])


def compile_actor(entry: Entry, m: Minter) -> Iterator[Triple]:
    node = m.iri("actor", entry.id)
    for t in entry["types"]:
        yield node, RDF.type, t.iri
    yield from _labels(node, entry)
    if entry.get("territory"):
        yield node, COOP.territory, m.iri("territory", entry["territory"])
    if entry.get("note"):
        yield node, SKOS.note, fr(entry["note"])


def unique_slugs(names: Iterable[str], max_length: int = 60) -> list[str]:
    """Slugs of ``names``, made unique in order by a ``-2``, ``-3``… suffix."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        slug = slugify(name, max_length)
        seen[slug] = seen.get(slug, 0) + 1
        out.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return out


def compile_case(entry: Entry, m: Minter) -> Iterator[Triple]:
    cid = entry.id
    node = m.case(cid)
    yield node, RDF.type, COOP.CooperationCase
    yield node, RDF.type, COOP.CuratedCase
    yield node, RDFS.label, fr(entry["title"])
    yield node, DCTERMS.title, fr(entry["title"])
    for alt in entry["alt_labels"]:
        yield node, SKOS.altLabel, fr(alt)
    yield node, DCTERMS.abstract, fr(entry["summary"])
    for t in entry["territories"]:
        yield node, COOP.territory, m.iri("territory", t)

    for part in entry["participations"]:
        p = m.participation(cid, part["actor"])
        yield node, COOP.hasParticipation, p
        yield p, RDF.type, COOP.Participation
        yield p, COOP.participant, m.iri("actor", part["actor"])
        for role in part["roles"]:
            yield p, COOP.role, m.iri("role", role)
        if part.get("note"):
            yield p, SKOS.note, fr(part["note"])

    slugs = unique_slugs(inst["type"].slug for inst in entry["instruments"])
    for inst, slug in zip(entry["instruments"], slugs):
        i = m.instrument(cid, slug)
        yield node, COOP.usesInstrument, i
        yield i, RDF.type, inst["type"].iri
        yield i, RDFS.label, fr(inst.get("label") or inst["type"].label)
        if inst.get("note"):
            yield i, SKOS.note, fr(inst["note"])

    for kind, prop in (("levers", COOP.mobilisesLever), ("concepts", COOP.illustratesConcept), ("themes", COOP.hasTheme)):
        for ident in entry[kind]:
            yield node, prop, m.iri(kind[:-1], ident)
    if entry.get("level"):
        yield node, COOP.cooperationLevel, m.iri("level", entry["level"])
    if entry.get("scale"):
        yield node, COOP.scale, m.iri("scale", entry["scale"])

    period = entry.get("period") or {}
    if period.get("start"):
        yield node, COOP.startYear, Literal(f"{period['start']:04d}", datatype=XSD.gYear)
    if period.get("end"):
        yield node, COOP.endYear, Literal(f"{period['end']:04d}", datatype=XSD.gYear)
    if period.get("note"):
        yield node, COOP.periodNote, fr(period["note"])

    grid = entry.get("grid") or {}
    for key, prop in (("triggers", COOP.trigger), ("stakes", COOP.stake), ("ambitions", COOP.ambition), ("object", COOP.object)):
        for text in grid.get(key, []):
            yield node, prop, fr(text)
    if grid.get("partners_scale"):
        yield node, COOP.partnersScale, fr(grid["partners_scale"])
    bodies = grid.get("governance", [])
    for body, slug in zip(bodies, unique_slugs(b["name"] for b in bodies)):
        g = m.governance_body(cid, slug)
        yield node, COOP.hasGovernanceBody, g
        yield g, RDF.type, COOP.GovernanceBody
        yield g, RDFS.label, fr(body["name"])
        if body.get("function"):
            yield g, COOP.function, fr(body["function"])
        if body.get("composition"):
            yield g, COOP.composition, fr(body["composition"])

    for other in entry["related"]:
        yield node, COOP.relatedCase, m.case(other)
    for ref in entry["sources"]:
        yield from _evidence(node, ref, m)
