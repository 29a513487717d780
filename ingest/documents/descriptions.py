"""Resolve and mint the actors that definite descriptions and collective nouns name: « le
Département », « la Région », « l'agglomération », « l'agence d'urbanisme » (one actor), « les
communes du Grand Chalon », « ses communes », « 2 Syndicats mixtes » (a group of actors the source
does not name). Step 4 of :func:`.extract.extract` (see its module doc for the rules and the
table of confidences), split from it; :func:`_description_mentions` and :func:`_pays_parties`
are what it calls.

* **case context** (:class:`CaseContext`, :func:`case_context`): what locates a candidate — the
  territories of its linked actors and territory mentions, the proper-name parts of its actors,
  the distinctive words of its title, the préfectures it names;
* **resolution** through that context: a definite description names the one actor of its class
  attached to the case's territory (:func:`resolve_definite`), a collective noun the corpus
  placeholders of its class attached to the case (:func:`resolve_collective`);
* **minting** when the base has no such actor: a definite description after the case's one
  département / région or the one place it names (:func:`mint_definite`: "Département de la
  Gironde", "Agence d'urbanisme de Bordeaux"), a collective noun after its one clear owner
  (:func:`mint_group`: "Communes du Grand Chalon et leurs élus (non nommées dans la source)"),
  with the French naming helpers they use (:func:`.prepositions.with_de`, :func:`owner_de`,
  :func:`proper_part`);
* a Pays territory joined by « et » to an actor is a party, so its Pays (:func:`_pays_parties`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, NamedTuple, Sequence

from rdflib import URIRef

from ontology.namespace import COOP
from ontology.placeholders import PLACEHOLDER_MARK, is_placeholder_label
from search.text import STOP_WORDS, fold, tokenize

from .coreference import carried
from .heads import SYNDICAT_PURPOSE
from .lexicon import LexEntry, Lexicon
from .linking import ABBREVIATIONS, TYPE_HEADS, Linker, core_tokens, key_tokens, name_key
from .model import ASSERT_THRESHOLD, Candidate, Mention
from .nouns import DescriptionMatch, find_descriptions
from .patterns import GENERIC_WORDS, find_institutions
from .partners import CONF_COUNTED, count_of, counted_partner, in_partner_field
from .prepositions import with_de
from .text_util import _SENTENCE_END, _clean, _inside, _overlaps, _sentences
from .towns import Prefecture, TownMatch, find_towns, prefectures

# Confidence of the mentions of this step (see the table of extract.py's module doc).
CONF_DESCRIPTION = 0.75
CONF_MINTED_TERRITORY = 0.72
CONF_MINTED_PLACE = 0.70


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
    (:func:`.towns.find_towns`: weight 2 inside the name of one of its asserted actors,
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
    r"p[ôo]le\s+m[ée]tropolitain|p[ôo]le\s+d['’]\s?[ée]quilibre\s+territorial\s+et\s+rural|PETR|"
    # « Syndicat mixte [de gestion | d'aménagement et de gestion] du Parc … »
    rf"syndicat\s+mixte(?:{SYNDICAT_PURPOSE}(?=\s+(?:du|des|de)\s))?|"
    r"agglom[ée]ration|ville|commune|mairie|m[ée]tropole|(?:structure\s+porteuse\s+du\s+)?scot)\s+"
    r"(?:(?:de\s+la|du|des|de)\s+|d['’]\s?|de\s+l['’]\s?)?",
    re.IGNORECASE)
_NAME_TAIL = re.compile(r"\s+(?:M[ée]tropole|Agglo(?:m[ée]ration)?|Communaut[ée])$")
class Minted(NamedTuple):
    """A new actor for an institution named by its type: its name, class, territory, confidence."""

    label: str
    cls: URIRef
    territory: URIRef | None
    confidence: float


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


def named_in_case(d: DescriptionMatch, actors: Sequence[Mention], lexicon: Lexicon) -> Mention | None:
    """The one actor of the description's class (or a subclass) the candidate names, whatever the
    base holds: « le PNR » of a practice titled « Plans de coopération sur le PNR des Monts
    d'Ardèche ». None when it names none or two. ``actors``: the asserted, local actor mentions of
    the candidate (:func:`_owners`: no group, no national body)."""
    same = {name_key(_actor_name(m, lexicon)): m for m in actors
            if any(lexicon.is_subclass(t, d.cls) for t in m.types)}
    # « Syndicat mixte du Parc naturel régional Livradois-Forez » and the Parc it carries: one body
    same = {k: m for k, m in same.items() if carried(k) not in same}
    return next(iter(same.values())) if len(same) == 1 else None


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
    if noun == "communautes":
        return None  # « nos trois communautés »: the bodies the document names, never a group of its own
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
        # the owner's mention starts the complement, or holds it ("des communes du Parc": « du Parc »)
        owner = next((m for m in owners if m.start <= link.end() < m.end), None) or next(
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


_APPOSITION = re.compile(r"[ \u00a0]*(?:,|:|\(|[–—-][ \u00a0])[ \u00a0]*(?:(?:la|le|les)[ \u00a0]+|l['’ʼ][ \u00a0]?)?",
                         re.IGNORECASE)


def _members_named_after(d: DescriptionMatch, text: str, mentions: Sequence[Mention], lexicon: Lexicon) -> bool:
    """A collective noun whose members are named right after it, in apposition ("ses deux
    communautés de communes, Loudéac Communauté Bretagne Centre et la CC du Centre Bretagne"; "les
    trois EPCI : …"): an actor of the noun's class (or of a class above or below it) starts there."""
    m = _APPOSITION.match(text, d.end)
    if m is None:
        return False
    at = m.end()
    return any(x.kind == "actor" and x.start == at
               and any(lexicon.is_subclass(t, d.cls) or lexicon.is_subclass(d.cls, t) for t in x.types)
               for x in mentions)


_DEFINITE_PLURAL = re.compile(r"(?i:les|ces|ses|leurs|nos|aux)")
_OTHER = re.compile(r"(?i:\bautres?\b)")


_DEFINITE_ARTICLE = re.compile(r"(?:les|des|aux|ses|leurs|ces|nos|vos)\s+", re.IGNORECASE)


def _determiner(d: DescriptionMatch) -> tuple[str, int | None]:
    """A collective noun's determiner as written (« les deux ») and the number it says (2), or None."""
    at = d.text.rfind(d.noun)
    article = d.text[:at].strip() if at > 0 else ""
    det = _DEFINITE_ARTICLE.sub("", article, count=1) if _DEFINITE_ARTICLE.match(article) else article
    return article, count_of(det) if det else None


def _members_counted(d: DescriptionMatch, mentions: Sequence[Mention], lexicon: Lexicon) -> bool:
    """A counted noun whose count is at most the number of bodies of its class the case names (« la CC
    Morvan Sommets et Grands Lacs et la CC du Grand Autunois Morvan ont signé … entre les deux
    communautés de communes »; « Un conseil de développement pour deux intercommunalités » over a
    text naming both): those bodies, not a new group; so is a definite plural without a count (« les
    intercommunalités ») after two such bodies or more. Not « deux autres communautés de
    communes ». A body named by a suffix head only (« Haute-Corrèze Communauté »: an EPCI) counts
    for a noun of a kind of EPCI."""
    article, count = _determiner(d)
    uncounted = count is None  # a definite plural: only the bodies named before it are its members
    if count is None and _DEFINITE_PLURAL.fullmatch(article):
        count = 2  # « les intercommunalités » after two of them or more: those
    if count is None or count < 2 or _OTHER.search(d.text):
        return False  # « deux autres communautés de communes »: others than those named
    named = {name_key(_actor_name(m, lexicon)) for m in mentions
             if m.kind == "actor" and m.confidence >= ASSERT_THRESHOLD and (m.end <= d.start or not uncounted)
             and any(lexicon.is_subclass(t, d.cls) or (t == COOP.EPCI and lexicon.is_subclass(d.cls, t))
                     for t in m.types) and not is_placeholder_label(m.label or "")}
    return len(named) >= count


_DEFINITE_BEFORE = re.compile(r"\b(?:les|nos|vos|ses|leurs|ces)\s+$", re.IGNORECASE)


def _counted_earlier(d: DescriptionMatch, text: str, candidate: Candidate, earlier: Sequence[Mention],
                     lexicon: Lexicon) -> list[Mention]:
    """The bodies a definite counted noun names when the document named exactly that many of its class
    before the candidate (« nos trois communautés » of a letter whose addressees and letterhead are the
    three communautés de communes; « les trois intercommunalités » after an introduction naming them):
    one mention each, else none. Not a bare count (« 5 Communautés de communes » in a partners row: the
    practice's unnamed partners)."""
    article, count = _determiner(d)
    definite = _DEFINITE_ARTICLE.match(article) or _DEFINITE_BEFORE.search(text, max(0, d.start - 8), d.start)
    if count is None or count < 2 or not definite or _OTHER.search(d.text) or in_partner_field(candidate, d.start, d.end) \
            or d.word is not None or d.cls in (COOP.Actor, COOP.LocalAuthority):
        return []  # (not « les 2 partenaires », « les trois élus »: no kind of body)
    named = {name_key(_actor_name(m, lexicon)): m for m in earlier
             if m.kind == "actor" and not is_placeholder_label(m.label or "")
             and any(lexicon.is_subclass(t, d.cls) for t in m.types)}
    return list(named.values()) if len(named) == count else []


def _description_mentions(text: str, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon,
                          linker: Linker | None = None, context: Sequence[Mention] = (),
                          before: Sequence[Mention] = (), earlier: Sequence[Mention] = ()) -> list[Mention]:
    """Mentions for the definite descriptions and collective nouns of the candidate
    (:func:`.nouns.find_descriptions`) that resolve to an actor of the base (see
    :func:`resolve_definite`, :func:`resolve_collective`); a collective noun containing new
    actors found by the rules ("les autres Pays Sarthois") replaces them when it resolves. A
    definite description the base has no actor for is minted when the case says where
    (:func:`mint_definite`); a collective noun, when its owner is clear (:func:`mint_group`) or
    when a partners row counts it (:func:`.partners.counted_partner`). ``context``: the actors the
    document's title and the candidate's enclosing headings name (« Les coopérations entre le Parc
    naturel régional du Morvan et les intercommunalités »): « le Parc » of a case that names no PNR
    is the one they name; with none there either, the one the document's letterhead names
    (``before``: « la communauté de communes » of a section, the letterhead's « COMMUNAUTÉ DE
    COMMUNES DE LA PIEVE … »; not a body an earlier practice of the document names). ``earlier``: the
    bodies the document names before the candidate, which a definite counted noun may name
    (:func:`_counted_earlier`)."""
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
                if _members_named_after(d, text, mentions, lexicon) or _members_counted(d, mentions, lexicon):
                    continue  # "ses deux communautés de communes, X et Y": X and Y are the group
                if members := _counted_earlier(d, text, candidate, earlier, lexicon):
                    drop.update(over)
                    out.extend(replace(m, text=d.text, start=d.start, end=d.end, method="pattern",
                                       confidence=CONF_DESCRIPTION, roles=()) for m in members)
                    continue
                local = _owners([m for i, m in enumerate(mentions) if i not in over] + out, lexicon)
                owner = _owner(d, text, local, lexicon)
                entries = resolve_collective(d, ctx, lexicon, owner)
                if not entries:  # the base has no group of this case: mint it when its owner is clear
                    group = mint_group(d, text, candidate, local, lexicon)
                    counted = counted_partner(d, candidate) if group is None else None
                    if counted is not None:  # "5 Communautés de communes" in a partners row
                        group = Minted(counted[0], counted[1], None, CONF_COUNTED)
                    if group is not None:
                        drop.update(over)
                        out.append(Mention("actor", d.text, d.start, d.end, "pattern", group.confidence, None,
                                           group.label, (group.cls,), (), group.territory))
                        continue
            else:
                local = _owners([m for i, m in enumerate(mentions) if i not in over] + out, lexicon)
                named = named_in_case(d, local, lexicon)
                if named is None and not any(lexicon.is_subclass(t, d.cls) for m in local for t in m.types):
                    headed = _owners(context, lexicon)
                    named = named_in_case(d, headed, lexicon)
                    if named is None and not any(lexicon.is_subclass(t, d.cls) for m in headed for t in m.types):
                        named = named_in_case(d, _owners(before, lexicon), lexicon)
                if named is not None:  # "le PNR" of a case that names one PNR: that one, whatever the base holds
                    drop.update(over)
                    out.append(replace(named, text=d.text, start=d.start, end=d.end, method="pattern",
                                        confidence=CONF_DESCRIPTION, roles=()))
                    continue
                scores = _definite_scores(d, ctx, lexicon)
                unique = scores and (len(scores) == 1 or scores[1][0] != scores[0][0])
                entries = [scores[0][2]] if unique else []
                if not scores:  # the base has no such actor here (two would be ambiguous: no minting)
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
