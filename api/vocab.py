"""Vocabulary listings of the HTTP API: the SKOS concept schemes of the base as JSON.

Each listing reads one concept scheme with one SPARQL query and returns SKOS-shaped objects: id
(``skos:notation``), IRI, ``prefLabel``/``altLabel``/``definition`` by language, ``broader`` and
``narrower`` as ids of concepts of the same scheme. Levers are grouped under their axis."""
from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from kb.queries import with_prefixes
from ontology.namespace import COOP

COOP_NS = str(COOP._NS)

# Listing name -> concept scheme (local name in the coop namespace).
SCHEMES = {
    "levers": "LeverScheme",
    "instrument-types": "InstrumentTypeScheme",
    "concepts": "NotionScheme",
    "themes": "ThemeScheme",
    "actor-types": "ActorTypeScheme",
}


class SchemeRef(BaseModel):
    iri: str
    label: dict[str, str] = Field(default_factory=dict, description="rdfs:label by language (fr, en)")


class Concept(BaseModel):
    """One SKOS concept."""

    id: str = Field(description="skos:notation (the corpus identifier, also the facet value)")
    iri: str
    prefLabel: dict[str, str] = Field(default_factory=dict, description="skos:prefLabel by language")
    altLabel: dict[str, list[str]] = Field(default_factory=dict, description="skos:altLabel by language")
    definition: dict[str, str] = Field(default_factory=dict, description="skos:definition by language")
    broader: list[str] = Field(default_factory=list, description="ids of the broader concepts of the scheme")
    narrower: list[str] = Field(default_factory=list, description="ids of the narrower concepts of the scheme")
    rank: int | None = Field(None, description="levers and axes: order in the cooperation wheel")


class ConceptList(BaseModel):
    scheme: SchemeRef
    concepts: list[Concept]


class Axis(Concept):
    levers: list[Concept] = Field(default_factory=list, description="the levers of this axis, by rank")


class LeverWheel(BaseModel):
    scheme: SchemeRef
    axes: list[Axis]


_QUERY = """SELECT DISTINCT ?c ?p ?o WHERE {
  ?c skos:inScheme coop:SCHEME .
  ?c ?p ?o .
  FILTER(?p IN (skos:notation, skos:prefLabel, skos:altLabel, skos:definition, skos:broader, skos:narrower,
                coop:rank, coop:axis, rdf:type))
}"""
_SCHEME = """SELECT DISTINCT ?l WHERE { coop:SCHEME rdfs:label ?l }"""


def _last(iri: str) -> str:
    return iri.rstrip("/").replace("#", "/").rsplit("/", 1)[-1]


def read_scheme(store, scheme: str) -> tuple[SchemeRef, list[Concept], dict[str, dict]]:
    """The scheme, its concepts (sorted by rank, then French label) and, per concept IRI, the
    raw extra facts (types, axis) for callers that group them."""
    rows = store.select(with_prefixes(_QUERY.replace("SCHEME", scheme))).rows
    raw: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for c, p, o in rows:
        raw[str(c)][_last(str(p))].append(o)
    ids = {iri: (str(min(r["notation"], key=str)) if r["notation"] else _last(iri)) for iri, r in raw.items()}
    concepts = []
    extra = {}
    for iri, r in raw.items():
        by_lang = lambda prop: {(getattr(o, "language", None) or ""): str(o)  # noqa: E731
                                for o in sorted(r[prop], key=str, reverse=True)}
        alt: dict[str, list[str]] = defaultdict(list)
        for o in sorted(set(r["altLabel"]), key=str):
            alt[getattr(o, "language", None) or ""].append(str(o))
        rank = min((int(o) for o in r["rank"]), default=None)
        concepts.append(Concept(
            id=ids[iri], iri=iri, prefLabel=by_lang("prefLabel"), altLabel=dict(alt), definition=by_lang("definition"),
            broader=sorted({ids[str(o)] for o in r["broader"] if str(o) in ids}),
            narrower=sorted({ids[str(o)] for o in r["narrower"] if str(o) in ids}), rank=rank))
        extra[iri] = {"types": {str(o) for o in r["type"]}, "axis": {str(o) for o in r["axis"]}}
    concepts.sort(key=lambda c: (c.rank if c.rank is not None else 10**6, c.prefLabel.get("fr", c.id).casefold(), c.id))
    labels = {(getattr(row[0], "language", None) or ""): str(row[0])
              for row in store.select(with_prefixes(_SCHEME.replace("SCHEME", scheme))).rows}
    return SchemeRef(iri=COOP_NS + scheme, label=labels), concepts, extra


def concept_list(store, name: str) -> ConceptList:
    scheme, concepts, _ = read_scheme(store, SCHEMES[name])
    return ConceptList(scheme=scheme, concepts=concepts)


def lever_wheel(store) -> LeverWheel:
    """Axes (by rank), each with its levers (by rank)."""
    scheme, concepts, extra = read_scheme(store, SCHEMES["levers"])
    axes = {c.iri: Axis(**c.model_dump()) for c in concepts if COOP_NS + "Axis" in extra[c.iri]["types"]}
    for c in concepts:
        if COOP_NS + "Lever" in extra[c.iri]["types"]:
            for axis_iri in sorted(extra[c.iri]["axis"]):
                if axis_iri in axes:
                    axes[axis_iri].levers.append(c)
    return LeverWheel(scheme=scheme, axes=list(axes.values()))
