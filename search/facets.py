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

:class:`FacetIndex` is the same relation in memory, for the search service: read once per
snapshot of the base with one simple query per property of the facet paths (the paths are
composed in Python), it maps every facet value to the sorted positions of its cases and every case
to its values, and indexes the start and end years of cases for periods. It answers candidates,
``cases_with`` and ``case_values`` with the same sets as the SPARQL above, which stays the source
of truth (tests/test_facet_index.py compares them on every value of the corpus).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from kb.queries import with_prefixes
from ontology.namespace import COOP

from .arrays import ranges
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


# -- the facet relation in memory -------------------------------------------------------------------
_STEP = re.compile(r"^([A-Za-z][\w-]*:[\w-]+)(\??)$")
RESTRICT_MAX = 2000  # objects of a property read through a VALUES block up to this many values


def path_steps(path: str) -> list[tuple[str, bool]]:
    """The steps of a facet path (``coop:territory/coop:inDepartement?``): (property, optional)."""
    steps = []
    for part in path.split("/"):
        m = _STEP.match(part.strip())
        if not m:
            raise ValueError(f"facet path {path!r}: only sequences of prefixed properties, each optionally "
                             f"followed by '?', can be indexed in memory")
        steps.append((m.group(1), m.group(2) == "?"))
    return steps


for _f in FACETS.values():  # every path can be composed by FacetIndex
    path_steps(_f.path)


def _tsv_term(text: str) -> str:
    """The IRI or the lexical form of one term of SPARQL TSV results."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if text.startswith('"'):
        end = text.rfind('"')
        body = text[1:end] if end > 0 else text[1:]
        if "\\" in body:
            body = re.sub(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)', _unescape, body)
        return body
    return text  # blank node or abbreviated number / boolean


def _unescape(m: re.Match) -> str:
    code = m.group(1)
    if code[0] in "uU":
        return chr(int(code[1:], 16))
    return {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f"}.get(code, code)


def _pairs(store, query: str) -> tuple[list[str], list[str]]:
    """The two columns of a two-variable SELECT whose rows are all bound, as IRIs / lexical
    forms: parsed from SPARQL TSV results when the store gives them (several times faster than
    rdflib terms), else from select()."""
    raw = getattr(store, "raw_query", None)
    if raw is not None:
        body, media = raw(query, "tsv")
        if "tab-separated-values" in str(media):
            text = body.decode("utf-8").replace("\r\n", "\n")
            start = text.find("\n") + 1
            if not start:
                return [], []
            cells = text[start:].rstrip("\n").replace("\t", "\n").split("\n") if text[start:].strip() else []
            if len(cells) % 2:
                raise ValueError("unexpected SPARQL TSV results (a row without two values)")
            return ([x[1:-1] if x[:1] == "<" else _tsv_term(x) for x in cells[0::2]],
                    [x[1:-1] if x[:1] == "<" else _tsv_term(x) for x in cells[1::2]])
    rows = [(str(a), str(b)) for a, b in store.select(query).rows if a is not None and b is not None]
    return [a for a, _ in rows], [b for _, b in rows]


class _Interner(dict):
    """Term → integer."""

    def ints(self, terms: list[str]) -> np.ndarray:
        for t in dict.fromkeys(terms):
            if t not in self:
                self[t] = len(self)
        return np.fromiter(map(self.__getitem__, terms), dtype=np.int64, count=len(terms))


def _follow(src: np.ndarray, node: np.ndarray, edges: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One step of a path: (src, node) pairs → (src, object) for every edge (node, object)."""
    subj, obj = edges  # sorted by subject
    lo = np.searchsorted(subj, node, side="left")
    hi = np.searchsorted(subj, node, side="right")
    return np.repeat(src, hi - lo), obj[ranges(lo, hi)]


_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def _year(lexical: str) -> int | None:
    """``xsd:integer(SUBSTR(STR(?y), 1, 4))`` of the period query; None where it is an error."""
    head = lexical[:4]
    return int(head) if _INTEGER.match(head) else None


