"""The web interface: server-rendered French pages over the same search service and store as the
JSON API (docs/ui.md).

Routes (``make_router(settings)``, because links to linked-data pages depend on the base IRI):

- ``/``: the search box and the filters; with ``q``, the results of ``service.search`` (the
  contract of ``/api/search``) with why they match; with filters only, the cases that pass them;
- ``/cas`` (every case) and ``/cas/{id}`` (one case: the data of ``/api/cases/{id}`` and
  ``service.similar``);
- browse pages: ``/leviers`` (by axis), ``/instruments``, ``/notions``, ``/themes``, ``/acteurs``
  (api/vocab.py listings; each entry links to ``/?<facet>=<id>``);
- ``/requetes``: a SPARQL form with example queries and the results as a table, run by the
  worker processes of the ``/sparql`` endpoint (api/sparql.py) with its cap and timeout;
- ``/static/…``: the stylesheet (no CDN: every asset is served locally).

Every page works without JavaScript. Templates (``api/templates/ui/``) autoescape everything;
highlighted passages are split into segments here, so no HTML is built by string concatenation.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlencode, urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from search.contract import MAX_K, MAX_QUERY_CHARS, MODES, Facets, SearchInputError, check_query
from search.facets import FILTER_FACETS, parse_period, valid_case_id

from . import vocab
from .deps import CacheDep, ServiceDep, SettingsDep, StoreDep
from .search_api import all_case_ids, case_detail, facet_catalog

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates" / "ui"
STATIC = HERE / "static"
SPARQL_PAGE = "/requetes"

# -- French labels -----------------------------------------------------------------------------
FACET_LABELS = {
    "instrument": "Type d'instrument", "lever": "Levier", "axis": "Axe", "concept": "Notion", "theme": "Thème",
    "actor_type": "Type d'acteur", "actor": "Acteur", "departement": "Département", "region": "Région",
    "territory_type": "Type de territoire", "period": "Période", "territory": "Territoire",
}
# Facets offered as drop-down lists on the search form (actors are many: they are reached from
# the /acteurs page and the case pages, and kept as hidden fields once chosen).
FORM_FACETS = ("lever", "axis", "instrument", "actor_type", "concept", "theme", "region", "departement",
               "territory_type")
ENTITY_KINDS = {
    "instrument-type": "type d'instrument", "actor-type": "type d'acteur", "lever": "levier", "axis": "axe",
    "concept": "notion", "theme": "thème", "actor": "acteur", "departement": "département", "region": "région",
    "territory": "territoire", "territory-type": "type de territoire", "other": "autre",
}
PASSAGE_FIELDS = {
    "abstract": "résumé", "summary": "résumé", "label": "intitulé", "alt_labels": "autres intitulés",
    "trigger": "élément déclencheur", "partners_scale": "échelle des partenaires", "stake": "enjeu",
    "ambition": "ambition", "object": "objet", "actors": "acteurs", "instruments": "instruments",
    "governance": "gouvernance", "territories": "territoires", "case": "fiche",
}
PASSAGE_METHODS = {"lexical": "mots de la question", "dense": "proximité de sens", "both": "mots et sens"}
MODE_LABELS = {"hybrid": "Mots et sens (recommandé)", "dense": "Sens seulement", "lexical": "Mots seulement"}
GRID_LABELS = {"trigger": "Élément déclencheur", "partners_scale": "Échelle des partenaires", "stake": "Enjeu",
               "ambition": "Ambition", "object": "Objet"}
WARNINGS = {
    "no case passes these filters": "Aucun cas ne correspond à ces filtres : retirez-en un.",
    "no word of the query occurs in the case texts": "Aucun mot de la question ne figure dans les fiches",
}
EXAMPLE_QUESTIONS = (
    "qui a déjà fait une coopération ville-campagne ?",
    "partage d'un thermicien entre petites communes",
    "stratégie alimentaire commune entre une ville et un parc naturel régional",
    "contrat de réciprocité autour de la santé",
)
PASSAGE_WINDOW = 480  # characters of a long passage shown around its first highlighted word


def facet_url(value_id: str, facet: str) -> str:
    """The search page filtered on one facet value (``/?lever=L3``)."""
    return "/?" + urlencode({facet: value_id})


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(facet_labels=FACET_LABELS, entity_kinds=ENTITY_KINDS, passage_fields=PASSAGE_FIELDS,
                       passage_methods=PASSAGE_METHODS, grid_labels=GRID_LABELS, sparql_page=SPARQL_PAGE)
    env.filters["score"] = lambda v: "—" if v is None else f"{v:.2f}".replace(".", ",")
    env.filters["facet_url"] = facet_url
    return env


ENV = _env()


# -- text helpers ------------------------------------------------------------------------------
def highlight(text: str, spans) -> list[dict]:
    """``text`` as segments ``{"text", "mark"}``: the characters inside ``spans`` (objects or dicts
    with ``start``/``end``, possibly overlapping or out of range) are marked. A long text is cut to
    a window around its first span, with ellipses."""
    ranges = []
    for span in spans or ():
        start = span["start"] if isinstance(span, dict) else span.start
        end = span["end"] if isinstance(span, dict) else span.end
        start, end = max(0, int(start)), min(len(text), int(end))
        if start < end:
            ranges.append((start, end))
    ranges.sort()
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    lo, hi = 0, len(text)
    if len(text) > PASSAGE_WINDOW:
        first = merged[0][0] if merged else 0
        lo = max(0, first - PASSAGE_WINDOW // 3)
        if lo:
            space = text.find(" ", lo)
            lo = space + 1 if 0 <= space < first else lo
        hi = min(len(text), lo + PASSAGE_WINDOW)
        if hi < len(text):
            space = text.rfind(" ", lo, hi)
            hi = space if space > max(lo, merged[0][1] if merged else lo) else hi
    segments: list[dict] = [{"text": "… ", "mark": False}] if lo > 0 else []
    pos = lo
    for start, end in merged:
        start, end = max(start, lo), min(end, hi)
        if start >= end:
            continue
        if start > pos:
            segments.append({"text": text[pos:start], "mark": False})
        segments.append({"text": text[start:end], "mark": True})
        pos = end
    if pos < hi:
        segments.append({"text": text[pos:hi], "mark": False})
    if hi < len(text):
        segments.append({"text": " …", "mark": False})
    return segments


def french_query_error(exc: Exception) -> str:
    """The French message for a query ``check_query`` refuses."""
    message = str(exc)
    if message.startswith("empty query"):
        return "Saisissez au moins un mot, par exemple « coopération ville-campagne »."
    if message.startswith("query too long"):
        return (f"La question est trop longue (au plus {MAX_QUERY_CHARS} caractères) : gardez les quelques "
                "phrases qui décrivent ce que vous cherchez.")
    if "control characters" in message:
        return "La question contient des caractères de contrôle : retirez-les."
    if "no letters or digits" in message:
        return "La question ne contient ni lettre ni chiffre : saisissez au moins un mot."
    return "Cette question ne peut pas être cherchée : reformulez-la."


def french_warning(text: str) -> str:
    for prefix, french in WARNINGS.items():
        if text.startswith(prefix):
            if prefix.startswith("no word"):
                return french + " : les cas sont classés par le sens seulement." if "meaning only" in text \
                    else french + " (le mode « mots et sens » cherche aussi par le sens)."
            return french
    return text


# -- search form state -------------------------------------------------------------------------
class FormState:
    """What the search page was asked: question, mode, number of results, filters (as given),
    and the problems found in them (French)."""

    def __init__(self, request: Request, catalog):
        params = request.query_params
        self.q = params.get("q", "")
        self.has_q = "q" in params and self.q.strip() != ""
        self.mode = params.get("mode", "hybrid") if params.get("mode") in MODES else "hybrid"
        try:
            self.k = min(MAX_K, max(1, int(params.get("k", "10"))))
        except ValueError:
            self.k = 10
        self.facets: dict[str, list[str]] = {}
        self.errors: list[str] = []
        self.selected: dict[str, set[str]] = {}  # facet -> value ids chosen
        for name in FILTER_FACETS:
            values = list(dict.fromkeys(v.strip() for v in params.getlist(name) if v.strip()))
            if not values:
                continue
            self.facets[name] = values
            ids: set[str] = set()
            for value in values:
                try:
                    ids.update(catalog.resolve_value(name, value))
                except SearchInputError:
                    self.errors.append(f"Le filtre « {FACET_LABELS[name]} » ne connaît pas la valeur « {value} » : "
                                       "choisissez-en une dans la liste.")
            self.selected[name] = ids
        self.period = params.get("period", "").strip()
        if self.period:
            try:
                parse_period(self.period)
            except SearchInputError:
                self.errors.append(f"Période « {self.period} » mal écrite : utilisez AAAA, AAAA-AAAA, AAAA- ou -AAAA "
                                   "(par exemple 2016, 2010-2020, 2015-, -2010).")
        self.catalog = catalog

    @property
    def has_filters(self) -> bool:
        return bool(self.facets or self.period)

    def contract_facets(self) -> Facets:
        return Facets(**self.facets, period=self.period or None)

    def chips(self) -> list[dict]:
        """The active filters, each with the URL of this search without it."""
        chips = []
        for name, values in self.facets.items():
            for value in values:
                ids = self._ids(name, value)
                label = ", ".join(self.catalog.label(name, i) for i in ids) if ids else value
                chips.append({"facet": FACET_LABELS[name], "label": label, "remove": self.url(drop=(name, value))})
        if self.period:
            chips.append({"facet": FACET_LABELS["period"], "label": self.period,
                          "remove": self.url(drop=("period", self.period))})
        return chips

    def _ids(self, name: str, value: str) -> list[str]:
        try:
            return self.catalog.resolve_value(name, value)
        except SearchInputError:
            return []

    def pairs(self, *, drop: tuple[str, str] | None = None, k: int | None = None) -> list[tuple[str, str]]:
        out = [("q", self.q)] if self.q else []
        for name, values in self.facets.items():
            out += [(name, v) for v in values if (name, v) != drop]
        if self.period and drop != ("period", self.period):
            out.append(("period", self.period))
        if self.mode != "hybrid":
            out.append(("mode", self.mode))
        if (k or self.k) != 10:
            out.append(("k", str(k or self.k)))
        return out

    def url(self, *, drop: tuple[str, str] | None = None, k: int | None = None) -> str:
        pairs = self.pairs(drop=drop, k=k)
        return "/?" + urlencode(pairs) if pairs else "/"

    def hidden(self) -> list[tuple[str, str]]:
        """Active filter values the drop-down lists cannot show (actors, a second value of a facet),
        kept as hidden fields so that submitting the form again keeps them."""
        out = []
        for name, values in self.facets.items():
            rest = values if name not in FORM_FACETS else values[1:]
            out += [(name, v) for v in rest]
        return out

    def select_value(self, name: str) -> str | None:
        """The value id the drop-down list of ``name`` shows as chosen."""
        values = self.facets.get(name)
        if not values:
            return None
        ids = self._ids(name, values[0])
        return ids[0] if ids else None


def facet_options(catalog, state: FormState) -> list[dict]:
    """The drop-down lists of the form: values with at least one case (and the chosen one)."""
    out = []
    for name in FORM_FACETS:
        chosen = state.select_value(name)
        values = [v for v in catalog.values(name) if v.count > 0 or v.id == chosen]
        out.append({"name": name, "label": FACET_LABELS[name], "chosen": chosen,
                    "values": [{"id": v.id, "label": v.label, "count": v.count} for v in values]})
    return out


# -- SPARQL ------------------------------------------------------------------------------------
def _example_queries() -> list[dict]:
    prefixes = ("PREFIX coop: <https://w3id.org/coopkg/ontology#>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    dcterms = "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    return [
        {"id": "pnr-epci", "title": "Cas réunissant un parc naturel régional et une intercommunalité, avec leurs leviers",
         "query": prefixes + """
