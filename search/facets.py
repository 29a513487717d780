"""Facet filtering by SPARQL: the facet table, the catalog of valid values, candidate cases.

:data:`FACETS` declares, for every field of :class:`search.contract.Facets` (plus the
``territory`` pseudo facet used by explanations and the gazetteer), how a case reaches a value (a
SPARQL property path from ``?case``) and which resources are valid values (a pattern binding
``?v``). Instrument and actor types are classes with a ``skos:notation``; types are materialised
up the class tree at build time, so ``coop:usesInstrument/rdf:type coop:Contract`` also finds
every contrat de réciprocité. A case whose territory *is* the département or région matches too
(``coop:inDepartement?``), and ``coop:inRegion`` is completed by the build's property chain.

:class:`FacetCatalog` reads every valid value once (three queries): id (``skos:notation`` or the
last IRI segment), IRI, French label, other labels, INSEE code and number of cases. It resolves
user input (ids, codes, labels in French or English, alt labels, without case or accents) to IRIs,
raising :class:`SearchInputError` with the valid values and close matches, and answers
:meth:`FacetCatalog.candidates` with one SPARQL query of VALUES blocks.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from kb.queries import with_prefixes
from ontology.namespace import COOP

from .contract import Facets, SearchInputError
from .expansion import _key as gazetteer_key

COOP_NS = str(COOP._NS)
DEFAULT_CASE_PREFIX = "https://w3id.org/coopkg/id/case/"
CHUNK = 200  # case IRIs per VALUES block
MAX_LISTED = 60  # valid values named in an error message (the others: `coopkg facets NAME`)
TRIVIAL = frozenset({COOP_NS + "CooperationInstrument", COOP_NS + "Actor"})  # roots every case has


@dataclass(frozen=True)
class Facet:
    """How a case reaches a value (``path``) and which resources are values (``values``)."""

    name: str
    path: str
    values: str
    by_rank: bool = False


def _typed(cls: str) -> str:
    return f"?v a {cls} ."


def _territory_kind(notation: str) -> str:
    return f'?v a coop:Territory ; coop:territoryType/skos:notation "{notation}" .'


FACETS: dict[str, Facet] = {f.name: f for f in (
    Facet("instrument", "coop:usesInstrument/rdf:type",
          "?v rdfs:subClassOf* coop:CooperationInstrument ; skos:notation ?vn ."),
    Facet("lever", "coop:mobilisesLever", _typed("coop:Lever"), by_rank=True),
    Facet("axis", "coop:mobilisesLever/coop:axis", _typed("coop:Axis"), by_rank=True),
    Facet("concept", "coop:illustratesConcept", _typed("coop:CooperationConcept")),
    Facet("theme", "coop:hasTheme", _typed("coop:Theme")),
    Facet("actor_type", "coop:involves/rdf:type", "?v rdfs:subClassOf* coop:Actor ; skos:notation ?vn ."),
    Facet("actor", "coop:involves", _typed("coop:Actor")),
    Facet("departement", "coop:territory/coop:inDepartement?", _territory_kind("departement")),
    Facet("region", "coop:territory/coop:inRegion?", _territory_kind("region")),
    Facet("territory_type", "coop:territory/coop:territoryType", _typed("coop:TerritoryType")),
    Facet("territory", "coop:territory", _typed("coop:Territory")),  # pseudo facet: not in Facets
)}
FILTER_FACETS: tuple[str, ...] = tuple(n for n in Facets.model_fields if n != "period")
assert set(FILTER_FACETS) <= set(FACETS), "every field of contract.Facets needs an entry in FACETS"
# Which facet a gazetteer key maps to when a resource is a value of several (départements are territories too).
ENTITY_PRIORITY: tuple[str, ...] = tuple(FACETS)

_LABEL_PROPS = {"prefLabel", "label"}
_SLOTS = ("fr", "other", "alt", "notation", "code", "rank")


@dataclass(frozen=True)
class FacetValue:
    """One valid value of a facet."""

    facet: str
    id: str
    iri: str
    label: str
    count: int = 0
    alt_labels: tuple[str, ...] = ()
    code: str = ""
    rank: int | None = None


def fold(text: str) -> str:
    """Comparison key: no accents, no case, hyphens, apostrophes and underscores as spaces."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[-_'’‘`´.]", " ", text).split())


_PERIOD = re.compile(r"^\s*(\d{4})?\s*(?:([-–—])\s*(\d{4})?)?\s*$")


