"""What the result cards read once per snapshot of the base: reference resources (levels, levers,
concepts, themes, roles, classes, territory types, départements, régions) and the shared entities
the cases point to (actors, territories, source documents).

Many cases share these resources, and reading their properties inside every card query made
Oxigraph look them up again for every row, and decode every value again: an IRI or a long literal
in a result costs a dictionary read in the store (≈2–3 µs), more than finding the triple.
:class:`RefTable` reads, for the IRIs it has not seen yet, with at most one query per kind
(:meth:`RefTable.lookup`):

* references: ``skos:notation``, French ``skos:prefLabel`` and ``rdfs:label``, ``coop:rank`` and
  ``rdfs:subClassOf``;
* entities: French or untagged ``rdfs:label`` and ``dcterms:title``, ``rdf:type``,
  ``coop:fileName``, ``coop:territoryType``, ``coop:inDepartement`` and ``coop:inRegion`` — kept as
  what the cards show (:class:`EntityInfo`: smallest label, sort key, most specific types, sorted
  French labels of the places), computed with the references they point to;

and keeps them, with the most specific coop types of each set of types seen
(:meth:`RefTable.specific`). The search service holds one table per snapshot of the base (the API
opens a new service after every write), so it is never stale; :func:`search.cards.case_cards`
called without a table uses a fresh one. Only IRIs are looked up (blank nodes cannot be named in a
query; the compiler mints IRIs for all of these).

Measured on 10,000 cases (pages of ten random cases): 5,000 actors, 2,200 territories and 5
documents, ≈100 of them per page; an entity costs ≈40–60 µs to read the first time and ≈0.5 KB to
keep (all 7,200: ≈3.4 MB). A page with an empty table costs what the cards cost before there was
an entity table (≈34 ms, against 37); over the first 200 pages from an empty table, 13 ms at the
median (26 before); with the entities known, 7–10 ms (19–25 before), depending on the host.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import product

from rdflib import Literal, URIRef

from kb.queries import with_prefixes

from .facets import COOP_NS, fold

CHUNK = 500  # IRIs per VALUES block
MAX_ENTRIES = 50_000  # reference IRIs kept: far above the size of the vocabularies (cleared beyond it)
MAX_ENTITIES = 100_000  # entities kept (cleared beyond it; ≈0.5 KB each): those of 100,000 cases

_QUERY = """SELECT DISTINCT ?x ?p ?o WHERE { VALUES ?x { IRIS } ?x ?p ?o .
  FILTER(?p IN (skos:notation, skos:prefLabel, rdfs:label, coop:rank, rdfs:subClassOf)) }"""
_SLOT = {"http://www.w3.org/2004/02/skos/core#notation": "notations",
         "http://www.w3.org/2004/02/skos/core#prefLabel": "pref_labels",
         "http://www.w3.org/2000/01/rdf-schema#label": "labels",
         "https://w3id.org/coopkg/ontology#rank": "ranks",
         "http://www.w3.org/2000/01/rdf-schema#subClassOf": "supers"}

# Entities: one scan of each entity's triples; the property comes back as a small integer (a
# decoded predicate IRI would cost a store read per row).
_ENTITY_PROPS = ("rdfs:label", "rdf:type", "dcterms:title", "coop:fileName", "coop:territoryType",
                 "coop:inDepartement", "coop:inRegion")
_ENTITY_QUERY = ("SELECT ?x ?c ?o WHERE { VALUES ?x { IRIS } ?x ?p ?o . FILTER(?p IN (" + ", ".join(_ENTITY_PROPS)
                 + ")) BIND(" + "".join(f"IF(?p = {p}, {i}, " for i, p in enumerate(_ENTITY_PROPS[:-1]))
                 + str(len(_ENTITY_PROPS) - 1) + ")" * (len(_ENTITY_PROPS) - 1) + " AS ?c) }")


@dataclass(frozen=True, slots=True)
class RefInfo:
    """What the cards read of one reference resource (values sorted)."""

    notations: tuple[str, ...] = ()
    pref_labels: tuple[str, ...] = ()  # French skos:prefLabel (LANG = "fr")
    labels: tuple[str, ...] = ()  # French rdfs:label (LANG = "fr")
    ranks: tuple = ()  # coop:rank literals
    supers: frozenset[str] = field(default_factory=frozenset)  # rdfs:subClassOf IRIs

    def coded(self) -> list[tuple[str, str]]:
        """(notation, French prefLabel) pairs: what ``?x skos:notation ?id ; skos:prefLabel ?label``
        joins to (none when either is missing)."""
        return list(product(self.notations, self.pref_labels))


EMPTY = RefInfo()


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What the cards show of one actor, territory or source document, from its properties and
    the reference table (an entity that is none of these only has the fields of its kind set)."""

    label: str | None = None  # smallest French or untagged rdfs:label (None: none, not shown)
    sort_key: tuple = ()  # (fold(label), id, IRI): the order of actors and territories in a card
    types: tuple[str, ...] = ()  # French labels of its most specific coop types (RefTable.specific)
    title: str | None = None  # smallest French or untagged dcterms:title
    file_name: str = ""  # smallest coop:fileName
    territory_type: str = ""  # French labels of its coop:territoryType, sorted, comma-separated
    departements: tuple[str, ...] = ()  # French labels of its coop:inDepartement, sorted
    regions: tuple[str, ...] = ()  # French labels of its coop:inRegion, sorted


