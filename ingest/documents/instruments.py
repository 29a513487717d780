"""Which instrument a case is about: the heads of actor names that are also the shared structure
used as instrument (:data:`STRUCTURE_HEADS`), which instrument type is a kind of another
(:func:`more_specific`), and the ranking that makes the instrument of the candidate's title, named
on its own, formal rather than a governance body, and most specific, the most confident one.
"""
from __future__ import annotations

import re
from dataclasses import replace

from rdflib import URIRef

from ontology.namespace import COOP

from .confidence import CONF_KEYWORD_SINGLE, CONF_MAX, TITLE_BONUS
from .heads import FUNDED_BY
from .labels import fold
from .lexicon import Lexicon
from .linking import name_key
from .model import ASSERT_THRESHOLD, Candidate, Mention

# Heads of actor names that are also the structure used as instrument ("Pôle métropolitain du Pays
# de Brest" is a pôle métropolitain): labels of coop:SharedStructure formulas. "Pays" is left out
# (a Pays is not necessarily a PETR).
STRUCTURE_HEADS = ("pôle métropolitain", "PETR", "pôle d'équilibre territorial et rural", "syndicat mixte", "PTCE",
                   "pôle territorial de coopération économique", "GIP", "groupement d'intérêt public")


def structure_heads(lexicon: Lexicon) -> dict[URIRef, frozenset[str]]:
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


# a structure named with a definite article, or counted (« les deux PETR »), is a body
_DEFINITE_BEFORE = re.compile(r"(?:\b(?:[Ll]e|[Ll]a|du|au|[Ll]es|[Dd]es|aux|[Cc]es|[Nn]os|[Ll]eurs|[Dd]eux|[Tt]rois"
                              r"|[Qq]uatre|[Cc]inq|\d+)[ \u00a0]+|\b[Ll]['’][ \u00a0]?)$")
_CARRIER = re.compile(r"\b(?:port|anim|pilot|coordonn|confi)(?:é|ée|és|ées)[ \u00a0]+(?:par|au|à)[ \u00a0]+"
                      r"(?:(?:le|la)[ \u00a0]+|l['’][ \u00a0]?)?$", re.IGNORECASE)


# A programme named as what funds the practice (« le programme Interreg France-Suisse qui cofinance une
# partie des actions », « cofinancé par le programme LEADER », « au titre du FEDER ») is its money, not
# how it is done.
_FUNDING_BEFORE = re.compile(rf"{FUNDED_BY}(?:(?:le|la|les)[ \u00a0]+|l['’][ \u00a0]?)?$"
                             r"|\bau[ \u00a0]+titre[ \u00a0]+(?:du|des|de[ \u00a0]+la|de[ \u00a0]+l['’])[ \u00a0]*$",
                             re.IGNORECASE)
_FUNDING_AFTER = re.compile(r"[^.;:!?\n]{0,50}?,?[ \u00a0]+qui[ \u00a0]+(?:co)?financ", re.IGNORECASE)


# « l'inter-SCoT », « la démarche inter-SCoT »: a practice among bodies that each hold an instrument of
# the named kind; that kind's mentions (« treize SCoT », « les présidents des 3 SCoT ») are its members'.
_INTER = re.compile(r"inter-?[ \u00a0]?(?P<kind>\w+)", re.IGNORECASE)


def _members_kinds(out: list[Mention], idx: list[int], lexicon: Lexicon) -> set[URIRef]:
    """The instrument types the candidate's « inter-X » mentions gather (SCoT for « inter-SCoT »)."""
    keys = {fold(m.group("kind")) for i in idx if (m := _INTER.fullmatch(out[i].text))}
    return {e.iri for e in lexicon.by_kind("instrument_type") for label in e.french_labels if fold(label) in keys}


_OPENING = re.compile(r"[\s*_]*\(\s*")  # « **Pays de Gâtine** (syndicat mixte) »


