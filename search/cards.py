"""Result cards: what a practitioner needs to know about each case of a result list.

:func:`case_cards` reads, for a list of case ids, the keyword arguments of
:class:`search.contract.Result` except ``score`` and ``why``: label, summary, level, period, actors
(with their most specific types and their roles in the case), instruments (with their most
specific types), levers, concepts, themes, territories (with type, départements and régions) and
sources (documents with the passages the case cites). One query per chunk of cases (a ``VALUES``
block of case IRIs), plus, only for what the table has not seen yet, one for the reference
resources and one for the shared entities (:class:`search.card_refs.RefTable`: notations and
labels of levels, levers, roles, classes…; labels, most specific types and places of actors,
territories and documents), and one for passages missing from the graphs that cite them; lists are
sorted deterministically (levers by rank, the rest by label or id, then IRI).

Measured on the 10,000-case base, pages of ten random cases, warm table (the service keeps it for
its snapshot): finding the triples costs ≈2.6 ms per page (0.3 of it parsing and planning the
query), returning them ≈2 ms more — an IRI or a long literal in a result is a dictionary read in
the store (≈2–3 µs) — and converting them to rdflib terms through ``store.select`` ≈1.5–2 µs per
value, ≈1,100 values. Hence:

* a row is three values, ``(?c, ?x, ?y)``: ``?c`` = 32 × the position of the case in the block +
  the code of what the row is (_CODES), an inline integer, so that no case IRI and no property
  is decoded;
* the rows are read as TSV (:mod:`search.tsv_rows`, ≈0.5 ms for a page instead of ≈1.5–2);
* the case's own triples are one scan of the case filtered on the properties (≈0.8 ms less than
  one pattern per property), its class and the language of labels checked on the TSV fields;
* the properties of actors, territories and documents come from the table (reading the actors'
  labels and types with the cases was ≈3 ms of the ≈13 ms of SPARQL per page), with their most
  specific types and the labels of their places, computed once per table.

One query rather than one per part saves ≈0.15 ms each (parsing, planning). An ``OPTIONAL`` or
``UNION`` group joining several patterns cost 5–10× more; an empty ``{ }`` branch beside a pattern
joined to the block made Oxigraph scan every ``rdf:type`` triple (0.5 s); a filter on the value
in the scan of the case cost more than it saved; a ``FILTER NOT EXISTS`` once per row costs 15 ms
for ten cases; reading each participation's triples in one scan (≈0.9 ms of evaluation for the
participations and their roles) gains nothing, its IRI then being decoded. What remains, per page
(median 7.5 ms on a quiet host, 10 on a slower one; the cards took 19 and 25 before): Oxigraph
60% (evaluating 35%, of which parsing and planning 4%; decoding and writing 25%), reading the TSV
7%, the table 1%, building the cards 30% (≈250 pydantic models: ≈0.5 ms).
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from itertools import product

from rdflib import URIRef

from kb.queries import with_prefixes

from . import tsv_rows
from .card_refs import EMPTY as _NONE, NO_ENTITY, RefTable
from .contract import ActorRef, InstrumentRef, Ref, SourcePassage, SourceRef, TerritoryRef
from .facets import COOP_NS, case_id, case_iri_prefix, valid_case_id
from .facets import fold as _fold

CHUNK = 200  # case IRIs per VALUES block
fold = lru_cache(maxsize=1 << 16)(_fold)  # sort keys: the same labels come back in every card
LIST_FIELDS = ("actors", "instruments", "levers", "concepts", "themes", "territories", "sources")

# The query is a UNION of branches; each binds ?code, the kind of its rows, and ?x and/or ?y.
#
# The case's own triples: one scan of the case (a single index read) kept to these properties; the
# property comes back as its code, ?x the value. Comparing the property with each of them costs
# less than reading each with its own pattern (≈0.8 ms per page of ten cases), and a filter on
# the value per row more than it saves: the class of the case and the language of the labels
# (``LANG(?x) IN ("fr", "")``, _FRENCH) are checked here on the rows.
_DIRECT = {"case": "rdf:type", "label": "rdfs:label", "summary": "dcterms:abstract", "start": "coop:startYear",
           "end": "coop:endYear", "note": "coop:periodNote", "level": "coop:cooperationLevel",
           "levers": "coop:mobilisesLever", "concepts": "coop:illustratesConcept", "themes": "coop:hasTheme",
           "territories": "coop:territory", "sources": "dcterms:source", "evidence": "coop:evidence",
           "instrument": "coop:usesInstrument"}
_CODES = (*_DIRECT, "participation", "instrument_type", "instrument_label", "inDocument", "section", "quote")
_CODE = {name: i for i, name in enumerate(_CODES)}
_SHIFT = 32  # > len(_CODES)
_FRENCH = {_CODE[name] for name in ("label", "summary", "note", "instrument_label")}  # French or untagged


def _code_of(var: str, names) -> str:
    """``IF(?var = <prop of names[0]>, code, IF(…, …, code of the last))``."""
    *first, last = names
    return "".join(f"IF(?{var} = {prop}, {_CODE[name]}, " for name, prop in first) + str(_CODE[last[0]]) + ")" * len(first)


_BRANCHES = (
    f"?case ?prop ?x FILTER(?prop IN ({', '.join(_DIRECT.values())})) BIND({_code_of('prop', _DIRECT.items())} AS ?code)",
    # ?x the actor, ?y its role (unbound without)
    f"?case coop:hasParticipation ?p . ?p coop:participant ?x OPTIONAL {{ ?p coop:role ?y }} BIND({_CODE['participation']} AS ?code)",
    # ?x the instrument, ?y a type or a label
    "?case coop:usesInstrument ?x . ?x ?prop ?y FILTER(?prop IN (rdf:type, rdfs:label)) BIND("
    + _code_of("prop", (("instrument_type", "rdf:type"), ("instrument_label", "rdfs:label"))) + " AS ?code)",
    # Documents cited by the cases, and the passages cited. A passage's triples are stored in the
    # graph of every case file that cites it (with the coop:evidence triple), so the union default
    # graph repeats them once per citing case — hundreds of times for a much-cited source: they
    # are read in the graphs of the citations only (?x the passage, ?y a value), and in the union
    # for a passage without them there (the same values: a passage's IRI is minted from its
    # document, section and quote).
    "GRAPH ?g { ?case coop:evidence ?x . ?x ?prop ?y FILTER(?prop IN (coop:inDocument, coop:section, coop:quote)) }"
    " BIND(PASSAGE_CODE AS ?code)",
)
_PASSAGE_CODE = _code_of("prop", (("inDocument", "coop:inDocument"), ("section", "coop:section"), ("quote", "coop:quote")))
_CARDS = ("SELECT ?c ?x ?y WHERE { VALUES_BLOCK\n  " + "\n  UNION ".join(f"{{ {b} }}" for b in _BRANCHES)
          + "\n  BIND(?k + ?code AS ?c)\n}").replace("PASSAGE_CODE", _PASSAGE_CODE)
_CASE_CLASS = f"<{COOP_NS}CooperationCase>"  # as TSV writes it
# Passages without any value in the graphs that cite them: read in the union.
_PASSAGE_UNION = f"""SELECT DISTINCT ?x ?c ?y WHERE {{ VALUES_BLOCK ?x ?prop ?y
  FILTER(?prop IN (coop:inDocument, coop:section, coop:quote)) BIND({_PASSAGE_CODE} AS ?c) }}"""
_PASSAGE_PROPS = ("inDocument", "section", "quote")


def _last(iri) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _s(term) -> str:
    return "" if term is None else str(term)


def _select(store, template: str, iris: list[str], numbered: bool = True, raw: bool = False) -> list[tuple]:
    """Rows of ``template`` with a VALUES block in place of VALUES_BLOCK: ``VALUES (?case ?k)
    { (<iri> 0) (<iri> 32) … }`` (``numbered``: ?k, _SHIFT × the position of the IRI in ``iris``)
    or ``VALUES ?x { <iri> … }``. Values as :func:`search.tsv_rows.rows` gives them: URIRefs, the
    lexical forms of literals (plain strings), BNodes, None; or the TSV fields (``raw``)."""
    if numbered:
        block = "VALUES (?case ?k) { " + " ".join(f"(<{iri}> {_SHIFT * k})" for k, iri in enumerate(iris)) + " }"
    else:
        block = "VALUES ?x { " + " ".join(f"<{i}>" for i in iris) + " }"
    return tsv_rows.rows(store, with_prefixes(template.replace("VALUES_BLOCK", block)), raw=raw)


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
    exist in the store; unknown ids are absent. ``refs``: the table to read reference resources
    and shared entities from (and fill); a fresh one without it."""
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
    rows: list[list[tuple]] = [[] for _ in _CODES]  # code → (case position, ?x, ?y)
    term, language = tsv_rows.term, tsv_rows.language
    case, instrument_label = _CODE["case"], _CODE["instrument_label"]
    for c, x, y in _select(store, _CARDS, iris, raw=True):
        try:
            k, code = divmod(int(c), _SHIFT)  # a bare integer…
        except ValueError:
            k, code = divmod(int(term(c)), _SHIFT)  # … or "12"^^xsd:integer
        if code in _FRENCH and language(y if code == instrument_label else x) not in ("fr", ""):
            continue
        if code == case and x != _CASE_CLASS:
            continue
        rows[code].append((k, term(x), term(y) if y else None))
    labelled = {k for k, _, _ in rows[_CODE["label"]]}
    shown = {k for k, _, _ in rows[_CODE["case"]] if k in labelled}
    if not shown:
        return {}
    cids = [case_id(iri) for iri in iris]
    of = {name: [(cids[k], x, y) for k, x, y in rows[code] if k in shown] for name, code in _CODE.items()}
    # One table read at most for the reference resources (levels, vocabularies, roles, instrument
    # types) and one for the entities (actors, territories, documents) not seen yet.
    wanted = [y for name in ("participation", "instrument_type") for _, _, y in of[name]]
    wanted += [x for name in ("level", "levers", "concepts", "themes") for _, x, _ in of[name]]
    info, entities = refs.lookup(store, {str(i) for i in wanted if isinstance(i, URIRef)},
                                 {str(x) for name in ("participation", "territories", "sources")
                                  for _, x, _ in of[name] if isinstance(x, URIRef)})
    cards = _core(iris, shown, rows, info)
    for name in ("levers", "concepts", "themes"):
        for cid, refs_ in _vocab(name, of[name], info).items():
            cards[cid][name] = refs_
    for cid, refs_ in _actors(of["participation"], info, entities).items():
        cards[cid]["actors"] = refs_
    for cid, refs_ in _instruments(store, of["instrument"], of["instrument_label"], of["instrument_type"], refs).items():
        cards[cid]["instruments"] = refs_
    for cid, refs_ in _territories(of["territories"], entities).items():
        cards[cid]["territories"] = refs_
    for cid, sources in _sources(store, of, entities).items():
        cards[cid]["sources"] = sources
    return cards