def parse_period(text: str) -> tuple[int | None, int | None]:
    """``YYYY`` → (Y, Y); ``YYYY-YYYY``; ``YYYY-`` → (Y, None); ``-YYYY`` → (None, Y)."""
    m = _PERIOD.match(text or "")
    if not m or not (m.group(1) or m.group(3)):
        raise SearchInputError(f"malformed period {text!r}: use YYYY, YYYY-YYYY, YYYY- or -YYYY "
                               "(e.g. 2016, 2015-2020, 2015-, -2010)")
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(3)) if m.group(3) else (None if m.group(2) else lo)
    if lo is not None and hi is not None and lo > hi:
        raise SearchInputError(f"malformed period {text!r}: the first year is after the second")
    return lo, hi


def case_iri_prefix(store) -> str:
    """The IRI prefix of cases (``<base>case/``), read from one case of the store."""
    rows = store.select(with_prefixes("SELECT ?c WHERE { ?c a coop:CooperationCase } LIMIT 1")).rows
    if rows and "/case/" in str(rows[0][0]):
        return str(rows[0][0]).rsplit("/case/", 1)[0] + "/case/"
    return DEFAULT_CASE_PREFIX


def case_id(iri: str) -> str:
    """The id of a case: what follows ``/case/`` in its IRI."""
    return str(iri).rsplit("/case/", 1)[-1]


_SAFE_ID = re.compile(r'^[^\s<>"{}|\\^`]+$')


def valid_case_id(value) -> bool:
    """Whether ``value`` can be a case id (and be put in an IRI of a query without escaping)."""
    return isinstance(value, str) and bool(_SAFE_ID.match(value))


def _iri_values(var: str, iris) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in sorted(iris))} }}"