SELECT ?case (GROUP_CONCAT(DISTINCT ?lever; separator=" | ") AS ?levers) WHERE {
  ?c a coop:CooperationCase ; rdfs:label ?case ;
     coop:involves ?pnr , ?epci ; coop:mobilisesLever/skos:prefLabel ?lever .
  ?pnr a coop:PNR . ?epci a coop:EPCI .
  FILTER(LANG(?lever) = "fr")
} GROUP BY ?case"""},
        {"id": "instruments-themes", "title": "Nombre de cas par famille d'instrument et par thème",
         "query": prefixes + """
SELECT ?type ?theme (COUNT(DISTINCT ?c) AS ?cases) WHERE {
  ?c coop:usesInstrument/a ?t ; coop:hasTheme/skos:prefLabel ?theme .
  ?t rdfs:subClassOf coop:CooperationInstrument ; rdfs:label ?type .
  FILTER(LANG(?type) = "fr" && LANG(?theme) = "fr")
} GROUP BY ?type ?theme ORDER BY DESC(?cases)"""},
        {"id": "roles-sources", "title": "Qui a participé à un cas, dans quel rôle, et d'où vient chaque fait",
         "query": prefixes + dcterms + """
SELECT ?actor ?role ?document ?section WHERE {
  <https://w3id.org/coopkg/id/case/contrat-reciprocite-brest-cob>
      coop:hasParticipation [ coop:participant/rdfs:label ?actor ; coop:role/skos:prefLabel ?role ] ;
      coop:evidence [ coop:section ?section ; coop:inDocument/dcterms:title ?document ] .
  FILTER(LANG(?role) = "fr")
}"""},
        {"id": "leviers-axes", "title": "Les leviers par axe de la roue de la coopération",
         "query": prefixes + """