_CORE_FIELDS = ("label", "summary", "start", "end", "note", "level")


def _core(iris: list[str], shown: set[int], rows, info) -> dict[str, dict]:
    """One card per case, from its first row in sorted order as when the values were joined in
    one query (``?case rdfs:label ?label OPTIONAL { ?case dcterms:abstract ?summary } …
    OPTIONAL { ?case coop:cooperationLevel ?level . ?level skos:notation ?level_id ;
    skos:prefLabel ?level_label }``): the rows are every combination of the values, so the first
    has the smallest of each (by text; an absent value first), in the order of the cards' fields."""
    values: dict[int, dict[str, list]] = {k: {name: [] for name in _CORE_FIELDS} for k in shown}
    for name in _CORE_FIELDS:
        for k, x, _ in rows[_CODE[name]]:
            if k in shown:
                values[k][name].append(x)
    cards: dict[str, dict] = {}
    for k in sorted(shown, key=lambda k: iris[k]):
        v = {name: min(found, key=str) if found else None for name, found in values[k].items() if name != "level"}
        levels = [(str(y), lid, label) for y in values[k]["level"]
                  for lid, label in info.get(str(y), _NONE).coded()]
        level = min(levels) if levels else None
        cid = case_id(iris[k])
        if cid in cards:
            continue
        cards[cid] = {"id": cid, "iri": iris[k], "label": str(v["label"]), "summary": _s(v["summary"]),
                      "level": Ref(id=level[1], iri=level[0], label=level[2]) if level else None,
                      "period": period_text(v["start"], v["end"], _s(v["note"])), **{key: [] for key in LIST_FIELDS}}
    return cards


