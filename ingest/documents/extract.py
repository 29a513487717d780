"""Extract mentions from one case candidate: actors, territories, instruments, levers, concepts and
themes, with their spans, the method that found them and a confidence.

``extract(document, candidate, lexicon, nlp=None, semantic=None)`` runs, inside the candidate's
span only:

1. a **gazetteer** of the base's labels (:class:`.gazetteer.Gazetteer`, built from the :class:`Lexicon`):
   actors, territories, instrument types, themes, levers and concepts, matched on analysed terms
   (:func:`search.text.tokenize`: case, accents, plurals and stop words folded), word-bounded,
   leftmost-longest per kind, never across punctuation the label does not have; acronyms (every
   all-capitals word of a label: "COB", "PNR", "SCoT") must be written in capitals and one-word
   proper names ("Nantes") with a capital; generic one-word labels ("pays", "parc", "métropole")
   are never used and ambiguous ones ("coopération", "communs") only give suggestions;
2. the **institution rules** of :mod:`.patterns` ("communauté de communes du …", "… Métropole"):
   each name is linked to an existing actor by :mod:`.linking` (normalised name, then fuzzy
   match among compatible types) or becomes a new, typed actor;
3. spaCy's **NER** (``nlp``, see :func:`.ner.load_nlp`) for the ORG and LOC entities the first two
   steps did not cover (an entity may replace one-word territory hits inside it: "Bretagne" in
   "Quimper Bretagne Occidentale"); capitalised common words at the start of a line, type names
   alone ("PNR") and markup are dropped; the rest are low-confidence actor (ORG) / territory (LOC)
   candidates, linked to the base when possible;
4. **institutions named by their type** (:func:`.nouns.find_descriptions`; the step is
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
   (:func:`.towns.find_towns`, ``data/prefectures.tsv``) locate it for minting only. A
   collective noun the base has no placeholder for is minted as one when its owner is clear
   (:func:`.descriptions.mint_group`: "Communes du Grand Chalon et leurs élus (non nommées dans la
   source)"). A collective noun ("les communes", "5 Communautés de communes", "2 Syndicats mixtes",
   "les élus du territoire", "des partenaires") names the corpus placeholders of that class
   attached to the case (:func:`.descriptions.resolve_collective`: "Communes du Pays de Figeac (non
   nommées dans la source)"); "État" is matched capitalised after "l'";
5. **keyword cues** for instruments beyond the ontology's labels (:data:`.gazetteer.INSTRUMENT_CUES`:
   "fiches action Leader", "conférence des présidents"…), and the head of a shared
   structure's name used as the instrument ("*Pôle métropolitain* du Pays de Brest",
   :data:`.instruments.STRUCTURE_HEADS`), and posts shared between bodies in words the
   vocabulary lacks ("un archiviste itinérant partagé", "recruter ensemble un chargé de mission":
   shared engineering) and peers meeting as a network ("le réseau des chargés de mission", "les
   managers de commerce font réseau": a technical network; :func:`.instruments.pattern_cues`);
6. **roles** of each actor mention from cues in its sentence (:data:`.roles.ROLE_CUES`: "piloté par",
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
   made the most confident one (:func:`.instruments.rank_instruments`: a label in the candidate's
   title gains ``TITLE_BONUS``; a type of which a more specific one is found drops just under it —
   a syndicat mixte under the pôle métropolitain it is).

A new actor named by its proper-name part only ("Pays de Landivisiau") after the full name of an
EPCI, PETR or pôle métropolitain of the same candidate ("communauté de communes du Pays de
Landivisiau") takes that actor's identity. Every occurrence is returned (provenance keeps all
spans); :func:`best_mentions` keeps one mention per entity.

Confidences (:mod:`.confidence`; the graph stage asserts at ``ASSERT_THRESHOLD`` = 0.7 and turns
the rest into review suggestions):

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
uncounted group of intercommunalités, the case naming two or more     pattern     0.55
partner counted in a partners row ("5 Communautés de communes")         pattern     0.70
proper name alone in a partners / actors row ("Grand-Figeac")           pattern     0.70
head of a shared structure's name, as instrument                        gazetteer   0.90
definition similarity (rank and margin, see :class:`.semantic.DefinitionIndex`)   embedding   ≤ 0.85
lever of an enclosing "Levier N" heading (span: that heading)           structure   0.90
instrument in the candidate's title                                     (any)       + 0.03
======================================================================  ==========  ==========

Speed, measured on this project's 2-core machine (best of 3, other jobs running): without ``nlp``
and ``semantic`` ≈50,000–90,000 words/s on the seeds (a fixed ≈5 ms per call); with
:func:`.ner.load_nlp`'s NER-only pipeline ≈7,500–15,000 words/s; ``load_nlp`` itself takes ≈6–8 s once
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
from dataclasses import replace
from typing import Iterable

from rdflib import URIRef

from search.text import normalize

from .asides import asides
from .confidence import (CONF_AMBIGUOUS, CONF_GENERIC, CONF_KEYWORD, CONF_KEYWORD_SINGLE, CONF_LABEL,
                         CONF_LABEL_SINGLE, CONF_NAME_STRUCTURE, CONF_SHARED_LABEL)
from .descriptions import _description_mentions, _pays_parties
from .gazetteer import Gazetteer, Hit, LabelRef
from .institutions import (heading_actors, institution_mention, letterhead_actors, named_before, named_partners,
                           resolve_short_names)
from .instruments import pattern_cues, rank_instruments, structure_heads
from .levers import heading_levers
from .lexicon import LexEntry, Lexicon
from .linking import DEFAULT_THRESHOLD, Linker, core_key, name_key
from .model import MENTION_KIND as _MENTION_KIND
from .model import ASSERT_THRESHOLD, Candidate, Document, Mention
from .named_groups import groups_named_elsewhere
from .ner import ner_mentions
from .patterns import find_institutions
from .roles import assign_roles
from .shortnames import short_names
from .text_util import _clean, _inside, _overlaps


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
    module doc for the steps and the confidences. ``nlp``: a spaCy pipeline (:func:`.ner.load_nlp`) or
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
        names.append((span, institution_mention(inst, lexicon, linker, inner_territory)))
    names = resolve_short_names(names, lexicon)
    mentions = [m for _, m in names]
    name_spans = [sp for sp, _ in names]
    actor_spans = [sp for sp, m in names if m.kind == "actor"]

    # 2) Instruments, themes, levers, concepts from labels (not inside an actor or territory name,
    #    except the head of a shared structure's name: "Pôle métropolitain du Pays de Brest").
    heads = structure_heads(lexicon)
    for h in hits:
        if h.layer == "name":
            continue
        if any(_inside((h.start, h.end), sp) for sp in name_spans):
            if h.layer == "instrument" and any(sp[0] == h.start and sp[1] > h.end and m.confidence >= ASSERT_THRESHOLD
                                               for sp, m in names if m.kind == "actor"):
                for ref in h.refs:
                    if ref.entry.iri in heads and name_key(ref.label) in heads[ref.entry.iri]:
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

    # 2b) Posts shared between bodies and peers' networks, in words the vocabulary lacks (« un archiviste
    # itinérant partagé », « le réseau des chargés de mission »), where no actor is named and no instrument
    # but a more general one it replaces (« mutualisée par convention » over « convention »).
    for cue in pattern_cues(text, cs, ce):
        if any(_overlaps((cue.start, cue.end), sp) for sp in actor_spans):
            continue
        under = [i for i, m in enumerate(mentions) if m.kind == "instrument" and _overlaps((cue.start, cue.end), (m.start, m.end))]
        if all(mentions[i].types and lexicon.is_subclass(cue.types[0], mentions[i].types[0])
               and cue.types[0] != mentions[i].types[0] for i in under):
            mentions = [m for i, m in enumerate(mentions) if i not in under] + [cue]

    # 3) NER for what the rules did not cover.
    if nlp is not None:
        found, replaced = ner_mentions(nlp, document, candidate, mentions, linker)
        mentions = [m for i, m in enumerate(mentions) if i not in replaced] + found

    # 3b) Institutions named by their type ("le Département", "les communes") resolved through
    #     the case's territory; a Pays territory named as a party next to an actor is its Pays.
    # Bodies named as a comparison or a reservation are lowered first (3e), so that they own no group.
    mentions = asides(text, mentions)
    headed = heading_actors(document, candidate, lexicon, linker)
    letterhead = letterhead_actors(document, candidate, lexicon, linker)
    elsewhere = named_before(document, candidate, lexicon, linker)
    earlier = [m for _, m in elsewhere if m.end <= max(0, candidate.start)]
    mentions = _description_mentions(text, candidate, mentions, lexicon, linker, [m for _, m in headed],
                                     [m for _, m in letterhead], earlier)
    mentions = _pays_parties(text, mentions, lexicon, linker)
    # 3c) Partners a row names without a type word ("Grand-Figeac ; Communauté de communes …").
    mentions = named_partners(text, candidate, mentions, lexicon, linker)
    # 3d) Short names of bodies the document named in full before (« Grand Cognac »).
    mentions = short_names(text, candidate, mentions, headed + elsewhere)
    # 3e) Bodies named as a comparison or a reservation (« à l'image du PNR du Perche »): suggestions.
    mentions = asides(text, mentions)
    # 3f) An uncounted group of intercommunalités in a case that names them (« les communautés de
    #     communes du Parc » next to « la CC Cœur de Brenne, la CC … »): a suggestion.
    mentions = groups_named_elsewhere(text, candidate, mentions, lexicon)

    # 4) Roles of the actors.
    mentions = assign_roles(document, candidate, mentions, lexicon)

    # 5) Semantic similarity with the definitions.
    if semantic is not None:
        mentions.extend(semantic.mentions(document, candidate))

    # 6) Structure: the lever of an enclosing "Levier N" heading; the instrument the case is about.
    mentions.extend(heading_levers(text, candidate, lexicon))
    mentions = rank_instruments(text, candidate, mentions, lexicon)

    mentions.sort(key=lambda m: (m.start, m.end, m.kind, str(m.iri or ""), m.label or "", m.method))
    for m in mentions:  # the span invariant every later stage relies on
        assert m.text == text[m.start:m.end], m
    return mentions


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
        out.append(replace(best, roles=tuple(roles), territory=territory))
    out.sort(key=lambda m: (m.start, m.end, m.kind, str(m.iri or "")))
    return out
