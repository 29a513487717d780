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
4. **institutions named by their type** (:func:`.patterns.find_descriptions`), resolved through
   the case's territory (:func:`case_context`: the territories of its linked actors and its
   territory mentions, with their départements and régions from the :class:`Lexicon`): a
   definite description ("le Département", "la Région", "l'agglomération", "la communauté
   urbaine", "l'agence d'urbanisme", "le Pays") names the one actor of that class attached to the
   case's territory, to one containing it or to one of its département (:func:`resolve_definite`;
   two such actors: nothing is extracted). When the base has no such actor, the description is
   *minted* as a new actor if the case says where (:func:`mint_definite`): « le Département » /
   « la Région » of the one département / région the case's territories lie in ("Département de
   la Gironde", "Région Bretagne"); « l'agence d'urbanisme » of the one local structure of the
   sentence or the case ("Agence d'urbanisme de Bordeaux" for Bordeaux Métropole); « la
   communauté d'agglomération » / « la communauté urbaine » of the one commune named in the same
   sentence (or, with none, the one préfecture named there: "Agglomération de Nevers"); « CLE » of
   the one SAGE the case names; otherwise nothing. The préfectures the candidate names
   (:func:`.patterns.find_towns`, ``data/prefectures.tsv``) locate it for minting only. A
   collective noun the base has no placeholder for is minted as one when its owner is clear
   (:func:`mint_group`: "Communes du Grand Chalon et leurs élus (non nommées dans la source)"). A
   collective noun ("les
   communes", "5 Communautés de communes", "2 Syndicats mixtes", "les élus du territoire", "des
   partenaires") names the corpus placeholders of that class attached to the case
   (:func:`resolve_collective`: "Communes du Pays de Figeac (non nommées dans la source)"); "État"
   is matched capitalised after "l'";
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

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, NamedTuple, Sequence

from rdflib import URIRef

from ontology.namespace import COOP
from search.expansion import NEVER, TARGET_ONLY
from search.text import STOP_WORDS, fold, normalize, tokenize

from .lexicon import PLACEHOLDER_MARK, LexEntry, Lexicon, is_placeholder_label
from .linking import (ABBREVIATIONS, DEFAULT_THRESHOLD, TYPE_HEADS, Link, Linker, core_key, core_tokens, key_tokens,
                      name_key)
from .model import MENTION_KIND as _MENTION_KIND
from .model import Candidate, Document, Mention
from .semantic import _strip_span
from .patterns import (GENERIC_WORDS, DescriptionMatch, InstitutionMatch, Prefecture, TownMatch, find_descriptions,
                       find_institutions, find_towns, prefectures)

ASSERT_THRESHOLD = 0.7

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
CONF_DESCRIPTION = 0.75
CONF_MINTED_TERRITORY = 0.72
CONF_MINTED_PLACE = 0.70
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
                       after_article)
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
                hits.append(Hit(layer, toks[i].start, toks[j - 1].end, refs))
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
_SENTENCE_END = re.compile(r"[.!?…;](?=\s)|\n\s*\n|\n(?=\s*[A-ZÀ-ÝŒ•✓\-–→*\d])|\t")


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in "'’ʼ‘`´":
        return "'"
    f = fold(c)
    return f[:1] if f else c


def fold_aligned(text: str) -> str:
    """Case- and accent-folded ``text`` of the same length (one character per character)."""
    return "".join(c if c.isascii() and not c.isupper() and c != "`" else _fold_char(c) for c in text)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    s = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.end() > s:
            out.append((s, m.end()))
        s = m.end()
    if s < end:
        out.append((s, end))
    return out


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


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub("[’ʼ]", "'", text)).strip()


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


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
    mentions = _description_mentions(text, candidate, mentions, lexicon, linker)
    mentions = _pays_parties(text, mentions, lexicon, linker)

    # 4) Roles of the actors.
    mentions = _assign_roles(document, candidate, mentions, lexicon)

    # 5) Semantic similarity with the definitions.
    if semantic is not None:
        mentions.extend(semantic.mentions(document, candidate))

    # 6) Structure: the lever of an enclosing "Levier N" heading; the instrument the case is about.
    mentions.extend(_heading_levers(text, candidate, lexicon))
    mentions = _rank_instruments(candidate, mentions, lexicon)

    mentions.sort(key=lambda m: (m.start, m.end, m.kind, str(m.iri or ""), m.label or "", m.method))
    for m in mentions:  # the span invariant every later stage relies on
        assert m.text == text[m.start:m.end], m
    return mentions


# ----------------------------------------------------------------------------- case context

# Actor classes that do not locate a case: national bodies (their territory is the country).
NATIONAL_CLASSES = (COOP.StateActor, COOP.ResourceNetwork, COOP.ResearchOrTrainingBody)