def _funds(text: str, m: Mention) -> bool:
    return bool(_FUNDING_BEFORE.search(text, max(0, m.start - 60), m.start) or _FUNDING_AFTER.match(text, m.end))


def _is_structure(m: Mention, lexicon: Lexicon) -> bool:
    """An instrument mention whose type is a shared structure's formula (PETR, syndicat mixte, pôle
    métropolitain, PTCE …): a body one can name."""
    return lexicon.is_subclass(m.types[0], COOP.SharedStructure)


# A person's post shared between bodies (« un archiviste itinérant partagé », « une chargée de mission
# mutualisée », « recruter ensemble un archiviste »): shared engineering, in words the vocabulary
# lacks. A post is a job noun: « chargé(e) de mission », a few names, a word ending like one, or an
# « ingénierie » (« une ingénierie mobilité partagée »).
_JOB = (r"(?!(?:serveur|ordinateur|lecteur|moteur|capteur|compteur|broyeur|tracteur|secteur|ext[ée]rieur|int[ée]rieur)s?\b)"
        r"(?:charg[ée]e?s?[ \u00a0]+de[ \u00a0]+mission|conseill[eè]re?s?|secr[ée]taires?|[ée]conomes?|agents?|managers?"
        r"|m[ée]decins?|postes?|ing[ée]nieries?|[a-zàâçéèêëîïôûù]{3,}(?:istes?|eurs?|euses?|rices?|iciens?|iciennes?))")
_SHARED_POST = re.compile(
    rf"\b(?:un|une|d['’]un|d['’]une|le|la|l['’]|des|deux|trois)[ \u00a0]*{_JOB}(?:[ \u00a0]+[a-zàâçéèêëîïôûù'’-]+){{0,2}}"
    rf"[ \u00a0]+(?:partag|mutualis)[ée]e?s?\b"
    rf"|\b(?:recrut\w*|embauch\w*|financ\w*|partag\w*)[ \u00a0]+(?:ensemble|en[ \u00a0]+commun)[ \u00a0]+"
    rf"(?:un|une|des|deux)[ \u00a0]+{_JOB}\b",
    re.IGNORECASE)


# Peers of one trade meeting as a network (« le réseau des chargés de mission développement des cinq
# intercos », « le réseau régional des conseillers en énergie partagé », « les managers de commerce font
# réseau », « le réseau inter-EPCI », « un club des secrétaires de mairie »): a technical network, in words
# the vocabulary lacks.
_PEERS = (r"(?:charg[ée]e?s[ \u00a0]+de[ \u00a0]+mission|conseill[eè]re?s|secr[ée]taires|managers|agents|techniciens"
          r"|techniciennes|animat(?:eurs|rices)|d[ée]veloppeurs|directeurs|directrices|DGS|r[ée]f[ée]rents|coordinat(?:eurs|rices)"
          r"|ing[ée]nieurs|instructeurs|archivistes|[ée]conomes|chefs[ \u00a0]+de[ \u00a0]+projets?)")
_PEER_NETWORK = re.compile(
    rf"\br[ée]seaux?[ \u00a0]+(?:(?:r[ée]gional|d[ée]partemental|local|informel|intercommunal)[ \u00a0]+)?(?:des|de)[ \u00a0]+{_PEERS}\b"
    r"|\br[ée]seaux?[ \u00a0]+inter-?[ \u00a0]?(?:EPCI|intercos|communautaires?)\b"
    rf"|\bclubs?[ \u00a0]+(?:des|de)[ \u00a0]+{_PEERS}\b"
    r"|\b(?:font|faire|fait|faisons|faites|fassent|feront)[ \u00a0]+r[ée]seau\b",
    re.IGNORECASE)

# Something pooled by a convention (« une brigade d'écogardes, mutualisée par convention entre … »): a
# pooling agreement.
_POOLED_BY_CONVENTION = re.compile(r"\bmutualis[ée]e?s?[ \u00a0]+(?:par|via)[ \u00a0]+(?:une[ \u00a0]+|la[ \u00a0]+)?conventions?\b",
                                   re.IGNORECASE)

