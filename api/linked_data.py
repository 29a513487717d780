"""Linked data: every IRI the base mints dereferences, the ontology is served at its own IRI, the
dataset is described (DCAT + VoID) and dumped (docs/api.md).

Routes (``make_router(settings)``, because the path of the base IRI is a setting):

- ``<path of COOPKG_BASE_IRI>{path}`` (``/coopkg/id/…`` for the default base
  ``https://w3id.org/coopkg/id/``) and the local alias ``/id/{path}``: the description of the
  resource ``<base>{path}``;
- ``/coopkg/ontology`` (the path of the ontology IRI) and the alias ``/ontology``: ontology/coopkg.ttl;
- ``/dataset`` (and ``<base>dataset``): the DCAT + VoID description;
- ``/dumps/coopkg.ttl.gz``, ``/dumps/coopkg.jsonld``, ``/dumps/cases.csv``.

Formats are chosen by the ``Accept`` header (q-values respected; ``*/*`` or no header → Turtle;
a browser, which asks for ``text/html`` explicitly, gets HTML) or by an extension (``.ttl``,
``.jsonld``, ``.nt``, ``.rdf``, ``.html``), which wins over ``Accept``. Responses are direct 200s
(no 303 redirect) with ``Vary: Accept`` and ``Link`` headers to the other formats.
"""
from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path
from urllib.parse import urlparse

from fastapi import APIRouter, Request, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kb.queries import PREFIXES, with_prefixes
from search.facets import fold
from ontology import ONTOLOGY_FILE
from ontology.namespace import COOP, DCAT, DCTERMS, ONTOLOGY_IRI, PROV, VOID

from .deps import CacheDep, SettingsDep, StoreDep
from .errors import ApiError

COOP_NS = str(COOP._NS)
ONTOLOGY_PATH = urlparse(str(ONTOLOGY_IRI)).path  # /coopkg/ontology
ONTOLOGY_ALIAS = "/ontology"
LOCAL_ALIAS = "/id/"
TEMPLATES = Path(__file__).resolve().parent / "templates"

# format -> (media type, extension, rdflib serializer); the order is the server's preference.
FORMATS: dict[str, tuple[str, str, str | None]] = {
    "turtle": ("text/turtle", "ttl", "turtle"),
    "jsonld": ("application/ld+json", "jsonld", "json-ld"),
    "nt": ("application/n-triples", "nt", "nt"),
    "rdfxml": ("application/rdf+xml", "rdf", "xml"),
    "html": ("text/html", "html", None),
}
# Other media types accepted for a format.
MEDIA_ALIASES = {"application/x-turtle": "turtle", "application/json": "jsonld", "application/xhtml+xml": "html"}
EXTENSIONS = {ext: fmt for fmt, (_, ext, _) in FORMATS.items()}
FORMAT_LABELS = {"turtle": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdfxml": "RDF/XML", "html": "HTML"}
EXTRA_PREFIXES = {"dcat": str(DCAT), "void": str(VOID)}
_UNSAFE_IRI = re.compile(r'[\s<>"{}|\\^`]')


# -- content negotiation -----------------------------------------------------------------------
def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        ranges.append((main, sub, q))
    return ranges


def negotiate(accept: str | None, formats=tuple(FORMATS)) -> str | None:
    """The best of ``formats`` for an Accept header, or None when it accepts none of them.

    Each format takes the q of the most specific range that matches it (RFC 9110 §12.5.1); the
    highest q wins, then an explicit match over a wildcard, then the server's order (Turtle
    first). No header, or ``*/*``, gives Turtle; browsers ask for ``text/html`` explicitly."""
    if not accept or not accept.strip():
        return formats[0]
    ranges = _media_ranges(accept)
    best, best_key = None, None
    for rank, fmt in enumerate(formats):
        medias = [FORMATS[fmt][0]] + [m for m, f in MEDIA_ALIASES.items() if f == fmt]
        match = None  # (specificity, q)
        for n, media in enumerate(medias):  # wildcards match the primary type only (it is what is sent)
            main, _, sub = media.partition("/")
            for r_main, r_sub, q in ranges:
                if (r_main, r_sub) == (main, sub):
                    spec = 2
                elif n > 0:
                    continue
                elif r_main == main and r_sub == "*":
                    spec = 1
                elif (r_main, r_sub) == ("*", "*"):
                    spec = 0
                else:
                    continue
                if match is None or spec > match[0]:
                    match = (spec, q)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -rank)
        if best_key is None or key > best_key:
            best, best_key = fmt, key
    return best