def _stem(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith(("s", "x")) else token


def _stems(tokens: Iterable[str]) -> frozenset[str]:
    return frozenset(_stem(t) for t in tokens)


def _generic_stems(lexicon: Lexicon) -> frozenset[str]:
    """Stems of type words (class labels, generic words): they do not tell which actor."""
    out = lexicon.cache.get("generic_stems")
    if out is None:
        words = set(GENERIC_WORDS) | set(STOP_WORDS) | {w for head in TYPE_HEADS for w in head}
        words.update(w for label in ABBREVIATIONS.values() for w in label.split())
        words.update(("territoire", "membre", "autre", "un", "une", "lie", "leur", "ses", "non", "nomme", "nommee",
                      "acteur", "collectivite", "habitant", "elu", "citoyen", "intervenant", "petite",
                      "local", "locaux", "entre", "tous", "toutes", "chaque", "dan", "source", "epci", "structure",
                      "porteuse", "porteur", "lie", "cinq", "deux", "trois", "quatre", "maire", "president"))
        out = lexicon.cache["generic_stems"] = _stems(words)
    return out


@dataclass
class CaseContext:
    """What locates a candidate: the territories of its linked actors (weight 2) and of its
    territory mentions (weight 1), each with where it is said; the proper-name parts of its
    actors' labels, with where; the distinctive words of its title; the préfectures it names
    (:func:`.patterns.find_towns`: weight 2 inside the name of one of its asserted actors,
    "Bordeaux Métropole", else 1), which only serve to mint (:func:`mint_definite`)."""

    territories: dict[URIRef, float]
    places: list[tuple[URIRef, float, int]]  # (territory, weight, offset of the mention)
    cores: list[tuple[frozenset[str], float, int]]  # (stems of a proper-name part, weight, offset)
    title: frozenset[str]
    title_at: int
    words: frozenset[str]  # stems of the candidate's text
    towns: list[tuple[TownMatch, float]] = field(default_factory=list)  # (préfecture named, weight)


def case_context(text: str, candidate: Candidate, mentions: Sequence[Mention], lexicon: Lexicon) -> CaseContext:
    territories: dict[URIRef, float] = {}
    places: list[tuple[URIRef, float, int]] = []
    cores: list[tuple[frozenset[str], float, int]] = []
    generic = _generic_stems(lexicon)
    for m in mentions:
        if m.iri is None or m.confidence < ASSERT_THRESHOLD or m.kind not in ("actor", "territory"):
            continue
        entry = lexicon.get(m.iri)
        if entry is None or entry.placeholder:
            continue
        if m.kind == "actor":
            if any(lexicon.is_subclass(t, n) for t in entry.types for n in NATIONAL_CLASSES):
                continue
            if entry.territory is not None:
                territories[entry.territory] = territories.get(entry.territory, 0.0) + 2.0
                places.append((entry.territory, 2.0, m.start))
            weight = 1.0
        else:
            territories[m.iri] = territories.get(m.iri, 0.0) + 1.0
            places.append((m.iri, 1.0, m.start))
            weight = 0.7
        for label in entry.french_labels:
            core = _stems(core_tokens(key_tokens(PLACEHOLDER_MARK.sub(" ", label)))) - generic
            if core:
                cores.append((core, weight, m.start))
    title = _stems(key_tokens(candidate.title or "")) - generic
    title_at = candidate.title_start if candidate.title_start is not None else candidate.start
    words = _stems(key_tokens(text[max(0, candidate.start):candidate.end]))
    named = [(m.start, m.end) for m in _owners(mentions, lexicon)]
    towns = [(t, 2.0 if any(_inside((t.start, t.end), sp) for sp in named) else 1.0)
             for t in find_towns(text, max(0, candidate.start), min(len(text), candidate.end))]
    return CaseContext(territories, places, cores, title, title_at, words, towns)


def _placeholder_terms(lexicon: Lexicon) -> dict[URIRef, tuple[frozenset[str], tuple[frozenset[str], ...]]]:
    """Placeholder actors → (stems and analysed terms of all their labels, the "(non nommées…)"
    mark removed; the distinctive stems of each label)."""
    out = lexicon.cache.get("placeholder_terms")
    if out is None:
        out = {}
        generic = _generic_stems(lexicon)
        for e in lexicon.by_kind("actor"):
            if e.placeholder:
                stems: set[str] = set()
                distinctive = []
                for label in e.french_labels:
                    label = PLACEHOLDER_MARK.sub(" ", label)
                    own = _stems(key_tokens(label))
                    stems.update(own)
                    stems.update(t.term for t in tokenize(label) if not t.alt)
                    if own - generic:
                        distinctive.append(own - generic)
                out[e.iri] = (frozenset(stems), tuple(distinctive))
        lexicon.cache["placeholder_terms"] = out
    return out


def _actors_of_class(lexicon: Lexicon, cls: URIRef, noun: str) -> tuple[LexEntry, ...]:
    """Named actors of ``cls`` (or a subclass), and those with a label headed by ``noun`` when the
    noun has two words or more (a former name: "communauté urbaine de Brest" for Brest métropole)."""
    slot = ("actors_of_class", cls, noun)
    out = lexicon.cache.get(slot)
    if out is None:
        head = key_tokens(noun)
        found = []
        for e in lexicon.by_kind("actor"):
            if e.placeholder:
                continue
            if any(lexicon.is_subclass(t, cls) for t in e.types) or (
                    len(head) >= 2 and any(key_tokens(label)[:len(head)] == head and len(key_tokens(label)) > len(head)
                                           for label in e.french_labels)):
                found.append(e)
        out = lexicon.cache[slot] = tuple(found)
    return out


def resolve_definite(d: DescriptionMatch, ctx: CaseContext, lexicon: Lexicon) -> LexEntry | None:
    """The one actor "le Département", "l'agglomération"… names in this case: of the noun's class,
    attached to a territory of the case or to one containing it (score = the territory's weight),
    or else to a territory of the same département (half the weight); None unless one actor
    scores best."""
    scores = _definite_scores(d, ctx, lexicon)
    if not scores or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][2]


def _definite_scores(d: DescriptionMatch, ctx: CaseContext, lexicon: Lexicon) -> list[tuple[float, str, LexEntry]]:
    """The actors of the base a definite description may name in this case, best first (see
    :func:`resolve_definite`); empty when the base has none there."""
    if not ctx.territories:
        return []
    scores: list[tuple[float, str, LexEntry]] = []
    for e in _actors_of_class(lexicon, d.cls, d.noun):
        if e.territory is None:
            continue
        depts = lexicon.departements_of(e.territory)
        score = 0.0
        for t, w in ctx.territories.items():
            if e.territory == t or e.territory in lexicon.within(t):
                score += w
            elif depts and depts & lexicon.departements_of(t):
                score += 0.5 * w
        if score > 0:
            scores.append((score, str(e.iri), e))
    scores.sort(key=lambda x: (-x[0], x[1]))
    return scores


