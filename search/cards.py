"""Result cards: what a practitioner needs to know about each case of a result list.

:func:`case_cards` reads, for a list of case ids, the keyword arguments of
:class:`search.contract.Result` except ``score`` and ``why``: label, summary, level, period, actors
(with their most specific types and their roles in the case), instruments (with their most
specific types), levers, concepts, themes, territories (with type, départements and régions) and
sources (documents with the passages the case cites). Nine queries per chunk of cases, with
``VALUES`` blocks of case (or passage) IRIs; lists are sorted deterministically (levers by rank,
the rest by label or id).
"""
from __future__ import annotations

from collections import defaultdict

from kb.queries import with_prefixes

from .contract import ActorRef, InstrumentRef, Ref, SourcePassage, SourceRef, TerritoryRef
from .facets import COOP_NS, case_id, case_iri_prefix, fold, valid_case_id

CHUNK = 200  # case IRIs per VALUES block
LIST_FIELDS = ("actors", "instruments", "levers", "concepts", "themes", "territories", "sources")

_CORE = """SELECT DISTINCT ?case ?label ?summary ?start ?end ?note ?level ?level_id ?level_label WHERE {
  VALUES_BLOCK ?case a coop:CooperationCase ; rdfs:label ?label . FILTER(LANG(?label) IN ("fr", ""))
  OPTIONAL { ?case dcterms:abstract ?summary FILTER(LANG(?summary) IN ("fr", "")) }
  OPTIONAL { ?case coop:startYear ?start } OPTIONAL { ?case coop:endYear ?end }
  OPTIONAL { ?case coop:periodNote ?note FILTER(LANG(?note) IN ("fr", "")) }
  OPTIONAL { ?case coop:cooperationLevel ?level . ?level skos:notation ?level_id ; skos:prefLabel ?level_label
             FILTER(LANG(?level_label) = "fr") }
}"""
_VOCAB = """SELECT DISTINCT ?case ?kind ?x ?id ?label ?rank WHERE {
  { VALUES_BLOCK ?case coop:mobilisesLever ?x BIND("levers" AS ?kind) }
  UNION { VALUES_BLOCK ?case coop:illustratesConcept ?x BIND("concepts" AS ?kind) }
  UNION { VALUES_BLOCK ?case coop:hasTheme ?x BIND("themes" AS ?kind) }
  ?x skos:notation ?id ; skos:prefLabel ?label . FILTER(LANG(?label) = "fr")
  OPTIONAL { ?x coop:rank ?rank }
}"""
_ACTORS = """SELECT DISTINCT ?case ?actor ?label ?role ?role_id ?role_label WHERE {
  VALUES_BLOCK ?case coop:hasParticipation ?p . ?p coop:participant ?actor .
  ?actor rdfs:label ?label . FILTER(LANG(?label) IN ("fr", ""))
  OPTIONAL { ?p coop:role ?role . ?role skos:notation ?role_id ; skos:prefLabel ?role_label
             FILTER(LANG(?role_label) = "fr") }
}"""
_INSTRUMENTS = """SELECT DISTINCT ?case ?instrument ?label WHERE {
  VALUES_BLOCK ?case coop:usesInstrument ?instrument .
  OPTIONAL { ?instrument rdfs:label ?label FILTER(LANG(?label) IN ("fr", "")) }
}"""
# Most specific coop types of the actors and instruments: types are materialised up the class
# tree, so a type is most specific when no other type of the individual is its subclass.
_TYPES = """SELECT DISTINCT ?x ?type ?type_id ?type_label WHERE {
  { VALUES_BLOCK ?case coop:involves ?x } UNION { VALUES_BLOCK ?case coop:usesInstrument ?x }
  ?x a ?type . FILTER(STRSTARTS(STR(?type), "COOP_NS"))
  FILTER NOT EXISTS { ?x a ?sub . ?sub rdfs:subClassOf ?type . FILTER(?sub != ?type) }
  OPTIONAL { ?type skos:notation ?type_id }
  OPTIONAL { ?type rdfs:label ?type_label FILTER(LANG(?type_label) = "fr") }
}"""
_TERRITORIES = """SELECT DISTINCT ?case ?t ?label ?kind ?x ?x_label WHERE {
  VALUES_BLOCK ?case coop:territory ?t . ?t rdfs:label ?label . FILTER(LANG(?label) IN ("fr", ""))
  OPTIONAL {
    { ?t coop:territoryType ?x BIND("type" AS ?kind) } UNION { ?t coop:inDepartement ?x BIND("departements" AS ?kind) }
    UNION { ?t coop:inRegion ?x BIND("regions" AS ?kind) }
    ?x rdfs:label ?x_label . FILTER(LANG(?x_label) = "fr")
  }
}"""
_SOURCES = """SELECT DISTINCT ?case ?doc ?title ?file WHERE {
  VALUES_BLOCK ?case dcterms:source ?doc .
  OPTIONAL { ?doc dcterms:title ?title FILTER(LANG(?title) IN ("fr", "")) }
  OPTIONAL { ?doc coop:fileName ?file }
}"""
# A passage's triples are stored in the graph of every case file that cites it, so the union
# default graph repeats them once per citing case: read (case, passage) pairs first, then each
# property of the passages alone (a join of the properties would multiply the repetitions).
_PASSAGES = """SELECT DISTINCT ?case ?passage WHERE { VALUES_BLOCK ?case coop:evidence ?passage }"""
_PASSAGE_PROPS = """SELECT DISTINCT ?passage ?prop ?value WHERE {
  VALUES_BLOCK VALUES ?prop { coop:inDocument coop:section coop:quote } ?passage ?prop ?value
}"""