def _vocab(kind: str, rows, info) -> dict[str, list[Ref]]:
    """Levers by rank, concepts and themes by label (those without notation and French label are
    not shown)."""
    found: dict[str, dict[str, tuple]] = defaultdict(dict)
    for cid, x, _ in rows:
        ref = info.get(str(x), _NONE)
        for (vid, label), rank in product(ref.coded(), ref.ranks or (None,)):
            rank = int(rank) if rank is not None else 10**6
            key = (rank, vid) if kind == "levers" else (fold(label), vid)
            found[cid][str(x)] = (*key, str(x), vid, label)
    return {cid: [Ref(id=vid, iri=iri, label=label) for *_, iri, vid, label in sorted(refs.values())]
            for cid, refs in found.items()}


def _actors(rows, info, entities) -> dict[str, list[ActorRef]]:
    """Participants with a French (or untagged) label, with their most specific types (those
    coop:involves names: it is materialised as hasParticipation ∘ participant, the participants are
    the actors involved) and their roles with notation and French label."""
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for cid, actor, role in rows:
        if not isinstance(actor, URIRef):  # (entities are IRIs: a blank node cannot be looked up)
            continue
        roles = found[cid].setdefault(str(actor), {})
        if role is not None:  # a role without notation and French label is not shown
            for role_id, role_label in info.get(str(role), _NONE).coded():
                roles[str(role)] = (role_id, role_label)
    out = {}
    for cid, actors in found.items():
        shown = []
        for iri, roles in actors.items():
            e = entities.get(iri, NO_ENTITY)
            if e.label is None:
                continue
            roles = [Ref(id=i, iri=r, label=label)
                     for _, i, r, label in sorted((fold(label), i, r, label) for r, (i, label) in roles.items())]
            shown.append((e.sort_key, ActorRef(id=e.sort_key[1], iri=iri, label=e.label, types=list(e.types),
                                               role=", ".join(ref.label for ref in roles), roles=roles)))
        if shown:
            out[cid] = [ref for _, ref in sorted(shown, key=lambda item: item[0])]
    return out


