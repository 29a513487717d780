"""The gazetteer of the base's labels: which spans of a text name an actor, a territory, an
instrument type, a theme, a lever or a concept by one of its labels (or by an instrument cue). It
matches analysed terms, leftmost-longest per layer, and decides which labels are never used (generic
one-word labels), which only give suggestions (ambiguous ones), and when a label's acronyms,
capitals, gaps and dropped tail words must be written as in the label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from rdflib import URIRef

from ontology.namespace import COOP
from search.expansion import NEVER, TARGET_ONLY
from search.text import tokenize

from .lexicon import LexEntry, Lexicon

# One-word labels never matched (too generic: "pays", "parc", "métropole"…), as analysed terms.
SKIP_SINGLE = frozenset(NEVER | TARGET_ONLY | {"commune", "region", "departement", "structure", "reseau",
                                                 "programme", "projet", "outil", "instance", "acteur"})
# One-word names matched only capitalised after an elided article ("l'État", "l'Etat").
AFTER_ARTICLE_SINGLE = frozenset({"etat"})
_ELIDED_ARTICLE = re.compile(r"(?:^|[^\w])[lL]['’ʼ]\s?$")
# One-word labels that only give suggestions (common words with a domain meaning).
AMBIGUOUS_SINGLE = frozenset({
    "cooperation", "commun", "mutualisation", "gouvernance", "economie", "formation", "jeune", "college",
    "prevention", "transition", "national", "usager", "entreprise", "emploi", "climat", "insertion",
    "solidarite", "famille", "environnement", "patrimoine",
})

# Instrument cues beyond the ontology's labels (French surface forms → instrument class).
INSTRUMENT_CUES: dict[URIRef, tuple[str, ...]] = {
    COOP.Convention: ("convention de partenariat", "convention-cadre", "convention cadre",
                      "convention de coopération", "accord-cadre", "protocole d'accord", "groupement de commandes"),
    # a convention that pools a service (articles L. 5111-1-1, L. 5211-4-1 and -4-2 of the CGCT)
    COOP.ConventionMutualisation: ("convention de mise en commun", "convention de mise à disposition",
                                   "convention de service commun"),
    COOP.Contract: ("contrat de coopération", "contrat de territoire", "contrat de ruralité"),
    COOP.PactePolitique: ("pacte de coopération", "pacte de gouvernance", "pacte territorial"),
    COOP.Charte: ("charte de coopération", "charte de partenariat"),
    COOP.AppelAProjets: ("appel à manifestation d'intérêt", "AMI", "AAP"),
    COOP.EntenteInterterritoriale: ("entente intercommunale", "convention d'entente"),
    # an inter-SCoT: the SCoT's syndicates meeting (their presidents' conference, their technicians)
    COOP.DialogueBody: ("conférence territoriale", "instance de coopération", "inter-SCoT", "interSCoT"),
    COOP.LeaderProgramme: ("programme Leader", "fiche action Leader", "fiche-action Leader", "fiche Leader",
                           "GAL Leader", "programme européen Leader"),
    COOP.SharedEngineering: ("ingénierie partagée",),
    COOP.TechnicalNetwork: ("réseau technique", "réseau des techniciens", "réseau des secrétaires de mairie",
                            "réseau des directeurs généraux", "réseau des directeurs", "club des DGS"),
}

# Layers of the gazetteer: leftmost-longest is resolved within a layer, not across layers.
_LAYER_OF_KIND = {"actor": "name", "territory": "name", "instrument_type": "instrument", "theme": "theme",
                  "lever": "lever", "concept": "concept"}

# Characters a label gap without punctuation must not cross in the text.
_GAP_STOP = re.compile(r"[,.;:!?()\[\]{}«»\"“”|/…•✓→\t]|\n\s*\n")
_LABEL_PUNCT = re.compile(r"[,.;:!?()\[\]{}«»\"“”|/…–—]")


def is_acronym(surface: str) -> bool:
    letters = [c for c in surface if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return len(letters) >= 2 and upper >= 2 and upper >= len(letters) - 1 and len(surface) <= 8



@dataclass(frozen=True)
class LabelRef:
    """One label of one entry, as the gazetteer matches it."""

    entry: LexEntry
    label: str
    preferred: bool  # the entry's first label
    surfaces: tuple[str, ...]  # per term: as written in the label
    acronyms: tuple[bool, ...]  # per term: must be written in capitals
    proper: bool  # a one-word proper name: must be written with a capital
    strict_gaps: tuple[bool, ...]  # per gap between terms: no punctuation may be crossed
    single: bool  # one analysed term
    ambiguous: bool  # a generic one-word label: suggestions only
    cue: bool = False  # from INSTRUMENT_CUES, not from the base
    after_article: bool = False  # AFTER_ARTICLE_SINGLE: capitalised, after "l'"
    # the label's last words the analysis drops as stop words ("Est" of "Grand Est"), which must
    # follow the match (after spaces or a hyphen); None when it has none
    tail: re.Pattern | None = None


_TAIL_SEP = r"[ \t\u00a0\-‐‑]+"


def _tail_pattern(label: str, last_term_end: int) -> re.Pattern | None:
    words = re.findall(r"[^\W_]+", label[last_term_end:])
    if not any(re.search(r"[^\W\d_]", w) for w in words):
        return None
    return re.compile(_TAIL_SEP + _TAIL_SEP.join(map(re.escape, words)) + r"(?![^\W_])", re.IGNORECASE)


def _tail_end(ref: LabelRef, text: str, pos: int) -> int | None:
    """Where ``ref.tail`` ends when it follows ``pos`` in ``text``, else None."""
    m = ref.tail.match(text, pos) if ref.tail is not None else None
    return m.end() if m else None


class Hit(NamedTuple):
    layer: str
    start: int
    end: int
    refs: tuple[LabelRef, ...]


class Gazetteer:
    """Tries of analysed label terms, one per layer (names, instruments, themes, levers, concepts)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._tries: dict[str, dict] = {layer: {} for layer in set(_LAYER_OF_KIND.values())}
        for kind, layer in _LAYER_OF_KIND.items():
            for entry in lexicon.by_kind(kind):
                if entry.placeholder:
                    continue
                depth = lexicon.depth(entry.iri) if kind == "instrument_type" else None
                for i, label in enumerate(entry.french_labels):
                    # the umbrella names of the top types are generic (« outil de coopération »,
                    # « structure de coopération »); a top type's alternative label names one formula
                    # of it (« GECT », « programme Interreg ») and is not
                    generic = depth is not None and (depth == 0 or depth == 1 and i == 0)
                    self._add(layer, entry, label, i == 0, generic=generic)
        for cls, cues in INSTRUMENT_CUES.items():
            entry = lexicon.get(cls)
            if entry is not None and entry.kind == "instrument_type":
                for cue in cues:
                    self._add("instrument", entry, cue, False, cue=True)

    @classmethod
    def for_lexicon(cls, lexicon: Lexicon) -> "Gazetteer":
        gaz = lexicon.cache.get("gazetteer")
        if gaz is None:
            gaz = lexicon.cache["gazetteer"] = cls(lexicon)
        return gaz

    def _add(self, layer: str, entry: LexEntry, label: str, preferred: bool, *, generic: bool = False,
             cue: bool = False) -> None:
        toks = [t for t in tokenize(label) if not t.alt]
        if not toks:
            return
        seq = tuple(t.term for t in toks)
        single = len(seq) == 1
        surfaces = [label[t.start:t.end] for t in toks]
        acronyms = tuple(is_acronym(s) for s in surfaces)
        after_article = single and layer == "name" and seq[0] in AFTER_ARTICLE_SINGLE and surfaces[0][:1].isupper()
        if single and seq[0] in SKIP_SINGLE and not acronyms[0] and not after_article:
            return
        if single and len(seq[0]) < 2:
            return
        ambiguous = (single and seq[0] in AMBIGUOUS_SINGLE and not acronyms[0]) or generic
        if ambiguous and layer == "name":
            return  # a common word is not a name ("national")
        # One-word names (and capitalised instrument names: "Scot") need their capital; theme,
        # lever and concept labels are capitalised as sentences ("Santé") and need not.
        proper = single and layer in ("name", "instrument") and surfaces[0][:1].isupper() and not acronyms[0]
        gaps = tuple(not _LABEL_PUNCT.search(label[a.end:b.start]) for a, b in zip(toks, toks[1:]))
        ref = LabelRef(entry, label, preferred, tuple(surfaces), acronyms, proper, gaps, single, ambiguous, cue,
                       after_article, _tail_pattern(label, toks[-1].end))
        node = self._tries[layer]
        for term in seq:
            node = node.setdefault(term, {})
        refs = node.setdefault(None, [])
        if not any(r.entry is entry and r.label == label for r in refs):
            refs.append(ref)  # several spellings of one entry ("SCoT", "Scot") may share terms

    @staticmethod
    def _valid(ref: LabelRef, text: str, toks: list, i: int, j: int) -> bool:
        for k in range(i, j):
            surface = text[toks[k].start:toks[k].end]
            if ref.acronyms[k - i] and surface != ref.surfaces[k - i] and \
                    not all(c.isupper() for c in surface if c.isalpha()):
                return False
            if ref.proper and not surface[:1].isupper():
                return False
        if ref.after_article and not _ELIDED_ARTICLE.search(text[max(0, toks[i].start - 4):toks[i].start]):
            return False
        if ref.tail is not None and _tail_end(ref, text, toks[j - 1].end) is None:
            return False  # "Grand Est" is not the "Grand" of "Grand-Figeac"
        for k in range(i, j - 1):
            gap = text[toks[k].end:toks[k + 1].start]
            if "\n" in gap and ref.surfaces[k + 1 - i][:1].islower() and text[toks[k + 1].start].isupper():
                return False  # a capitalised line start is a new line, not a wrapped label ("territoire\nPartenaires")
            if ref.strict_gaps[k - i]:
                if _GAP_STOP.search(gap):
                    return False
            elif "\n\n" in gap or len(gap) > 40:
                return False
        return True

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Hit]:
        """Leftmost-longest label occurrences in ``text[start:end]`` per layer, in text order."""
        end = len(text) if end is None else end
        toks = [t._replace(start=t.start + start, end=t.end + start)
                for t in tokenize(text[start:end]) if not t.alt]
        terms = [t.term for t in toks]
        hits: list[Hit] = []
        for layer, trie in self._tries.items():
            i = 0
            n = len(terms)
            while i < n:
                node = trie.get(terms[i])
                best = None
                j = i + 1
                while node is not None:
                    refs = node.get(None)
                    if refs:
                        valid: dict[tuple[str, str], LabelRef] = {}  # one ref per entry, preferred first
                        for r in sorted(refs, key=lambda r: not r.preferred):
                            if (str(r.entry.iri), r.entry.kind) not in valid and self._valid(r, text, toks, i, j):
                                valid[(str(r.entry.iri), r.entry.kind)] = r
                        if valid:
                            best = (j, tuple(valid.values()))
                    if j >= n:
                        break
                    node = node.get(terms[j])
                    j += 1
                if best is None:
                    i += 1
                    continue
                j, refs = best
                end_at = max(_tail_end(r, text, toks[j - 1].end) or toks[j - 1].end for r in refs)
                hits.append(Hit(layer, toks[i].start, end_at, refs))
                i = j
        hits.sort(key=lambda h: (h.start, h.end, h.layer))
        return hits
