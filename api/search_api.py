"""The search API: ``/api/search``, ``/api/cases/{id}``, ``/api/cases/{id}/similar``, the
vocabulary listings, the facet values, ``/api/stats`` and ``/api/meta``.

Routes are thin: they check the HTTP input, then call the search service or a small function of
this module (or of api/vocab.py). Responses are the models of search/contract.py, serialised
exactly as ``coopkg search --json`` serialises them (``model_dump_json``)."""
from __future__ import annotations

import difflib
import platform
from collections import defaultdict
from importlib import metadata
from typing import Annotated
from urllib.parse import urlparse, urlunparse

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from kb.queries import with_prefixes
from search.contract import (MAX_K, MAX_QUERY_CHARS, CaseCard, Facets, Mode, Ref, SearchInputError,
                             SearchResponse, SimilarResponse, check_query)
from search.facets import FILTER_FACETS, case_id, parse_period, valid_case_id

from . import vocab
from .deps import CacheDep, ServiceDep, SettingsDep, StoreDep
from .errors import ApiError

router = APIRouter(prefix="/api")

ERRORS = {400: {"description": "bad input (unknown facet value, unknown parameter…); the error shape"},
          404: {"description": "not found; the error shape"},
          422: {"description": "invalid parameter; the error shape"}}


# -- response models (besides those of search/contract.py) ---------------------------------------
class GovernanceBody(BaseModel):
    iri: str
    label: str
    function: list[str] = Field(default_factory=list)
    composition: list[str] = Field(default_factory=list)


class CaseDetail(CaseCard):
    """One case: the result card of search (without score and explanation) plus the description
    grid, governance bodies, scale and related cases."""

    alt_labels: list[str] = Field(default_factory=list)
    scale: Ref | None = None
    grid: dict[str, list[str]] = Field(default_factory=dict, description="description grid: trigger, partners_scale, "
                                       "stake, ambition, object (French texts)")
    governance: list[GovernanceBody] = Field(default_factory=list)
    related: list[Ref] = Field(default_factory=list, description="related cases (coop:relatedCase)")


class FacetValueOut(BaseModel):
    id: str
    iri: str
    label: str
    count: int = Field(description="number of cases with this value")


class StatRow(BaseModel):
    iri: str
    label: str
    count: int


class Stats(BaseModel):
    triples: int
    graphs: int
    classes: list[StatRow] = Field(description="instances per coop class, inferred types included")
    schemes: list[StatRow] = Field(description="concepts per SKOS concept scheme")


class Meta(BaseModel):
    version: str
    versions: dict[str, str] = Field(description="versions of Python and of the main libraries")
    settings: dict = Field(description="the effective settings (COOPKG_*); secrets shown as \"***\"")
    model: str = Field(description="embedding model id of the search index")
    index: dict = Field(description="search index metadata (model, dimension, cases, passages, vectors, hashes)")
    counts: dict[str, int] = Field(description="triples, named graphs, cases, actors, territories, passages")


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as JSON, serialised like the CLI's ``--json`` (no re-validation)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


# -- helpers ------------------------------------------------------------------------------------
def all_case_ids(store, cache) -> list[str]:
    def read():
        rows = store.select(with_prefixes("SELECT DISTINCT ?c WHERE { ?c a coop:CooperationCase }")).rows
        return sorted(case_id(r[0]) for r in rows)

    return cache.get("case_ids", read)