def _last(iri) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _s(term) -> str:
    return "" if term is None else str(term)


def _select(store, template: str, iris: list[str], var: str = "case") -> list[dict]:
    """Run a query template with ``VALUES ?var { iris }`` in place of each VALUES_BLOCK."""
    block = f"VALUES ?{var} {{ " + " ".join(f"<{i}>" for i in iris) + " }"
    query = template.replace("VALUES_BLOCK", block).replace("COOP_NS", COOP_NS)
    return store.select(with_prefixes(query)).dicts()


def period_text(start, end, note: str = "") -> str:
    """"2016–2020", "depuis 2016", "jusqu'en 2020" or "2017"; then the period note, if any."""
    start, end = (str(y)[:4] if y is not None else "" for y in (start, end))
    if start and end:
        years = start if start == end else f"{start}–{end}"
    else:
        years = f"depuis {start}" if start else (f"jusqu'en {end}" if end else "")
    return " — ".join(x for x in (years, (note or "").strip()) if x)


def case_exists(store, case_id: str) -> bool:
    """Whether the store has a coop:CooperationCase with this id."""
    if not valid_case_id(case_id):
        return False
    return store.ask(with_prefixes(f"ASK {{ <{case_iri_prefix(store)}{case_id}> a coop:CooperationCase }}"))


def case_cards(store, case_ids: list[str], *, case_prefix: str | None = None) -> dict[str, dict]:
    """Case id → keyword arguments of contract.Result (without score and why), for the ids that
    exist in the store; unknown ids are absent."""
    ids = sorted({c for c in case_ids if valid_case_id(c)})
    if not ids:
        return {}
    prefix = case_prefix or case_iri_prefix(store)
    cards: dict[str, dict] = {}
    for start in range(0, len(ids), CHUNK):
        cards.update(_chunk_cards(store, [prefix + c for c in ids[start:start + CHUNK]]))
    return cards


def _chunk_cards(store, iris: list[str]) -> dict[str, dict]:
    cards: dict[str, dict] = {}
    for r in sorted(_select(store, _CORE, iris), key=lambda r: tuple(_s(v) for v in r.values())):
        cid = case_id(r["case"])
        if cid in cards:
            continue
        level = Ref(id=str(r["level_id"]), iri=str(r["level"]), label=str(r["level_label"])) if r["level"] else None
        cards[cid] = {"id": cid, "iri": str(r["case"]), "label": str(r["label"]), "summary": _s(r["summary"]),
                      "level": level, "period": period_text(r["start"], r["end"], _s(r["note"])),
                      **{key: [] for key in LIST_FIELDS}}
    if not cards:
        return {}
    types = _types(store, iris)
    for cid, fields in _vocab(store, iris).items():
        cards[cid].update(fields)
    for cid, actors in _actors(store, iris, types).items():
        cards[cid]["actors"] = actors
    for cid, instruments in _instruments(store, iris, types).items():
        cards[cid]["instruments"] = instruments
    for cid, territories in _territories(store, iris).items():
        cards[cid]["territories"] = territories
    for cid, sources in _sources(store, iris).items():
        cards[cid]["sources"] = sources
    return cards


def _vocab(store, iris) -> dict[str, dict[str, list[Ref]]]:
    found: dict[str, dict[str, dict[str, tuple]]] = defaultdict(lambda: defaultdict(dict))
    for r in _select(store, _VOCAB, iris):
        rank = int(r["rank"]) if r["rank"] is not None else 10**6
        found[case_id(r["case"])][str(r["kind"])][str(r["x"])] = (rank, str(r["id"]), str(r["label"]))
    def order(kind: str, value: tuple) -> tuple:  # levers by rank, concepts and themes by label
        rank, vid, label = value
        return (rank, vid) if kind == "levers" else (fold(label), vid)

    return {cid: {kind: [Ref(id=vid, iri=iri, label=label)
                         for iri, (_, vid, label) in sorted(refs.items(), key=lambda item: order(kind, item[1]))]
                  for kind, refs in kinds.items()}
            for cid, kinds in found.items()}