def _last_segment(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


class FacetCatalog:
    """Valid values of every facet, and the SPARQL behind facet filters."""

    def __init__(self, values: dict[str, list[FacetValue]], case_prefix: str = DEFAULT_CASE_PREFIX):
        self.case_prefix = case_prefix
        self._values = {name: sorted(values.get(name, []), key=self._sort_key(name)) for name in FACETS}
        self._by_id = {(v.facet, v.id): v for vs in self._values.values() for v in vs}
        self._by_iri = {(v.facet, v.iri): v for vs in self._values.values() for v in vs}
        # fold(text) -> value ids, per facet: identifiers first (tier 0), then labels (tier 1).
        self._keys: dict[str, tuple[dict[str, list[str]], dict[str, list[str]]]] = {}
        for name, vs in self._values.items():
            ids: dict[str, list[str]] = {}
            labels: dict[str, list[str]] = {}
            for v in vs:
                for text in (v.id, v.iri, _last_segment(v.iri), v.code):
                    if text:
                        ids.setdefault(fold(text), []).append(v.id)
                for text in (v.label, *v.alt_labels):
                    labels.setdefault(fold(text), []).append(v.id)
            self._keys[name] = ({k: sorted(set(x)) for k, x in ids.items()},
                                {k: sorted(set(x)) for k, x in labels.items()})
        self._entities: dict[str, tuple[str, str, str]] = {}
        for name in reversed(ENTITY_PRIORITY):
            for v in self._values[name]:
                self._entities[gazetteer_key(v.iri)] = (name, v.id, v.label)

    @staticmethod
    def _sort_key(name: str):
        if FACETS[name].by_rank:
            return lambda v: (v.rank if v.rank is not None else 10**6, fold(v.id), v.iri)
        return lambda v: (fold(v.label), v.id, v.iri)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_store(cls, store, *, counts: bool = True) -> "FacetCatalog":
        """Read every valid value and its labels (one query), the number of cases of each value
        (one aggregate query, the costly one on a large base: ``counts=False`` leaves them at 0)
        and the case IRI prefix."""
        members = " UNION ".join(f'{{ BIND("{f.name}" AS ?facet) {f.values} }}' for f in FACETS.values())
        props = store.select(with_prefixes(f"""
            SELECT DISTINCT ?facet ?v ?p ?o WHERE {{
              {members}
              ?v ?p ?o .  # FILTER, not VALUES ?p: Oxigraph would scan every triple of these properties
              FILTER(?p IN (skos:notation, skos:prefLabel, rdfs:label, skos:altLabel, coop:officialCode, coop:rank))
              FILTER(LANG(?o) IN ("fr", "en", ""))
            }}""")).rows
        n_cases = _value_counts(store) if counts else {}
        raw: dict[tuple[str, str], dict] = {}
        for facet, v, p, o in sorted(props, key=lambda r: tuple(str(x) for x in r)):
            slot = raw.setdefault((str(facet), str(v)), {k: [] for k in _SLOTS})
            prop = _last_segment(str(p))
            lang = (getattr(o, "language", None) or "").lower()
            if prop == "notation":
                slot["notation"].append(str(o))
            elif prop == "officialCode":
                slot["code"].append(str(o))
            elif prop == "rank":
                slot["rank"].append(int(o))
            elif prop == "altLabel":
                slot["alt"].append(str(o))
            elif prop in _LABEL_PROPS:  # skos:prefLabel before rdfs:label
                labels = slot["fr" if lang == "fr" else "other"]
                labels.insert(0 if prop == "prefLabel" else len(labels), str(o))
        values: dict[str, list[FacetValue]] = {}
        for (facet, iri), slot in raw.items():
            vid = slot["notation"][0] if slot["notation"] else _last_segment(iri)
            label = (slot["fr"] or slot["other"] or [vid])[0]
            alts = tuple(dict.fromkeys(x for x in (*slot["fr"], *slot["other"], *slot["alt"]) if x != label))
            values.setdefault(facet, []).append(FacetValue(
                facet, vid, iri, label, n_cases.get((facet, iri), 0), alts,
                slot["code"][0] if slot["code"] else "", min(slot["rank"]) if slot["rank"] else None))
        return cls(values, case_iri_prefix(store))

    # -- lookups -----------------------------------------------------------------------------
    @staticmethod
    def is_facet(name: str) -> bool:
        return name in FACETS

    def values(self, facet: str) -> list[FacetValue]:
        """Valid values of a facet: levers and axes by rank, the others by label."""
        self._check_facet(facet)
        return list(self._values[facet])

    def value(self, facet: str, value_id: str) -> FacetValue | None:
        return self._by_id.get((facet, value_id))

    def label(self, facet: str, value_id: str) -> str:
        v = self.value(facet, value_id)
        return v.label if v else value_id

    def iri(self, facet: str, value_id: str) -> str | None:
        v = self.value(facet, value_id)
        return v.iri if v else None

    def entity(self, key: str) -> tuple[str, str, str] | None:
        """``(facet, value id, label)`` of a gazetteer key (search.expansion: "coop:PNR",
        "lever/L3", "territory/finistere"…). Territories that are départements or régions map to
        those facets, other territories to the ``territory`` pseudo facet."""
        return self._entities.get(key)

    def _check_facet(self, facet: str) -> None:
        if facet not in FACETS:
            raise SearchInputError(f"unknown facet {facet!r}; facets: {', '.join(FACETS)}")

    # -- resolution --------------------------------------------------------------------------
    def resolve_value(self, facet: str, text: str) -> list[str]:
        """Value ids one user value stands for (an identifier first, else every label match)."""
        self._check_facet(facet)
        key = fold(text)
        ids, labels = self._keys[facet]
        found = ids.get(key) or labels.get(key)
        if not found and key.isdigit() and len(key) == 1:
            found = ids.get("0" + key)  # INSEE codes of départements 01–09 typed without the zero
        if found:
            return list(found)
        raise SearchInputError(self._unknown_message(facet, str(text), key))

    def _unknown_message(self, facet: str, text: str, key: str) -> str:
        ids, labels = self._keys[facet]
        close = difflib.get_close_matches(key, sorted(set(ids) | set(labels)), n=6, cutoff=0.6)
        suggested = list(dict.fromkeys(v for k in close for v in (ids.get(k) or labels.get(k))))[:3]
        show = lambda v: f"{v.id} ({v.label})"  # noqa: E731
        msg = f"unknown {facet} {text!r}"
        if suggested:
            msg += f"; did you mean {' or '.join(show(self._by_id[(facet, s)]) for s in suggested)}?"
        else:
            msg += "."
        values = self._values[facet]
        listed = ", ".join(show(v) for v in values[:MAX_LISTED])
        more = f", … and {len(values) - MAX_LISTED} more (`coopkg facets {facet.replace('_', '-')}`)" \
            if len(values) > MAX_LISTED else ""
        return f"{msg} Valid {facet} values: {listed}{more}."

    def resolve(self, facets: Facets) -> dict[str, list[str]]:
        """Each active facet → the IRIs its values stand for (sorted); ``period`` → its normalised
        form ``["YYYY-YYYY"]`` (an open end left empty: ``["2015-"]``). Raises SearchInputError."""
        out: dict[str, list[str]] = {}
        for name, given in facets.active().items():
            if name == "period":
                lo, hi = parse_period(given)
                out[name] = [f"{lo or ''}-{hi or ''}"]
                continue
            ids = {vid for text in given for vid in self.resolve_value(name, text)}
            out[name] = sorted(self._by_id[(name, vid)].iri for vid in ids)
        return out

    # -- queries -----------------------------------------------------------------------------
    def candidates(self, store, facets: Facets) -> set[str] | None:
        """Ids of the cases passing every active facet (None when none is active), one query."""
        resolved = self.resolve(facets)
        if not resolved:
            return None
        # One DISTINCT subquery per facet, joined on ?case: each is evaluated once, independently
        # (FILTER EXISTS or a flat join of paths are orders of magnitude slower in Oxigraph).
        parts = [f"{{ SELECT DISTINCT ?case WHERE {{ {_iri_values(f'v{i}', resolved[name])} "
                 f"?case {FACETS[name].path} ?v{i} }} }}"
                 for i, name in enumerate(n for n in FACETS if n in resolved)]
        parts.append("?case a coop:CooperationCase .")
        if "period" in resolved:
            parts.append(_period_pattern(*parse_period(facets.period)))
        rows = store.select(with_prefixes("SELECT DISTINCT ?case WHERE {\n" + "\n".join(parts) + "\n}")).rows
        return {case_id(r[0]) for r in rows}

    def cases_with(self, store, facet: str, value_id: str) -> set[str]:
        """Ids of the cases having one value of one facet (the ``territory`` pseudo facet included)."""
        self._check_facet(facet)
        value = self.value(facet, value_id)
        if value is None:
            return set()
        query = (f"SELECT DISTINCT ?case WHERE {{ {_iri_values('v', [value.iri])} ?case {FACETS[facet].path} ?v . "
                 "?case a coop:CooperationCase . }")
        return {case_id(r[0]) for r in store.select(with_prefixes(query)).rows}

    def case_values(self, store, case_ids) -> dict[str, dict[str, set[str]]]:
        """For each existing case: facet → ids of its values (all facets but ``period``; the root
        types coop:CooperationInstrument and coop:Actor are left out: every case has them)."""
        ids = sorted({c for c in case_ids if valid_case_id(c)})
        out: dict[str, dict[str, set[str]]] = {}
        for start in range(0, len(ids), CHUNK):
            cases = _iri_values("case", (self.case_prefix + c for c in ids[start:start + CHUNK]))
            # The VALUES block is repeated in each branch: outside the UNION, Oxigraph would
            # evaluate every branch over all cases before joining.
            branches = " UNION ".join(f'{{ {cases} BIND("{f.name}" AS ?facet) ?case {f.path} ?v }}'
                                      for f in FACETS.values())
            rows = store.select(with_prefixes(f"SELECT DISTINCT ?case ?facet ?v WHERE {{ {branches} }}")).rows
            for case, facet, v in rows:
                value = self._by_iri.get((str(facet), str(v)))
                if value is None or value.iri in TRIVIAL:
                    continue
                out.setdefault(case_id(case), {}).setdefault(value.facet, set()).add(value.id)
        return out


def _value_counts(store) -> dict[tuple[str, str], int]:
    """(facet, value IRI) → number of cases, for every value reached by a facet path."""
    def branch(f: Facet) -> str:  # actors have a coop:territory too: keep cases only
        anchor = " ?case a coop:CooperationCase ." if "coop:territory" in f.path else ""
        return f'{{ BIND("{f.name}" AS ?facet) ?case {f.path} ?v .{anchor} }}'

    rows = store.select(with_prefixes(f"""
        SELECT ?facet ?v (COUNT(DISTINCT ?case) AS ?n) WHERE {{
          {" UNION ".join(branch(f) for f in FACETS.values())}
        }} GROUP BY ?facet ?v""")).rows
    return {(str(f), str(v)): int(n) for f, v, n in rows}


def _period_pattern(lo: int | None, hi: int | None) -> str:
    """Cases with at least one year whose [start, end] interval (open when a year is missing)
    overlaps [lo, hi]."""
    year = lambda var: f"xsd:integer(SUBSTR(STR(?{var}), 1, 4))"  # noqa: E731
    tests = ["(BOUND(?sy) || BOUND(?ey))"]
    if hi is not None:
        tests.append(f"(!BOUND(?sy) || {year('sy')} <= {hi})")
    if lo is not None:
        tests.append(f"(!BOUND(?ey) || {year('ey')} >= {lo})")
    return ("OPTIONAL { ?case coop:startYear ?sy } OPTIONAL { ?case coop:endYear ?ey } "
            f"FILTER({' && '.join(tests)})")