def require_case(store, cache, cid: str) -> None:
    """404 (with the closest ids) unless ``cid`` is a case of the base."""
    ids = all_case_ids(store, cache)
    if valid_case_id(cid) and cid in set(ids):
        return
    close = difflib.get_close_matches(str(cid), ids, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; GET /api/search or /dumps/cases.csv lists the cases"
    raise ApiError(404, f"unknown case {cid!r}{hint}", field="id")


def check_facets(service, facets: Facets) -> None:
    """400 naming the facet for the first unknown value (with the valid values)."""
    for name, given in facets.active().items():
        try:
            if name == "period":
                parse_period(given)
            else:
                for text in given:
                    service.catalog.resolve_value(name, text)
        except SearchInputError as exc:
            raise ApiError(400, str(exc), field=name) from None


_GRID = {"trigger": "trigger", "partnersScale": "partners_scale", "stake": "stake", "ambition": "ambition",
         "object": "object"}


def case_detail(store, cid: str) -> CaseDetail:
    from search.cards import case_cards

    card = case_cards(store, [cid])[cid]
    iri = card["iri"]
    rows = store.select(with_prefixes(f"""
        SELECT DISTINCT ?p ?o ?x ?xl ?xn WHERE {{
          <{iri}> ?p ?o .
          FILTER(?p IN (skos:altLabel, coop:trigger, coop:partnersScale, coop:stake, coop:ambition, coop:object,
                        coop:hasGovernanceBody, coop:scale, coop:relatedCase))
          OPTIONAL {{ ?o ?x ?xl FILTER(?x IN (rdfs:label, skos:prefLabel, coop:function, coop:composition)
                                      && LANG(?xl) IN ("fr", "")) }}
          OPTIONAL {{ ?o skos:notation ?xn }}
        }}""")).rows
    grid: dict[str, set[str]] = defaultdict(set)
    alt: set[str] = set()
    bodies: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    refs: dict[str, dict[str, tuple]] = defaultdict(dict)
    for p, o, x, xl, xn in rows:
        prop = str(p).rsplit("#", 1)[-1]
        if prop == "altLabel":
            alt.add(str(o))
        elif prop in _GRID:
            grid[_GRID[prop]].add(str(o))
        elif prop == "hasGovernanceBody":
            body = bodies[str(o)]
            if x is not None:
                body[str(x).rsplit("#", 1)[-1]].add(str(xl))
        elif x is not None and str(x).endswith(("#label", "#prefLabel")):
            ref_id = str(xn) if xn is not None else (case_id(o) if prop == "relatedCase" else str(o).rsplit("/", 1)[-1])
            refs[prop].setdefault(str(o), (ref_id, str(xl)))
    governance = [GovernanceBody(iri=b, label=min(v["label"], default=b.rsplit("/", 1)[-1]),
                                 function=sorted(v["function"]), composition=sorted(v["composition"]))
                  for b, v in sorted(bodies.items())]
    to_refs = lambda prop: [Ref(id=i, iri=r, label=label)  # noqa: E731
                            for r, (i, label) in sorted(refs[prop].items(), key=lambda item: item[1])]
    scale = to_refs("scale")
    return CaseDetail(**card, alt_labels=sorted(alt), scale=scale[0] if scale else None,
                      grid={k: sorted(grid[k]) for k in _GRID.values() if grid.get(k)},
                      governance=governance, related=to_refs("relatedCase"))


def facet_catalog(store, cache):
    """The catalog of facet values with their counts (one aggregate query, once)."""
    from search.facets import FacetCatalog

    return cache.get("facet_catalog", lambda: FacetCatalog.from_store(store, counts=True))


def facet_values(store, cache, name: str) -> list[FacetValueOut]:
    key = name.replace("-", "_")
    if key not in FILTER_FACETS:
        valid = ", ".join(f.replace("_", "-") for f in FILTER_FACETS)
        raise ApiError(404, f"unknown facet {name!r}; facets: {valid}", field="name")
    return [FacetValueOut(id=v.id, iri=v.iri, label=v.label, count=v.count) for v in facet_catalog(store, cache).values(key)]


def _hide_secrets(settings) -> dict:
    data = settings.model_dump(mode="json")
    data["write_token"] = "***" if settings.write_token is not None else None
    for key in ("sparql_query_url", "sparql_update_url", "public_url"):
        url = data.get(key)
        if url and urlparse(url).password:
            parsed = urlparse(url)
            netloc = f"{parsed.username}:***@{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")
            data[key] = urlunparse(parsed._replace(netloc=netloc))
    return data


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def meta(settings, service, store, cache) -> Meta:
    def counts():
        rows = store.select(with_prefixes("""
            SELECT ?k (COUNT(DISTINCT ?x) AS ?n) WHERE {
              VALUES (?cls ?k) { (coop:CooperationCase "cases") (coop:Actor "actors") (coop:Territory "territories")
                                 (coop:Passage "passages") (coop:SourceDocument "documents") }
              ?x a ?cls } GROUP BY ?k""")).rows
        out = {"triples": store.size(), "graphs": len(store.named_graphs())}
        out.update({str(k): int(n) for k, n in rows})
        return out

    index_meta = {k: v for k, v in service.index.meta().items() if k != "vocabulary"}
    versions = {"python": platform.python_version(),
                **{p: _version(p) for p in ("coopkg", "fastapi", "starlette", "uvicorn", "pydantic", "rdflib",
                                            "pyoxigraph", "faiss-cpu", "sentence-transformers")}}
    return Meta(version=_version("coopkg"), versions=versions, settings=_hide_secrets(settings),
                model=service.embedder.model_id, index=index_meta, counts=cache.get("counts", counts))


# -- routes -------------------------------------------------------------------------------------
def _facet_param(name: str):
    return Annotated[list[str], Query(description=f"Filter: {Facets.model_fields[name].description}. "
                                                  "Repeat for OR; facets combine with AND.")]


_QUERY_PARAMS = frozenset({"q", "k", "mode", *FILTER_FACETS, "period"})