class FacetIndex:
    """Facet value ↔ cases, in memory (see the module docstring). Case positions index
    :attr:`cases` (sorted case ids); every array of positions is sorted."""

    def __init__(self, catalog: FacetCatalog, cases: list[str], pairs: dict[str, tuple[np.ndarray, np.ndarray]],
                 years: tuple[np.ndarray, ...]):
        """``pairs``: facet → (case positions, value indexes in ``catalog.values(facet)``), one
        pair per (case, value); ``years``: (case position, start year, start state, end year,
        end state) per combination of a case's years (state 0 unbound, 1 a year, 2 not a year)."""
        self.catalog = catalog
        self.cases = list(cases)
        self.position = {c: i for i, c in enumerate(self.cases)}
        self._values: dict[str, list[FacetValue]] = {name: catalog.values(name) for name in FACETS}
        self._vindex = {name: {v.id: i for i, v in enumerate(vs)} for name, vs in self._values.items()}
        self._trivial = {name: np.asarray([v.iri in TRIVIAL for v in vs], dtype=bool)
                         for name, vs in self._values.items()}
        n = len(self.cases)
        self._by_value: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._by_case: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in FACETS:
            nv = len(self._values[name])
            cpos, vidx = pairs.get(name, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            key = _sorted_unique(np.asarray(vidx, np.int64) * max(n, 1) + np.asarray(cpos, np.int64))
            v_sorted, c_sorted = key // max(n, 1), key % max(n, 1)  # by value, then case
            self._by_value[name] = (np.searchsorted(v_sorted, np.arange(nv + 1)), c_sorted.astype(np.int32))
            order = np.lexsort((v_sorted, c_sorted))  # by case, then value
            self._by_case[name] = (np.searchsorted(c_sorted[order], np.arange(n + 1)),
                                   v_sorted[order].astype(np.int32))
        self._years = years

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_store(cls, store, catalog: FacetCatalog) -> "FacetIndex":
        """Read the relation: the cases, one query per property of the facet paths (objects
        restricted to the facet's values by a VALUES block when the property only ends paths)
        and the years of cases; the paths are composed with numpy."""
        terms = _Interner()
        case_iris, _ = _pairs(store, with_prefixes(
            "SELECT ?case ?t WHERE { VALUES ?t { coop:CooperationCase } ?case a ?t }"))
        cases = sorted({case_id(i) for i in case_iris})
        position = {c: i for i, c in enumerate(cases)}
        case_term = terms.ints(case_iris)
        case_of_term = {int(t): position[case_id(i)] for t, i in zip(case_term.tolist(), case_iris)}
        steps = {name: path_steps(f.path) for name, f in FACETS.items()}
        # properties that only end paths: read for the values of those facets only
        last_only: dict[str, set[str] | None] = {}
        for name, st in steps.items():
            for i, (prop, _) in enumerate(st):
                if i < len(st) - 1:
                    last_only[prop] = None
                elif last_only.get(prop, set()) is not None:
                    last_only.setdefault(prop, set()).update(v.iri for v in catalog.values(name))
        edges: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for prop, allowed in last_only.items():
            if allowed is not None and len(allowed) <= RESTRICT_MAX:
                query = f"SELECT ?s ?o WHERE {{ {_iri_values('o', allowed)} ?s {prop} ?o }}"
            else:
                query = f"SELECT ?s ?o WHERE {{ ?s {prop} ?o }}"
            subj, obj = _pairs(store, with_prefixes(query))
            subj, obj = terms.ints(subj), terms.ints(obj)
            order = np.argsort(subj, kind="stable")
            edges[prop] = (subj[order], obj[order])
        n_terms = len(terms)
        # the position of each case term; -1 for the other terms
        case_at = np.full(n_terms + 1, -1, dtype=np.int64)
        for t, pos in case_of_term.items():
            case_at[t] = pos
        start_src = np.fromiter(case_of_term.values(), dtype=np.int64, count=len(case_of_term))
        start_node = np.fromiter(case_of_term.keys(), dtype=np.int64, count=len(case_of_term))
        pairs = {}
        for name, st in steps.items():
            value_at = np.full(n_terms + 1, -1, dtype=np.int64)
            for i, v in enumerate(catalog.values(name)):
                t = terms.get(v.iri)
                if t is not None:
                    value_at[t] = i
            src, node = start_src, start_node
            for prop, optional in st:
                s2, n2 = _follow(src, node, edges[prop])
                if optional:
                    s2, n2 = np.concatenate([s2, src]), np.concatenate([n2, node])
                src, node = s2, n2
            vidx = value_at[node]
            keep = vidx >= 0
            pairs[name] = (src[keep], vidx[keep])
        return cls(catalog, cases, pairs, cls._read_years(store, {i: case_of_term[int(t)] for t, i in
                                                                  zip(case_term.tolist(), case_iris)}))

    @staticmethod
    def _read_years(store, case_pos: dict[str, int]) -> tuple[np.ndarray, ...]:
        starts: dict[int, set[str]] = {}
        ends: dict[int, set[str]] = {}
        for prop, into in (("coop:startYear", starts), ("coop:endYear", ends)):
            for iri, y in zip(*_pairs(store, with_prefixes(f"SELECT ?case ?y WHERE {{ ?case {prop} ?y }}"))):
                if iri in case_pos:
                    into.setdefault(case_pos[iri], set()).add(y)
        rows = []
        for pos in sorted(set(starts) | set(ends)):
            sy = [_year(y) for y in sorted(starts.get(pos, ()))] or ["unbound"]
            ey = [_year(y) for y in sorted(ends.get(pos, ()))] or ["unbound"]
            for a in sy:
                for b in ey:
                    rows.append((pos, *_year_state(a), *_year_state(b)))
        arr = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
        return tuple(arr[:, i] for i in range(5))

    # -- lookups -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.cases)

    def positions(self, facet: str, value_id: str) -> np.ndarray:
        """Sorted positions of the cases having one value of one facet (empty for an unknown value)."""
        self.catalog._check_facet(facet)
        vi = self._vindex[facet].get(value_id)
        if vi is None:
            return np.zeros(0, dtype=np.int32)
        ptr, cases = self._by_value[facet]
        return cases[ptr[vi]:ptr[vi + 1]]

    def cases_with(self, facet: str, value_id: str) -> set[str]:
        """Like :meth:`FacetCatalog.cases_with`: ids of the cases having one value of one facet."""
        return {self.cases[i] for i in self.positions(facet, value_id).tolist()}

    def has(self, facet: str, value_id: str, case: str) -> bool:
        pos = self.position.get(case)
        if pos is None:
            return False
        posting = self.positions(facet, value_id)
        i = int(np.searchsorted(posting, pos))
        return i < len(posting) and int(posting[i]) == pos

    def having(self, facet: str, value_id: str, case_ids: Iterable[str]) -> set[str]:
        """Those of ``case_ids`` that have the value."""
        ids = [c for c in case_ids if c in self.position]
        if not ids:
            return set()
        pos = np.fromiter((self.position[c] for c in ids), dtype=np.int64, count=len(ids))
        posting = self.positions(facet, value_id)
        if not len(posting):
            return set()
        i = np.minimum(np.searchsorted(posting, pos), len(posting) - 1)
        return {c for c, ok in zip(ids, (posting[i] == pos).tolist()) if ok}

    def period_positions(self, lo: int | None, hi: int | None) -> np.ndarray:
        """Cases with at least one year combination whose interval overlaps [lo, hi] (the
        FILTER of the period query, errors included)."""
        return np.flatnonzero(self._period_mask(lo, hi)).astype(np.int32)

    def _period_mask(self, lo: int | None, hi: int | None) -> np.ndarray:
        """:meth:`period_positions` as booleans by case position."""
        pos, sy, ss, ey, es = self._years
        ok = (ss != 0) | (es != 0)
        if hi is not None:
            ok &= (ss == 0) | ((ss == 1) & (sy <= hi))
        if lo is not None:
            ok &= (es == 0) | ((es == 1) & (ey >= lo))
        mask = np.zeros(len(self.cases), dtype=bool)
        mask[pos[ok]] = True
        return mask

    def candidate_positions(self, facets: Facets) -> np.ndarray | None:
        """Positions of the cases passing every active facet (None when none is active): values
        of one facet are alternatives, facets combine with AND, like :meth:`FacetCatalog.candidates`."""
        resolved = self.catalog.resolve(facets)
        if not resolved:
            return None
        keep = np.ones(len(self.cases), dtype=bool)  # masks, not sorted intersections: O(cases)
        for name in FACETS:
            if name not in resolved:
                continue
            union = np.zeros(len(self.cases), dtype=bool)
            for iri in resolved[name]:
                union[self.positions(name, self.catalog._by_iri[(name, iri)].id)] = True
            keep &= union
        if "period" in resolved:
            keep &= self._period_mask(*parse_period(facets.period))
        return np.flatnonzero(keep).astype(np.int32)

    def candidates(self, facets: Facets) -> set[str] | None:
        """Ids of the cases passing every active facet (None when none is active)."""
        pos = self.candidate_positions(facets)
        return None if pos is None else {self.cases[i] for i in pos.tolist()}

    def case_values(self, case_ids) -> dict[str, dict[str, set[str]]]:
        """Like :meth:`FacetCatalog.case_values`: for each existing case, facet → ids of its
        values (all facets but ``period``, without the root types every case has)."""
        out: dict[str, dict[str, set[str]]] = {}
        for c in dict.fromkeys(case_ids):
            pos = self.position.get(c) if isinstance(c, str) else None
            if pos is None:
                continue
            mine: dict[str, set[str]] = {}
            for name in FACETS:
                ptr, vals = self._by_case[name]
                vs = vals[ptr[pos]:ptr[pos + 1]]
                if len(vs):
                    vs = vs[~self._trivial[name][vs]]
                if len(vs):
                    values = self._values[name]
                    mine[name] = {values[i].id for i in vs.tolist()}
            if mine:
                out[c] = mine
        return out


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique by sorting (np.unique's hash is several times slower on ints)."""
    if len(a) < 2:
        return a
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))]


def _year_state(year) -> tuple[int, int]:
    if year == "unbound":
        return 0, 0
    if year is None:
        return 0, 2
    return int(year), 1