def _not_acceptable(formats=tuple(FORMATS)) -> ApiError:
    offered = ", ".join(FORMATS[f][0] for f in formats)
    return ApiError(406, f"none of the requested media types is available; this resource is offered as {offered} "
                         f"(or add an extension: {', '.join('.' + FORMATS[f][1] for f in formats)})", field="Accept")


def choose_format(request: Request, ext_format: str | None) -> str:
    if ext_format is not None:
        return ext_format
    fmt = negotiate(request.headers.get("accept"))
    if fmt is None:
        raise _not_acceptable()
    return fmt


def split_extension(path: str) -> tuple[str, str | None]:
    """("case/x", "turtle") for "case/x.ttl"; (path, None) without a known extension."""
    stem, dot, ext = path.rpartition(".")
    if dot and stem and "/" not in ext and ext in EXTENSIONS:
        return stem, EXTENSIONS[ext]
    return path, None


# -- RDF ---------------------------------------------------------------------------------------
def _graph(triples=(), *, base_iri: str | None = None) -> Graph:
    g = Graph(bind_namespaces="core")
    for prefix, ns in {**PREFIXES, **EXTRA_PREFIXES}.items():
        g.bind(prefix, ns, override=True)
    if base_iri:
        g.bind("id", base_iri, override=True)
    for t in triples:
        g.add(t)
    return g


def serialize(graph: Graph, fmt: str) -> bytes:
    if fmt == "jsonld":
        context = {p: str(ns) for p, ns in graph.namespaces() if p}
        return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return graph.serialize(format=FORMATS[fmt][2], encoding="utf-8")


def safe_iri(iri: str) -> bool:
    """Whether ``iri`` can be put in a query: no unsafe character, and a valid IRI for Oxigraph
    (which refuses e.g. control characters and non-characters such as U+FFF0)."""
    if _UNSAFE_IRI.search(iri):
        return False
    try:
        import pyoxigraph

        pyoxigraph.NamedNode(iri)
    except ValueError:
        return False
    return True


def describe(store, iri: str, base_iri: str) -> Graph:
    """All triples with ``iri`` as subject (union of graphs), the triples of the resources nested
    under it that it points to (a case's participations, instruments, governance bodies) and the
    labels of every object."""
    triples = store.construct(with_prefixes(f"""
        CONSTRUCT {{ ?s ?p ?o . ?o ?lp ?l }} WHERE {{
          {{ BIND(<{iri}> AS ?s) ?s ?p ?o }}
          UNION
          {{ <{iri}> ?link ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{iri}/")) ?s ?p ?o }}
          OPTIONAL {{ ?o ?lp ?l . FILTER(isIRI(?o) && ?lp IN (rdfs:label, skos:prefLabel) && LANG(?l) IN ("fr", "en", "")) }}
        }}"""))
    return _graph(triples, base_iri=base_iri)


def ontology_graph(cache) -> Graph:
    return cache.get("ontology_graph", lambda: _graph().parse(ONTOLOGY_FILE, format="turtle"))


def public_base(request: Request, settings) -> str:
    return settings.public_url or str(request.base_url).rstrip("/")


def dataset_iri(settings) -> str:
    return settings.base_iri + "dataset"