# ----------------------------------------------------------------------------- minted actors

# Institutions named by their type that the base has no actor for are given the name they have
# when the case says where (:func:`mint_definite`). By the territory: the one département / région
# of the case ("le Département" in a text that names the Gironde: "Département de la Gironde").
MINT_BY_TERRITORY: dict[URIRef, str] = {COOP.Departement: "Département", COOP.Region: "Région"}
# By a place: (name head, what names it). "structure": the one local structure of the case (of its
# sentence, else of the candidate: "l'agence d'urbanisme" of Bordeaux Métropole is the "Agence
# d'urbanisme de Bordeaux"); "commune": the one commune named in the same sentence ("la communauté
# d'agglomération, et la ville de Bourg en Bresse").
MINT_BY_PLACE: dict[URIRef, tuple[str, str]] = {
    COOP.AgenceUrbanisme: ("Agence d'urbanisme", "structure"),
    COOP.CommunauteAgglomeration: ("Communauté d'agglomération", "commune"),
    COOP.CommunauteUrbaine: ("Communauté urbaine", "commune"),
}
_LOCAL_STRUCTURES = (COOP.EPCI, COOP.PoleMetropolitain, COOP.PaysStructure)
# "CLE" is the commission of the SAGE the case names ("SAGE de l'Ardèche", "Schéma d'aménagement et
# de gestion des eaux (SAGE) de l'Ardèche").
_SAGE_NAME = re.compile(r"\bSAGE\)?[ \u00a0]+(?P<name>(?:de[ \u00a0]+la|de[ \u00a0]+l['’]|du|des|de|d['’])"
                        r"[ \u00a0]*[A-ZÀ-ÝŒ][\w'’-]*"
                        r"(?:[ \u00a0]+(?:(?:de|du|des|la|le|les|en|sur)[ \u00a0]+)?[A-ZÀ-ÝŒ][\w'’-]*)*)")
# The type words of an actor's name around its proper-name part (for :func:`proper_part`).
_NAME_HEAD = re.compile(
    r"^(?:communaut[ée]\s+de\s+communes|communaut[ée]\s+d['’]\s?agglom[ée]ration|communaut[ée]\s+urbaine|"
    r"p[ôo]le\s+m[ée]tropolitain|p[ôo]le\s+d['’]\s?[ée]quilibre\s+territorial\s+et\s+rural|PETR|syndicat\s+mixte|"
    r"agglom[ée]ration|ville|commune|mairie|m[ée]tropole|(?:structure\s+porteuse\s+du\s+)?scot)\s+"
    r"(?:(?:de\s+la|du|des|de)\s+|d['’]\s?|de\s+l['’]\s?)?",
    re.IGNORECASE)
_NAME_TAIL = re.compile(r"\s+(?:M[ée]tropole|Agglo(?:m[ée]ration)?|Communaut[ée])$")
# Départements whose name takes "des" (plural), "du" although it ends with an "e", or no article.
_PLURAL_PLACES = frozenset("alpes ardennes bouches cotes deux hautes hauts landes pyrenees vosges yvelines".split())
_MASCULINE_E = frozenset("finistere rhone puy maine vaucluse territoire".split())
_NO_ARTICLE = frozenset("paris mayotte".split())
# Common nouns that start a place name and take an article ("du Bassin de Bourg en Bresse", "de la
# Vallée de la Drôme", "des Monts du Lyonnais"); a name starting otherwise is a town's ("de Brest").
_PLACE_NOUNS_MASCULINE = frozenset("pays grand bassin val plateau causse marais massif haut bas centre sud nord "
                                   "pole bocage pays".split())
_PLACE_NOUNS_FEMININE = frozenset("vallee plaine montagne cote baie terre haute basse presqu'ile".split())
_PLACE_NOUNS_PLURAL = frozenset("monts hauts coteaux terres vallees portes".split())


class Minted(NamedTuple):
    """A new actor for an institution named by its type: its name, class, territory, confidence."""

    label: str
    cls: URIRef
    territory: URIRef | None
    confidence: float


def with_de(place: str, *, departement: bool = False) -> str:
    """"de" + a place name, elided or contracted: "de Bordeaux", "d'Angers", "du Pays de Brest",
    "du Mans"; a département with its article ("de la Gironde", "du Finistère", "de l'Ardèche",
    "des Côtes-d'Armor")."""
    place = place.strip()
    first = fold(re.split(r"[\s-]+", place)[0]) if place else ""
    if re.match(r"(?i)le\s", place):
        return "du " + place[3:].lstrip()
    if re.match(r"(?i)les\s", place):
        return "des " + place[4:].lstrip()
    if not departement and first in _PLACE_NOUNS_FEMININE:
        return "de la " + place
    if not departement and first in _PLACE_NOUNS_PLURAL:
        return "des " + place
    if re.match(r"(?i)(?:la\s|l['’])", place) or (not departement and first not in _PLACE_NOUNS_MASCULINE):
        return ("d'" if first[:1] in "aeiouy" and not re.match(r"(?i)la\s", place) else "de ") + place
    if first in _PLACE_NOUNS_MASCULINE:
        return "du " + place
    if first in _PLURAL_PLACES:
        return "des " + place
    if first in _NO_ARTICLE:
        return "de " + place
    if first[:1] in "aeiouy" or first.startswith("herault"):
        return "de l'" + place
    if first.endswith("e") and first not in _MASCULINE_E:
        return "de la " + place
    return "du " + place


def proper_part(label: str) -> str:
    """An actor's name without its type words: "Bordeaux Métropole" → "Bordeaux", "Pôle
    métropolitain du Pays de Brest" → "Pays de Brest", "ville de Bourg en Bresse" → "Bourg en
    Bresse"; a Pays keeps its name ("Pays de Brest")."""
    out = _NAME_TAIL.sub("", _NAME_HEAD.sub("", label.strip(), count=1)).strip()
    return out or label.strip()