@router.get("/search", response_model=SearchResponse, responses=ERRORS, tags=["search"])
def search_cases(
    request: Request,
    service: ServiceDep,
    q: Annotated[str, Query(description=f"the question, French or English, at most {MAX_QUERY_CHARS} characters")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="number of results")] = 10,
    mode: Annotated[Mode, Query(description="hybrid (default), dense (meaning only) or lexical (words only)")] = "hybrid",
    instrument: _facet_param("instrument") = [],  # noqa: B006 (FastAPI copies defaults)
    lever: _facet_param("lever") = [],  # noqa: B006
    axis: _facet_param("axis") = [],  # noqa: B006
    concept: _facet_param("concept") = [],  # noqa: B006
    theme: _facet_param("theme") = [],  # noqa: B006
    actor_type: _facet_param("actor_type") = [],  # noqa: B006
    actor: _facet_param("actor") = [],  # noqa: B006
    departement: _facet_param("departement") = [],  # noqa: B006
    region: _facet_param("region") = [],  # noqa: B006
    territory_type: _facet_param("territory_type") = [],  # noqa: B006
    period: Annotated[str | None, Query(description=Facets.model_fields["period"].description)] = None,
):
    """« Qui a déjà fait ça ? »: the cases that match a question, with why (the contract of
    `coopkg search --json`, docs/search.md). Facets narrow the candidates first."""
    unknown = [name for name in request.query_params if name not in _QUERY_PARAMS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(_QUERY_PARAMS), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ApiError(400, f"unknown parameter {unknown[0]!r}{hint} Parameters: q, k, mode, "
                            f"{', '.join(FILTER_FACETS)}, period", field=unknown[0])
    try:
        query = check_query(q)
    except SearchInputError as exc:
        raise ApiError(422, str(exc), field="q") from None
    facets = Facets(instrument=instrument, lever=lever, axis=axis, concept=concept, theme=theme, actor_type=actor_type,
                    actor=actor, departement=departement, region=region, territory_type=territory_type,
                    period=period or None)
    check_facets(service, facets)
    response = service.search({"query": query, "k": k, "mode": mode, "facets": facets.model_dump()})
    return model_response(response)


CaseId = Annotated[str, Path(description="case id, e.g. contrat-reciprocite-brest-cob")]


@router.get("/cases/{id}", response_model=CaseDetail, responses=ERRORS, tags=["cases"])
def get_case(id: CaseId, store: StoreDep, cache: CacheDep):  # noqa: A002 (the path parameter is "id")
    """One case: actors and roles, instruments, levers, concepts, themes, territories, sources,
    description grid, governance bodies and related cases."""
    require_case(store, cache, id)
    return model_response(case_detail(store, id))


@router.get("/cases/{id}/similar", response_model=SimilarResponse, responses=ERRORS, tags=["cases"])
def similar_cases(id: CaseId, service: ServiceDep, store: StoreDep, cache: CacheDep,  # noqa: A002
                  k: Annotated[int, Query(ge=1, le=MAX_K, description="number of results")] = 10):
    """The cases most similar to a case (meaning + shared instruments, levers, concepts, actor and
    territory types), explained (the contract of `coopkg similar --json`)."""
    require_case(store, cache, id)
    return model_response(service.similar(id, k))


@router.get("/vocab/levers", response_model=vocab.LeverWheel, tags=["vocabularies"])
def list_levers(store: StoreDep, cache: CacheDep):
    """The cooperation wheel: the four axes, each with its levers (L1…L10), by rank."""
    return model_response(cache.get("vocab:levers", lambda: vocab.lever_wheel(store)))


def _listing(name: str, summary: str):
    def endpoint(store: StoreDep, cache: CacheDep):
        return model_response(cache.get(f"vocab:{name}", lambda: vocab.concept_list(store, name)))

    endpoint.__doc__ = summary
    return endpoint


for _name, _fn, _doc in (
    ("instrument-types", "list_instrument_types",
     "Instrument types (the class tree of coop:CooperationInstrument as SKOS, broader/narrower by id)."),
    ("concepts", "list_concepts", "Concepts (notions) that frame cooperation."),
    ("themes", "list_themes", "Themes of cooperation (santé, alimentation…)."),
    ("actor-types", "list_actor_types", "Actor types (the class tree of coop:Actor as SKOS, broader/narrower by id)."),
):
    router.add_api_route(f"/vocab/{_name}", _listing(_name, _doc), methods=["GET"], name=_fn,
                         response_model=vocab.ConceptList, tags=["vocabularies"])


@router.get("/facets", response_model=dict[str, list[FacetValueOut]], tags=["search"])
def list_facets(store: StoreDep, cache: CacheDep):
    """Every search filter with its valid values and their number of cases."""
    return {name: facet_values(store, cache, name) for name in FILTER_FACETS}


@router.get("/facets/{name}", response_model=list[FacetValueOut], responses=ERRORS, tags=["search"])
def list_facet_values(name: Annotated[str, Path(description="facet name, e.g. lever, actor_type (or actor-type)")],
                      store: StoreDep, cache: CacheDep):
    """The valid values of one search filter, with their number of cases."""
    return facet_values(store, cache, name)


@router.get("/stats", response_model=Stats, tags=["base"])
def get_stats(store: StoreDep, cache: CacheDep):
    """Counts per class (inferred types included) and per concept scheme."""
    from kb.queries import stats

    return cache.get("stats", lambda: stats(store))


@router.get("/meta", response_model=Meta, tags=["base"])
def get_meta(settings: SettingsDep, service: ServiceDep, store: StoreDep, cache: CacheDep):
    """Versions, effective settings (secrets hidden), embedding model, search index and counts."""
    return meta(settings, service, store, cache)