# Instrument types the text names in words the vocabulary lacks: (type, pattern, display label).
_PATTERN_CUES = ((COOP.SharedEngineering, _SHARED_POST, "ingénierie mutualisée"),
                 (COOP.TechnicalNetwork, _PEER_NETWORK, "réseau ou instance technique"),
                 (COOP.ConventionMutualisation, _POOLED_BY_CONVENTION, "convention de mutualisation"))


def pattern_cues(text: str, start: int, end: int) -> list[Mention]:
    """Instrument mentions (``keyword``) of ``text[start:end]``'s posts said shared (shared engineering),
    peers said to meet as a network or a club (a technical network) and what is pooled by a convention
    (a pooling agreement), in text order."""
    found = [Mention("instrument", m.group(), m.start(), m.end(), "keyword", CONF_KEYWORD_SINGLE, None, label, (cls,))
             for cls, pattern, label in _PATTERN_CUES for m in pattern.finditer(text, start, end)]
    return sorted(found, key=lambda m: m.start)


_NUMBERED_LABELS = frozenset({"chantier", "chantiers"})
_NUMBER_AFTER = re.compile(r"[ \u00a0]+(?:n[°o][ \u00a0]*)?\d{1,2}(?!\d)")  # not a year: « les chantiers 2017 »


def rank_instruments(text: str, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    """Make the instrument the case is about the most confident one: a label or cue in the
    candidate's title gains ``TITLE_BONUS``; a structure head (the instrument an actor's name
    starts with: « PETR », « syndicat mixte ») outside the title drops just under the best
    instrument named on its own; a governance body outside the title (a comité technique, a
    conférence des maires) drops just under a contract, charter or programme the candidate names; a
    programme named as the practice's funder, or the members' own instrument in an « inter-SCoT »,
    drops like a structure head (:func:`_funds`, :func:`_members_kinds`); a bare « convention » drops
    under the shared service it sets up, « délibérations concordantes » under the entente they
    constitute (:func:`_means_under_practice`); an
    instrument type of which a more specific one is asserted in the candidate
    (:func:`more_specific`) drops just under it; a type named once outside the title drops just
    under a type the candidate names three times or more (:func:`_repeated_wins`)."""
    # « Chantier 1 — Franchir la Rance : une entente … »: a numbered section's label, not a working group
    mentions = [m for m in mentions if not (m.kind == "instrument" and fold(m.text) in _NUMBERED_LABELS
                                            and _NUMBER_AFTER.match(text, m.end))]
    idx = [i for i, m in enumerate(mentions) if m.kind == "instrument" and m.types]
    if not idx:
        return mentions
    out = list(mentions)
    # The members' own instruments in an « inter-X » practice: never its title's (« Inter-SCoT de la Marne »).
    members = _members_kinds(out, idx, lexicon)
    titled = {i for i in _titled(text, candidate, out, idx)
              if out[i].types[0] not in members or _INTER.fullmatch(out[i].text)}
    for i in titled:
        m = out[i]
        if m.method != "embedding":
            out[i] = replace(m, confidence=round(min(CONF_MAX, m.confidence + TITLE_BONUS), 3))
    # A type of which a more specific one is asserted drops just under it (« contrat » under « contrat
    # unique »); first, so that the drops below compare with the confidences that remain, and last.
    _cap_general(out, idx, lexicon)
    # An instrument named only as the head of an actor's name (« le PETR du Pays de Langres a mis en
    # place … ») drops just under an instrument the text names on its own (« un service commun »,
    # « une entente »), unless that head is in the title: the body is who acts, not how.
    heads = {i for i in idx if out[i].method != "embedding" and any(
        a.kind == "actor" and (a.start <= out[i].start and out[i].end <= a.end and a.end - a.start > out[i].end - out[i].start
                               or _OPENING.fullmatch(text, a.end, out[i].start))  # « le Pôle d'équilibre … (PETR) »
        for a in out)}  # also « le Syndicat mixte » later
    # A structure named with a definite article is the body that acts (« le syndicat mixte du Parc a
    # proposé … »); carrying the practice, even in the title (« un service commun porté par le PETR »).
    carried = {i for i in idx if out[i].method != "embedding" and _is_structure(out[i], lexicon)
               and _CARRIER.search(text, max(0, out[i].start - 30), out[i].start)}
    heads |= carried | {i for i in idx if out[i].method != "embedding" and _is_structure(out[i], lexicon)
                        and _DEFINITE_BEFORE.search(text, max(0, out[i].start - 6), out[i].start)}
    # A programme that funds the practice drops with the heads: under what the text names on its own.
    heads |= {i for i in idx if out[i].method != "embedding" and i not in titled
              and lexicon.is_subclass(out[i].types[0], COOP.ProgrammeOrScheme) and _funds(text, out[i])}
    # The members' own instruments in an « inter-X » practice drop the same way.
    heads |= {i for i in idx if out[i].types[0] in members and not _INTER.fullmatch(out[i].text)}
    # A type named once drops under one the text repeats; then the governance bodies and the heads
    # compare with what remains.
    _repeated_wins(out, idx, heads, titled, lexicon)
    # A governance body (« un comité technique mensuel », « une conférence des maires ») drops just
    # under a contract, charter or programme the text names (« une convention de partenariat »,
    # « une charte forestière »): the body runs the practice it sets up; unless the body is in the title.
    contracts = [out[i].confidence for i in idx
                 if out[i].method != "embedding" and out[i].confidence >= ASSERT_THRESHOLD
                 and any(lexicon.is_subclass(out[i].types[0], c) for c in _FORMAL_INSTRUMENTS)]
    if contracts:
        for i in idx:
            m = out[i]
            in_title = i in titled
            if not in_title and m.confidence >= max(contracts) and any(
                    lexicon.is_subclass(m.types[0], g) for g in _GOVERNANCE_BODIES):
                out[i] = replace(m, confidence=round(max(contracts) - 0.01, 3))
    _means_under_practice(out, idx, heads, titled)
    _heads_under_own(out, idx, heads, carried, titled, lexicon)
    _cap_general(out, idx, lexicon)
    _heads_under_own(out, idx, heads, carried, titled, lexicon)  # under what remains after the last cap
    return out


# The paper or the vote that sets a practice up, and that practice: a bare « convention » and the shared
# service it creates; the « délibérations concordantes » that constitute an entente (CGCT L. 5221-1).
_MEANS = ((COOP.Convention, COOP.SharedEngineering), (COOP.DeliberationsConcordantes, COOP.EntenteInterterritoriale))


def _means_under_practice(out: list[Mention], idx: list[int], heads: set[int], titled: set[int]) -> None:
    """In place: the practice a means sets up takes the means' confidence, and the means outside the
    title drops just under it (« un service commun … créé par convention »; « l'entente, constituée par
    délibérations concordantes »): the practice is the case's instrument, the convention its paper, the
    votes its making (:data:`_MEANS`)."""
    for means, practice in _MEANS:
        set_up = [i for i in idx if i not in heads and out[i].method != "embedding"
                  and out[i].confidence >= ASSERT_THRESHOLD and out[i].types[0] == practice]
        papers = [i for i in idx if out[i].types[0] == means and i not in titled]
        if not set_up or not papers:
            continue
        best = max(set_up, key=lambda i: out[i].confidence)
        top = max(out[i].confidence for i in papers)
        if top > out[best].confidence:
            out[best] = replace(out[best], confidence=top)
        for i in papers:
            if out[i].confidence >= out[best].confidence:
                out[i] = replace(out[i], confidence=round(out[best].confidence - 0.01, 3))


def _titled(text: str, candidate: Candidate, out: list[Mention], idx: list[int]) -> set[int]:
    """The instrument mentions in the candidate's title: inside its span; for a title the text does not
    hold (a composed or metadata title: « Conférence des maires - compte rendu du 3 octobre 2024 »),
    those whose words are words of the title."""
    ts, te = candidate.title_start, candidate.title_end
    if ts is not None and te is not None:
        return {i for i in idx if ts <= out[i].start and out[i].end <= te}
    title = fold(candidate.title or "")
    if not title or title in fold(text[max(0, candidate.start):candidate.end]):
        return set()
    # a web page's title ends with its site's name (« … – PAT « Des Gardons à l'assiette » | PETR
    # Cévennes-Gardons »): the publisher, not the practice
    title = fold((candidate.title or "").split(" | ")[0])
    return {i for i in idx if (words := fold(out[i].text)) and f" {words} " in f" {title} "}


def _heads_under_own(out: list[Mention], idx: list[int], heads: set[int], carried: set[int], titled: set[int],
                     lexicon: Lexicon) -> None:
    """Drop, in place, the structure heads just under the best instrument named on its own (not the
    heads in the title, unless they carry the practice there; not under a kind of which the head's
    structure is one: « le Pôle métropolitain » stays above a letterhead's « Syndicat mixte »)."""
    own = [i for i in idx if i not in heads and out[i].method != "embedding" and out[i].confidence >= ASSERT_THRESHOLD]
    for i in heads:
        m = out[i]
        above = [out[j].confidence for j in own if not more_specific(m.types[0], out[j].types[0], lexicon)]
        in_title = i in titled and i not in carried
        if above and not in_title and m.confidence >= max(above):
            out[i] = replace(m, confidence=round(max(above) - 0.01, 3))


def _cap_general(out: list[Mention], idx: list[int], lexicon: Lexicon) -> None:
    """Drop, in place, each instrument type just under the best asserted type more specific than it."""
    best: dict[URIRef, float] = {}
    for i in idx:
        m = out[i]
        if m.method != "embedding" and m.confidence >= ASSERT_THRESHOLD:
            best[m.types[0]] = max(best.get(m.types[0], 0.0), m.confidence)
    for i in idx:
        m = out[i]
        cap = max((c for t, c in best.items() if more_specific(t, m.types[0], lexicon)), default=None)
        if cap is not None and m.confidence >= cap:
            out[i] = replace(m, confidence=round(cap - 0.01, 3))


_REPEATED = 3  # mentions of a type that make it what a text is about


def _repeated_wins(out: list[Mention], idx: list[int], heads: set[int], titled: set[int],
                   lexicon: Lexicon) -> None:
    """In place: a type named once, outside the title, drops just under a type the text names on its own
    ``_REPEATED`` times or more (an e-mail thread about an « entente » that mentions an « appel à
    projets » once); not under a kind of it or one of its kinds (« convention » repeated supports
    the « convention de mutualisation » named once)."""
    counts: dict[URIRef, list[int]] = {}
    for i in idx:
        m = out[i]
        if i not in heads and m.method != "embedding" and m.confidence >= ASSERT_THRESHOLD:
            counts.setdefault(m.types[0], []).append(i)
    repeated = {t: max(out[i].confidence for i in ii) for t, ii in counts.items() if len(ii) >= _REPEATED}
    if not repeated:
        return
    for t, ii in counts.items():
        if len(ii) != 1:
            continue
        m = out[ii[0]]
        floor = max((c for r, c in repeated.items()
                     if not more_specific(t, r, lexicon) and not more_specific(r, t, lexicon)), default=None)
        in_title = ii[0] in titled
        if floor is not None and not in_title and m.confidence >= floor:
            out[ii[0]] = replace(m, confidence=round(floor - 0.01, 3))