def _instruments(store, rows, label_rows, type_rows, refs: RefTable) -> dict[str, list[InstrumentRef]]:
    types: dict[str, set[str]] = defaultdict(set)
    for _, x, t in type_rows:
        if isinstance(t, URIRef):
            types[str(x)].add(str(t))
    found: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for cid, instrument, _ in rows:
        found[cid].setdefault(str(instrument), set())
    for cid, instrument, label in label_rows:
        found[cid].setdefault(str(instrument), set()).add(str(label))
    specific = refs.specific_all(store, {frozenset(types.get(iri, ())) for ts in found.values() for iri in ts})
    out = {}
    for cid, instruments in found.items():
        refs_ = []
        for iri, labels in sorted(instruments.items(), key=lambda item: (_last(item[0]), item[0])):
            ts = specific[frozenset(types.get(iri, ()))]
            refs_.append(InstrumentRef(id=_last(iri), iri=iri,
                                       label=min(labels) if labels else ", ".join(label for _, label in ts),
                                       types=[label for _, label in ts], type_ids=[i for i, _ in ts]))
        out[cid] = refs_
    return out


def _territories(rows, entities) -> dict[str, list[TerritoryRef]]:
    """A territory is shown when it has a French (or untagged) label; its type, départements and
    régions by their French labels (those without are left out)."""
    found: dict[str, dict[str, object]] = defaultdict(dict)
    for cid, t, _ in rows:
        e = entities.get(str(t), NO_ENTITY) if isinstance(t, URIRef) else NO_ENTITY
        if e.label is not None:
            found[cid][str(t)] = e
    return {cid: [TerritoryRef(id=e.sort_key[1], iri=iri, label=e.label, type=e.territory_type,
                               departements=list(e.departements), regions=list(e.regions))
                  for iri, e in sorted(ts.items(), key=lambda item: item[1].sort_key)]
            for cid, ts in found.items()}


def _sources(store, of, entities) -> dict[str, list[SourceRef]]:
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    titled = {}
    for cid, doc, _ in of["sources"]:
        found[cid].setdefault(str(doc), {})
        if isinstance(doc, URIRef):
            titled[str(doc)] = entities.get(str(doc), NO_ENTITY)
    cited = {(cid, str(p)): None for cid, p, _ in of["evidence"]}
    props: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name in _PASSAGE_PROPS:
        for cid, p, value in of[name]:
            cited.setdefault((cid, str(p)))
            props[str(p)][name].add(str(value))
    unread = sorted({p for _, p in cited if p not in props})
    for start in range(0, len(unread), CHUNK):
        for p, code, value in _select(store, _PASSAGE_UNION, unread[start:start + CHUNK], numbered=False):
            props[str(p)][_CODES[int(code)]].add(str(value))
    for cid, p in cited:
        for doc_iri in props[p]["inDocument"]:
            doc = found[cid].get(doc_iri)
            if doc is not None:  # the compiler states dcterms:source for every document a passage is in
                doc[p] = (min(props[p]["section"], default=""), min(props[p]["quote"], default=""))
    out = {}
    for cid, docs in found.items():
        sources = []
        for iri, passages in sorted(docs.items(), key=lambda item: (_last(item[0]), item[0])):
            e = titled.get(iri, NO_ENTITY)
            sources.append(SourceRef(id=_last(iri), iri=iri, title=_last(iri) if e.title is None else e.title,
                                     file_name=e.file_name,
                                     passages=[SourcePassage(iri=p, section=s, quote=q) for p, (s, q)
                                               in sorted(passages.items(), key=lambda i: (i[1], i[0]))]))
        out[cid] = sources
    return out
