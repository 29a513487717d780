"""The search contract: one set of pydantic models shared by `coopkg search --json`, `coopkg
similar` and the HTTP API. docs/search.md documents every field."""
from __future__ import annotations

import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = 1000
MAX_K = 100


class SearchInputError(ValueError):
    """A request the search cannot run (empty or oversized query, unknown facet value…); the
    message says what was wrong and what to do."""


# -- request -------------------------------------------------------------------------------------
class Facets(BaseModel):
    """Facet filters. Within a facet the values are alternatives (OR); facets combine with AND.
    Values are identifiers (notation or slug, e.g. ``L3``, ``pnr``, ``29``) or labels, matched
    without case or accents."""

    model_config = ConfigDict(extra="forbid")

    instrument: list[str] = Field(default_factory=list, description="instrument type (class notation, e.g. contrat-de-reciprocite); subtypes match")
    lever: list[str] = Field(default_factory=list, description="lever (L1…L10)")
    axis: list[str] = Field(default_factory=list, description="axis of levers")
    concept: list[str] = Field(default_factory=list, description="concept (notion)")
    theme: list[str] = Field(default_factory=list, description="theme")
    actor_type: list[str] = Field(default_factory=list, description="type of a participating actor (class notation, e.g. pnr, epci); subtypes match")
    actor: list[str] = Field(default_factory=list, description="participating actor (id)")
    departement: list[str] = Field(default_factory=list, description="département of a territory of the case (INSEE code or name)")
    region: list[str] = Field(default_factory=list, description="région of a territory of the case (INSEE code or name)")
    territory_type: list[str] = Field(default_factory=list, description="type of a territory of the case")
    period: str | None = Field(None, description="years the case was active: YYYY or YYYY-YYYY (open ends allowed: 2015- or -2010)")

    def active(self) -> dict[str, list[str] | str]:
        return {name: value for name, value in self.model_dump().items() if value}

    def is_empty(self) -> bool:
        return not self.active()


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description=f"free text, French or English, at most {MAX_QUERY_CHARS} characters")
    k: int = Field(10, ge=1, le=MAX_K, description="number of results")
    mode: Mode = Field("hybrid", description="hybrid (default), dense (embeddings only) or lexical (BM25 only)")
    facets: Facets = Field(default_factory=Facets)

    @field_validator("query")
    @classmethod
    def _check_query(cls, value: str) -> str:
        return check_query(value)


def check_query(value: str) -> str:
    """A normalised query, or SearchInputError saying why it cannot be searched."""
    if not isinstance(value, str):
        raise SearchInputError(f"the query must be text, not {type(value).__name__}")
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise SearchInputError("empty query: type at least one word, e.g. « coopération ville-campagne »")
    if len(value) > MAX_QUERY_CHARS:
        raise SearchInputError(f"query too long: {len(value)} characters, at most {MAX_QUERY_CHARS}; "
                               "keep the few sentences that describe what you look for")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value):
        raise SearchInputError("the query contains control characters; remove them")
    if not any(unicodedata.category(c)[0] in "LN" for c in value):
        raise SearchInputError("the query has no letters or digits (only symbols or emoji): type at least one word")
    return value


# -- response ------------------------------------------------------------------------------------
class Ref(BaseModel):
    """A vocabulary entry or individual: its IRI, corpus identifier and French label."""

    id: str = Field(description="corpus identifier (notation or slug)")
    iri: str
    label: str


class ActorRef(Ref):
    types: list[str] = Field(default_factory=list, description="labels of the actor's most specific types")
    role: str = Field("", description="roles in this case, comma-separated labels")
    roles: list[Ref] = Field(default_factory=list)


class InstrumentRef(Ref):
    types: list[str] = Field(default_factory=list, description="label of the instrument type")
    type_ids: list[str] = Field(default_factory=list, description="notation of the instrument type")


class TerritoryRef(Ref):
    type: str = ""
    departements: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)


class SourcePassage(BaseModel):
    iri: str
    section: str = ""
    quote: str = ""


class SourceRef(BaseModel):
    id: str
    iri: str
    title: str
    file_name: str = ""
    passages: list[SourcePassage] = Field(default_factory=list)


class EntityMatch(BaseModel):
    """Something the query names (or, with ``method`` = embedding, is close to)."""

    text: str = Field(description="the words of the query, or the query itself for an embedding match")
    start: int | None = None
    end: int | None = None
    kind: str = Field(description="instrument-type, actor-type, lever, axis, concept, theme, actor, departement, "
                                  "region, territory (another territory), territory-type, other")
    id: str
    iri: str | None = None
    label: str
    method: Literal["gazetteer", "embedding"] = "gazetteer"
    score: float | None = None


class Shared(BaseModel):
    """A facet value the result has in common with the query (or with the reference case)."""

    facet: str
    id: str
    label: str


class Span(BaseModel):
    start: int
    end: int
    term: str = ""


class PassageMatch(BaseModel):
    id: str
    field: str = Field(description="summary, label, trigger, stake, ambition, object, actors, instruments…")
    text: str
    spans: list[Span] = Field(default_factory=list, description="character offsets of matching words in text")
    method: str = Field("", description="how the passage was chosen: lexical, dense or both")


class Scores(BaseModel):
    dense: float | None = Field(None, description="cosine similarity of the best passage (None when not computed)")
    lexical: float | None = Field(None, description="BM25 score (0 when no term matches)")
    entity: float | None = Field(None, description="boost from query entities the case has")
    graph: float | None = Field(None, description="similar(): graph overlap with the reference case (0–1)")
    fused: float = 0.0


class Why(BaseModel):
    matched_entities: list[EntityMatch] = Field(default_factory=list)
    shared: list[Shared] = Field(default_factory=list)
    matched_terms: list[str] = Field(default_factory=list, description="query terms (and expansions) found in the case")
    passage: PassageMatch | None = None
    scores: Scores = Field(default_factory=Scores)


class CaseCard(BaseModel):
    """What a practitioner needs to act on a case (search/cards.py reads it)."""

    id: str
    iri: str
    label: str
    summary: str = ""
    level: Ref | None = None
    period: str = ""
    actors: list[ActorRef] = Field(default_factory=list)
    instruments: list[InstrumentRef] = Field(default_factory=list)
    levers: list[Ref] = Field(default_factory=list)
    concepts: list[Ref] = Field(default_factory=list)
    themes: list[Ref] = Field(default_factory=list)
    territories: list[TerritoryRef] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


class Result(CaseCard):
    score: float
    why: Why = Field(default_factory=Why)


class SearchResponse(BaseModel):
    query: str
    mode: Mode
    k: int
    facets: dict[str, list[str] | str] = Field(default_factory=dict, description="the active facet filters")
    candidates: int | None = Field(None, description="cases passing the facet filters (None: no filter)")
    entities: list[EntityMatch] = Field(default_factory=list, description="what was recognised in the query")
    warnings: list[str] = Field(default_factory=list)
    results: list[Result] = Field(default_factory=list)


class SimilarResponse(BaseModel):
    case: Ref
    k: int
    results: list[Result] = Field(default_factory=list)
