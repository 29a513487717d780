"""The base's names for things, read once from the store: what raw-document extraction matches
against (ingest.documents.extract) and links to (ingest.documents.linking).

A :class:`LexEntry` is one thing with its names:

======================  ==========================================  =============================
kind                    iri                                         types
======================  ==========================================  =============================
``actor``               a named actor of the base                   its most specific classes
``territory``           a territory of the base                     its territory-type concepts
``actor_type``          an ontology class under ``coop:Actor``      its coop superclasses
``instrument_type``     a class under ``coop:CooperationInstrument`` its coop superclasses
``lever``/``concept``/  a SKOS concept of the vocabularies          ()
``theme``/``role``
======================  ==========================================  =============================

``labels`` lists the preferred label(s) first (French, then English), then the alternative labels;
``english`` says which of them are English (never matched in French text). Entries of the two
class kinds carry their superclasses in ``types``, so a :class:`Lexicon` knows the class
hierarchy (``is_subclass``, ``compatible``) without another query — and tests can build one by
hand. ``notation`` is the corpus slug (``L3``, ``pilote``, ``metropole``…).

:meth:`Lexicon.from_store` runs four bulk SELECTs (vocabulary concepts, ontology classes with
their hierarchy, actors, territories with their départements and régions); nothing else in this
module touches the store. A territory entry lists the départements and régions it lies in
(``coop:inDepartement`` / ``coop:inRegion``, the régions of its départements included):
:meth:`Lexicon.within` and :meth:`Lexicon.departements_of` are what extraction uses to find "the
Département" or "the Région" of a case.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from rdflib import URIRef

from ontology.namespace import COOP
from ontology.placeholders import is_placeholder_label
from search.text import fold

KINDS = ("actor", "actor_type", "instrument_type", "lever", "concept", "theme", "territory", "role")
CLASS_KINDS = ("actor_type", "instrument_type")
# Placeholder actors (descriptions, not names): ontology/placeholders.py


@dataclass(frozen=True)
class LexEntry:
    iri: URIRef
    kind: str  # one of KINDS
    labels: tuple[str, ...]  # preferred first (fr, then en), then alternative labels
    definition: str | None = None
    types: tuple[URIRef, ...] = ()
    territory: URIRef | None = None  # actors: the territory they are attached to
    notation: str | None = None  # the corpus slug, when the store has one
    english: tuple[str, ...] = ()  # the labels that are English
    # territories: the départements and régions they lie in (coop:inDepartement / coop:inRegion,
    # régions of the départements included)
    departements: tuple[URIRef, ...] = ()
    regions: tuple[URIRef, ...] = ()
    code: str | None = None  # territories: the official (INSEE) code, coop:officialCode ("33", "2A", "75")

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else str(self.iri)

    @property
    def french_labels(self) -> tuple[str, ...]:
        return tuple(label for label in self.labels if label not in self.english)

    @property
    def placeholder(self) -> bool:
        """A corpus placeholder ("Communes rurales … (non nommées dans la source)", "… (composition
        non détaillée dans la source)"): its labels are descriptions, so it is never matched nor
        linked."""
        return self.kind == "actor" and is_placeholder_label(self.label)


class Lexicon:
    """Entries with lookups by iri and kind, and the class hierarchy of the class kinds.

    ``cache`` holds structures other modules derive from the lexicon (the gazetteer, the
    linker), so they are built once per lexicon."""

    def __init__(self, entries: Iterable[LexEntry]):
        items: dict[tuple[URIRef, str], LexEntry] = {}
        for e in entries:
            if e.kind not in KINDS:
                raise ValueError(f"unknown lexicon kind {e.kind!r} for {e.iri}")
            items.setdefault((e.iri, e.kind), e)
        self.entries = tuple(items.values())
        self._by_iri = {}
        self._by_kind = {k: [] for k in KINDS}
        for e in self.entries:
            self._by_iri.setdefault(e.iri, e)
            self._by_kind[e.kind].append(e)
        self._by_kind = {k: tuple(v) for k, v in self._by_kind.items()}
        self._supers = {}
        for e in self.entries:
            if e.kind in CLASS_KINDS:
                self._supers.setdefault(e.iri, {e.iri}).update(e.types)
        self._roles = {}
        for e in self._by_kind["role"]:
            for key in (e.notation, *e.labels):
                if key:
                    self._roles.setdefault(fold(key), e.iri)
        self._territories = {e.iri: e for e in self._by_kind["territory"]}
        self._departements = frozenset(d for e in self._by_kind["territory"] for d in e.departements)
        self._departement_keys: dict[str, URIRef] | None = None
        self.cache: dict = {}

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self._by_kind.items() if v)
        return f"Lexicon({counts})"

    # -- lookups --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[LexEntry]:
        return iter(self.entries)

    def __contains__(self, iri) -> bool:
        return iri in self._by_iri

    def get(self, iri) -> LexEntry | None:
        return self._by_iri.get(iri)

    def by_kind(self, kind: str) -> tuple[LexEntry, ...]:
        if kind not in KINDS:
            raise ValueError(f"unknown lexicon kind {kind!r}")
        return self._by_kind[kind]

    def role(self, name: str) -> URIRef | None:
        """The role concept named by its notation or label ("pilote", "Bénéficiaire")."""
        return self._roles.get(fold(name))

    # -- class hierarchy ------------------------------------------------------------------
    def superclasses(self, cls: URIRef) -> frozenset[URIRef]:
        """``cls`` and its known superclasses (reflexive, transitive)."""
        return frozenset(self._supers.get(cls, {cls}))

    def is_subclass(self, sub: URIRef, sup: URIRef) -> bool:
        return sup in self.superclasses(sub)

    def compatible(self, types_a: Iterable[URIRef], types_b: Iterable[URIRef]) -> bool:
        """True when some class of one side is a subclass of (or equal to) some class of the
        other: a ``coop:PETR`` is compatible with ``coop:PaysStructure``, not with ``coop:Metropole``.
        An empty side is compatible with anything (type unknown)."""
        a, b = list(types_a), list(types_b)
        if not a or not b:
            return True
        return any(self.is_subclass(x, y) or self.is_subclass(y, x) for x in a for y in b)

    def within(self, territory: URIRef | None) -> frozenset[URIRef]:
        """``territory`` and the départements and régions it lies in (empty for None)."""
        if territory is None:
            return frozenset()
        entry = self._territories.get(territory)
        if entry is None:
            return frozenset({territory})
        return frozenset({territory, *entry.departements, *entry.regions})

    def departements_of(self, territory: URIRef | None) -> frozenset[URIRef]:
        """The départements ``territory`` lies in (itself when it is one of them)."""
        entry = self._territories.get(territory) if territory is not None else None
        if entry is None:
            return frozenset()
        return frozenset(entry.departements) | ({territory} if self._is_departement(entry) else set())

    def departement(self, code: str | None = None, name: str | None = None) -> URIRef | None:
        """The département territory of the base with this official code ("33", "2A"), else with
        this name (folded label equality: "Gironde"); None when the base does not have it."""
        if self._departement_keys is None:
            keys: dict[str, URIRef] = {}
            for e in self._by_kind["territory"]:
                if not self._is_departement(e):
                    continue
                if e.code:
                    keys.setdefault("code:" + e.code.strip().upper(), e.iri)
                for label in e.french_labels:
                    keys.setdefault("name:" + fold(label), e.iri)
            self._departement_keys = keys
        if code and ("code:" + code.strip().upper()) in self._departement_keys:
            return self._departement_keys["code:" + code.strip().upper()]
        return self._departement_keys.get("name:" + fold(name)) if name else None

    def _is_departement(self, entry: LexEntry) -> bool:
        return any(str(t).rstrip("/").endswith("/departement") for t in entry.types) or \
            entry.iri in self._departements

    def most_specific(self, types: Iterable[URIRef]) -> tuple[URIRef, ...]:
        """The classes of ``types`` that no other class of ``types`` specialises, in order."""
        ts = list(dict.fromkeys(types))
        return tuple(t for t in ts if not any(o != t and self.is_subclass(o, t) for o in ts))

    def depth(self, cls: URIRef) -> int:
        """Number of strict coop superclasses (``coop:Convention`` → 2: ContractualInstrument,
        CooperationInstrument)."""
        return len(self.superclasses(cls)) - 1

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_store(cls, store) -> "Lexicon":
        """Read the lexicon from a store (see the module doc)."""
        return cls(_entries_from_store(store))


# ------------------------------------------------------------------------------ store reading

_COOP = str(COOP._NS)


def _q(store, query: str):
    from kb.queries import with_prefixes

    return store.select(with_prefixes(query)).rows


class _Labels:
    """Collects the labels of one node: preferred (fr, other), English, alternative."""

    __slots__ = ("pref", "en", "alt", "definition", "notation")

    def __init__(self):
        self.pref: set[str] = set()
        self.en: set[str] = set()
        self.alt: set[str] = set()
        self.definition: str | None = None
        self.notation: str | None = None

    def add(self, prop, lit) -> None:
        if lit is None:
            return
        text = str(lit).strip()
        if not text:
            return
        lang = (getattr(lit, "language", None) or "").lower()
        if lang == "en":
            self.en.add(text)
        elif str(prop).endswith("altLabel"):
            self.alt.add(text)
        else:
            self.pref.add(text)

    def set_definition(self, lit) -> None:
        if lit is None:
            return
        lang = (getattr(lit, "language", None) or "").lower()
        if lang in ("fr", "") and (self.definition is None or len(str(lit)) > len(self.definition)):
            self.definition = str(lit)

    def labels(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        pref = sorted(self.pref)
        en = sorted(self.en - self.pref)
        alt = sorted(self.alt - self.pref - self.en)
        return tuple(pref + en + alt), tuple(en)


_LABELS = """VALUES ?p { rdfs:label skos:prefLabel skos:altLabel }
          ?x ?p ?l . FILTER(LANG(?l) IN ("fr", "en", ""))"""
_LABEL_PATTERN = f"OPTIONAL {{ {_LABELS} }}"


def _entries_from_store(store) -> list[LexEntry]:
    entries: list[LexEntry] = []

    # 1) Vocabulary concepts: levers, concepts, themes, roles.
    vocab: dict[tuple[str, str], _Labels] = {}
    rows = _q(store, f"""
        SELECT ?x ?kind ?p ?l ?def ?n WHERE {{
          VALUES (?cls ?kind) {{ (coop:Lever "lever") (coop:CooperationConcept "concept") (coop:Theme "theme")
                                 (coop:Role "role") }}
          ?x a ?cls . FILTER(isIRI(?x))
          {_LABEL_PATTERN}
          OPTIONAL {{ ?x skos:definition ?def }}
          OPTIONAL {{ ?x skos:notation ?n }}
        }}""")
    for x, kind, p, lit, definition, notation in rows:
        slot = vocab.setdefault((str(x), str(kind)), _Labels())
        slot.add(p, lit)
        slot.set_definition(definition)
        if notation is not None:
            slot.notation = str(notation)
    for (x, kind), slot in sorted(vocab.items()):
        labels, english = slot.labels()
        if labels:
            entries.append(LexEntry(URIRef(x), kind, labels, slot.definition, (), None, slot.notation, english))

    # 2) Ontology classes under Actor / CooperationInstrument (those with a notation), with their
    #    coop superclasses.
    classes: dict[tuple[str, str], _Labels] = {}
    rows = _q(store, f"""
        SELECT ?x ?kind ?p ?l ?def ?n WHERE {{
          VALUES (?root ?kind) {{ (coop:Actor "actor_type") (coop:CooperationInstrument "instrument_type") }}
          ?x a owl:Class ; skos:notation ?n ; rdfs:subClassOf* ?root .
          {_LABEL_PATTERN}
          OPTIONAL {{ ?x skos:definition ?def }}
        }}""")
    for x, kind, p, lit, definition, notation in rows:
        slot = classes.setdefault((str(x), str(kind)), _Labels())
        slot.add(p, lit)
        slot.set_definition(definition)
        slot.notation = str(notation)
    supers: dict[str, set[str]] = {}
    for sub, sup in _q(store, f"""
        SELECT DISTINCT ?c ?d WHERE {{
          ?c rdfs:subClassOf+ ?d .
          FILTER(STRSTARTS(STR(?c), "{_COOP}") && STRSTARTS(STR(?d), "{_COOP}") && ?c != ?d)
        }}"""):
        supers.setdefault(str(sub), set()).add(str(sup))
    for (x, kind), slot in sorted(classes.items()):
        labels, english = slot.labels()
        # Most specific superclass first (the one with the most superclasses of its own).
        sups = sorted(supers.get(x, ()), key=lambda s: (-len(supers.get(s, ())), s))
        entries.append(LexEntry(URIRef(x), kind, labels, slot.definition, tuple(URIRef(s) for s in sups), None,
                                slot.notation, english))

    # 3) Actors: labels, territory, all coop classes (reduced to the most specific below).
    actors: dict[str, _Labels] = {}
    actor_types: dict[str, set[str]] = {}
    actor_territory: dict[str, str] = {}
    rows = _q(store, f"""
        SELECT ?x ?p ?l ?t ?terr WHERE {{
          ?x a coop:Actor . FILTER(isIRI(?x))
          {{ {_LABELS} }}
          UNION {{ ?x a ?t . FILTER(STRSTARTS(STR(?t), "{_COOP}")) }}
          UNION {{ ?x coop:territory ?terr }}
        }}""")
    for x, p, lit, t, terr in rows:
        key = str(x)
        slot = actors.setdefault(key, _Labels())
        slot.add(p, lit)
        if t is not None:
            actor_types.setdefault(key, set()).add(str(t))
        if terr is not None and (key not in actor_territory or str(terr) < actor_territory[key]):
            actor_territory[key] = str(terr)

    def specific(types: set[str]) -> tuple[URIRef, ...]:
        keep = [t for t in types if not any(o != t and t in supers.get(o, ()) for o in types)]
        return tuple(URIRef(t) for t in sorted(keep))

    for x, slot in sorted(actors.items()):
        labels, english = slot.labels()
        if not labels:
            continue
        terr = actor_territory.get(x)
        entries.append(LexEntry(URIRef(x), "actor", labels, None, specific(actor_types.get(x, set())),
                                URIRef(terr) if terr else None, None, english))

    # 4) Territories: labels, territory types, départements and régions.
    terrs: dict[str, _Labels] = {}
    terr_types: dict[str, set[str]] = {}
    terr_depts: dict[str, set[str]] = {}
    terr_regions: dict[str, set[str]] = {}
    terr_codes: dict[str, str] = {}
    rows = _q(store, f"""
        SELECT ?x ?p ?l ?tt ?d ?r ?code WHERE {{
          ?x a coop:Territory . FILTER(isIRI(?x))
          {{ {_LABELS} }}
          UNION {{ ?x coop:territoryType ?tt }}
          UNION {{ ?x coop:inDepartement ?d }}
          UNION {{ ?x coop:inRegion ?r }}
          UNION {{ ?x coop:officialCode ?code }}
        }}""")
    for x, p, lit, tt, dept, region, code in rows:
        slot = terrs.setdefault(str(x), _Labels())
        slot.add(p, lit)
        if tt is not None:
            terr_types.setdefault(str(x), set()).add(str(tt))
        if dept is not None:
            terr_depts.setdefault(str(x), set()).add(str(dept))
        if region is not None:
            terr_regions.setdefault(str(x), set()).add(str(region))
        if code is not None and (str(x) not in terr_codes or str(code) < terr_codes[str(x)]):
            terr_codes[str(x)] = str(code)
    for x, slot in sorted(terrs.items()):
        labels, english = slot.labels()
        if labels:
            depts = terr_depts.get(x, set())
            regions = terr_regions.get(x, set()) | {r for d in depts for r in terr_regions.get(d, ())}
            entries.append(LexEntry(URIRef(x), "territory", labels, None,
                                    tuple(URIRef(t) for t in sorted(terr_types.get(x, ()))), None, None, english,
                                    tuple(URIRef(d) for d in sorted(depts)), tuple(URIRef(r) for r in sorted(regions)),
                                    terr_codes.get(x)))
    return entries