def _is_region(entry: LexEntry | None) -> bool:
    return entry is not None and any(str(t).rstrip("/").endswith("/region") for t in entry.types)


def _one_best(weights: dict[URIRef, float]) -> URIRef | None:
    if not weights:
        return None
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], str(kv[0])))
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


def case_territory(ctx: CaseContext, lexicon: Lexicon, cls: URIRef) -> URIRef | None:
    """The one département (``cls`` = coop:Departement) or région (coop:Region) the case's
    territories lie in or are, weighted as in :class:`CaseContext`; None when there is none or
    two weigh the same."""
    weights: dict[URIRef, float] = {}
    for t, w in ctx.territories.items():
        for x in _containing(lexicon, t, cls):
            weights[x] = weights.get(x, 0.0) + w
    return _one_best(weights)


def _containing(lexicon: Lexicon, t: URIRef, cls: URIRef) -> set:
    """The départements (``cls`` coop:Departement) or régions that territory ``t`` lies in or is."""
    if cls == COOP.Departement:
        return set(lexicon.departements_of(t))
    entry = lexicon.get(t)
    found = set(entry.regions if entry is not None and entry.kind == "territory" else ())
    if _is_region(entry):
        found.add(t)
    return found


def _actor_name(m: Mention, lexicon: Lexicon) -> str:
    entry = lexicon.get(m.iri) if m.iri is not None else None
    return entry.label if entry is not None else (m.label or m.text)


def _one_place(ms: Iterable[Mention], lexicon: Lexicon) -> Mention | None:
    """The one place these actor mentions name (distinct proper-name parts), or None."""
    places: dict[str, Mention] = {}
    for m in ms:
        places.setdefault(name_key(proper_part(_actor_name(m, lexicon))), m)
    places.pop("", None)
    return next(iter(places.values())) if len(places) == 1 else None


def mint_definite(d: DescriptionMatch, ctx: CaseContext, text: str, candidate: Candidate, actors: Sequence[Mention],
                  lexicon: Lexicon) -> Minted | None:
    """The actor a definite description names when the base has none for it in this case (the
    caller checks that): named after the case's one département or région
    (:data:`MINT_BY_TERRITORY`, :func:`case_territory`), after the one place the case or the
    sentence names (:data:`MINT_BY_PLACE`), or, for "CLE", after the SAGE the case names. None
    when the case does not say where, or names two candidates: nothing is invented. ``actors``:
    the asserted, local actor mentions of the candidate (:func:`_owners`)."""
    if d.cls in MINT_BY_TERRITORY:
        return _mint_by_territory(d, ctx, lexicon)
    if d.cls == COOP.LocalWaterCommission:
        sages = {_clean(m.group("name")) for m in _SAGE_NAME.finditer(text, max(0, candidate.start), candidate.end)}
        if len(sages) != 1:
            return None
        return Minted(f"Commission locale de l'eau du SAGE {sages.pop()}", d.cls, None, CONF_MINTED_PLACE)
    if d.cls not in MINT_BY_PLACE:
        return None
    head, by = MINT_BY_PLACE[d.cls]
    sentence = next(((s, e) for s, e in _sentences(text, max(0, candidate.start), candidate.end) if s <= d.start < e),
                    (d.start, d.end))
    in_sentence = [m for m in actors if sentence[0] <= m.start < sentence[1]]
    if d.cls == COOP.CommunauteAgglomeration and fold(d.noun) in ("agglomeration", "agglo"):
        head = "Agglomération"  # the name the text gives it ("l'agglomération"): its legal name is not said
    if by == "commune":
        place = _one_place((m for m in in_sentence if any(lexicon.is_subclass(t, COOP.Commune) for t in m.types)),
                           lexicon)
        if place is None:
            town = _one_town(text, ctx, sentence, in_sentence, lexicon)
            return None if town is None else Minted(f"{head} {with_de(town.town)}", d.cls, None, CONF_MINTED_PLACE)
    else:
        local = [m for m in actors if any(lexicon.is_subclass(t, c) for t in m.types for c in _LOCAL_STRUCTURES)]
        near = [m for m in local if m in in_sentence]
        place = _one_place(near, lexicon) if near else _one_place(local, lexicon)
    if place is None:
        return None
    territory = place.territory or (lexicon.get(place.iri).territory if place.iri is not None
                                    and lexicon.get(place.iri) is not None else None)
    return Minted(f"{head} {with_de(proper_part(_actor_name(place, lexicon)))}", d.cls, territory, CONF_MINTED_PLACE)


def _prefecture_of_code(code: str | None) -> Prefecture | None:
    return next((p for p in prefectures() if code and p.code == code.strip().upper()), None)


