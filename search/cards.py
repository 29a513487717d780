"""Result cards: what a practitioner needs to know about each case of a result list.

:func:`case_cards` reads, for a list of case ids, the keyword arguments of
:class:`search.contract.Result` except ``score`` and ``why``: label, summary, level, period, actors
(with their most specific types and their roles in the case), instruments (with their most
specific types), levers, concepts, themes, territories (with type, départements and régions) and
sources (documents with the passages the case cites). Eight queries per chunk of cases, with
``VALUES`` blocks of case (or passage) IRIs, plus one for the reference resources not seen yet
(:class:`search.card_refs.RefTable`: notations and labels of levels, levers, roles, classes…);
lists are sorted deterministically (levers by rank, the rest by label or id).

Every query is a join of single patterns from the ``VALUES`` block, which Oxigraph (0.5) runs
pattern by pattern from the bound IRIs. Measured on 10,000 cases: an ``OPTIONAL`` or ``UNION``
group joining several patterns (a label joined to its resource) cost 5–10× more, a ``FILTER NOT
EXISTS`` once per row 15 ms for ten cases, and every output value a lookup. Hence reference
labels come from the table, the most specific types are chosen here from all the types and the
table's superclasses, a territory is read in one scan, and passages in the graph that cites them.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from itertools import product

from rdflib import Literal, URIRef

from kb.queries import with_prefixes

from .card_refs import EMPTY as _NONE, RefTable
from .contract import ActorRef, InstrumentRef, Ref, SourcePassage, SourceRef, TerritoryRef
from .facets import COOP_NS, case_id, case_iri_prefix, valid_case_id
from .facets import fold as _fold

CHUNK = 200  # case IRIs per VALUES block
fold = lru_cache(maxsize=1 << 16)(_fold)  # sort keys: the same labels come back in every card
LIST_FIELDS = ("actors", "instruments", "levers", "concepts", "themes", "territories", "sources")

_CORE = """SELECT DISTINCT ?case ?label ?summary ?start ?end ?note ?level WHERE {
  VALUES_BLOCK ?case a coop:CooperationCase ; rdfs:label ?label . FILTER(LANG(?label) IN ("fr", ""))
  OPTIONAL { ?case dcterms:abstract ?summary FILTER(LANG(?summary) IN ("fr", "")) }
  OPTIONAL { ?case coop:startYear ?start } OPTIONAL { ?case coop:endYear ?end }
  OPTIONAL { ?case coop:periodNote ?note FILTER(LANG(?note) IN ("fr", "")) }
  OPTIONAL { ?case coop:cooperationLevel ?level }
}"""
_VOCAB = """SELECT DISTINCT ?case ?kind ?x WHERE { VALUES_BLOCK
  { ?case coop:mobilisesLever ?x BIND("levers" AS ?kind) } UNION { ?case coop:illustratesConcept ?x BIND("concepts" AS ?kind) }
  UNION { ?case coop:hasTheme ?x BIND("themes" AS ?kind) }
}"""
_ACTORS = """SELECT DISTINCT ?case ?actor ?label ?role WHERE {
  VALUES_BLOCK ?case coop:hasParticipation ?p . ?p coop:participant ?actor .
  ?actor rdfs:label ?label . FILTER(LANG(?label) IN ("fr", ""))
  OPTIONAL { ?p coop:role ?role }
}"""
_INSTRUMENTS = """SELECT DISTINCT ?case ?instrument ?label WHERE {
  VALUES_BLOCK ?case coop:usesInstrument ?instrument .
  OPTIONAL { ?instrument rdfs:label ?label FILTER(LANG(?label) IN ("fr", "")) }
}"""
# Every type of the actors and instruments: the most specific coop types are chosen in _types.
_TYPES = """SELECT DISTINCT ?x ?type WHERE {
  { VALUES_BLOCK ?case coop:involves ?x } UNION { VALUES_BLOCK ?case coop:usesInstrument ?x }
  ?x a ?type
}"""
# Territories: labels and what they point to in one scan of each territory.
_TERRITORIES = """SELECT DISTINCT ?case ?t ?p ?o WHERE {
  VALUES_BLOCK ?case coop:territory ?t . ?t ?p ?o FILTER(?p IN (rdfs:label, coop:territoryType, coop:inDepartement, coop:inRegion))
}"""
_TERRITORY_KIND = {COOP_NS + "territoryType": "type", COOP_NS + "inDepartement": "departements",
                   COOP_NS + "inRegion": "regions"}
# Documents cited by the cases, and the passages cited. A passage's triples are stored in the
# graph of every case file that cites it (with the coop:evidence triple), so the union default
# graph repeats them once per citing case — hundreds of times for a much-cited source: they are
# read in the graphs of the citations only, and in the union for a passage without them there
# (the same values: a passage's IRI is minted from its document, section and quote).
_SOURCES = """SELECT DISTINCT ?case ?doc ?title ?file ?passage ?g WHERE { VALUES_BLOCK
  { ?case dcterms:source ?doc .
    OPTIONAL { ?doc dcterms:title ?title FILTER(LANG(?title) IN ("fr", "")) } OPTIONAL { ?doc coop:fileName ?file } }
  UNION { ?case coop:evidence ?passage } UNION { GRAPH ?g { ?case coop:evidence ?passage } }
}"""
_PROPS = """{ ?passage coop:inDocument ?value BIND(coop:inDocument AS ?prop) }
  UNION { ?passage coop:section ?value BIND(coop:section AS ?prop) } UNION { ?passage coop:quote ?value BIND(coop:quote AS ?prop) }"""
_PASSAGE_PROPS_IN = f"""SELECT DISTINCT ?passage ?prop ?value WHERE {{ VALUES_BLOCK GRAPH ?g {{ {_PROPS} }} }}"""
_PASSAGE_PROPS = f"""SELECT DISTINCT ?passage ?prop ?value WHERE {{ VALUES_BLOCK {_PROPS} }}"""


def _last(iri) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _s(term) -> str:
    return "" if term is None else str(term)


def _select(store, template: str, iris: list[str], var: str = "case") -> list[dict]:
    """Run a query template with ``VALUES ?var { iris }`` in place of each VALUES_BLOCK (``iris``
    of pairs: ``VALUES (?var1 ?var2) { … }`` with ``var`` "var1 var2")."""
    if " " in var:
        head = "(" + " ".join(f"?{v}" for v in var.split()) + ")"
        block = f"VALUES {head} {{ " + " ".join("(" + " ".join(f"<{i}>" for i in row) + ")" for row in iris) + " }"
    else:
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


def case_cards(store, case_ids: list[str], *, case_prefix: str | None = None,
               refs: RefTable | None = None) -> dict[str, dict]:
    """Case id → keyword arguments of contract.Result (without score and why), for the ids that
    exist in the store; unknown ids are absent. ``refs``: the reference table to read labels of
    levels, levers, roles, classes… from (and fill); a fresh one without it."""
    ids = sorted({c for c in case_ids if valid_case_id(c)})
    if not ids:
        return {}
    prefix = case_prefix or case_iri_prefix(store)
    refs = refs if refs is not None else RefTable()
    cards: dict[str, dict] = {}
    for start in range(0, len(ids), CHUNK):
        cards.update(_chunk_cards(store, [prefix + c for c in ids[start:start + CHUNK]], refs))
    return cards


def _chunk_cards(store, iris: list[str], refs: RefTable) -> dict[str, dict]:
    core = _select(store, _CORE, iris)
    if not core:
        return {}
    vocab, actors, types = (_select(store, q, iris) for q in (_VOCAB, _ACTORS, _TYPES))
    territories = _select(store, _TERRITORIES, iris)
    info = refs.get(store, [r["level"] for r in core] + [r["x"] for r in vocab] + [r["role"] for r in actors]
                    + [r["type"] for r in types] + [r["o"] for r in territories if str(r["p"]) in _TERRITORY_KIND])
    cards = _core(core, info)
    specific = _types(types, info)
    for cid, fields in _vocab(vocab, info).items():
        cards[cid].update(fields)
    for cid, refs_ in _actors(actors, info, specific).items():
        cards[cid]["actors"] = refs_
    for cid, instruments in _instruments(store, iris, specific).items():
        cards[cid]["instruments"] = instruments
    for cid, refs_ in _territories(territories, info).items():
        cards[cid]["territories"] = refs_
    for cid, sources in _sources(store, iris).items():
        cards[cid]["sources"] = sources
    return cards


def _core(rows: list[dict], info) -> dict[str, dict]:
    """One card per case, from the first row of each case in sorted order, as when the level's
    notation and label were joined in the query (``OPTIONAL { ?case coop:cooperationLevel ?level .
    ?level skos:notation ?level_id ; skos:prefLabel ?level_label … }``)."""
    levels: dict[tuple, list[tuple]] = {}
    for r in rows:
        key = (r["case"], r["label"], r["summary"], r["start"], r["end"], r["note"])
        found = levels.setdefault(key, [])
        if r["level"] is not None:
            found += [(r["level"], lid, label) for lid, label in info.get(str(r["level"]), _NONE).coded()]
    joined = [(*key, *level) for key, found in levels.items() for level in (found or [(None, None, None)])]
    cards: dict[str, dict] = {}
    for case, label, summary, start, end, note, level, level_id, level_label in sorted(
            joined, key=lambda row: tuple(_s(v) for v in row)):
        cid = case_id(case)
        if cid in cards:
            continue
        cards[cid] = {"id": cid, "iri": str(case), "label": str(label), "summary": _s(summary),
                      "level": Ref(id=str(level_id), iri=str(level), label=str(level_label)) if level else None,
                      "period": period_text(start, end, _s(note)), **{key: [] for key in LIST_FIELDS}}
    return cards


def _vocab(rows: list[dict], info) -> dict[str, dict[str, list[Ref]]]:
    found: dict[str, dict[str, dict[str, tuple]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        ref = info.get(str(r["x"]), _NONE)
        for (vid, label), rank in product(ref.coded(), ref.ranks or (None,)):
            rank = int(rank) if rank is not None else 10**6
            found[case_id(r["case"])][str(r["kind"])][str(r["x"])] = (rank, vid, label)

    def order(kind: str, value: tuple) -> tuple:  # levers by rank, concepts and themes by label
        rank, vid, label = value
        return (rank, vid) if kind == "levers" else (fold(label), vid)

    return {cid: {kind: [Ref(id=vid, iri=iri, label=label)
                         for iri, (_, vid, label) in sorted(refs.items(), key=lambda item: order(kind, item[1]))]
                  for kind, refs in kinds.items()}
            for cid, kinds in found.items()}


def _types(rows: list[dict], info) -> dict[str, list[tuple[str, str]]]:
    """Individual IRI → its most specific coop types as (notation, French label), sorted by label.
    Types are materialised up the class tree, so a type is most specific when no other type of
    the individual is its subclass."""
    all_types: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if isinstance(r["type"], URIRef):
            all_types[str(r["x"])].add(str(r["type"]))
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for x, types in all_types.items():
        for t in types:
            if not t.startswith(COOP_NS) or any(s != t and t in info.get(s, _NONE).supers for s in types):
                continue
            local = t.rsplit("#", 1)[-1]
            ref = info.get(t, _NONE)
            found[x].update((tid or local, label or local)
                            for tid, label in product(ref.notations or ("",), ref.labels or ("",)))
    return {x: sorted(ts, key=lambda t: (fold(t[1]), t[0])) for x, ts in found.items()}


def _actors(rows: list[dict], info, types) -> dict[str, list[ActorRef]]:
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        actor = found[case_id(r["case"])].setdefault(str(r["actor"]), {"labels": set(), "roles": {}})
        actor["labels"].add(str(r["label"]))
        if r["role"] is not None:  # a role without notation and French label is not shown
            for role_id, role_label in info.get(str(r["role"]), _NONE).coded():
                actor["roles"][str(r["role"])] = (role_id, role_label)
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


def _territories(rows: list[dict], info) -> dict[str, list[TerritoryRef]]:
    """A territory is shown when it has a French (or untagged) label; its type, départements and
    régions by their French labels (those without are left out)."""
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        t = found[case_id(r["case"])].setdefault(str(r["t"]), {"label": set(), "type": set(), "departements": set(),
                                                               "regions": set()})
        kind = _TERRITORY_KIND.get(str(r["p"]))
        if kind is not None:
            t[kind].update(info.get(str(r["o"]), _NONE).labels)
        elif isinstance(r["o"], Literal) and (r["o"].language or "") in ("fr", ""):
            t["label"].add(str(r["o"]))
    found = {cid: {iri: t for iri, t in ts.items() if t["label"]} for cid, ts in found.items()}
    order = lambda labels: sorted(labels, key=lambda x: (fold(x), x))  # noqa: E731
    return {cid: sorted((TerritoryRef(id=_last(iri), iri=iri, label=min(t["label"]), type=", ".join(order(t["type"])),
                                      departements=order(t["departements"]), regions=order(t["regions"]))
                         for iri, t in ts.items()), key=lambda ref: (fold(ref.label), ref.id))
            for cid, ts in found.items() if ts}


def _sources(store, iris) -> dict[str, list[SourceRef]]:
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    cited, where = {}, set()
    for r in _select(store, _SOURCES, iris):
        if r["passage"] is not None:
            cited[(case_id(r["case"]), str(r["passage"]))] = None
            if r["g"] is not None:
                where.add((str(r["g"]), str(r["passage"])))
            continue
        doc = found[case_id(r["case"])].setdefault(str(r["doc"]), {"title": set(), "file": set(), "passages": {}})
        if r["title"] is not None:
            doc["title"].add(str(r["title"]))
        if r["file"] is not None:
            doc["file"].add(str(r["file"]))
    props = _passage_props(store, list(cited), sorted(where))
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


def _passage_props(store, cited: list[tuple[str, str]], where: list[tuple[str, str]]) -> dict[str, dict[str, set[str]]]:
    """Passage IRI → local property name → values, read in the named graphs of the citations
    (``where``: (graph, passage) pairs); the cited passages without any there are read in the
    union of the graphs."""
    props: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def read(template: str, items: list, var: str) -> None:
        for start in range(0, len(items), CHUNK):
            for r in _select(store, template, items[start:start + CHUNK], var=var):
                props[str(r["passage"])][str(r["prop"]).rsplit("#", 1)[-1]].add(str(r["value"]))

    read(_PASSAGE_PROPS_IN, where, "g passage")
    read(_PASSAGE_PROPS, sorted({p for _, p in cited if p not in props}), "passage")
    return props