SELECT ?axis ?lever WHERE {
  ?l a coop:Lever ; coop:axis/skos:prefLabel ?axis ; skos:prefLabel ?lever ; coop:rank ?r
  FILTER(LANG(?axis) = "fr" && LANG(?lever) = "fr")
} ORDER BY ?r"""},
    ]


EXAMPLES = _example_queries()


def run_sparql(settings, store, query: str) -> dict:
    """Run ``query`` the way ``/sparql`` does (api/sparql.py: a worker process, the result cap
    ``COOPKG_SPARQL_MAX_RESULTS`` and the timeout ``COOPKG_SPARQL_TIMEOUT``); SELECT/ASK results
    as SPARQL JSON, CONSTRUCT/DESCRIBE as Turtle. Returns the endpoint's reply:
    ``{"ok": True, "body": bytes, "fmt": "json"|"turtle", ...}`` or ``{"ok": False, "status",
    "detail", ...}``."""
    try:
        from . import sparql as endpoint
    except ImportError:  # pragma: no cover - the endpoint module is part of the application
        endpoint = None
    public = getattr(endpoint, "run_query", None)
    if public is not None:  # the endpoint's public entry point, when it has one
        return public(settings, store, query, result_fmt="json", graph_fmt="turtle")
    if endpoint is not None and hasattr(endpoint, "_pool") and hasattr(endpoint, "_target"):
        job = {"query": query, "default_graphs": [], "named_graphs": [], "result_fmt": "json", "graph_fmt": "turtle",
               "max_results": settings.sparql_max_results, "allow_service": settings.sparql_allow_service,
               "timeout": settings.sparql_timeout}
        try:
            target = endpoint._target(store)
        except Exception as exc:  # noqa: BLE001 - a store the endpoint cannot serve
            return {"ok": False, "status": 500, "detail": str(getattr(exc, "detail", exc))}
        return endpoint._pool(target).run(job, settings.sparql_timeout)
    return _run_in_process(settings, store, query)  # pragma: no cover


def _run_in_process(settings, store, query: str) -> dict:  # pragma: no cover - fallback without api.sparql
    from kb.queries import with_prefixes
    from kb.store import QueryError

    try:
        body, media = store.raw_query(with_prefixes(query), "json")
    except QueryError as exc:
        return {"ok": False, "status": 400, "detail": f"SPARQL syntax error: {exc}"}
    if "turtle" in media:
        return {"ok": True, "body": body, "fmt": "turtle"}
    data = json.loads(body)
    if len(data.get("results", {}).get("bindings", [])) > settings.sparql_max_results:
        return {"ok": False, "status": 400, "detail": f"the result has more than {settings.sparql_max_results} rows"}
    return {"ok": True, "body": body, "fmt": "json"}


def french_sparql_error(reply: dict, settings) -> tuple[str, str]:
    """(French message, technical detail) for a refused or failed query."""
    status, detail = reply.get("status", 500), str(reply.get("detail", ""))
    if status == 400 and "syntax error" in detail:
        return "Erreur de syntaxe dans la requête SPARQL.", detail.split(":", 1)[-1].strip()
    if status == 400 and "more than" in detail:
        return (f"Le résultat dépasse {settings.sparql_max_results} lignes, le maximum affiché : ajoutez "
                f"LIMIT {settings.sparql_max_results} (et OFFSET pour parcourir la suite) ou précisez la requête.", "")
    if status == 403:
        if "SERVICE" in detail:
            return "Les requêtes fédérées (SERVICE) sont désactivées sur ce serveur.", ""
        return ("Ce point d'accès est en lecture seule : seules les requêtes SELECT, ASK, CONSTRUCT et DESCRIBE "
                "sont acceptées (pas de mise à jour SPARQL)."), ""
    if status == 503:
        if "already running" in detail:
            return "Trop de requêtes sont en cours : réessayez dans quelques secondes.", ""
        return (f"La requête a dépassé le temps maximal ({settings.sparql_timeout:g} s) et a été arrêtée : "
                "précisez-la (motifs plus sélectifs, LIMIT)."), ""
    if status == 406:
        return "Cette forme de requête ne peut pas être affichée ici.", ""
    return "La requête a échoué.", detail


def sparql_table(reply: dict, base_iri: str) -> dict:
    """A reply of the endpoint as what the page shows: a table (SELECT), a yes/no (ASK) or text
    (CONSTRUCT/DESCRIBE as Turtle)."""
    if reply["fmt"] != "json":
        body = reply["body"]
        return {"kind": "graph", "text": body.decode("utf-8") if isinstance(body, bytes) else str(body)}
    data = json.loads(reply["body"])
    if "boolean" in data:
        return {"kind": "boolean", "value": bool(data["boolean"])}
    names = data.get("head", {}).get("vars", [])
    rows = []
    base_path = urlparse(base_iri).path
    for binding in data.get("results", {}).get("bindings", []):
        row = []
        for name in names:
            term = binding.get(name)
            if term is None:
                row.append(None)
            elif term.get("type") == "uri":
                iri = term["value"]
                href = base_path + iri[len(base_iri):] if iri.startswith(base_iri) else iri
                row.append({"kind": "iri", "text": iri, "href": href})
            else:
                row.append({"kind": term.get("type", "literal"), "text": term.get("value", ""),
                            "lang": term.get("xml:lang", "")})
        rows.append(row)
    return {"kind": "table", "vars": names, "rows": rows}


# -- the router --------------------------------------------------------------------------------
def make_router(settings) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    base_iri = settings.base_iri
    base_path = urlparse(base_iri).path or "/"

    def ld_href(iri: str) -> str:
        """This server's path for an IRI of the base (its linked-data page), else the IRI."""
        return base_path + iri[len(base_iri):] if iri.startswith(base_iri) else iri

    def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
        context.setdefault("section", "")
        html = ENV.get_template(template).render(request_path=request.url.path, ld_href=ld_href, **context)
        return HTMLResponse(html, status_code=status_code)

    def not_found(request: Request, message: str, suggestions=()) -> HTMLResponse:
        return page(request, "erreur.html", 404, title="Page introuvable", message=message,
                    suggestions=list(suggestions))

    @router.get("/", response_class=HTMLResponse)
    def ui_home(request: Request, service: ServiceDep, store: StoreDep, cache: CacheDep):
        catalog = facet_catalog(store, cache)
        state = FormState(request, catalog)
        response = None
        listing = None
        error = None
        if state.errors:
            pass
        elif state.has_q:
            try:
                query = check_query(state.q)
            except SearchInputError as exc:
                error = french_query_error(exc)
            else:
                try:
                    response = service.search({"query": query, "k": state.k, "mode": state.mode,
                                               "facets": state.contract_facets().model_dump()})
                except SearchInputError:
                    error = "Cette recherche ne peut pas être faite : vérifiez les filtres."
        elif "q" in request.query_params and not state.has_filters:
            error = french_query_error(SearchInputError("empty query"))
        elif state.has_filters:
            ids = sorted(service.catalog.candidates(store, state.contract_facets()) or ())
            cards = service.cards(ids)
            listing = sorted(cards.values(), key=lambda c: c["label"].casefold())
        results = []
        if response is not None:
            for result in response.results:
                passage = result.why.passage
                results.append({"r": result, "segments": highlight(passage.text, passage.spans) if passage else []})
        status = 400 if (state.errors or error) else 200
        title = f"{state.q} — recherche" if state.has_q else ("Cas filtrés" if listing is not None else "Rechercher")
        return page(request, "accueil.html", status, title=title, section="recherche", state=state,
                    options=facet_options(catalog, state), modes=MODE_LABELS, examples=EXAMPLE_QUESTIONS,
                    response=response, results=results, listing=listing, error=error,
                    warnings=[french_warning(w) for w in (response.warnings if response else [])],
                    more_url=state.url(k=min(MAX_K, state.k + 10)) if response and len(response.results) >= state.k
                    and state.k < MAX_K else None, max_chars=MAX_QUERY_CHARS)

    @router.get("/cas", response_class=HTMLResponse)
    def ui_cases(request: Request, service: ServiceDep, store: StoreDep, cache: CacheDep):
        cards = service.cards(all_case_ids(store, cache))
        listing = sorted(cards.values(), key=lambda c: c["label"].casefold())
        return page(request, "cas_liste.html", title="Tous les cas", section="cas", listing=listing)

    @router.get("/cas/{case_id}", response_class=HTMLResponse)
    def ui_case(case_id: str, request: Request, service: ServiceDep, store: StoreDep, cache: CacheDep):
        ids = all_case_ids(store, cache)
        if not (valid_case_id(case_id) and case_id in set(ids)):
            import difflib

            close = difflib.get_close_matches(case_id, ids, n=3, cutoff=0.5)
            cards = service.cards(close)
            return not_found(request, f"Aucun cas n'a l'identifiant « {case_id} ».",
                             [{"id": c, "label": cards[c]["label"]} for c in close if c in cards])
        detail = case_detail(store, case_id)
        try:
            similar = service.similar(case_id, 5).results
        except SearchInputError:  # a case of the store missing from the search index
            similar = []
        return page(request, "cas.html", title=detail.label, section="cas", case=detail, similar=similar,
                    ld=ld_href(detail.iri))

    @router.get("/leviers", response_class=HTMLResponse)
    def ui_levers(request: Request, store: StoreDep, cache: CacheDep):
        wheel = cache.get("vocab:levers", lambda: vocab.lever_wheel(store))
        catalog = facet_catalog(store, cache)
        counts = {v.id: v.count for v in catalog.values("lever")}
        axis_counts = {v.id: v.count for v in catalog.values("axis")}
        return page(request, "leviers.html", title="Les leviers de la coopération", section="leviers", wheel=wheel,
                    counts=counts, axis_counts=axis_counts)

    def listing_page(name: str, facet: str, title: str, section: str, intro: str, extra=None):
        def endpoint(request: Request, store: StoreDep, cache: CacheDep):
            listing = cache.get(f"vocab:{name}", lambda: vocab.concept_list(store, name))
            catalog = facet_catalog(store, cache)
            counts = {v.id: v.count for v in catalog.values(facet)}
            context = {"actors": [v for v in catalog.values("actor") if v.count > 0]} if extra == "actors" else {}
            return page(request, "liste.html", title=title, section=section, concepts=tree(listing.concepts),
                        counts=counts, facet=facet, intro=intro, **context)

        return endpoint

    for path, name, facet, title, intro, extra in (
        ("/instruments", "instrument-types", "instrument", "Les instruments de la coopération",
         "Les types d'instruments (conventions, contrats, pactes…), du plus général au plus précis. Un type "
         "englobe ses sous-types : chercher « contrat » trouve aussi les contrats de réciprocité.", None),
        ("/notions", "concepts", "concept", "Les notions", "Les notions qui éclairent la coopération territoriale.", None),
        ("/themes", "themes", "theme", "Les thèmes", "Les domaines d'action des coopérations.", None),
        ("/acteurs", "actor-types", "actor_type", "Les acteurs",
         "Les types d'acteurs, puis chaque acteur nommé dans les cas.", "actors"),
    ):
        router.add_api_route(path, listing_page(name, facet, title, path.strip("/"), intro, extra), methods=["GET"],
                             response_class=HTMLResponse, name="ui_" + path.strip("/"))

    @router.get(SPARQL_PAGE, response_class=HTMLResponse)
    def ui_sparql(request: Request, settings: SettingsDep, store: StoreDep, query: str | None = None,
                  exemple: str | None = None):
        example = next((e for e in EXAMPLES if e["id"] == exemple), None)
        if query is None and example is not None:
            query = example["query"]  # an example link loads the query and runs it
        text = query if query is not None else EXAMPLES[0]["query"]
        result, error, status = None, None, 200
        if query is not None:
            if not query.strip():
                error, status = ("Saisissez une requête SPARQL.", ""), 400
            elif len(query.encode("utf-8")) > 100_000:
                error, status = ("La requête dépasse 100 ko.", ""), 400
            else:
                reply = run_sparql(settings, store, query)
                if reply.get("ok"):
                    result = sparql_table(reply, base_iri)
                else:
                    error, status = french_sparql_error(reply, settings), int(reply.get("status") or 500)
        return page(request, "requetes.html", status, title="Requêtes SPARQL", section="sparql", query=text,
                    examples=EXAMPLES, result=result, error=error, settings=settings)

    return router


def tree(concepts) -> list[dict]:
    """Concepts as a forest (``broader``/``narrower``): nodes ``{"c": concept, "children": [...]}``,
    children by rank then label. A concept is shown once (under its first parent)."""
    by_id = {c.id: c for c in concepts}
    seen: set[str] = set()
    order = lambda c: (c.rank if c.rank is not None else 10**6, c.prefLabel.get("fr", c.id).casefold())  # noqa: E731

    def node(concept) -> dict:
        seen.add(concept.id)
        children = [by_id[n] for n in concept.narrower if n in by_id and n not in seen]
        kids = [node(child) for child in sorted(children, key=order) if child.id not in seen]
        return {"c": concept, "children": kids}

    roots = [node(c) for c in concepts if not any(b in by_id for b in c.broader) and c.id not in seen]
    roots += [node(c) for c in concepts if c.id not in seen]  # cycles
    return roots