NO_ENTITY = EntityInfo()


def _last(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _by_label(labels) -> tuple[str, ...]:
    return tuple(sorted(labels, key=lambda x: (fold(x), x)))


def _is_fr(term) -> bool:
    return isinstance(term, Literal) and term.language == "fr"


def _fr_or_plain(term) -> bool:
    return isinstance(term, Literal) and (term.language or "") in ("fr", "")


def _split(table: dict, keys, default) -> tuple[dict, list]:
    """(each key of ``keys`` → its entry in ``table``, or ``default``; the keys not in the table,
    sorted). Entries are copied first: a concurrent clear of the table cannot lose them."""
    found, missing = {}, []
    for key in keys:
        hit = table.get(key)
        if hit is not None:
            found[key] = hit
        elif key not in found:
            found[key] = default
            missing.append(key)
    missing.sort()
    return found, missing


class RefTable:
    """IRI → :class:`RefInfo` and IRI → :class:`EntityInfo`, filled on demand (one query per call
    and kind for the unseen IRIs)."""

    def __init__(self):
        self._info: dict[str, RefInfo] = {}
        self._entities: dict[str, EntityInfo] = {}
        self._specific: dict[frozenset, tuple[tuple[str, str], ...]] = {}
        self._lock = threading.Lock()
        self.queries = 0

    def __len__(self) -> int:
        return len(self._info)

    def clear(self) -> None:
        with self._lock:
            self._info.clear()
            self._entities.clear()
            self._specific.clear()

    def get(self, store, iris) -> dict[str, RefInfo]:
        """The info of every IRI of ``iris`` (terms: others than URIRefs are left out; EMPTY for one
        without any of the properties)."""
        return self.get_iris(store, {str(i) for i in iris if isinstance(i, URIRef)})

    def get_iris(self, store, wanted) -> dict[str, RefInfo]:
        """:meth:`get` for IRIs given as strings."""
        table = self._info
        found, missing = _split(table, wanted, EMPTY)
        if missing:
            fresh: dict[str, RefInfo] = {}
            for start in range(0, len(missing), CHUNK):
                fresh.update(self._read(store, missing[start:start + CHUNK]))
            found.update(fresh)
            with self._lock:
                if len(table) + len(missing) > MAX_ENTRIES:
                    table.clear()
                    self._specific.clear()
                table.update(fresh)
        return found

    def _read(self, store, iris: list[str]) -> dict[str, RefInfo]:
        self.queries += 1
        query = with_prefixes(_QUERY.replace("IRIS", " ".join(f"<{i}>" for i in iris)))
        slots: dict[str, dict[str, set]] = {i: {s: set() for s in _SLOT.values()} for i in iris}
        for x, p, o in store.select(query).rows:
            slot = _SLOT.get(str(p))
            if slot in ("pref_labels", "labels"):
                if _is_fr(o):
                    slots[str(x)][slot].add(str(o))
            elif slot == "notations":
                slots[str(x)][slot].add(str(o))
            elif slot == "supers":
                if isinstance(o, URIRef):
                    slots[str(x)][slot].add(str(o))
            elif slot == "ranks":
                slots[str(x)][slot].add(o)
        return {i: RefInfo(notations=tuple(sorted(s["notations"])), pref_labels=tuple(sorted(s["pref_labels"])),
                           labels=tuple(sorted(s["labels"])), ranks=tuple(sorted(s["ranks"], key=str)),
                           supers=frozenset(s["supers"]))
                for i, s in slots.items()}

    def entities(self, store, iris) -> dict[str, EntityInfo]:
        """The info of every IRI (str) of ``iris`` (NO_ENTITY for one without any of the properties;
        the caller passes IRIs only)."""
        return self.lookup(store, (), iris)[1]

    def lookup(self, store, refs, entities) -> tuple[dict[str, RefInfo], dict[str, EntityInfo]]:
        """(:meth:`get_iris` of ``refs``, :meth:`entities` of ``entities``), with at most one query
        for the entities not seen yet and one for the reference IRIs not seen yet (those of
        ``refs`` and those the new entities point to: classes, territory types, places)."""
        table = self._entities
        found, missing = _split(table, entities, NO_ENTITY)
        props: dict[str, list[set]] = {}
        for start in range(0, len(missing), CHUNK):
            props.update(self._read_entities(store, missing[start:start + CHUNK]))
        type_sets = {frozenset(p[1]) for p in props.values()}
        info = self.get_iris(store, {*refs, *(i for p in props.values() for i in (*p[4], *p[5], *p[6])),
                                     *(t for types in type_sets if types not in self._specific for t in types)})
        if props:
            specific = {types: self.specific(store, types) for types in type_sets}
            fresh = {i: self._entity(i, p, info, specific) for i, p in props.items()}
            found.update(fresh)
            with self._lock:
                if len(table) + len(fresh) > MAX_ENTITIES:
                    table.clear()
                table.update(fresh)
        return info, found

    def _read_entities(self, store, iris: list[str]) -> dict[str, list[set]]:
        """IRI → the values of each of _ENTITY_PROPS (French or untagged literals for labels and
        titles, IRIs for types and places)."""
        self.queries += 1
        query = with_prefixes(_ENTITY_QUERY.replace("IRIS", " ".join(f"<{i}>" for i in iris)))
        props: dict[str, list[set]] = {i: [set() for _ in _ENTITY_PROPS] for i in iris}
        for x, code, o in store.select(query).rows:
            code = int(code)
            if code in (0, 2):  # labels and titles: French or untagged literals
                if not _fr_or_plain(o):
                    continue
            elif code != 3 and not isinstance(o, URIRef):  # types, territory types…: IRIs
                continue
            props[str(x)][code].add(str(o))
        return props

    @staticmethod
    def _entity(iri: str, props: list[set], info: dict[str, RefInfo], specific: dict) -> EntityInfo:
        def labels(iris) -> tuple[str, ...]:  # French rdfs:labels of reference resources, sorted
            return _by_label({label for i in iris for label in info[i].labels})

        names, types, titles, files, territory_types, departements, regions = props
        label = min(names) if names else None
        return EntityInfo(label=label, sort_key=(fold(label), _last(iri), iri) if names else (),
                          types=tuple(label for _, label in specific[frozenset(types)]),
                          title=min(titles) if titles else None, file_name=min(files, default=""),
                          territory_type=", ".join(labels(territory_types)),
                          departements=labels(departements), regions=labels(regions))

    def specific_all(self, store, type_sets) -> dict[frozenset, tuple[tuple[str, str], ...]]:
        """:meth:`specific` of each set of ``type_sets``, with one reference read for the types
        not seen yet."""
        self.get_iris(store, {t for types in type_sets if types not in self._specific for t in types})
        return {types: self.specific(store, types) for types in type_sets}

    def specific(self, store, types: frozenset[str]) -> tuple[tuple[str, str], ...]:
        """The most specific coop types among ``types`` (IRIs of an individual's types) as
        (notation, French label) pairs, sorted by label. Types are materialised up the class tree,
        so a type is most specific when no other type of the individual is its subclass; a class
        without notation or label is named by its local name."""
        hit = self._specific.get(types)
        if hit is not None:
            return hit
        info = self.get_iris(store, types)
        found: set[tuple[str, str]] = set()
        for t in types:
            if not t.startswith(COOP_NS) or any(s != t and t in info[s].supers for s in types):
                continue
            local = t.rsplit("#", 1)[-1]
            ref = info[t]
            found.update((tid or local, label or local)
                         for tid, label in product(ref.notations or ("",), ref.labels or ("",)))
        out = tuple(sorted(found, key=lambda t: (fold(t[1]), t[0], t[1])))
        with self._lock:
            if len(self._specific) >= MAX_ENTRIES:
                self._specific.clear()
            self._specific[types] = out
        return out
