"""Extract mentions from one case candidate: actors, territories, instruments, levers, concepts and
themes, with their spans, the method that found them and a confidence.

``extract(document, candidate, lexicon, nlp=None, semantic=None)`` runs, inside the candidate's
span only:

1. a **gazetteer** of the base's labels (:class:`Gazetteer`, built from the :class:`Lexicon`):
   actors, territories, instrument types, themes, levers and concepts, matched on analysed terms
   (:func:`search.text.tokenize`: case, accents, plurals and stop words folded), word-bounded,
   leftmost-longest per kind, never across punctuation the label does not have; acronyms (every
   all-capitals word of a label: "COB", "PNR", "SCoT") must be written in capitals and one-word
   proper names ("Nantes") with a capital; generic one-word labels ("pays", "parc", "métropole")
   are never used and ambiguous ones ("coopération", "communs") only give suggestions;
2. the **institution rules** of :mod:`.patterns` ("communauté de communes du …", "… Métropole"):
   each name is linked to an existing actor by :mod:`.linking` (normalised name, then fuzzy
   match among compatible types) or becomes a new, typed actor;
3. spaCy's **NER** (``nlp``, see :func:`load_nlp`) for the ORG and LOC entities the first two
   steps did not cover (an entity may replace one-word territory hits inside it: "Bretagne" in
   "Quimper Bretagne Occidentale"); capitalised common words at the start of a line, type names
   alone ("PNR") and markup are dropped; the rest are low-confidence actor (ORG) / territory (LOC)
   candidates, linked to the base when possible;
4. **institutions named by their type** (:func:`.patterns.find_descriptions`; the step is
   :mod:`.descriptions`), resolved through the case's territory
   (:func:`.descriptions.case_context`: the territories of its linked actors and its territory
   mentions, with their départements and régions from the :class:`Lexicon`): a definite description
   ("le Département", "la Région", "l'agglomération", "la communauté urbaine", "l'agence
   d'urbanisme", "le Pays") names the one actor of that class attached to the case's territory, to
   one containing it or to one of its département (:func:`.descriptions.resolve_definite`; two such
   actors: nothing is extracted). When the base has no such actor, the description is *minted* as a
   new actor if the case says where (:func:`.descriptions.mint_definite`): « le Département » /
   « la Région » of the one département / région the case's territories lie in ("Département de la
   Gironde", "Région Bretagne"); « l'agence d'urbanisme » of the one local structure of the
   sentence or the case ("Agence d'urbanisme de Bordeaux" for Bordeaux Métropole); « la communauté
   d'agglomération » / « la communauté urbaine » of the one commune named in the same sentence (or,
   with none, the one préfecture named there: "Agglomération de Nevers"); « CLE » of the one SAGE
   the case names; otherwise nothing. The préfectures the candidate names
   (:func:`.patterns.find_towns`, ``data/prefectures.tsv``) locate it for minting only. A
   collective noun the base has no placeholder for is minted as one when its owner is clear
   (:func:`.descriptions.mint_group`: "Communes du Grand Chalon et leurs élus (non nommées dans la
   source)"). A collective noun ("les communes", "5 Communautés de communes", "2 Syndicats mixtes",
   "les élus du territoire", "des partenaires") names the corpus placeholders of that class
   attached to the case (:func:`.descriptions.resolve_collective`: "Communes du Pays de Figeac (non
   nommées dans la source)"); "État" is matched capitalised after "l'";
5. **keyword cues** for instruments beyond the ontology's labels (:data:`INSTRUMENT_CUES`:
   "fiches action Leader", "conférence des présidents"…), and the head of a shared
   structure's name used as the instrument ("*Pôle métropolitain* du Pays de Brest",
   :data:`STRUCTURE_HEADS`);
6. **roles** of each actor mention from cues in its sentence (:data:`ROLE_CUES`: "piloté par",
   "porteur", "financé par", "signataires :"…); ``partenaire`` for every actor of the grid field
   "Partenaires / échelle" and for any actor without a cue;
7. optionally a **semantic** index (:class:`.semantic.DefinitionIndex`): the candidate's chunks (its
   blocks merged into a few passages of about ``CHUNK_WORDS`` words) and the candidate as a
   whole (the case-level text the search index embeds: :mod:`.casetexts`) are compared with the
   definitions of the levers, concepts, themes and instrument types; a definition that stands out
   from the others (z-score and margin over the runner-up, never an absolute cosine) becomes a
   mention;
8. **structure**: the lever of the innermost enclosing heading "Levier N – …" of the candidate
   (``candidate.headings``, when the segmenter gives them); and the instrument the case is about
   made the most confident one (:func:`_rank_instruments`: a label in the candidate's title gains
   ``TITLE_BONUS``; a type of which a more specific one is found drops just under it — a
   syndicat mixte under the pôle métropolitain it is).

A new actor named by its proper-name part only ("Pays de Landivisiau") after the full name of an
EPCI, PETR or pôle métropolitain of the same candidate ("communauté de communes du Pays de
Landivisiau") takes that actor's identity. Every occurrence is returned (provenance keeps all
spans); :func:`best_mentions` keeps one mention per entity.

Confidences (the graph stage asserts at ``ASSERT_THRESHOLD`` = 0.7 and turns the rest into
review suggestions):

======================================================================  ==========  ==========
evidence                                                                method      confidence
======================================================================  ==========  ==========
label of an actor/territory/instrument type/theme, several words        gazetteer   0.95
or an acronym
one-word label (proper name, theme word)                                gazetteer   0.90
label shared by several actors / territories                            gazetteer   0.50
institution rule + normalised-name equality with an actor               gazetteer   0.93
institution rule + fuzzy link (score s ≥ threshold t)                   fuzzy       0.90 + 0.03·(s−t)/(100−t)
institution rule, new actor (``label`` = normalised name, ``types``)    pattern     0.80
institution rule on an adjective ("agglomération grenobloise")          pattern     0.60
lever / concept label, several words                                    keyword     0.90
lever / concept / instrument one-word label, instrument cue             keyword     0.85
generic instrument class ("outil de coopération")                       keyword     0.60
ambiguous one-word label ("coopération", "communs", "mutualisation")    keyword     0.50
NER entity linked by normalised name                                    gazetteer   0.75
NER entity linked by fuzzy match                                        fuzzy       0.60
NER entity, not linked (new actor or territory)                         ner         0.50
definite description or collective noun resolved through the territory pattern     0.75
definite description minted from the case's one département / région    pattern     0.72
definite description minted from the one place the case names          pattern     0.70
definite description minted from the préfectures the case names only   pattern     0.70
group of actors minted, owner named in the noun's complement            pattern     0.72
group of actors minted, the one owner of the sentence                   pattern     0.70
partner counted in a partners row ("5 Communautés de communes")         pattern     0.70
proper name alone in a partners / actors row ("Grand-Figeac")           pattern     0.70
head of a shared structure's name, as instrument                        gazetteer   0.90
definition similarity (rank and margin, see :class:`.semantic.DefinitionIndex`)   embedding   ≤ 0.85
lever of an enclosing "Levier N" heading (span: that heading)           structure   0.90
instrument in the candidate's title                                     (any)       + 0.03
======================================================================  ==========  ==========

Speed, measured on this project's 2-core machine (best of 3, other jobs running): without ``nlp``
and ``semantic`` ≈50,000–90,000 words/s on the seeds (a fixed ≈5 ms per call); with
:func:`load_nlp`'s NER-only pipeline ≈7,500–15,000 words/s; ``load_nlp`` itself takes ≈6–8 s once
per process. The semantic step dominates when enabled: multilingual-e5-small embeds ≈1,000 words/s
on this machine when it is quiet (≈200 under heavy load) plus ≈20 ms per text, so its cost is the
number of words embedded — hence a few long chunks per candidate, capped (:class:`.semantic.DefinitionIndex`);
the case-level text of a candidate, and a chunk that is word for word a text the search index
embeds, go through the embedding cache the index update reads, so in `coopkg ingest` they cost
nothing extra. :meth:`.semantic.DefinitionIndex.build` embeds the definitions as queries once per process
(≈1,700 words; their passage vectors come from the search index). Measured before these changes
(chunks embedded as queries, definitions as passages and queries): on the five seeds (8,500 words,
27 candidates), extraction with both models ran at ≈3,500 words/s (1,860 words embedded in 36
texts), plus ≈15–25 s once for the model and the definitions.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, NamedTuple

from rdflib import URIRef

from ontology.namespace import COOP
from search.expansion import NEVER, TARGET_ONLY
from search.text import STOP_WORDS, fold, normalize, tokenize

from .asides import asides
from .descriptions import _description_mentions, _pays_parties
from .lexicon import LexEntry, Lexicon
from .linking import DEFAULT_THRESHOLD, Link, Linker, core_key, core_tokens, key_tokens, name_key
from .model import MENTION_KIND as _MENTION_KIND
from .model import ASSERT_THRESHOLD, Candidate, Document, Mention
from .partners import CONF_NAMED_ITEM, named_items
from .semantic import _strip_span
from .shortnames import short_names
from .patterns import GENERIC_WORDS, InstitutionMatch, find_institutions
from .text_util import _clean, _inside, _overlaps, _sentences

# Confidence of each kind of evidence (see the module doc).
CONF_LABEL = 0.95
CONF_LABEL_SINGLE = 0.90
CONF_SHARED_LABEL = 0.50
CONF_PATTERN_EXACT = 0.93
CONF_PATTERN_FUZZY = 0.90
CONF_PATTERN_NEW = 0.80
CONF_PATTERN_WEAK = 0.60
CONF_KEYWORD = 0.90
CONF_KEYWORD_SINGLE = 0.85
CONF_GENERIC = 0.60
CONF_AMBIGUOUS = 0.50
CONF_NER_EXACT = 0.75
CONF_NER_FUZZY = 0.60
CONF_NER = 0.50
CONF_STRUCTURE = 0.90
CONF_NAME_STRUCTURE = 0.90
TITLE_BONUS = 0.03
CONF_MAX = 0.98

DEFAULT_SPACY_MODEL = "fr_core_news_md"

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
                      "convention de coopération", "accord-cadre", "protocole d'accord"),
    COOP.Contract: ("contrat de coopération", "contrat de territoire", "contrat de ruralité", "CRTE",
                    "contrat de relance et de transition écologique"),
    COOP.PactePolitique: ("pacte de coopération", "pacte de gouvernance", "pacte territorial"),
    COOP.Charte: ("charte de coopération", "charte de partenariat"),
    COOP.AppelAProjets: ("appel à manifestation d'intérêt", "AMI", "AAP"),
    COOP.EntenteInterterritoriale: ("entente intercommunale",),
    COOP.DialogueBody: ("conférence des présidents", "conférence territoriale"),
    COOP.LeaderProgramme: ("programme Leader", "fiche action Leader", "fiche-action Leader", "fiche Leader",
                           "GAL Leader", "programme européen Leader"),
    COOP.SharedEngineering: ("service commun", "ingénierie partagée"),
    COOP.TechnicalNetwork: ("réseau technique", "réseau des techniciens", "réseau des secrétaires de mairie",
                            "réseau des directeurs généraux", "réseau des directeurs", "club des DGS"),
}

# Layers of the gazetteer: leftmost-longest is resolved within a layer, not across layers.
_LAYER_OF_KIND = {"actor": "name", "territory": "name", "instrument_type": "instrument", "theme": "theme",
                  "lever": "lever", "concept": "concept"}

# Characters a label gap without punctuation must not cross in the text.
_GAP_STOP = re.compile(r"[,.;:!?()\[\]{}«»\"“”|/…•✓→\t]|\n\s*\n")
_LABEL_PUNCT = re.compile(r"[,.;:!?()\[\]{}«»\"“”|/…–—]")


def _is_acronym(surface: str) -> bool:
    letters = [c for c in surface if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return len(letters) >= 2 and upper >= 2 and upper >= len(letters) - 1 and len(surface) <= 8


# ----------------------------------------------------------------------------- gazetteer


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
                if kind == "instrument_type" and lexicon.depth(entry.iri) <= 1:
                    generic = True
                else:
                    generic = False
                for i, label in enumerate(entry.french_labels):
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
        acronyms = tuple(_is_acronym(s) for s in surfaces)
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


# ----------------------------------------------------------------------------- roles

# (role notation, mode, regex on the accent/case-folded text). "agent" cues give the role to the
# actors named right after them ("piloté par X, Y et Z"); "noun" cues to the nearest actor in the
# sentence ("X, chef de file"), or to every actor after them when a colon follows ("Signataires :
# X, Y").
ROLE_CUES: tuple[tuple[str, str, str], ...] = (
    ("pilote", "agent", r"\bpilotee?s?\s+par\b|\bcoordonnee?s?\s+par\b|\bsous\s+l'egide\s+(?:de|du|des|d')"),
    ("pilote", "noun", r"\bpilot(?:e|es|age)\b|\bchefs?\s+de\s+file\b"),
    ("porteur", "agent", r"\bportee?s?\s+par\b"),
    ("porteur", "noun", r"\bporteu(?:r|rs|se|ses)\b|\bportage\b|\bmaitres?\s+d'ouvrage\b|\bmaitrise\s+d'ouvrage\b"),
    ("financeur", "agent", r"\b(?:co-?)?financee?s?\s+par\b"),
    ("financeur", "noun", r"\b(?:co-?)?financ(?:ement|ements|eur|eurs|euse|euses|e|ent)\b|\bcofinanc\w*"),
    ("animateur", "agent", r"\b(?:co-?)?animee?s?\s+par\b"),
    ("animateur", "noun", r"\banimat(?:ion|ions|eur|eurs|rice|rices)\b"),
    ("signataire", "agent", r"\bsignee?s?\s+(?:par|entre)\b"),
    ("signataire", "noun", r"\b(?:co-?)?signataires?\b|\b(?:ont|a|avaient|avait)\s+(?:co-?)?signe\b|\b(?:co-?)?signent\b"),
    ("membre", "noun", r"\bmembres?\b|\badherents?\b"),
    ("beneficiaire", "agent", r"\bau\s+profit\s+(?:de|du|des|d')"),
    ("beneficiaire", "noun", r"\bbeneficiaires?\b"),
    ("initiateur", "agent", r"\ba\s+l'initiative\s+(?:de|du|des|d')|\b(?:lancee?s?|initiee?s?)\s+par\b"),
    ("prescripteur", "noun", r"\bprescript(?:eur|eurs|rice|rices)\b"),
    ("appui", "agent", r"\baccompagnee?s?\s+par\b"),
)
_ROLE_RES = tuple((role, mode, re.compile(rx)) for role, mode, rx in ROLE_CUES)
ROLE_ORDER = ("pilote", "porteur", "signataire", "financeur", "animateur", "initiateur", "prescripteur", "appui",
              "membre", "beneficiaire", "partenaire")
# Grid fields whose actors are partners whatever else they do ("Partenaires / échelle"); in the
# "Acteurs" field, as anywhere else, an actor with no role cue is a partner by default.
PARTNER_FIELDS = ("partners_scale",)
_ENUM_GAP = re.compile(r"^[\s()]*(?:,|\bet\b|\bou\b|\bainsi que\b|\bpuis\b)?[\s(),]*"
                       r"(?:(?:de la|de l'|la|le|les|l'|du|des|aux|au)\s*)?$")
_AGENT_GAP = re.compile(r"^\s*(?:(?:de la|de l'|la|le|les|l'|du|des|d'|de|aux|au|un|une|ses|leurs?)\s*)?$")
_PAR = re.compile(r"\bpar\b")
_NEAREST_MAX = 60


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in "'’ʼ‘`´":
        return "'"
    f = fold(c)
    return f[:1] if f else c


def fold_aligned(text: str) -> str:
    """Case- and accent-folded ``text`` of the same length (one character per character)."""
    return "".join(c if c.isascii() and not c.isupper() and c != "`" else _fold_char(c) for c in text)


def _roles_for(actors: list[Mention], sent: tuple[int, int], folded: str) -> dict[int, set[str]]:
    """Role notations per index (in ``actors``) from the cues of one sentence."""
    s0, s1 = sent
    cues = []
    for role, mode, rx in _ROLE_RES:
        for m in rx.finditer(folded, s0, s1):
            cues.append((m.start(), m.end(), role, mode))
    cues.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    kept: list[tuple[int, int, str, str]] = []  # drop cues inside a longer/earlier one
    for c in cues:
        if all(c[1] <= k[0] or c[0] >= k[1] for k in kept):
            kept.append(c)
    out: dict[int, set[str]] = {}
    for n, (cs, ce, role, mode) in enumerate(kept):
        limit = kept[n + 1][0] if n + 1 < len(kept) else s1
        after = [i for i, a in enumerate(actors) if a.start >= ce and a.start < limit]
        if mode == "noun" and re.match(r"\s*:", folded[ce:ce + 4]):
            for i in after:
                out.setdefault(i, set()).add(role)
            continue
        if mode == "agent":
            # The actors right after the cue, and after each later "par" of its scope ("signée par
            # les présidents, puis par le Parc"), with those enumerated with them.
            anchors = [ce] + [m.end() for m in _PAR.finditer(folded, ce, limit)]
            for anchor in anchors:
                prev_end, first = anchor, True
                for i in after:
                    if actors[i].start < anchor:
                        continue
                    gap = folded[prev_end:actors[i].start]
                    if not (_AGENT_GAP.match(gap) if first else _ENUM_GAP.match(gap)):
                        break
                    out.setdefault(i, set()).add(role)
                    prev_end, first = actors[i].end, False
            continue
        best, best_d = None, _NEAREST_MAX + 1
        for i, a in enumerate(actors):
            if a.end <= cs:
                d = cs - a.end
            elif a.start >= ce:
                d = a.start - ce
            else:
                d = 0
            if d < best_d:
                best, best_d = i, d
        if best is None:
            continue
        # The nearest actor and those enumerated with it ("X (COB) et Y sont signataires").
        chosen = [best]
        step = -1 if actors[best].end <= cs else 1
        k = best
        while 0 <= k + step < len(actors):
            a, b = (actors[k + step], actors[k]) if step < 0 else (actors[k], actors[k + step])
            if not _ENUM_GAP.match(folded[a.end:b.start]):
                break
            k += step
            chosen.append(k)
        for i in chosen:
            out.setdefault(i, set()).add(role)
    return out


def _assign_roles(document: Document, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    actors_idx = [i for i, m in enumerate(mentions) if m.kind == "actor"]
    if not actors_idx:
        return mentions
    text = document.text
    units: list[tuple[int, int, str | None]] = []
    for b in candidate.blocks:
        units.append((b.start, b.end, b.field))
    for fld, blocks in candidate.grid.items():
        for b in blocks:
            units.append((b.start, b.end, fld))
    units.sort(key=lambda u: (u[0], -(u[1] - u[0])))

    def unit_of(m: Mention) -> tuple[int, int, str | None]:
        best = None
        for u in units:
            if u[0] <= m.start and m.end <= u[1] and (best is None or u[1] - u[0] < best[1] - best[0]):
                best = u
        return best or (candidate.start, candidate.end, None)

    folded = " " * candidate.start + fold_aligned(text[candidate.start:candidate.end])
    roles: dict[int, set[str]] = {i: set() for i in actors_idx}
    fields: dict[int, str | None] = {}
    groups: dict[tuple[int, int], list[int]] = {}
    for i in actors_idx:
        u = unit_of(mentions[i])
        fields[i] = u[2] or _grid_field(candidate, mentions[i])
        groups.setdefault((u[0], u[1]), []).append(i)
    for (us, ue), idxs in groups.items():
        for sent in _sentences(text, us, ue):
            in_sent = sorted((i for i in idxs if sent[0] <= mentions[i].start < sent[1]),
                             key=lambda i: (mentions[i].start, mentions[i].end))
            if not in_sent:
                continue
            found = _roles_for([mentions[i] for i in in_sent], sent, folded)
            for k, rs in found.items():
                roles[in_sent[k]].update(rs)
    out = list(mentions)
    for i in actors_idx:
        rs = roles[i]
        if fields.get(i) in PARTNER_FIELDS or not rs:
            rs = rs | {"partenaire"}
        iris = tuple(r for r in (lexicon.role(name) for name in ROLE_ORDER if name in rs) if r is not None)
        out[i] = _replace(out[i], roles=iris)
    return out


def _grid_field(candidate: Candidate, m: Mention) -> str | None:
    for fld, blocks in candidate.grid.items():
        for b in blocks:
            if b.start <= m.start and m.end <= b.end:
                return fld
    return None


def _replace(m: Mention, **changes) -> Mention:
    from dataclasses import replace

    return replace(m, **changes)


# ----------------------------------------------------------------------------- spaCy


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_SPACY_MODEL):
    """The spaCy pipeline for NER, loaded once per process (≈6 s). Only the ``ner`` component is
    kept (``fr_core_news_md``'s NER has its own tok2vec and uses the static vectors): tagging,
    parsing, lemmatising and the disabled sentence segmenter are excluded — not loaded at all —,
    which roughly doubles the throughput (see the module doc)."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a pinned dependency
        raise RuntimeError("spaCy is not installed: pip install -r requirements.txt") from exc
    try:
        info = spacy.info(model) if hasattr(spacy, "info") else {}
    except Exception:  # noqa: BLE001 - spacy.info raises various errors for missing packages
        info = {}
    # "components" also lists the disabled ones (fr_core_news_md's "senter"), which "pipeline" omits:
    # excluded, they are not even loaded.
    components = info.get("components") or info.get("pipeline") or \
        ["tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "ner"]
    try:
        return spacy.load(model, exclude=[c for c in components if c != "ner"])
    except OSError as exc:
        raise RuntimeError(f"spaCy model {model!r} is not installed: pip install {model.replace('_', '-')} "
                           f"(it is pinned in requirements.txt)") from exc


_DETERMINERS = re.compile(r"^(?:(?:la|le|les|du|des|de|au|aux|un|une|en)\s+|(?:l|d)['’])", re.IGNORECASE)
_NER_LABELS = {"ORG": "actor", "LOC": "territory"}


_ENTITY_STOP = re.compile(r"[\n\t•✓→<>|«»\"“”()\[\]]")
_LINE_START = re.compile(r"(?:^|[\n\t.!?:;•✓→«\"(\-–])\s*$")


# Role words before a name in a NER span ("Elus CLE"): the name is what follows.
_ROLE_PREFIX = re.compile(r"^(?:[ÉEée]lu(?:e)?s?|[Pp]r[ée]sidente?s?|[Mm]aires?|[Aa]gents?|[Tt]echniciens?)"
                          r"\s+(?=\S)")
# A capitalised common noun glued after an acronym by a lost line break ("ADEME Préexistence d'une…").
_COMMON_SUFFIX = r"(?:tion|sion|ence|ance|ment|isme|it[ée]|ure|age|eur|esse)s?"
_ACRONYM_THEN_COMMON = re.compile(rf"\b([A-Z][A-Z0-9]{{1,9}})\s+([A-ZÀ-ÝŒ][a-zà-ÿœ]{{3,}}{_COMMON_SUFFIX})\b")


def _trim_entity(text: str, s: int, e: int, known: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """The entity span without leading determiners and role words ("Elus CLE" → "CLE") and
    trailing punctuation, cut at the first line break, bullet, bracket or markup character and at
    a capitalised common noun after an acronym ("ADEME Préexistence" → "ADEME"; not a word of
    ``known`` names: "DRAAF Provence"); None when too short."""
    seg = text[s:e]
    cut = _ENTITY_STOP.search(seg)
    if cut is not None:
        if cut.start() == 0:  # "(COB": skip the opening character
            return _trim_entity(text, s + 1, e) if e - s > 1 else None
        seg = seg[:cut.start()]
    glued = _ACRONYM_THEN_COMMON.search(seg)
    if glued is not None and fold(glued.group(2)) not in known:
        seg = seg[:glued.end(1)]
    while True:
        m = _DETERMINERS.match(seg) or _ROLE_PREFIX.match(seg)
        if not m:
            break
        s += m.end()
        seg = seg[m.end():]
    stripped = seg.rstrip(" ,.;:!?'’-–")
    lead = len(stripped) - len(stripped.lstrip(" '’-–"))
    s, e = s + lead, s + len(stripped)
    return (s, e) if e - s >= 3 else None


def _name_like(text: str, s: int, e: int) -> bool:
    """A proper name rather than a capitalised common word: an acronym, or a capitalised word not
    at the start of a line or sentence, or several capitalised words."""
    words = [w for w in re.split(r"[\s'’]+", text[s:e]) if w]
    caps = [w for w in words if w[:1].isupper() and fold(w) not in STOP_WORDS]
    if not caps:
        return False
    if len(caps) == 1 and fold(caps[0]) in GENERIC_WORDS:
        return False  # "Communautés de communes sur 3 départements"
    if any(_is_acronym(w) for w in words):
        return True
    at_start = bool(_LINE_START.search(text[max(0, s - 40):s]))
    return len(caps) >= 2 or not at_start


def _name_words(lexicon: Lexicon) -> frozenset[str]:
    """Folded words of the actors' and territories' labels ("provence", "bretagne")."""
    words = lexicon.cache.get("name_words")
    if words is None:
        words = frozenset(fold(w) for kind in ("actor", "territory") for e in lexicon.by_kind(kind)
                          for label in e.french_labels for w in re.split(r"[\s'’-]+", label) if w)
        lexicon.cache["name_words"] = words
    return words


def _type_words(lexicon: Lexicon) -> frozenset[str]:
    """Keys of the class labels ("PNR", "syndicat mixte"): a type named alone is not an actor."""
    words = lexicon.cache.get("type_words")
    if words is None:
        words = frozenset(name_key(label) for kind in ("actor_type", "instrument_type")
                          for e in lexicon.by_kind(kind) for label in e.french_labels)
        lexicon.cache["type_words"] = words
    return words


def _ner_mentions(nlp, document: Document, candidate: Candidate, mentions: list[Mention],
                  linker: Linker) -> tuple[list[Mention], set[int]]:
    """Mentions for the ORG/LOC entities no earlier step covered, and the indexes (in
    ``mentions``) of the one-word territory hits an entity replaces ("Bretagne" inside
    "Quimper Bretagne Occidentale")."""
    text = document.text
    taken = [(m.start, m.end) for m in mentions]
    replaced: set[int] = set()
    doc = nlp(text[candidate.start:candidate.end])
    type_words = _type_words(linker.lexicon)
    out = []
    for ent in doc.ents:
        kind = _NER_LABELS.get(ent.label_)
        if kind is None:
            continue
        span = _trim_entity(text, candidate.start + ent.start_char, candidate.start + ent.end_char,
                            _name_words(linker.lexicon))
        if span is None:
            continue
        s, e = span
        surface = text[s:e]
        if not _name_like(text, s, e):
            continue
        words = [w for w in re.split(r"[\s'’-]+", fold(surface)) if w]
        if all(w in STOP_WORDS or w in SKIP_SINGLE or w in AMBIGUOUS_SINGLE for w in words):
            continue
        if name_key(surface) in type_words:
            continue
        over = [i for i, (ts, te) in enumerate(taken) if not (e <= ts or s >= te)]
        if over:
            if all(i < len(mentions) and mentions[i].kind == "territory" and mentions[i].method == "gazetteer"
                   and " " not in mentions[i].text.strip() and s <= mentions[i].start and mentions[i].end <= e
                   and mentions[i].end - mentions[i].start < e - s for i in over):
                replaced.update(over)
            else:
                continue
        link: Link | None = None
        link_kind = kind
        for k in (kind, "actor" if kind == "territory" else "territory"):
            link = linker.link(surface, kind=k)
            if link is not None:
                link_kind = k
                break
        if link is not None:
            entry = linker.lexicon.get(link.iri)
            conf = CONF_NER_EXACT if link.method == "gazetteer" else CONF_NER_FUZZY
            if link_kind == "actor":
                out.append(Mention("actor", surface, s, e, link.method, conf, link.iri, None, entry.types, (),
                                   entry.territory))
            else:
                out.append(Mention("territory", surface, s, e, link.method, conf, link.iri))
        else:
            out.append(Mention(kind, surface, s, e, "ner", CONF_NER, None, _clean(surface)))
        taken.append((s, e))
    return out, replaced


# ----------------------------------------------------------------------------- extraction


def _label_confidence(ref: LabelRef, shared: bool) -> tuple[str, float]:
    """(method, confidence) of a gazetteer hit of ``ref`` (see the module doc)."""
    kind = ref.entry.kind
    if ref.ambiguous:
        return ("keyword" if kind in ("lever", "concept", "instrument_type", "theme") else "gazetteer"), \
            (CONF_GENERIC if kind == "instrument_type" and not ref.single else CONF_AMBIGUOUS)
    if kind in ("actor", "territory"):
        if shared:
            return "gazetteer", CONF_SHARED_LABEL
        return "gazetteer", CONF_LABEL_SINGLE if ref.single and not ref.acronyms[0] else CONF_LABEL
    if kind == "theme":
        return "gazetteer", CONF_LABEL_SINGLE if ref.single and not ref.acronyms[0] else CONF_LABEL
    if kind == "instrument_type":
        if ref.cue or (ref.single and not ref.acronyms[0]):
            return "keyword", CONF_KEYWORD_SINGLE
        return "gazetteer", CONF_LABEL
    # lever, concept
    return "keyword", CONF_KEYWORD_SINGLE if ref.single else CONF_KEYWORD


def _name_mention(text: str, hit: Hit) -> Mention | None:
    """One mention for a name-layer hit: an actor beats a territory with the same label; several
    actors (or territories) sharing the label give a low-confidence mention of the first."""
    refs = sorted(hit.refs, key=lambda r: (r.entry.kind != "actor", not r.preferred, str(r.entry.iri)))
    first = refs[0]
    same_kind = {r.entry.iri for r in refs if r.entry.kind == first.entry.kind}
    method, conf = _label_confidence(first, shared=len(same_kind) > 1)
    e = first.entry
    surface = text[hit.start:hit.end]
    if e.kind == "actor":
        return Mention("actor", surface, hit.start, hit.end, method, conf, e.iri, None, e.types, (), e.territory)
    return Mention("territory", surface, hit.start, hit.end, method, conf, e.iri)


_TRAILING_ACRONYM = re.compile(r"[ \u00a0]+([A-Z][A-Z0-9]{1,9})\b")


def _instrument_label(text: str, hit: Hit, entry: LexEntry, taken: list[tuple[int, int]]) -> str:
    """The instrument's display name: "Entente interterritoriale TRIDAN" when an acronym that is not
    an actor follows, otherwise the type's label."""
    m = _TRAILING_ACRONYM.match(text, hit.end)
    if m and not any(_overlaps((m.start(1), m.end(1)), t) for t in taken):
        return _clean(text[hit.start:m.end(1)])
    return entry.label


def extract(document: Document, candidate: Candidate, lexicon: Lexicon, *, nlp=None, semantic=None,
            link_threshold: float = DEFAULT_THRESHOLD) -> list[Mention]:
    """Mentions in ``candidate``'s span of ``document`` (every occurrence, in text order); see the
    module doc for the steps and the confidences. ``nlp``: a spaCy pipeline (:func:`load_nlp`) or
    None to skip NER; ``semantic``: a :class:`.semantic.DefinitionIndex` or None."""
    text = document.text
    cs, ce = max(0, candidate.start), min(len(text), candidate.end)
    if ce <= cs:
        return []
    gaz = Gazetteer.for_lexicon(lexicon)
    linker = Linker.for_lexicon(lexicon, link_threshold)
    hits = gaz.find(text, cs, ce)

    # 1) Names: gazetteer hits, then institution rules (a rule match containing hits replaces them).
    names: list[tuple[tuple[int, int], Mention]] = []
    for h in hits:
        if h.layer == "name":
            m = _name_mention(text, h)
            if m is not None:
                names.append(((h.start, h.end), m))
    for inst in find_institutions(text, cs, ce):
        span = (inst.start, inst.end)
        over = [n for n in names if _overlaps(n[0], span)]
        # A known label that goes on across "et" where the rule stopped ("PNR des Lacs" + "Lacs et
        # Gorges du Verdon"): the label wins; a territory label completes the rule's name.
        joined = [n for n in over if inst.start < n[0][0] < inst.end < n[0][1]
                  and re.match(r"\s+et\s", text[inst.end:n[0][1]])]
        if joined:
            if any(n[1].kind == "actor" for n in joined):
                continue
            new_end = max(n[0][1] for n in joined)
            tail = text[inst.end:new_end]
            inst = inst._replace(end=new_end, text=text[inst.start:new_end], name=_clean(inst.name + tail),
                                 core=_clean(inst.core + tail))
            span = (inst.start, inst.end)
            over = [n for n in names if _overlaps(n[0], span)]
        if any(_inside(span, n[0]) and not (inst.rule == "parenthesised-type" and n[1].kind == "territory")
               for n in over):
            continue  # the gazetteer already names it (same span or longer; a place typed "(Pays)" is the Pays)
        if any(not _inside(n[0], span) for n in over):
            # crossing spans: keep the longer one
            if all(n[0][1] - n[0][0] < inst.end - inst.start for n in over):
                names = [n for n in names if not _overlaps(n[0], span)]
            else:
                continue
        # A name inside the rule's span that is exactly its proper-name part ("Finistère" in
        # "Conseil départemental du Finistère") gives the new actor its territory.
        core = name_key(inst.core)
        inner = [n[1] for n in over if _inside(n[0], span) and name_key(n[1].text) == core]
        inner_territory = next((m.iri for m in inner if m.kind == "territory"), None) or \
            next((m.territory for m in inner if m.kind == "actor" and m.territory), None)
        names = [n for n in names if not _inside(n[0], span)]
        names.append((span, _institution_mention(inst, lexicon, linker, inner_territory)))
    names = _resolve_short_names(names, lexicon)
    mentions = [m for _, m in names]
    name_spans = [sp for sp, _ in names]
    actor_spans = [sp for sp, m in names if m.kind == "actor"]

    # 2) Instruments, themes, levers, concepts from labels (not inside an actor or territory name,
    #    except the head of a shared structure's name: "Pôle métropolitain du Pays de Brest").
    structure_heads = _structure_heads(lexicon)
    for h in hits:
        if h.layer == "name":
            continue
        if any(_inside((h.start, h.end), sp) for sp in name_spans):
            if h.layer == "instrument" and any(sp[0] == h.start and sp[1] > h.end and m.confidence >= ASSERT_THRESHOLD
                                               for sp, m in names if m.kind == "actor"):
                for ref in h.refs:
                    if ref.entry.iri in structure_heads and name_key(ref.label) in structure_heads[ref.entry.iri]:
                        mentions.append(Mention("instrument", text[h.start:h.end], h.start, h.end, "gazetteer",
                                                CONF_NAME_STRUCTURE, None, ref.entry.label, (ref.entry.iri,)))
                        break
            continue
        surface = text[h.start:h.end]
        for ref in sorted(h.refs, key=lambda r: str(r.entry.iri)):
            e = ref.entry
            kind = _MENTION_KIND[e.kind]
            method, conf = _label_confidence(ref, shared=False)
            if kind == "instrument":
                mentions.append(Mention(kind, surface, h.start, h.end, method, conf, None,
                                        _instrument_label(text, h, e, actor_spans), (e.iri,)))
            else:
                mentions.append(Mention(kind, surface, h.start, h.end, method, conf, e.iri))

    # 3) NER for what the rules did not cover.
    if nlp is not None:
        found, replaced = _ner_mentions(nlp, document, candidate, mentions, linker)
        mentions = [m for i, m in enumerate(mentions) if i not in replaced] + found

    # 3b) Institutions named by their type ("le Département", "les communes") resolved through
    #     the case's territory; a Pays territory named as a party next to an actor is its Pays.
    headed = _heading_actors(document, candidate, lexicon, linker)
    mentions = _description_mentions(text, candidate, mentions, lexicon, linker, [m for _, m in headed])
    mentions = _pays_parties(text, mentions, lexicon, linker)
    # 3c) Partners a row names without a type word ("Grand-Figeac ; Communauté de communes …").
    mentions = _named_partners(text, candidate, mentions, lexicon, linker)
    # 3d) Short names of bodies the document named in full before (« Grand Cognac »).
    mentions = short_names(text, candidate, mentions, headed + _named_before(document, candidate, lexicon, linker))
    # 3e) Bodies named as a comparison or a reservation (« à l'image du PNR du Perche »): suggestions.
    mentions = asides(text, mentions)

    # 4) Roles of the actors.
    mentions = _assign_roles(document, candidate, mentions, lexicon)

    # 5) Semantic similarity with the definitions.
    if semantic is not None:
        mentions.extend(semantic.mentions(document, candidate))

    # 6) Structure: the lever of an enclosing "Levier N" heading; the instrument the case is about.
    mentions.extend(_heading_levers(text, candidate, lexicon))
    mentions = _rank_instruments(text, candidate, mentions, lexicon)

    mentions.sort(key=lambda m: (m.start, m.end, m.kind, str(m.iri or ""), m.label or "", m.method))
    for m in mentions:  # the span invariant every later stage relies on
        assert m.text == text[m.start:m.end], m
    return mentions


def _named_partners(text: str, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon,
                    linker: Linker) -> list[Mention]:
    """``mentions`` plus actors for the items of a partners or actors row that are a proper name
    alone (:func:`.partners.named_items`): the base's actor when the name links to one, else a new
    actor of no known kind (``coop:Actor``, ``CONF_NAMED_ITEM``). Such an item replaces the
    unsure mentions inside it (NER « Grand Cahors » as a place, 0.50)."""
    taken = [(m.start, m.end) for m in mentions
             if m.kind in ("actor", "territory") and m.confidence >= ASSERT_THRESHOLD]
    out = []
    for s, e in named_items(candidate, taken, GENERIC_WORDS):
        name = text[s:e]
        link = linker.link(name)
        entry = lexicon.get(link.iri) if link is not None else None
        if entry is not None and entry.kind == "actor" and not entry.placeholder:
            out.append(Mention("actor", name, s, e, link.method, CONF_NAMED_ITEM, entry.iri, None, entry.types, (),
                               entry.territory))
        elif entry is None:
            out.append(Mention("actor", name, s, e, "pattern", CONF_NAMED_ITEM, None, name, (COOP.Actor,)))
    if not out:
        return mentions
    kept = [m for m in mentions if not (m.kind in ("actor", "territory") and m.confidence < ASSERT_THRESHOLD
                                        and any(n.start <= m.start and m.end <= n.end for n in out))]
    return kept + out


# ----------------------------------------------------------------------------- structure

_LEVER_HEADING = re.compile(r"^[\W_]*levier\s+(\d{1,2})\b", re.IGNORECASE)


def _lever_by_number(lexicon: Lexicon) -> dict[int, LexEntry]:
    out = lexicon.cache.get("lever_numbers")
    if out is None:
        out = {}
        for e in lexicon.by_kind("lever"):
            m = re.fullmatch(r"L(\d+)", e.notation or "")
            if m:
                out[int(m.group(1))] = e
        lexicon.cache["lever_numbers"] = out
    return out


def _find_heading(text: str, heading: str, before: int) -> tuple[int, int] | None:
    """Span of ``heading`` (whitespace collapsed, as the segmenter gives it) in ``text``: its last
    occurrence starting before ``before``, else its first one, else None."""
    words = heading.split()
    if not words:
        return None
    rx = re.compile(r"[\s*_#]+".join(re.escape(w) for w in words))
    last = None
    for m in rx.finditer(text):
        if m.start() >= before and last is not None:
            break
        last = (m.start(), m.end())
        if m.start() >= before:
            break
    return last


def _heading_levers(text: str, candidate: Candidate, lexicon: Lexicon) -> list[Mention]:
    """A lever mention (method ``structure``) for the innermost enclosing heading "Levier N – …"
    (``candidate.headings``, outermost first, when the segmenter gives them): its span is the
    heading's last occurrence before the candidate (or anywhere in the text), else the title."""
    headings = tuple(getattr(candidate, "headings", ()) or ())
    levers = _lever_by_number(lexicon)
    for heading in reversed(headings):
        m = _LEVER_HEADING.match(heading or "")
        if not m or int(m.group(1)) not in levers:
            continue
        entry = levers[int(m.group(1))]
        found = _find_heading(text, heading, candidate.start)
        if found is not None:
            s, e = found
        elif candidate.title_start is not None and candidate.title_end is not None and \
                candidate.title_end > candidate.title_start:
            s, e = candidate.title_start, candidate.title_end
        else:
            nl = text.find("\n", candidate.start, candidate.end)
            span = _strip_span(text, candidate.start, nl if nl > candidate.start else candidate.end)
            if span is None:
                return []
            s, e = span
        return [Mention("lever", text[s:e], s, e, "structure", CONF_STRUCTURE, entry.iri)]
    return []


# Heads of actor names that are also the structure used as instrument ("Pôle métropolitain du Pays
# de Brest" is a pôle métropolitain): labels of coop:SharedStructure formulas. "Pays" is left out
# (a Pays is not necessarily a PETR).
STRUCTURE_HEADS = ("pôle métropolitain", "PETR", "pôle d'équilibre territorial et rural", "syndicat mixte", "PTCE",
                   "pôle territorial de coopération économique", "GIP", "groupement d'intérêt public")


def _structure_heads(lexicon: Lexicon) -> dict[URIRef, frozenset[str]]:
    """Instrument types under coop:SharedStructure → the keys of their labels that may head a name."""
    out = lexicon.cache.get("structure_heads")
    if out is None:
        heads = {name_key(h) for h in STRUCTURE_HEADS}
        out = {}
        for e in lexicon.by_kind("instrument_type"):
            if e.iri != COOP.SharedStructure and lexicon.is_subclass(e.iri, COOP.SharedStructure):
                keys = frozenset(name_key(label) for label in e.french_labels) & heads
                if keys:
                    out[e.iri] = keys
        lexicon.cache["structure_heads"] = out
    return out


def _formula_classes(lexicon: Lexicon) -> dict[URIRef, frozenset[URIRef]]:
    """Instrument types → the actor classes that share one of their labels (the structure formula
    "pôle métropolitain" and the actor class PoleMetropolitain)."""
    out = lexicon.cache.get("formula_classes")
    if out is None:
        by_key: dict[str, set[URIRef]] = {}
        for e in lexicon.by_kind("actor_type"):
            for label in e.french_labels:
                by_key.setdefault(name_key(label), set()).add(e.iri)
        out = {}
        for e in lexicon.by_kind("instrument_type"):
            classes = {c for label in e.french_labels for c in by_key.get(name_key(label), ())}
            if classes:
                out[e.iri] = frozenset(classes)
        lexicon.cache["formula_classes"] = out
    return out


def more_specific(a: URIRef, b: URIRef, lexicon: Lexicon) -> bool:
    """Instrument type ``a`` is a kind of ``b``: a subclass, or a structure formula whose actor class
    is a subclass of ``b``'s (a pôle métropolitain or a PETR is a syndicat mixte)."""
    if a == b:
        return False
    if lexicon.is_subclass(a, b):
        return True
    if lexicon.is_subclass(b, a):
        return False
    classes = _formula_classes(lexicon)
    ca, cb = classes.get(a, ()), classes.get(b, ())
    return any(x != y and lexicon.is_subclass(x, y) for x in ca for y in cb) and \
        not any(x != y and lexicon.is_subclass(y, x) for x in ca for y in cb)


_GOVERNANCE_BODIES = (COOP.DialogueBody, COOP.TechnicalNetwork)
# what a governance body runs: contracts and conventions, charters and pacts, programmes (a PAT)
_FORMAL_INSTRUMENTS = (COOP.ContractualInstrument, COOP.PoliticalCommitment, COOP.ProgrammeOrScheme)


def _rank_instruments(text: str, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    """Make the instrument the case is about the most confident one: a label or cue in the
    candidate's title gains ``TITLE_BONUS``; a structure head (the instrument an actor's name
    starts with: « PETR », « syndicat mixte ») outside the title drops just under the best
    instrument named on its own; a governance body outside the title (a comité technique, a
    conférence des maires) drops just under a contract, charter or programme the candidate names; an
    instrument type of which a more specific one is asserted in the candidate
    (:func:`more_specific`) drops just under it."""
    idx = [i for i, m in enumerate(mentions) if m.kind == "instrument" and m.types]
    if not idx:
        return mentions
    out = list(mentions)
    ts, te = candidate.title_start, candidate.title_end
    if ts is not None and te is not None and te > ts:
        for i in idx:
            m = out[i]
            if m.method != "embedding" and ts <= m.start and m.end <= te:
                out[i] = _replace(m, confidence=round(min(CONF_MAX, m.confidence + TITLE_BONUS), 3))
    # A governance body (« un comité technique mensuel », « une conférence des maires ») drops just
    # under a contract, charter or programme the text names (« une convention de partenariat »,
    # « une charte forestière »): the body runs the practice it sets up; unless the body is in the title.
    contracts = [out[i].confidence for i in idx
                 if out[i].method != "embedding" and out[i].confidence >= ASSERT_THRESHOLD
                 and any(lexicon.is_subclass(out[i].types[0], c) for c in _FORMAL_INSTRUMENTS)]
    if contracts:
        for i in idx:
            m = out[i]
            in_title = ts is not None and te is not None and ts <= m.start and m.end <= te
            if not in_title and m.confidence >= max(contracts) and any(
                    lexicon.is_subclass(m.types[0], g) for g in _GOVERNANCE_BODIES):
                out[i] = _replace(m, confidence=round(max(contracts) - 0.01, 3))
    # An instrument named only as the head of an actor's name (« le PETR du Pays de Langres a mis en
    # place … ») drops just under an instrument the text names on its own (« un service commun »,
    # « une entente »), unless that head is in the title: the body is who acts, not how.
    heads = {i for i in idx if out[i].method != "embedding" and any(
        a.kind == "actor" and (a.start <= out[i].start and out[i].end <= a.end and a.end - a.start > out[i].end - out[i].start
                               or text[a.end:out[i].start].strip() == "(")  # « le Pôle d'équilibre … (PETR) »
        for a in out)}  # also « le Syndicat mixte » later
    own = [out[i].confidence for i in idx
           if i not in heads and out[i].method != "embedding" and out[i].confidence >= ASSERT_THRESHOLD]
    if own:
        for i in heads:
            m = out[i]
            in_title = ts is not None and te is not None and ts <= m.start and m.end <= te
            if not in_title and m.confidence >= max(own):
                out[i] = _replace(m, confidence=round(max(own) - 0.01, 3))
    best: dict[URIRef, float] = {}
    for i in idx:
        m = out[i]
        if m.method != "embedding" and m.confidence >= ASSERT_THRESHOLD:
            best[m.types[0]] = max(best.get(m.types[0], 0.0), m.confidence)
    for i in idx:
        m = out[i]
        cap = max((c for t, c in best.items() if more_specific(t, m.types[0], lexicon)), default=None)
        if cap is not None and m.confidence >= cap:
            out[i] = _replace(m, confidence=round(cap - 0.01, 3))
    return out


# Actor classes whose names have a short form made of their proper-name part.
_SHORT_FORM_OF = (COOP.EPCI, COOP.PETR, COOP.PoleMetropolitain)


def _resolve_short_names(names: list[tuple[tuple[int, int], Mention]], lexicon: Lexicon):
    """A new actor whose whole name is the proper-name part of another actor of the candidate is a
    short form of it ("Pays de Landivisiau" after "communauté de communes du Pays de Landivisiau"):
    it takes that actor's identity (IRI or label, types, territory)."""
    full: dict[tuple[str, ...], Mention] = {}
    for _, m in names:
        if m.kind != "actor" or not any(lexicon.is_subclass(t, sup) for t in m.types for sup in _SHORT_FORM_OF):
            continue
        entry = lexicon.get(m.iri) if m.iri is not None else None
        for label in (entry.french_labels if entry is not None else (m.label or m.text,)):
            key = key_tokens(label)
            core = core_tokens(key)
            if core and core != key:
                full.setdefault(core, m)
    out = []
    for span, m in names:
        if m.kind == "actor" and m.iri is None and m.method == "pattern":
            target = full.get(key_tokens(m.label or m.text))
            if target is not None and target is not m and key_tokens(target.label or "") != key_tokens(m.label or ""):
                m = _replace(m, iri=target.iri, label=target.label, types=target.types,
                             territory=target.territory or m.territory)
        out.append((span, m))
    return out


def _heading_actors(document: Document, candidate: Candidate, lexicon: Lexicon, linker: Linker
                    ) -> list[tuple[str, Mention]]:
    """(proper-name part, actor mention) of the actors the document's title and the candidate's
    enclosing headings name (their spans index those strings, not the document: only their identity
    is used)."""
    return [(inst.core, _institution_mention(inst, lexicon, linker, None))
            for h in dict.fromkeys((document.title, *candidate.headings)) if h
            for inst in find_institutions(h) if not inst.weak]


def _named_before(document: Document, candidate: Candidate, lexicon: Lexicon, linker: Linker
                  ) -> list[tuple[str, Mention]]:
    """The same for the actors named in the document's text before the candidate (a short prefix is
    read on its own; a long one from the whole document's names, read once for all its candidates)."""
    start, text = max(0, candidate.start), document.text
    found = find_institutions(text, 0, start) if 2 * start <= len(text) else \
        [inst for inst in _institutions_of(text) if inst.end <= start]
    return [(inst.core, _institution_mention(inst, lexicon, linker, None)) for inst in found if not inst.weak]


@functools.lru_cache(maxsize=4)
def _institutions_of(text: str) -> tuple[InstitutionMatch, ...]:
    """The institution names of a whole document, read once for all its candidates."""
    return tuple(find_institutions(text))


def _institution_mention(inst: InstitutionMatch, lexicon: Lexicon, linker: Linker,
                         inner_territory: URIRef | None) -> Mention:
    link = linker.link(inst.name, types=(inst.cls,))
    if link is not None:
        entry = lexicon.get(link.iri)
        if link.method == "gazetteer":
            conf = CONF_PATTERN_EXACT
        else:
            t = linker.threshold
            conf = CONF_PATTERN_FUZZY + (CONF_PATTERN_EXACT - CONF_PATTERN_FUZZY) * (link.score - t) / max(100 - t, 1e-9)
        return Mention("actor", inst.text, inst.start, inst.end, link.method, round(conf, 3), link.iri, None,
                       entry.types, (), entry.territory)
    territory = inner_territory
    if territory is None and inst.core:
        tl = linker.link(inst.core, kind="territory", threshold=100)
        territory = tl.iri if tl is not None else None
    conf = CONF_PATTERN_WEAK if inst.weak else CONF_PATTERN_NEW
    return Mention("actor", inst.text, inst.start, inst.end, "pattern", conf, None, inst.name, (inst.cls,), (),
                   territory)


# ----------------------------------------------------------------------------- collapsing


def mention_key(m: Mention) -> tuple:
    """The entity a mention stands for: its IRI, or for new entities its kind, types and
    normalised label."""
    if m.iri is not None:
        return (m.kind, str(m.iri))
    return (m.kind, tuple(str(t) for t in m.types), core_key(m.label or m.text) if m.kind == "actor"
            else normalize(m.label or m.text))


def best_mentions(mentions: Iterable[Mention]) -> list[Mention]:
    """One mention per entity (:func:`mention_key`): the most confident occurrence (the earliest on
    ties), with the roles of all occurrences and the first known territory; in text order."""
    groups: dict[tuple, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(mention_key(m), []).append(m)
    out = []
    for ms in groups.values():
        best = max(ms, key=lambda m: (m.confidence, -m.start))
        roles: list[URIRef] = []
        for m in ms:
            roles.extend(r for r in m.roles if r not in roles)
        territory = best.territory or next((m.territory for m in ms if m.territory), None)
        out.append(_replace(best, roles=tuple(roles), territory=territory))
    out.sort(key=lambda m: (m.start, m.end, m.kind, str(m.iri or "")))
    return out