def dataset_counts(store, settings) -> dict:
    from kb.queries import stats

    base = settings.base_iri
    one = lambda q: int(store.select(with_prefixes(q)).rows[0][0])  # noqa: E731
    return {
        "triples": one("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"),
        "entities": one(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}'),
        "subjects": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "properties": one("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "classes": stats(store)["classes"],
        "sources": sorted(str(r[0]) for r in store.select(with_prefixes(
            "SELECT DISTINCT ?d WHERE { ?d a coop:SourceDocument }")).rows),
        "example": next((str(r[0]) for r in store.select(with_prefixes(
            "SELECT ?c WHERE { ?c a coop:CooperationCase } ORDER BY ?c LIMIT 1")).rows), None),
    }


DUMPS = {  # path under /dumps/ -> (media type, title fr, title en)
    "coopkg.ttl.gz": ("application/gzip", "Toute la base en Turtle (gzip)", "The whole base as Turtle (gzip)"),
    "coopkg.jsonld": ("application/ld+json", "Toute la base en JSON-LD", "The whole base as JSON-LD"),
    "cases.csv": ("text/csv", "Les cas, un par ligne (CSV ; séparé, UTF-8)", "The cases, one per row (CSV, ;-separated, UTF-8)"),
}


def dataset_graph(settings, counts: dict, public: str) -> Graph:
    """The DCAT + VoID description of the dataset (no licence or publisher: no setting says them
    yet; docs/api.md)."""
    ds = URIRef(dataset_iri(settings))
    g = _graph(base_iri=settings.base_iri)
    lit = Literal
    add = lambda s, p, o: g.add((s, p, o))  # noqa: E731
    add(ds, RDF.type, DCAT.Dataset)
    add(ds, RDF.type, VOID.Dataset)
    add(ds, DCTERMS.title, lit("Coopérations territoriales : base de pratiques (coopkg)", lang="fr"))
    add(ds, DCTERMS.title, lit("Territorial cooperation practices (coopkg)", lang="en"))
    add(ds, DCTERMS.description, lit(
        "Graphe de connaissances des pratiques de coopération entre collectivités françaises : cas de coopération, "
        "acteurs et leurs rôles, instruments, leviers, notions, thèmes, territoires, avec la source de chaque fait.",
        lang="fr"))
    add(ds, DCTERMS.description, lit(
        "Knowledge graph of cooperation practices between French local authorities: cooperation cases, actors and "
        "their roles, instruments, levers, concepts, themes and territories, with the source of each fact.", lang="en"))
    add(ds, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/fr"))
    for kw in ("coopération territoriale", "collectivités territoriales", "interterritorialité", "action publique"):
        add(ds, DCAT.keyword, lit(kw, lang="fr"))
    add(ds, DCTERMS.conformsTo, ONTOLOGY_IRI)
    add(ds, VOID.vocabulary, URIRef(COOP_NS))
    add(ds, VOID.uriSpace, lit(settings.base_iri))
    add(ds, VOID.sparqlEndpoint, URIRef(f"{public}/sparql"))
    if counts.get("example"):
        add(ds, VOID.exampleResource, URIRef(counts["example"]))
    add(ds, VOID.triples, lit(counts["triples"], datatype=XSD.integer))
    add(ds, VOID.entities, lit(counts["entities"], datatype=XSD.integer))
    add(ds, VOID.distinctSubjects, lit(counts["subjects"], datatype=XSD.integer))
    add(ds, VOID.properties, lit(counts["properties"], datatype=XSD.integer))
    add(ds, VOID.classes, lit(len(counts["classes"]), datatype=XSD.integer))
    for source in counts["sources"]:
        add(ds, PROV.wasDerivedFrom, URIRef(source))
    for name, (media, title_fr, title_en) in DUMPS.items():
        dist = URIRef(f"{ds}#dump-{name.replace('.', '-')}")
        url = URIRef(f"{public}/dumps/{name}")
        if name != "cases.csv":
            add(ds, VOID.dataDump, url)
        add(ds, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCTERMS.title, lit(title_fr, lang="fr"))
        add(dist, DCTERMS.title, lit(title_en, lang="en"))
        add(dist, DCAT.downloadURL, url)
        add(dist, DCAT.accessURL, url)
        if name.endswith(".gz"):
            add(dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/turtle"))
            add(dist, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip"))
        else:
            add(dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}"))
    service = URIRef(f"{ds}#sparql")
    add(service, RDF.type, DCAT.DataService)
    add(service, DCTERMS.title, lit("Point d'accès SPARQL 1.1", lang="fr"))
    add(service, DCTERMS.title, lit("SPARQL 1.1 endpoint", lang="en"))
    add(service, DCAT.endpointURL, URIRef(f"{public}/sparql"))
    add(service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, DCAT.servesDataset, ds)
    for row in counts["classes"]:
        part = URIRef(f"{ds}#class-{row['iri'].rsplit('#', 1)[-1]}")
        add(ds, VOID.classPartition, part)
        add(part, VOID["class"], URIRef(row["iri"]))
        add(part, VOID.entities, lit(row["count"], datatype=XSD.integer))
    return g


# -- dumps -------------------------------------------------------------------------------------
CSV_COLUMNS = ("id", "iri", "label", "summary", "actors", "instruments", "levers", "concepts", "themes",
               "territories", "departements", "regions", "period", "sources")
CSV_JOIN = " | "


def cases_csv(store, case_ids: list[str]) -> bytes:
    """One row per case, ``;``-separated, UTF-8 with a byte-order mark (Excel in French opens it
    as is), CRLF line ends; lists joined with `` | ``."""
    from search.cards import case_cards

    cards = case_cards(store, case_ids)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    join = lambda items: CSV_JOIN.join(dict.fromkeys(x for x in items if x))  # noqa: E731
    for cid in sorted(cards):
        c = cards[cid]
        writer.writerow([
            c["id"], c["iri"], c["label"], c["summary"],
            join(f"{a.label} ({a.role})" if a.role else a.label for a in c["actors"]),
            join(f"{i.label} ({', '.join(i.types)})" if i.types and i.types != [i.label] else i.label
                 for i in c["instruments"]),
            join(f"{r.id} {r.label}" for r in c["levers"]),
            join(r.label for r in c["concepts"]),
            join(r.label for r in c["themes"]),
            join(t.label for t in c["territories"]),
            join(d for t in c["territories"] for d in t.departements),
            join(r for t in c["territories"] for r in t.regions),
            c["period"],
            join(s.title for s in c["sources"]),
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- HTML --------------------------------------------------------------------------------------
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals["ontology_path"] = ONTOLOGY_PATH

PREDICATE_LABELS = {
    str(RDF.type): "type", str(RDFS.label): "libellé", str(RDFS.comment): "commentaire",
    str(RDFS.subClassOf): "sous-classe de", str(RDFS.subPropertyOf): "sous-propriété de",
    str(RDFS.domain): "domaine", str(RDFS.range): "portée",
    str(SKOS.prefLabel): "libellé préféré", str(SKOS.altLabel): "autre libellé", str(SKOS.definition): "définition",
    str(SKOS.notation): "notation", str(SKOS.broader): "concept plus large", str(SKOS.narrower): "concept plus précis",
    str(SKOS.inScheme): "dans le schéma", str(SKOS.topConceptOf): "concept de tête de",
    str(SKOS.hasTopConcept): "concept de tête", str(SKOS.scopeNote): "note d'application",
    str(DCTERMS.title): "titre", str(DCTERMS.abstract): "résumé", str(DCTERMS.description): "description",
    str(DCTERMS.source): "source", str(DCTERMS.language): "langue", str(DCTERMS.conformsTo): "conforme à",
    str(DCTERMS.publisher): "éditeur", str(DCTERMS.license): "licence", str(DCTERMS.date): "date",
    str(PROV.wasDerivedFrom): "dérivé de", str(PROV.qualifiedAssociation): "association qualifiée (PROV)",
    str(PROV.agent): "agent (PROV)", str(PROV.hadRole): "rôle (PROV)",
    str(DCAT.distribution): "distribution", str(DCAT.downloadURL): "adresse de téléchargement",
    str(DCAT.accessURL): "adresse d'accès", str(DCAT.mediaType): "type de média", str(DCAT.keyword): "mot-clé",
    str(DCAT.compressFormat): "format de compression", str(DCAT.endpointURL): "adresse du service",
    str(DCAT.servesDataset): "sert le jeu de données",
    str(VOID.sparqlEndpoint): "point d'accès SPARQL", str(VOID.dataDump): "export complet",
    str(VOID.triples): "nombre de triplets", str(VOID.entities): "nombre d'entités",
    str(VOID.distinctSubjects): "sujets distincts", str(VOID.properties): "propriétés distinctes",
    str(VOID.classes): "classes distinctes", str(VOID.classPartition): "partition par classe",
    str(VOID["class"]): "classe", str(VOID.uriSpace): "espace d'IRI", str(VOID.vocabulary): "vocabulaire",
    str(VOID.exampleResource): "ressource exemple",
}


def _curie(graph: Graph, iri: str) -> str:
    for prefix, ns in sorted(graph.namespaces(), key=lambda item: -len(str(item[1]))):
        if prefix and iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri


class HtmlView:
    """Turns a graph into the view model of templates/ld/resource.html."""

    def __init__(self, graph: Graph, settings, ontology: Graph):
        self.graph = graph
        self.settings = settings
        self.labels = self._labels(graph)
        self.ontology_labels = self._labels(ontology, languages=("fr",))

    @staticmethod
    def _labels(graph: Graph, languages=("fr", "en", "")) -> dict[str, str]:
        found: dict[str, dict[str, str]] = {}
        for prop in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
            for s, o in graph.subject_objects(prop):
                if isinstance(o, Literal) and (o.language or "") in languages:
                    found.setdefault(str(s), {}).setdefault(o.language or "", str(o))
        return {s: next(v[lang] for lang in languages if lang in v) for s, v in found.items()
                if any(lang in v for lang in languages)}

    def href(self, iri: str) -> str:
        base = self.settings.base_iri
        if iri.startswith(base):
            return urlparse(base).path + iri[len(base):]
        if iri == str(ONTOLOGY_IRI) or iri.startswith(COOP_NS):
            return ONTOLOGY_PATH + iri[len(str(ONTOLOGY_IRI)):]
        return iri

    def term(self, node) -> dict:
        if isinstance(node, Literal):
            dt = _curie(self.graph, str(node.datatype)) if node.datatype else ""
            return {"kind": "literal", "text": str(node), "lang": node.language or "", "datatype": dt}
        if isinstance(node, BNode):
            return {"kind": "bnode", "text": "structure anonyme (voir la version Turtle)"}
        iri = str(node)
        label = self.labels.get(iri) or self.ontology_labels.get(iri) or ""
        return {"kind": "iri", "iri": iri, "href": self.href(iri), "label": label, "curie": _curie(self.graph, iri)}

    def section(self, subject, anchor: str | None = None) -> dict:
        rows: dict[str, list] = {}
        for p, o in self.graph.predicate_objects(subject):
            rows.setdefault(str(p), []).append(o)
        sort_value = lambda o: (0 if isinstance(o, URIRef) else 1, fold(self.labels.get(str(o)) or str(o)), str(o))  # noqa: E731
        out = []
        for p in sorted(rows, key=lambda p: (p != str(RDF.type), fold(self._prop_label(p)), p)):
            out.append({"iri": p, "href": self.href(p), "curie": _curie(self.graph, p), "label": self._prop_label(p),
                        "values": [self.term(o) for o in sorted(set(rows[p]), key=sort_value)]})
        iri = str(subject)
        return {"iri": iri, "href": self.href(iri), "anchor": anchor, "title": self.labels.get(iri) or _curie(self.graph, iri),
                "rows": out}

    def _prop_label(self, p: str) -> str:
        return self.ontology_labels.get(p) or PREDICATE_LABELS.get(p) or _curie(self.graph, p)


def render_html(graph: Graph, main: str, settings, cache, *, others: list | None = None, page_url: str,
                kind: str = "resource") -> bytes:
    view = HtmlView(graph, settings, ontology_graph(cache))
    subject = URIRef(main)
    if others is None:
        others = sorted({s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(main + "/")
                         and s != subject}, key=str)
    sections = [view.section(s, anchor=_anchor(str(s), main)) for s in others]
    alternates = [{"label": FORMAT_LABELS[f], "href": f"{page_url}.{FORMATS[f][1]}", "media": FORMATS[f][0]}
                  for f in FORMATS if f != "html"]
    html = _env.get_template("ld/resource.html").render(
        main=view.section(subject), sections=sections, alternates=alternates, kind=kind,
        title=view.labels.get(main) or main)
    return html.encode("utf-8")


def _anchor(iri: str, main: str) -> str:
    rest = iri[len(main):].lstrip("/#") if iri.startswith(main) else iri
    return re.sub(r"[^A-Za-z0-9_-]+", "-", rest).strip("-") or "x"


def _links(page_url: str, formats=tuple(FORMATS)) -> str:
    return ", ".join(f'<{page_url}.{FORMATS[f][1]}>; rel="alternate"; type="{FORMATS[f][0]}"' for f in formats)


def rdf_response(body: bytes, fmt: str, page_url: str) -> Response:
    media = FORMATS[fmt][0] + ("; charset=utf-8" if fmt in ("html", "turtle", "nt") else "")
    return Response(body, media_type=media, headers={"Vary": "Accept", "Link": _links(page_url)})


def _page_url(request: Request, has_extension: bool) -> str:
    path = request.url.path
    return path.rsplit(".", 1)[0] if has_extension else path


# -- routes ------------------------------------------------------------------------------------
def make_router(settings) -> APIRouter:
    router = APIRouter(tags=["linked data"])
    base_path = urlparse(settings.base_iri).path or "/"

    def serve_resource(request: Request, path: str, settings, store, cache) -> Response:
        stem, ext_fmt = split_extension(path)
        candidates = [(stem, ext_fmt)] + ([(path, None)] if ext_fmt else [])
        for rest, fmt_from_ext in candidates:
            iri = settings.base_iri + rest
            if rest == "dataset":
                return serve_dataset(request, settings, store, cache, fmt_from_ext)
            if not rest or not safe_iri(iri):
                continue
            graph = describe(store, iri, settings.base_iri)
            if len(graph):
                fmt = choose_format(request, fmt_from_ext)
                page = _page_url(request, fmt_from_ext is not None)
                if fmt == "html":
                    return rdf_response(render_html(graph, iri, settings, cache, page_url=page), fmt, page)
                return rdf_response(serialize(graph, fmt), fmt, page)
        raise ApiError(404, f"no resource <{settings.base_iri + stem}> in the base; the IRIs it mints are listed "
                            "in the dumps (/dumps/coopkg.ttl.gz) and by /sparql", field="path")

    def serve_dataset(request: Request, settings, store, cache, ext_fmt: str | None) -> Response:
        fmt = choose_format(request, ext_fmt)
        counts = cache.get("dataset_counts", lambda: dataset_counts(store, settings))
        graph = dataset_graph(settings, counts, public_base(request, settings))
        page = _page_url(request, ext_fmt is not None)
        if fmt == "html":
            main = dataset_iri(settings)
            others = sorted({s for s in graph.subjects() if str(s).startswith(main + "#")}, key=str)
            return rdf_response(render_html(graph, main, settings, cache, others=others, page_url=page, kind="dataset"),
                                fmt, page)
        return rdf_response(serialize(graph, fmt), fmt, page)

    def serve_ontology(request: Request, cache, ext_fmt: str | None) -> Response:
        fmt = choose_format(request, ext_fmt)
        page = _page_url(request, ext_fmt is not None)
        if fmt == "turtle":
            return rdf_response(ONTOLOGY_FILE.read_bytes(), fmt, page)
        graph = ontology_graph(cache)
        if fmt == "html":
            body = cache.get(f"ontology_html:{page}", lambda: _ontology_html(graph, settings, page))
            return rdf_response(body, fmt, page)
        return rdf_response(cache.get(f"ontology:{fmt}", lambda: serialize(graph, fmt)), fmt, page)

    def _ext(ext: str) -> str:
        if ext not in EXTENSIONS:
            raise ApiError(404, f"unknown extension .{ext}; use one of "
                                f"{', '.join('.' + e for e in EXTENSIONS)}", field="extension")
        return EXTENSIONS[ext]

    # Fixed paths first: with a base IRI whose path is "/", the resource route matches everything.
    @router.get(ONTOLOGY_PATH, response_class=Response, responses=_RDF_RESPONSES)
    def get_ontology(request: Request, cache: CacheDep):
        """The coopkg ontology (OWL 2, ontology/coopkg.ttl) at its own IRI, by content negotiation.
        Terms are hash IRIs (…/ontology#PNR): the HTML page has one anchor per term."""
        return serve_ontology(request, cache, None)

    @router.get(ONTOLOGY_PATH + ".{ext}", response_class=Response, responses=_RDF_RESPONSES)
    def get_ontology_as(ext: str, request: Request, cache: CacheDep):
        """The ontology in the format of the extension (ttl, jsonld, nt, rdf, html)."""
        return serve_ontology(request, cache, _ext(ext))

    if ONTOLOGY_ALIAS != ONTOLOGY_PATH:
        @router.get(ONTOLOGY_ALIAS, response_class=Response, responses=_RDF_RESPONSES)
        def get_ontology_local(request: Request, cache: CacheDep):
            """Local alias of the ontology path (for a server not reached through w3id.org)."""
            return serve_ontology(request, cache, None)

    @router.get("/dataset", response_class=Response, responses=_RDF_RESPONSES)
    def get_dataset(request: Request, settings: SettingsDep, store: StoreDep, cache: CacheDep):
        """DCAT + VoID description of the dataset: titles, SPARQL endpoint, dumps, counts, class
        partitions (also served at <base IRI>dataset)."""
        return serve_dataset(request, settings, store, cache, None)

    @router.get("/dataset.{ext}", response_class=Response, responses=_RDF_RESPONSES)
    def get_dataset_as(ext: str, request: Request, settings: SettingsDep, store: StoreDep, cache: CacheDep):
        """The dataset description in the format of the extension."""
        return serve_dataset(request, settings, store, cache, _ext(ext))

    @router.get("/dumps/coopkg.ttl.gz", response_class=Response,
                responses={200: {"content": {"application/gzip": {}}, "description": "gzip-compressed Turtle"}})
    def dump_turtle(store: StoreDep, cache: CacheDep):
        """The whole base (union of all graphs) as gzip-compressed Turtle."""
        body = cache.get("dump:ttl.gz", lambda: gzip.compress(store.dump("turtle"), mtime=0))
        return Response(body, media_type="application/gzip",
                        headers={"Content-Disposition": 'attachment; filename="coopkg.ttl.gz"'})

    @router.get("/dumps/coopkg.jsonld", response_class=Response,
                responses={200: {"content": {"application/ld+json": {}}, "description": "JSON-LD"}})
    def dump_jsonld(store: StoreDep, cache: CacheDep):
        """The whole base (union of all graphs) as JSON-LD."""
        body = cache.get("dump:jsonld", lambda: store.dump("jsonld"))
        return Response(body, media_type="application/ld+json",
                        headers={"Content-Disposition": 'attachment; filename="coopkg.jsonld"'})

    @router.get("/dumps/cases.csv", response_class=Response,
                responses={200: {"content": {"text/csv": {}}, "description": "one row per case, ;-separated"}})
    def dump_cases_csv(store: StoreDep, cache: CacheDep):
        """The cases for spreadsheets: one row per case, `;`-separated, UTF-8 with BOM, lists joined with ` | `."""
        from .search_api import all_case_ids

        body = cache.get("dump:cases.csv", lambda: cases_csv(store, all_case_ids(store, cache)))
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="cases.csv"'})

    prefixes = [base_path] + ([LOCAL_ALIAS] if base_path != LOCAL_ALIAS else [])
    for i, prefix in enumerate(prefixes):
        def get_resource(path: str, request: Request, settings: SettingsDep, store: StoreDep, cache: CacheDep):
            return serve_resource(request, path, settings, store, cache)

        get_resource.__doc__ = (
            f"The description of the resource <{settings.base_iri}{{path}}> (every IRI the base mints): its "
            "triples, those of the resources nested under it and the labels of what it links to. Format by "
            "Accept or extension (.ttl .jsonld .nt .rdf .html)." if i == 0 else
            "Local alias of the resource route (/id/{path} serves <base IRI>{path}), for redirects such as w3id.org's.")
        router.add_api_route(prefix + "{path:path}", get_resource, methods=["GET"], response_class=Response,
                             name="get_resource" if i == 0 else "get_resource_local", responses=_RDF_RESPONSES)
    return router


def _ontology_html(graph: Graph, settings, page: str) -> bytes:
    from rdflib.namespace import OWL

    kinds = {OWL.Class: 0, OWL.ObjectProperty: 1, OWL.DatatypeProperty: 2, OWL.AnnotationProperty: 3}
    terms = [s for s in set(graph.subjects()) if isinstance(s, URIRef) and str(s).startswith(COOP_NS)]
    order = lambda s: (min((kinds.get(t, 9) for t in graph.objects(s, RDF.type)), default=9), str(s).casefold())  # noqa: E731
    view = HtmlView(_graph(graph), settings, graph)
    sections = [view.section(s, anchor=str(s)[len(COOP_NS):]) for s in sorted(terms, key=order)]
    alternates = [{"label": FORMAT_LABELS[f], "href": f"{page}.{FORMATS[f][1]}", "media": FORMATS[f][0]}
                  for f in FORMATS if f != "html"]
    html = _env.get_template("ld/resource.html").render(
        main=view.section(ONTOLOGY_IRI), sections=sections, alternates=alternates, kind="ontology",
        title=view.labels.get(str(ONTOLOGY_IRI)) or str(ONTOLOGY_IRI))
    return html.encode("utf-8")


_RDF_RESPONSES = {
    200: {"description": "the description, by content negotiation",
          "content": {FORMATS[f][0]: {} for f in FORMATS}},
    404: {"description": "no such resource; the error shape"},
    406: {"description": "no acceptable format; the error shape"},
}