def _mint_by_territory(d: DescriptionMatch, ctx: CaseContext, lexicon: Lexicon) -> Minted | None:
    """"le Département" / "la Région" of the one département / région the case lies in: its
    territories (:func:`case_territory`'s weights) and the préfectures it names (``ctx.towns``: the
    département of the town; its région through the base's territories), summed; None when two
    weigh the same, when the winner is a région the base cannot tell (a préfecture of a département
    the base does not have) or a département without a council of its own (Corse, Paris…). A
    département the base does not have is minted by the table's name, without territory.
    Confidence ``CONF_MINTED_TERRITORY`` when the base's territories support the winner, else
    ``CONF_MINTED_PLACE`` (the préfectures alone)."""
    weights: dict[object, float] = {}
    from_base: set[object] = set()
    rows: dict[object, Prefecture] = {}
    for t, w in ctx.territories.items():
        for x in _containing(lexicon, t, d.cls):
            weights[x] = weights.get(x, 0.0) + w
            from_base.add(x)
    for town, w in ctx.towns:
        row = town.prefecture
        dept = lexicon.departement(row.code, row.departement)
        if d.cls == COOP.Departement:
            keys = [dept if dept is not None else ("departement", row.code)]
        else:
            entry = lexicon.get(dept) if dept is not None else None
            keys = list(entry.regions) if entry is not None and entry.regions else [("departement", row.code)]
        for k in keys:
            weights[k] = weights.get(k, 0.0) + w
            rows.setdefault(k, row)
    best = _one_best(weights)
    if best is None or (isinstance(best, tuple) and d.cls != COOP.Departement):
        return None
    confidence = CONF_MINTED_TERRITORY if best in from_base else CONF_MINTED_PLACE
    if isinstance(best, tuple):
        row = rows[best]
        if not row.council:
            return None
        return Minted(f"Département {with_de(row.departement, departement=True)}", d.cls, None, confidence)
    entry = lexicon.get(best)
    if entry is None:
        return None
    if d.cls == COOP.Departement:
        row = rows.get(best) or _prefecture_of_code(entry.code)
        if row is not None and not row.council:
            return None
    name = with_de(entry.label, departement=True) if d.cls == COOP.Departement else entry.label
    return Minted(f"{MINT_BY_TERRITORY[d.cls]} {name}", d.cls, best, confidence)


def _one_town(text: str, ctx: CaseContext, sentence: tuple[int, int], in_sentence: Sequence[Mention],
              lexicon: Lexicon) -> Prefecture | None:
    """The one préfecture named in the sentence, outside the name of an EPCI ("Pays de Nevers Sud
    Nivernais", "Pays du Grand Pau", or the town alone), whose agglomeration "l'agglomération"
    is; None when the sentence names two, or an EPCI named after the town ("Bordeaux Métropole et
    l'agglomération": which is which?)."""
    epcis = [(m.start, m.end) for m in in_sentence if any(lexicon.is_subclass(t, COOP.EPCI) for t in m.types)]
    epcis += [(i.start, i.end) for i in find_institutions(text, *sentence) if lexicon.is_subclass(i.cls, COOP.EPCI)]
    found: dict[str, Prefecture] = {}
    for town, _ in ctx.towns:
        if not (sentence[0] <= town.start < sentence[1]):
            continue
        if any(_inside((town.start, town.end), sp) for sp in epcis):
            return None
        found.setdefault(town.prefecture.town, town.prefecture)
    return next(iter(found.values())) if len(found) == 1 else None