def _types(store, iris) -> dict[str, list[tuple[str, str]]]:
    """Individual IRI → its most specific types as (notation, French label), sorted by label."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in _select(store, _TYPES, iris):
        local = str(r["type"]).rsplit("#", 1)[-1]
        found[str(r["x"])].add((_s(r["type_id"]) or local, _s(r["type_label"]) or local))
    return {x: sorted(ts, key=lambda t: (fold(t[1]), t[0])) for x, ts in found.items()}


def _actors(store, iris, types) -> dict[str, list[ActorRef]]:
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in _select(store, _ACTORS, iris):
        actor = found[case_id(r["case"])].setdefault(str(r["actor"]), {"labels": set(), "roles": {}})
        actor["labels"].add(str(r["label"]))
        if r["role"] is not None:
            actor["roles"][str(r["role"])] = (str(r["role_id"]), str(r["role_label"]))
    out = {}
    for cid, actors in found.items():
        refs = []
        for iri, a in actors.items():
            roles = sorted((Ref(id=i, iri=r, label=label) for r, (i, label) in a["roles"].items()),
                           key=lambda ref: (fold(ref.label), ref.id))
            refs.append(ActorRef(id=_last(iri), iri=iri, label=min(a["labels"]),
                                 types=[label for _, label in types.get(iri, [])],
                                 role=", ".join(ref.label for ref in roles), roles=roles))
        out[cid] = sorted(refs, key=lambda ref: (fold(ref.label), ref.id))
    return out


def _instruments(store, iris, types) -> dict[str, list[InstrumentRef]]:
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in _select(store, _INSTRUMENTS, iris):
        labels = found[case_id(r["case"])][str(r["instrument"])]
        if r["label"] is not None:
            labels.add(str(r["label"]))
    out = {}
    for cid, instruments in found.items():
        refs = []
        for iri, labels in instruments.items():
            ts = types.get(iri, [])
            refs.append(InstrumentRef(id=_last(iri), iri=iri,
                                      label=min(labels) if labels else ", ".join(label for _, label in ts),
                                      types=[label for _, label in ts], type_ids=[i for i, _ in ts]))
        out[cid] = sorted(refs, key=lambda ref: ref.id)
    return out


def _territories(store, iris) -> dict[str, list[TerritoryRef]]:
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in _select(store, _TERRITORIES, iris):
        t = found[case_id(r["case"])].setdefault(str(r["t"]), {"label": set(), "type": set(), "departements": set(),
                                                               "regions": set()})
        t["label"].add(str(r["label"]))
        if r["kind"] is not None:
            t[str(r["kind"])].add(str(r["x_label"]))
    order = lambda labels: sorted(labels, key=lambda x: (fold(x), x))  # noqa: E731
    return {cid: sorted((TerritoryRef(id=_last(iri), iri=iri, label=min(t["label"]), type=", ".join(order(t["type"])),
                                      departements=order(t["departements"]), regions=order(t["regions"]))
                         for iri, t in ts.items()), key=lambda ref: (fold(ref.label), ref.id))
            for cid, ts in found.items()}


def _sources(store, iris) -> dict[str, list[SourceRef]]:
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in _select(store, _SOURCES, iris):
        doc = found[case_id(r["case"])].setdefault(str(r["doc"]), {"title": set(), "file": set(), "passages": {}})
        if r["title"] is not None:
            doc["title"].add(str(r["title"]))
        if r["file"] is not None:
            doc["file"].add(str(r["file"]))
    cited = [(case_id(r["case"]), str(r["passage"])) for r in _select(store, _PASSAGES, iris)]
    props: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    passages = sorted({p for _, p in cited})
    for start in range(0, len(passages), CHUNK):
        for r in _select(store, _PASSAGE_PROPS, passages[start:start + CHUNK], var="passage"):
            props[str(r["passage"])][str(r["prop"]).rsplit("#", 1)[-1]].add(str(r["value"]))
    for cid, p in cited:
        for doc_iri in props[p]["inDocument"]:
            doc = found[cid].get(doc_iri)
            if doc is not None:  # the compiler states dcterms:source for every document a passage is in
                doc["passages"][p] = (min(props[p]["section"], default=""), min(props[p]["quote"], default=""))
    out = {}
    for cid, docs in found.items():
        out[cid] = [SourceRef(id=_last(iri), iri=iri, title=min(d["title"]) if d["title"] else _last(iri),
                              file_name=min(d["file"]) if d["file"] else "",
                              passages=[SourcePassage(iri=p, section=s, quote=q)
                                        for p, (s, q) in sorted(d["passages"].items(), key=lambda i: (i[1], i[0]))])
                    for iri, d in sorted(docs.items(), key=lambda item: _last(item[0]))]
    return out
