"""Reference resources of the result cards, read once: levels, levers, concepts, themes, roles,
classes and what territories point to (territory types, départements, régions).

Many cases share these few resources, and joining their labels inside every card query made
Oxigraph look them up again for every row (or evaluate the labelled side on its own, over the
whole base). :class:`RefTable` reads, for reference IRIs, the properties the cards show —
``skos:notation``, French ``skos:prefLabel`` and ``rdfs:label``, ``coop:rank`` and
``rdfs:subClassOf`` — with one query for the IRIs it has not seen yet, and keeps them. The search
service holds one table per snapshot of the base (the API opens a new service after every write),
so it is never stale; :func:`search.cards.case_cards` called without a table uses a fresh one.
Only IRIs are looked up (blank nodes cannot be named in a query; the ontology has none there).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import product

from rdflib import Literal, URIRef

from kb.queries import with_prefixes

CHUNK = 500  # IRIs per VALUES block
MAX_ENTRIES = 50_000  # a bound, far above the size of the vocabularies (cleared beyond it)

_QUERY = """SELECT DISTINCT ?x ?p ?o WHERE { VALUES ?x { IRIS } ?x ?p ?o .
  FILTER(?p IN (skos:notation, skos:prefLabel, rdfs:label, coop:rank, rdfs:subClassOf)) }"""
_SLOT = {"http://www.w3.org/2004/02/skos/core#notation": "notations",
         "http://www.w3.org/2004/02/skos/core#prefLabel": "pref_labels",
         "http://www.w3.org/2000/01/rdf-schema#label": "labels",
         "https://w3id.org/coopkg/ontology#rank": "ranks",
         "http://www.w3.org/2000/01/rdf-schema#subClassOf": "supers"}


@dataclass(frozen=True)
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


def _is_fr(term) -> bool:
    return isinstance(term, Literal) and term.language == "fr"


class RefTable:
    """IRI → :class:`RefInfo`, filled on demand (one query per call for the unseen IRIs)."""

    def __init__(self):
        self._info: dict[str, RefInfo] = {}
        self._lock = threading.Lock()
        self.queries = 0

    def __len__(self) -> int:
        return len(self._info)

    def clear(self) -> None:
        with self._lock:
            self._info.clear()

    def get(self, store, iris) -> dict[str, RefInfo]:
        """The info of every IRI of ``iris`` (EMPTY for one without any of the properties)."""
        wanted = {str(i) for i in iris if isinstance(i, URIRef)}
        found: dict[str, RefInfo] = {}
        for i in wanted:  # (copied first: a concurrent clear cannot lose them)
            hit = self._info.get(i)
            if hit is not None:
                found[i] = hit
        missing = sorted(wanted - found.keys())
        for start in range(0, len(missing), CHUNK):
            found.update(self._read(store, missing[start:start + CHUNK]))
        if missing:
            with self._lock:
                if len(self._info) + len(missing) > MAX_ENTRIES:
                    self._info.clear()
                self._info.update((i, found.get(i, EMPTY)) for i in missing)
        return {i: found.get(i, EMPTY) for i in wanted}

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