# Groups of actors the source does not name ("les communes du Grand Chalon"), minted when the base
# has none for the case (:func:`mint_group`), after the curated corpus's convention for them:
# "<Group> <de + owner> (non nommées dans la source)", of the class of its members, attached to
# the owner's territory. Noun class → (group name, feminine, classes an owner may have).
_COMMUNE_OWNERS = (COOP.EPCI, COOP.PaysStructure, COOP.PoleMetropolitain, COOP.ScotStructure, COOP.PNR)
_EPCI_OWNERS = (COOP.PaysStructure, COOP.PoleMetropolitain, COOP.ScotStructure, COOP.PNR)
GROUP_NOUNS: dict[URIRef, tuple[str, bool, tuple[URIRef, ...]]] = {
    COOP.Commune: ("Communes", True, _COMMUNE_OWNERS),
    COOP.CommunauteDeCommunes: ("Communautés de communes", True, _EPCI_OWNERS),
    COOP.CommunauteAgglomeration: ("Communautés d'agglomération", True, _EPCI_OWNERS),
    COOP.EPCI: ("Intercommunalités", True, _EPCI_OWNERS),
    # "les élus du Bassin de …": the communes of the owner and their élus (the corpus's wording)
    COOP.LocalAuthority: ("Communes", True, _COMMUNE_OWNERS),
}
# Determiners of the whole group ("les communes", "ses communes", "les 37 communes", "groupes de
# communes"); not of a part of it ("certaines", "plusieurs", "d'autres", "une").
_GROUP_DET = re.compile(r"^(?:tou(?:te)?s\s+)?(?:les|des|aux|ces|ses|leurs|de|d['’ʼ]|\d+|deux|trois|quatre|cinq|six|"
                        r"sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|cent)?$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"^(?:ses|leurs)$", re.IGNORECASE)
_GROUP_ADJECTIVE = re.compile(r"\b(petites|grandes)\s+$", re.IGNORECASE)
# "les communes du Grand Chalon", "les communes membres de Chartres Métropole": the owner follows.
_OWNER_AFTER = re.compile(r"[ \u00a0]+(?:membres[ \u00a0]+)?(?:de[ \u00a0]+la[ \u00a0]+|de[ \u00a0]+l['’ʼ][ \u00a0]?|du[ \u00a0]+|"
                          r"des[ \u00a0]+|de[ \u00a0]+|d['’ʼ][ \u00a0]?)(?:[*_]+[ \u00a0]*)?")
_OWNER_HEAD_LINK = re.compile(r"(?:de\s+la|de\s+l['’]|du|des|de|d['’])\s*$", re.IGNORECASE)
CONF_GROUP_NAMED = 0.72  # the owner is the noun's complement ("les communes du Grand Chalon")
CONF_GROUP_NEAR = 0.70  # the one owner of the sentence, or the possessive's ("ses communes")


_COMPLEMENT_AFTER = re.compile(r"[ \u00a0]+(?:[^\W\d_][\w-]*[ \u00a0]+){0,2}?(?:de[ \u00a0]+la|de[ \u00a0]+l['’ʼ]|du|des|de|d['’ʼ])"
                               r"[ \u00a0]*((?:[^\W\d_][\w'’ʼ-]*[ \u00a0]*){1,4})")


def _foreign_complement(text: str, end: int, lexicon: Lexicon) -> bool:
    """A complement after a collective noun (through at most two adjectives) that names something
    ("les communes rurales du Léon"), not only generic words ("les élus du territoire")."""
    m = _COMPLEMENT_AFTER.match(text, end)
    if m is None:
        return False
    return bool(_stems(key_tokens(m.group(1))) - _generic_stems(lexicon))


def owner_de(name: str) -> str:
    """"de" + an owner's name without its leading type words, as a group names it: "Communauté
    d'agglomération du Grand Chalon" → "du Grand Chalon", "Scot du Douaisis" → "du Douaisis",
    "Chartres Métropole" → "de Chartres Métropole", "Pays de Figeac" → "du Pays de Figeac"."""
    name = name.strip()
    m = _NAME_HEAD.match(name)
    if m and m.end() < len(name):
        link = _OWNER_HEAD_LINK.search(m.group())
        rest = name[m.end():].strip()
        if link:
            word = re.sub(r"\s+", " ", link.group().strip().lower()).replace("’", "'")
            return f"{word}{'' if word.endswith(chr(39)) else ' '}{rest}"
        return with_de(rest)
    return with_de(name)


def mint_group(d: DescriptionMatch, text: str, candidate: Candidate, actors: Sequence[Mention],
               lexicon: Lexicon) -> Minted | None:
    """The group a collective noun names when the base has none for the case (the caller checks
    that) and its owner is clear: the noun's complement names it ("les communes du Grand Chalon":
    ``CONF_GROUP_NAMED``; the complement may be the owner's name without its type words: "les
    communes du Grand Chalon" of the "CA du Grand Chalon"), or it is the one actor of an owner
    class in the noun's sentence (with none there, in the sentence before), or the nearest one
    before a possessive ("ses communes") in that sentence or the one before (``CONF_GROUP_NEAR``). Owner classes: structures grouping communes (EPCI, Pays, pôle
    métropolitain, SCoT, PNR) for communes and their élus, structures grouping EPCI for
    communautés and intercommunalités. The group is named as the corpus names unnamed groups:
    "Communes du Grand Chalon (non nommées dans la source)", "Petites communes du Grand Besançon
    (…)", "Communes du Bassin de Bourg en Bresse et leurs élus (…)", so that it is a placeholder
    everywhere (never linked by name, found by :func:`resolve_collective` once in the base).
    Partial groups ("certaines communes"), generic nouns ("les partenaires", "les acteurs
    locaux"), no owner or two owners in the sentence: None."""
    spec = GROUP_NOUNS.get(d.cls)
    if spec is None:
        return None
    head, feminine, owner_classes = spec
    noun = fold(d.noun)
    if d.cls == COOP.LocalAuthority and noun not in ("elus", "maires"):
        return None
    # The communes of an owner and their élus are one group, named as the corpus does.
    tail = " et leurs élus" if d.cls in (COOP.Commune, COOP.LocalAuthority) else ""
    at = d.text.rfind(d.noun)
    before = d.text[:at] if at >= 0 else ""
    adjective = _GROUP_ADJECTIVE.search(before)
    det = (before[:adjective.start()] if adjective else before).strip()
    if not _GROUP_DET.match(det):
        return None
    if adjective and d.cls == COOP.Commune:
        head, tail = adjective.group(1).capitalize() + " communes", ""
    owners = [m for m in actors if any(lexicon.is_subclass(t, c) for t in m.types for c in owner_classes)]
    if not owners:
        return None
    owner, confidence = None, CONF_GROUP_NEAR
    link = _OWNER_AFTER.match(text, d.end)
    if link is not None:  # the complement is the owner, or its name without type words ("du Grand Chalon")
        after = name_key(text[link.end():link.end() + 120])
        owner = next((m for m in owners if m.start == link.end()), None) or next(
            (m for m in owners if (part := name_key(proper_part(_actor_name(m, lexicon))))
             and re.match(re.escape(part) + r"(?:\s|$)", after)), None)
        confidence = CONF_GROUP_NAMED
    if owner is None and _foreign_complement(text, d.end, lexicon):
        return None  # "les communes rurales du Léon": the noun says whose they are, not the owner
    if owner is None:
        sentences = _sentences(text, max(0, candidate.start), candidate.end)
        k = next((i for i, (s, e) in enumerate(sentences) if s <= d.start < e), None)
        if k is None:
            return None
        s0, s1 = sentences[k]
        in_sentence = [m for m in owners if s0 <= m.start < s1]
        if _POSSESSIVE.match(det):
            earlier = [m for m in owners if m.end <= d.start and m.start >= sentences[max(0, k - 1)][0]]
            owner = max(earlier, key=lambda m: m.end) if earlier else None
        else:
            # the one owner of the sentence; with none there, the one of the sentence before ("Sur le
            # Pôle métropolitain du Pays de Brest, … . La communauté urbaine et les communautés de
            # communes mutualisent")
            if not in_sentence and k > 0:
                in_sentence = [m for m in owners if sentences[k - 1][0] <= m.start < sentences[k - 1][1]]
            distinct = {name_key(_actor_name(m, lexicon)): m for m in in_sentence}
            owner = next(iter(distinct.values())) if len(distinct) == 1 else None
        confidence = CONF_GROUP_NEAR
    if owner is None:
        return None
    entry = lexicon.get(owner.iri) if owner.iri is not None else None
    territory = owner.territory or (entry.territory if entry is not None else None)
    mark = "(non nommées dans la source)" if feminine else "(non nommés dans la source)"
    cls = COOP.Commune if d.cls == COOP.LocalAuthority else d.cls
    return Minted(f"{head} {owner_de(_actor_name(owner, lexicon))}{tail} {mark}", cls, territory, confidence)


NEAR_CHARS = 300  # evidence this far from a collective noun counts half
MIN_SUPPORT = 0.5  # share of a placeholder label's distinctive words the candidate must contain


def _supports(owner: LexEntry, placeholder: LexEntry, stems: frozenset[str], lexicon: Lexicon) -> bool:
    """The placeholder is a group of ``owner``'s: same territory, or its label names the owner."""
    if owner.territory is not None and owner.territory == placeholder.territory:
        return True
    generic = _generic_stems(lexicon)
    return any((core := _stems(core_tokens(key_tokens(label))) - generic) and core <= stems
               for label in owner.french_labels)


def resolve_collective(d: DescriptionMatch, ctx: CaseContext, lexicon: Lexicon,
                       owner: Mention | None = None) -> list[LexEntry]:
    """The placeholder actors ("Communes du Pays de Figeac (non nommées dans la source)") a
    collective noun names in this case. A placeholder must be of the noun's class (and have the
    noun in its label for generic nouns: "partenaires") and be attached to the case by evidence:
    its territory is the territory of one of the case's actors, or a territory the case names
    when the candidate has two distinctive words of its label (weight 1), or its label contains the proper-name
    part of one of the case's actors (1), or the noun's own words ("les autres Pays *Sarthois*")
    or its complement ("un PNR *de la région Centre*") (1), or two distinctive words of the case's
    title (0.8), or the candidate describes it (three distinctive words of its label or more, 3/4
    of them in the candidate: 0.8). Evidence counts less the farther from the noun it is said
    (``w / (1 + distance / NEAR_CHARS)``), and is multiplied by the placeholder's *support*: the
    share of the distinctive words of its best label found in the candidate's text (at least
    ``MIN_SUPPORT``: "Acteurs … des chantiers de Gironde 2033" is not attached to a text that never
    speaks of chantiers nor of the Gironde). A collective noun belongs to the actor it follows
    (``owner``: the nearest actor before it, else the next one in its sentence): unless its own
    words name the placeholder, the owner must be the placeholder's (same territory, or named in
    its label) — "les élus de Lannion-Trégor Communauté" are not the communes of another case —,
    and without an owner only the title, the noun's own words or the description count. The
    placeholders scoring at least 0.6 × the best are returned (a counted noun may name several:
    "2 Syndicats mixtes")."""
    terms = _placeholder_terms(lexicon)
    generic = _generic_stems(lexicon)
    noun = _stems(key_tokens(d.noun))
    own = (_stems(key_tokens(d.text)) - noun | _stems(key_tokens(d.complement))) - generic
    word = next((t.term for t in tokenize(d.word) if not t.alt), d.word) if d.word else None
    owner_entry = lexicon.get(owner.iri) if owner is not None and owner.iri is not None else None
    scored: list[tuple[float, str, LexEntry]] = []

    def near(w: float, at: int) -> float:
        return w / (1.0 + abs(at - d.start) / NEAR_CHARS)

    for iri, (stems, labels) in terms.items():
        e = lexicon.get(iri)
        if not any(lexicon.is_subclass(t, d.cls) for t in e.types):
            continue
        if word is not None and word not in stems:
            continue
        support = max((len(words & ctx.words) / len(words) for words in labels), default=1.0)
        if support < MIN_SUPPORT:
            continue
        matched = max((len(words & ctx.words) for words in labels), default=0)
        named = bool(own) and own <= stems
        if not named and owner is not None and (owner_entry is None or not _supports(owner_entry, e, stems, lexicon)):
            continue
        score = 1.0 if named else 0.0
        if owner is None:  # no actor before it nor in its sentence: only the title or its own words
            pass
        elif e.territory is not None:
            # a place said by an actor of the case; a territory merely named ("à Nantes") only when
            # the text also has two distinctive words of the placeholder's label
            score = max(score, max((near(1.0, at) for t, w, at in ctx.places
                                    if t == e.territory and (w >= 2.0 or matched >= 2)), default=0.0))
        if owner is not None:
            score = max(score, max((near(w, at) for core, w, at in ctx.cores if w >= 1.0 and core <= stems),
                                   default=0.0))
        if len(ctx.title & stems) >= 2:
            score = max(score, near(0.8, ctx.title_at))
        if any(len(words) >= 3 and len(words & ctx.words) >= 0.75 * len(words) for words in labels):
            score = max(score, 0.8)
        if score > 0:
            scored.append((score * support, str(iri), e))
    if not scored:
        return []
    best = max(sc for sc, _, _ in scored)
    return [e for sc, _, e in sorted(scored, key=lambda x: (-x[0], x[1])) if sc >= 0.6 * best]


def _owner(d: DescriptionMatch, text: str, actors: list[Mention], lexicon: Lexicon) -> Mention | None:
    """The actor a collective noun follows: the nearest asserted, non-national, non-placeholder
    actor mention ending before it, else the first one starting after it in the same sentence."""
    before = [m for m in actors if m.end <= d.start]
    if before:
        return max(before, key=lambda m: (m.end, m.start))
    after = [m for m in actors if m.start >= d.end and not _SENTENCE_END.search(text, d.end, m.start)]
    return min(after, key=lambda m: m.start) if after else None


def _owners(mentions: Iterable[Mention], lexicon: Lexicon) -> list[Mention]:
    out = []
    for m in mentions:
        if m.kind != "actor" or m.confidence < ASSERT_THRESHOLD:
            continue
        entry = lexicon.get(m.iri) if m.iri is not None else None
        if (entry is not None and entry.placeholder) or (entry is None and is_placeholder_label(m.label)):
            continue  # a group, never a place nor an owner
        types = entry.types if entry is not None else m.types
        if any(lexicon.is_subclass(t, n) for t in types for n in NATIONAL_CLASSES):
            continue
        out.append(m)
    return out


def _minted_mention(d: DescriptionMatch, minted: Minted, linker: Linker) -> Mention:
    """The mention of a minted actor: an existing actor when its name links to one (by name, not
    by territory: "Département de la Gironde" not attached to a territory), else a new actor."""
    link = linker.link(minted.label, types=(minted.cls,))
    entry = linker.lexicon.get(link.iri) if link is not None else None
    if entry is not None:
        return Mention("actor", d.text, d.start, d.end, "pattern", CONF_DESCRIPTION, entry.iri, None, entry.types, (),
                       entry.territory)
    return Mention("actor", d.text, d.start, d.end, "pattern", minted.confidence, None, minted.label, (minted.cls,),
                   (), minted.territory)


_AND_BETWEEN = re.compile(r"^[ \u00a0]+et[ \u00a0]+(?:(?:le|la|les)[ \u00a0]+|l['’ʼ][ \u00a0]?)?$", re.IGNORECASE)


def _is_pays_territory(entry: LexEntry | None) -> bool:
    return entry is not None and entry.kind == "territory" and \
        any(str(t).rstrip("/").endswith("/pays") for t in entry.types)


def _pays_parties(text: str, mentions: list[Mention], lexicon: Lexicon, linker: Linker) -> list[Mention]:
    """A territory of type "pays" joined by "et" to an actor ("Brest Métropole et le Centre ouest
    bretagne : une coopération") is a party, so an actor: its Pays (the territory's label starting
    with "Pays", else "Pays de …"), linked by name to an existing actor when there is one, else
    minted (``CONF_MINTED_PLACE``, attached to the territory)."""
    actors = [m for m in mentions if m.kind == "actor" and m.confidence >= ASSERT_THRESHOLD]
    out = list(mentions)
    for m in mentions:
        if m.kind != "territory" or m.iri is None or m.confidence < ASSERT_THRESHOLD:
            continue
        entry = lexicon.get(m.iri)
        if not _is_pays_territory(entry) or any(_overlaps((a.start, a.end), (m.start, m.end)) for a in actors):
            continue
        if not any(_AND_BETWEEN.match(text[a.end:m.start]) or _AND_BETWEEN.match(text[m.end:a.start])
                   for a in actors if a.end <= m.start or a.start >= m.end):
            continue
        label = next((x for x in entry.french_labels if fold(x).startswith("pays ")), None) or \
            f"Pays {with_de(entry.label)}"
        minted = _minted_mention(DescriptionMatch(m.start, m.end, m.text, COOP.PaysStructure, False, m.text),
                                 Minted(label, COOP.PaysStructure, m.iri, CONF_MINTED_PLACE), linker)
        out.append(minted)
    return out


def _description_mentions(text: str, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon,
                          linker: Linker | None = None) -> list[Mention]:
    """Mentions for the definite descriptions and collective nouns of the candidate
    (:func:`.patterns.find_descriptions`) that resolve to an actor of the base (see
    :func:`resolve_definite`, :func:`resolve_collective`); a collective noun containing new
    actors found by the rules ("les autres Pays Sarthois") replaces them when it resolves. A
    definite description the base has no actor for is minted when the case says where
    (:func:`mint_definite`)."""
    linker = linker or Linker.for_lexicon(lexicon)
    descriptions = find_descriptions(text, max(0, candidate.start), min(len(text), candidate.end))
    if not descriptions:
        return mentions
    ctx = case_context(text, candidate, mentions, lexicon)
    taken = [(i, (m.start, m.end)) for i, m in enumerate(mentions) if m.kind in ("actor", "territory")]
    drop: set[int] = set()
    out: list[Mention] = []
    for collective in (False, True):  # the definite ones first: they locate the collective ones
        for d in descriptions:
            if d.collective != collective:
                continue
            span = (d.start, d.end)
            over = [i for i, sp in taken if _overlaps(sp, span)]
            replaceable = d.collective and over and all(
                mentions[i].kind == "actor" and mentions[i].iri is None
                and _inside((mentions[i].start, mentions[i].end), span) for i in over)
            if over and not replaceable:
                continue
            if d.collective:
                local = _owners([m for i, m in enumerate(mentions) if i not in over] + out, lexicon)
                owner = _owner(d, text, local, lexicon)
                entries = resolve_collective(d, ctx, lexicon, owner)
                if not entries:  # the base has no group of this case: mint it when its owner is clear
                    group = mint_group(d, text, candidate, local, lexicon)
                    if group is not None:
                        drop.update(over)
                        out.append(Mention("actor", d.text, d.start, d.end, "pattern", group.confidence, None,
                                           group.label, (group.cls,), (), group.territory))
                        continue
            else:
                scores = _definite_scores(d, ctx, lexicon)
                unique = scores and (len(scores) == 1 or scores[1][0] != scores[0][0])
                entries = [scores[0][2]] if unique else []
                if not scores:  # the base has no such actor here (two would be ambiguous: no minting)
                    local = _owners([m for i, m in enumerate(mentions) if i not in over] + out, lexicon)
                    minted = mint_definite(d, ctx, text, candidate, local, lexicon)
                    if minted is not None:
                        drop.update(over)
                        out.append(_minted_mention(d, minted, linker))
                        continue
            if not entries:
                continue
            drop.update(over)
            for e in entries:
                out.append(Mention("actor", d.text, d.start, d.end, "pattern", CONF_DESCRIPTION, e.iri, None, e.types,
                                   (), e.territory))
                if not d.collective and e.territory is not None:
                    ctx.places.append((e.territory, 2.0, d.start))
    if not out:
        return mentions
    return [m for i, m in enumerate(mentions) if i not in drop] + out


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


def _rank_instruments(candidate: Candidate, mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    """Make the instrument the case is about the most confident one: a label or cue in the
    candidate's title gains ``TITLE_BONUS``; an instrument type of which a more specific one is
    asserted in the candidate (:func:`more_specific`) drops just under it."""
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
