"""Query expansion from the knowledge base's labels: acronyms ↔ expansions, synonyms, English labels.

A :class:`LabelGroup` is one thing with several names: an actor or instrument type of the
ontology (coop:PNR: "parc naturel régional", "PNR", "syndicat mixte du parc"), a notion, lever or
theme of the SKOS vocabularies, a named actor ("Pays du Centre Ouest Bretagne", "COB") or a
territory. :meth:`Expander.from_store` reads them from the store (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``); :data:`EXTRA_GROUPS` adds the few acronyms the corpus
uses but the ontology and corpus do not define (DGS, CDDRA, SDCI…).

Labels are compared as analysed term sequences (:func:`search.text.phrase_terms`: folded,
stemmed, stop words removed), so "pôle d'équilibre territorial et rural" matches
"Pôles d’équilibre territoriaux et ruraux". A label of one term stands for that term; a label of
several terms stands for the *phrase term* ``"=" + " ".join(terms)``, which the lexical index adds
to every passage where the phrase occurs (:meth:`Expander.phrase_occurrences`).

``expand(query)`` returns ``(term, weight, reason)`` triples: the query's own terms (weight 1,
reason ""), a phrase term for each label the query contains (``PHRASE_WEIGHT``: exact phrases
score above scattered words), and for each such label the *other* labels of its groups (the
group's weight: 0.5, themes 0.25), the reason naming what triggered the expansion and the group.
Query labels are matched leftmost-longest ("communauté de communes" does not also fire
"commune"); passages index every occurrence, overlaps included.

Guards against noise, all in this file: a few generic words are never used (``NEVER``: "parc"
would send "parc solaire" to the PNRs), some only as expansion targets (``TARGET_ONLY``: "Pays"),
acronyms that are also French words fire only when typed in capitals (``CASE_SENSITIVE``: CLE
vs clé, SAGE vs sage), English labels only trigger (they never occur in the French passages),
placeholder actors "(non nommés dans la source)" are skipped, and role, scale, level and
territory-type vocabularies are left out (their labels are generic words).
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Iterable, NamedTuple

from ontology.placeholders import is_placeholder_label

from .text import ANALYZER_VERSION, Token, tokenize

EXPANSION_VERSION = "1"
DEFAULT_WEIGHT = 0.5
THEME_WEIGHT = 0.25
PHRASE_WEIGHT = 0.5

# Single analysed terms that never trigger nor are added: too generic or ambiguous.
NEVER = frozenset({"parc", "ville", "campagne", "communaute", "etat", "habitant", "acteur", "territoire",
                   "entreprise"})
# Single analysed terms that may be added as expansions but do not trigger any.
TARGET_ONLY = frozenset({"pays", "agglomeration", "collectivite", "metropole"})
# Acronym labels that are also French words: they trigger only when the query types them in capitals.
CASE_SENSITIVE = frozenset({"cle", "sage", "ca", "cep"})

PHRASE_PREFIX = "="


@dataclass(frozen=True)
class LabelGroup:
    """Names of one thing. ``trigger_only`` labels (e.g. English ones) are matched in queries but
    never added as expansions."""

    key: str
    label: str
    alt_labels: tuple[str, ...] = ()
    weight: float = DEFAULT_WEIGHT
    trigger_only: tuple[str, ...] = ()
    kind: str = ""


# What the ontology and corpus lack: acronyms used in the case texts or common in practitioners'
# questions, with their expansions. Everything else comes from the store.
EXTRA_GROUPS: tuple[LabelGroup, ...] = (
    LabelGroup("extra:DGS", "directeur général des services",
               ("DGS", "directrice générale des services", "directeurs généraux des services"), kind="extra"),
    LabelGroup("extra:CDDRA", "contrat de développement durable Rhône-Alpes", ("CDDRA",), kind="extra"),
    LabelGroup("extra:SDCI", "schéma départemental de coopération intercommunale", ("SDCI",), kind="extra"),
    LabelGroup("extra:GIZC", "gestion intégrée des zones côtières", ("GIZC",), kind="extra"),
    LabelGroup("extra:PCET", "plan climat-énergie territorial", ("PCET", "plan climat énergie territorial"), kind="extra"),
    LabelGroup("extra:PCAET", "plan climat-air-énergie territorial", ("PCAET", "plan climat air énergie territorial"), kind="extra"),
    LabelGroup("extra:CEP", "conseil en énergie partagé", ("CEP",), kind="extra"),
    LabelGroup("extra:EBE", "entreprise à but d'emploi", ("EBE",), kind="extra"),
    LabelGroup("extra:TPE", "très petites entreprises", ("TPE",), kind="extra"),
    LabelGroup("extra:SCIC", "société coopérative d'intérêt collectif", ("SCIC",), kind="extra"),
    LabelGroup("extra:ARS", "agence régionale de santé", ("ARS",), kind="extra"),
    LabelGroup("extra:PLUi", "plan local d'urbanisme intercommunal", ("PLUi", "PLUI"), kind="extra"),
    LabelGroup("extra:CRTE", "contrat de relance et de transition écologique", ("CRTE",), kind="extra"),
    LabelGroup("extra:AAP", "appel à projets", ("AAP",), kind="extra"),
    LabelGroup("extra:RH", "ressources humaines", ("RH",), kind="extra"),
)


class Expansion(NamedTuple):
    term: str
    weight: float
    reason: str


@dataclass
class _Entry:
    """One distinct label (as a term sequence) and the groups it belongs to."""

    seq: tuple[str, ...]
    display: str
    case_sensitive: bool = False
    trigger_groups: list[int] = field(default_factory=list)
    target_groups: list[int] = field(default_factory=list)

    @property
    def term(self) -> str:
        return self.seq[0] if len(self.seq) == 1 else PHRASE_PREFIX + " ".join(self.seq)


@functools.lru_cache(maxsize=1 << 18)
def _label_sequence(text: str) -> tuple[str, ...]:
    """A label's term sequence, memoised: an index update builds the expander twice (loaded, then
    updated; ~15,000 groups at 10,000 cases), and the second build then tokenises nothing again
    (`Expander.updated` measured once at 10k: 0.18 s → 0.06 s)."""
    return tuple(t.term for t in tokenize(text) if not t.alt)


def _is_acronym_text(text: str) -> bool:
    t = text.strip()
    letters = [c for c in t if c.isalpha()]
    return 2 <= len(t) <= 5 and t.isalpha() and sum(c.isupper() for c in letters) >= max(2, len(letters) - 1)


class Expander:
    """Label gazetteer over analysed term sequences; see the module doc."""

    def __init__(self, groups: Iterable[LabelGroup | tuple]):
        self.groups: list[LabelGroup] = []
        self._json: list[dict] | None = None  # to_json(), once
        self._entries: dict[tuple[str, ...], _Entry] = {}
        self._trie: dict = {}
        self._group_entries: list[list[_Entry]] = []
        seen_keys: set[str] = set()
        for g in groups:
            if not isinstance(g, LabelGroup):  # (label, alt_labels) or (key, label, alt_labels)
                g = LabelGroup(g[0], g[0], tuple(g[1])) if len(g) == 2 else LabelGroup(g[0], g[1], tuple(g[2]))
            if g.key in seen_keys:
                continue
            seen_keys.add(g.key)
            self._add_group(g)

    # -- construction ------------------------------------------------------------------------
    def _add_group(self, g: LabelGroup) -> None:
        gi = len(self.groups)
        self.groups.append(g)
        members: list[_Entry] = []
        labels = [(g.label, True), *((a, True) for a in g.alt_labels), *((t, False) for t in g.trigger_only)]
        for text, target in labels:
            seq = _label_sequence(text)
            if not seq:
                continue
            single = seq[0] if len(seq) == 1 else None
            if single in NEVER:
                continue
            entry = self._entries.get(seq)
            if entry is None:
                entry = _Entry(seq, text.strip())
                self._entries[seq] = entry
                node = self._trie
                for term in seq:
                    node = node.setdefault(term, {})
                node[None] = entry
            if _is_acronym_text(text) and seq[0] in CASE_SENSITIVE and len(seq) == 1:
                entry.case_sensitive = True
            if single not in TARGET_ONLY and gi not in entry.trigger_groups:
                entry.trigger_groups.append(gi)
            if target and gi not in entry.target_groups:
                entry.target_groups.append(gi)
                members.append(entry)
        self._group_entries.append(members)

    @classmethod
    def from_store(cls, store, *, extra: Iterable[LabelGroup] = EXTRA_GROUPS) -> "Expander":
        return cls([*groups_from_store(store), *extra])

    def updated(self, store, nodes: Iterable[str], *, extra: Iterable[LabelGroup] = EXTRA_GROUPS) -> "Expander":
        """:meth:`from_store` after a write that described only ``nodes`` (data IRIs: the actors,
        territories… of the written graphs, before and after): the other groups are kept, those of
        ``nodes`` read again (gone when the node is), in from_store's order — the same expander,
        without reading every label of the base. None when this one cannot tell (no data group)."""
        extra = list(extra)
        extra_keys = {g.key for g in extra}
        own = [g for g in self.groups if g.key not in extra_keys]
        data = [i for i, g in enumerate(own) if not g.key.startswith("coop:")]
        nodes = [n for n in nodes if "#" not in n]
        if not data or data != list(range(data[0], data[-1] + 1)):
            return None  # groups_from_store sorts by IRI: the data groups (one base) are contiguous
        keys = {_key(n) for n in nodes}
        fresh = groups_from_store(store, nodes) if nodes else []
        kept = [own[i] for i in data if own[i].key not in keys]
        merged = sorted(kept + fresh, key=lambda g: g.key)  # same base: IRI order is key order
        return Expander([*own[:data[0]], *merged, *own[data[-1] + 1:], *extra])

    # -- identity ----------------------------------------------------------------------------
    @functools.cached_property
    def vocabulary_hash(self) -> str:
        """Changes whenever the groups, the guards or the analyzer change (computed once: the
        groups are fixed at construction, and at 10,000 cases the hash costs ~0.3 s)."""
        payload = {
            "analyzer": ANALYZER_VERSION, "expansion": EXPANSION_VERSION, "phrase_weight": PHRASE_WEIGHT,
            "never": sorted(NEVER), "target_only": sorted(TARGET_ONLY), "case_sensitive": sorted(CASE_SENSITIVE),
            "groups": self.to_json(),
        }
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def to_json(self) -> list[dict]:
        if self._json is None:
            self._json = [asdict(g) for g in self.groups]
        return self._json

    def phrase_sequences(self) -> frozenset[tuple[str, ...]]:
        """The term sequences of the multi-term labels: all that indexing depends on
        (:meth:`phrase_occurrences`); the groups they belong to only matter to queries."""
        return frozenset(seq for seq in self._entries if len(seq) > 1)

    @classmethod
    def from_json(cls, data: list[dict]) -> "Expander":
        return cls(LabelGroup(**{**d, "alt_labels": tuple(d["alt_labels"]), "trigger_only": tuple(d["trigger_only"])})
                   for d in data)

    # -- matching ----------------------------------------------------------------------------
    def _walk(self, seq: list[str], i: int):
        """Entries whose label starts at position i of seq, shortest first, with their end."""
        node = self._trie
        j = i
        while j < len(seq):
            node = node.get(seq[j])
            if node is None:
                return
            j += 1
            entry = node.get(None)
            if entry is not None:
                yield entry, j

    def phrase_occurrences(self, seq: list[str]) -> list[str]:
        """Phrase terms of every multi-term label occurring in ``seq`` (overlaps included)."""
        out = []
        trie = self._trie
        n = len(seq)
        for i in range(n):
            node = trie.get(seq[i])
            if node is None:
                continue
            j = i + 1
            while j < n:
                node = node.get(seq[j])
                if node is None:
                    break
                j += 1
                entry = node.get(None)
                if entry is not None:
                    out.append(entry.term)
        return out

    def matches(self, text: str, tokens: list[Token] | None = None) -> list[tuple[_Entry, int, int]]:
        """Leftmost-longest label matches in a query: (entry, start char, end char)."""
        tokens = [t for t in (tokens if tokens is not None else tokenize(text)) if not t.alt]
        seq = [t.term for t in tokens]
        out = []
        i = 0
        while i < len(seq):
            best = None
            for entry, j in self._walk(seq, i):
                if not entry.trigger_groups:
                    continue
                if entry.case_sensitive and not text[tokens[i].start:tokens[j - 1].end].isupper():
                    continue
                best = (entry, j)
            if best is None:
                i += 1
                continue
            entry, j = best
            out.append((entry, tokens[i].start, tokens[j - 1].end))
            i = j
        return out

    def expand(self, query: str) -> list[Expansion]:
        """The weighted terms of a query: its own, its label phrases, and their expansions."""
        tokens = tokenize(query)
        result: dict[str, list] = {}
        for t in tokens:
            result.setdefault(t.term, [1.0, []])
        for entry, a, b in self.matches(query, tokens):
            surface = query[a:b]
            if len(entry.seq) > 1:
                self._add(result, entry.term, PHRASE_WEIGHT, f"phrase « {surface} »")
            for gi in entry.trigger_groups:
                g = self.groups[gi]
                for target in self._group_entries[gi]:
                    if target is entry:
                        continue
                    self._add(result, target.term, g.weight,
                              f"{surface} → {target.display} ({g.label}; {g.key})")
        return [Expansion(term, w, "; ".join(reasons)) for term, (w, reasons) in result.items()]

    @staticmethod
    def _add(result: dict, term: str, weight: float, reason: str) -> None:
        slot = result.get(term)
        if slot is None:
            result[term] = [weight, [reason]]
            return
        if slot[0] >= 1.0 and not slot[1]:  # an original query term keeps weight 1, no reason
            return
        slot[0] = max(slot[0], weight)
        if reason not in slot[1]:
            slot[1].append(reason)

    def __len__(self) -> int:
        return len(self.groups)


# -- reading the groups from the store ---------------------------------------------------------
_SCHEME_WEIGHTS = {"NotionScheme": DEFAULT_WEIGHT, "LeverScheme": DEFAULT_WEIGHT, "ThemeScheme": THEME_WEIGHT}


def _key(iri: str) -> str:
    if "#" in iri:
        return "coop:" + iri.rsplit("#", 1)[1]
    return "/".join(iri.rstrip("/").split("/")[-2:])


def groups_from_store(store, iris: Iterable[str] | None = None) -> list[LabelGroup]:
    """Label groups of the actor and instrument types (ontology classes with a notation), the
    notions, levers, axes and themes, the named actors and the territories (only those of
    ``iris``, when given), in the order of their IRIs."""
    if iris is not None:
        wanted = sorted(set(iris))
        return [g for start in range(0, len(wanted), 500)
                for g in _groups(store, " ".join(f"<{i}>" for i in wanted[start:start + 500]))]
    return _groups(store, None)


def _groups(store, values: str | None) -> list[LabelGroup]:
    from kb.queries import with_prefixes

    schemes = " ".join(f"coop:{s}" for s in _SCHEME_WEIGHTS)
    branches = ('?x a owl:Class ; skos:notation ?n . BIND("class" AS ?kind)',
                f"?x skos:inScheme ?kind . VALUES ?kind {{ {schemes} }}",
                '?x a coop:Actor . BIND("actor" AS ?kind) FILTER(!isBlank(?x))',
                '?x a coop:Territory . BIND("territory" AS ?kind)')
    labels = """VALUES ?p { skos:prefLabel rdfs:label skos:altLabel }
          ?x ?p ?l .
          FILTER(LANG(?l) IN ("fr", "en", ""))"""
    if values is None:
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        queries = [f"SELECT DISTINCT ?x ?kind ?p ?l WHERE {{ {union} {labels} }}"]
    else:
        # one query per branch, the label properties as a FILTER: with a UNION or a second VALUES
        # beside VALUES ?x, Oxigraph scans (0.6–2.5 s for 6 nodes at 10,000 cases; ~1 ms this way)
        restricted = """?x ?p ?l . FILTER(?p IN (skos:prefLabel, rdfs:label, skos:altLabel))
          FILTER(LANG(?l) IN ("fr", "en", ""))"""
        queries = [f"SELECT DISTINCT ?x ?kind ?p ?l WHERE {{ VALUES ?x {{ {values} }} {b} {restricted} }}"
                   for b in branches]
    rows: dict[str, dict] = {}
    for x, kind, p, lit in (row for q in queries for row in store.select(with_prefixes(q)).rows):
        iri = str(x)
        slot = rows.setdefault(iri, {"kind": str(kind).rsplit("#", 1)[-1], "pref": [], "alt": [], "en": []})
        lang = (lit.language or "").lower()
        text = str(lit)
        if lang == "en":
            slot["en"].append(text)
        elif str(p).endswith("altLabel"):
            slot["alt"].append(text)
        else:
            slot["pref"].append(text)
    groups = []
    for iri in sorted(rows):
        slot = rows[iri]
        names = sorted(set(slot["pref"])) + sorted(set(slot["alt"]) - set(slot["pref"]))
        if not names:
            continue
        label = names[0]
        if is_placeholder_label(label):  # placeholder actors: descriptive labels, not names
            continue
        weight = _SCHEME_WEIGHTS.get(slot["kind"], DEFAULT_WEIGHT)
        english = tuple(sorted(set(slot["en"]) - set(names)))
        groups.append(LabelGroup(_key(iri), label, tuple(names[1:]), weight, english, slot["kind"]))
    return groups
