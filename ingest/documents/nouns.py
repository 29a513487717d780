"""Institutions named by their type only: definite descriptions and collective nouns.

"le Département", "l'agglomération", "la communauté urbaine" name the one body of that type of the
territory the text is about; "les communes", "5 Communautés de communes", "les élus du territoire"
name a group of actors. A noun followed by a capitalised name ("le Pays de Rennes") is a name, left
to :func:`.patterns.find_institutions`. :func:`find_descriptions` returns :class:`DescriptionMatch`
values; :mod:`.descriptions` resolves them to actors.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from rdflib import URIRef

from ontology.namespace import COOP

from .heads import E as _E, O as _O


class DescriptionMatch(NamedTuple):
    """An institution named by its type only: a definite description ("le Département",
    "l'agglomération", "la communauté urbaine") or a collective, plural or counted noun ("les
    communes", "5 Communautés de communes", "2 Syndicats mixtes", "les élus du territoire")."""

    start: int  # span in the text (determiner included, except an elided one)
    end: int
    text: str  # == text[start:end]
    cls: URIRef  # the actor class the noun names
    collective: bool  # plural or counted: a group of actors, not one
    noun: str  # the noun as written ("Département", "communautés de communes")
    word: str | None = None  # generic nouns ("partenaires"): the word a matching actor's label must have
    complement: str = ""  # what follows the noun and qualifies it ("de la région Centre", "du territoire")


_A = "['’ʼ]"
# Singular institution nouns read as "the one of this territory" after a definite article.
# (pattern, class); case-sensitive where the capital is what makes it an institution ("le Pays").
DEFINITE_NOUNS: tuple[tuple[str, URIRef], ...] = (
    (rf"(?i:communaut{_E}\s+d{_A}\s?agglom{_E}ration)", COOP.CommunauteAgglomeration),
    (rf"(?i:agglom{_E}ration)|Agglo", COOP.CommunauteAgglomeration),
    (rf"(?i:communaut{_E}\s+urbaine)", COOP.CommunauteUrbaine),
    (rf"(?i:communaut{_E}\s+de\s+communes)", COOP.CommunauteDeCommunes),
    (rf"(?i:agence\s+d{_A}\s?urbanisme)", COOP.AgenceUrbanisme),
    (rf"(?i:p{_O}le\s+m{_E}tropolitain)", COOP.PoleMetropolitain),
    (rf"(?i:p{_O}le\s+d{_A}\s?{_E}quilibre\s+territorial\s+et\s+rural)|PETR", COOP.PETR),
    (rf"(?i:m{_E}tropole)", COOP.Metropole),
    (rf"(?i:parc\s+naturel\s+r{_E}gional)|Parc|PNR", COOP.PNR),
    (r"Pays", COOP.PaysStructure),
    (rf"D{_E}partement", COOP.Departement),
    (rf"R{_E}gion", COOP.Region),
    (r"(?i:syndicat\s+mixte)", COOP.SyndicatMixte),
    (rf"(?i:commission\s+locale\s+de\s+l{_A}\s?eau)|CLE", COOP.LocalWaterCommission),
    (rf"(?i:conseil\s+de\s+d{_E}veloppement)", COOP.ConseilDeDeveloppement),
)
# Acronyms that name "the one of this territory" even without an article ("Elus CLE / Pays").
BARE_ACRONYMS = ("CLE", "PNR", "PETR")
# Plural (or counted) nouns of groups of actors: (pattern, class, word the label must contain).
COLLECTIVE_NOUNS: tuple[tuple[str, URIRef, str | None], ...] = (
    (rf"(?i:communaut{_E}s?\s+de\s+communes)|CCs?", COOP.CommunauteDeCommunes, None),
    (rf"(?i:communaut{_E}s?\s+(?:d{_A}\s?)?agglom{_E}rations?|agglom{_E}rations)", COOP.CommunauteAgglomeration, None),
    (rf"(?i:communaut{_E}s?\s+urbaines?)", COOP.CommunauteUrbaine, None),
    (rf"(?i:intercommunalit{_E}s|{_E}tablissements\s+publics\s+de\s+coop{_E}ration\s+intercommunale)|EPCI",
     COOP.EPCI, None),
    # « nos trois communautés »: intercommunalités (not « communautés professionnelles », « … villageoises »)
    (rf"(?i:communaut{_E}s)(?![\w'’-]|\s+(?:de|d{_A}|des|du|urbaines?|professionnelles?|villageoises?)\b)",
     COOP.EPCI, None),
    (r"(?i:syndicats?\s+mixtes?)", COOP.SyndicatMixte, None),
    (rf"(?i:parcs?\s+naturels?\s+r{_E}gion(?:al|aux))|PNR|Parcs", COOP.PNR, None),
    (r"Pays", COOP.PaysStructure, None),
    (r"SCoT|SCOT|Scot", COOP.ScotStructure, None),
    (r"(?i:communes?)", COOP.Commune, None),
    (rf"(?i:{_E}lus|maires)", COOP.LocalAuthority, None),
    (rf"(?i:collectivit{_E}s)", COOP.Actor, "collectivite"),
    (r"(?i:partenaires?)", COOP.Actor, "partenaire"),
    (r"(?i:acteurs)", COOP.Actor, "acteur"),
    (r"(?i:intervenants?)", COOP.Actor, "intervenant"),
    (r"(?i:habitants)", COOP.Actor, "habitant"),
    (r"(?i:citoyens)", COOP.Actor, "citoyen"),
    (r"(?i:usagers)", COOP.Actor, "usager"),
    (r"(?i:associations|responsables\s+associatifs)", COOP.Association, None),
    (r"(?i:entreprises|entrepreneurs)", COOP.Enterprise, None),
)
_DEF_ARTICLE = rf"(?<![\w'’ʼ])(?:(?i:de|à)\s+)?(?P<art>(?i:le|la|du|au)\s+|(?i:l){_A}\s?)"
_NUMBER_WORDS = "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|cent"
_COLLECTIVE_DET = (rf"(?<![\w'’ʼ])(?i:(?:tou(?:te)?s\s+)?(?:les|des|aux|ces|leurs|nos|vos|ses)|tou(?:te)?s|"
                   rf"plusieurs|quelques|"
                   rf"certain(?:e)?s|d{_A}\s?autres|autres|de|d{_A}|chaque|une?|\d+|{_NUMBER_WORDS}|entre|et)\s*")
_PRE_ADJECTIVE = r"(?:(?i:petites?|grandes?|autres|différent(?:e)?s|nombreu(?:x|ses)|principa(?:les|ux))\s+)?"
_SINGULAR_DET = re.compile(rf"^(?i:une?|1|chaque|d{_A}\s?)\s*$")  # "un PNR", "1 communauté urbaine", "d'EPCI"
_NAME_LINK = rf"(?:(?:de|du|des)[ \u00a0]+|d{_A}|(?:de[ \u00a0]+la|de[ \u00a0]+l{_A})[ \u00a0]*)?"
_NAME_AFTER = re.compile(rf"[ \u00a0]+{_NAME_LINK}[A-ZÀ-ÝŒ]")
_COMPLEMENT = re.compile(rf"[ \u00a0]+((?:de|du|des|d{_A})[ \u00a0]?(?:(?:la|le|les|l{_A})[ \u00a0]?)?"
                         rf"[^\W\d_][\w'’ʼ-]*"
                         rf"(?:[ \u00a0]+[A-ZÀ-Ý][\w'’ʼ-]*){{0,3}})")


def _alternatives(patterns) -> str:
    return "|".join(f"(?P<n{i}>{pat})" for i, pat in enumerate(patterns))


def _noun_index(m: re.Match) -> int:
    return next(int(name[1:]) for name, value in m.groupdict().items() if value is not None and name.startswith("n")
                and name[1:].isdigit())


_DEFINITE_ALTS = _alternatives(pat for pat, _ in DEFINITE_NOUNS)
_DEFINITE_RE = re.compile(rf"{_DEF_ARTICLE}(?P<noun>{_DEFINITE_ALTS})(?![\w-])")
_ENTRE_RES = (re.compile(rf"(?<![\w'’ʼ])(?i:entre)\s+(?P<noun>{_DEFINITE_ALTS})(?![\w-])"),
              re.compile(rf"(?<![\w'’ʼ])(?i:entre)\s+[\w-]+\s+(?i:et)\s+(?P<noun>{_DEFINITE_ALTS})(?![\w-])"))
_BARE_RE = re.compile(rf"(?<![\w-])(?P<noun>{'|'.join(BARE_ACRONYMS)})(?![\w-])")
_COLLECTIVE_RE = re.compile(rf"(?P<det>{_COLLECTIVE_DET}){_PRE_ADJECTIVE}"
                            rf"(?P<noun>{_alternatives(pat for pat, _, _ in COLLECTIVE_NOUNS)})(?![\w-])")
_BARE_CLASS = {"CLE": COOP.LocalWaterCommission, "PNR": COOP.PNR, "PETR": COOP.PETR}
# Plural nouns enumerated without determiners ("Elus, fonctionnaires, entrepreneurs, habitants…").
_ENUMERATED_RE = re.compile(rf"(?:^|(?<=[,;\n]))[ \t]*(?P<noun>{_alternatives(pat for pat, _, _ in COLLECTIVE_NOUNS)})"
                            r"(?=[ \t]*(?:,|;|\.|…|\bet\b))", re.MULTILINE)


_INVARIANT = frozenset({"EPCI", "PNR", "SCoT", "SCOT", "Scot", "Pays", "CC"})
# The capitalised words of a name, linked as _NAME_AFTER allows ("Sarthois", "de la Sarthe").
_NAME_WORDS_AFTER = re.compile(rf"(?:[ \u00a0]+{_NAME_LINK}[A-ZÀ-ÝŒ][\w'’ʼ-]*)+")


# « communauté de communes », « nombre de communes »: the word of a kind or of a count, no group
_KIND_OR_COUNT_BEFORE = re.compile(rf"(?i:communaut{_E}s?|nombre|groupement|syndicat)\s+$")
# « (29 communes, 68 000 habitants) », « regroupe 22 communes et environ 290 000 habitants »: a size
_SIZE_AFTER = re.compile(r"\s*(?:,|et)\s*(?:(?i:environ|près\s+de|plus\s+de|quelque)\s+)?\d[\d \u00a0\u202f.,]*"
                         r"\s*(?:(?i:millions?)\s+(?:d['’]\s?)?)?(?i:habitants|hab\b)")
# « trois élus de chaque agglomération », « quatre élus de la CoVe »: a body's delegates, no group
# of communes
_DELEGATES_AFTER = re.compile(rf"\s+(?i:de\s+chaque|du|de\s+la|de\s+l{_A}|des)\b")
_COUNT = re.compile(rf"^(?:\d+|(?i:{_NUMBER_WORDS}))$")
# « les élus des deux structures », « les élus référents des trois intercommunalités », « les élus
# délégués aux mobilités de chacun des EPCI »: the bodies' delegates, whatever the determiner
_BODIES_DELEGATES_AFTER = re.compile(
    rf"(?:\s+(?i:référents?|délégués?|désignés?|titulaires|communautaires)\b[^.;:!?\n]{{0,30}}?)?"
    rf"\s+(?i:de\s+chaque|de\s+chacun|des\s+(?:\d+|{_NUMBER_WORDS})\s|des\s+(?:structures|intercommunalités|EPCI"
    rf"|communautés|collectivités\s+membres|membres))")


def _plural_form(noun: str) -> bool:
    first = noun.split()[0]
    return first not in _INVARIANT and first.endswith(("s", "x"))


def find_descriptions(text: str, start: int = 0, end: int | None = None) -> list[DescriptionMatch]:
    """Definite descriptions and collective nouns in ``text[start:end]`` (offsets index ``text``),
    longest first on overlap, in text order. A noun followed by a capitalised name ("le Pays de
    Rennes") is left to :func:`find_institutions`; a singular noun needs a definite article, or
    "entre" ("entre Pays et agglomération"), except the acronyms of :data:`BARE_ACRONYMS`; a
    collective noun needs a plural or counting determiner ("les", "des", "5", "deux", "chaque",
    "un" for a counted one, "de" in "groupes de communes")."""
    end = len(text) if end is None else end
    found: list[DescriptionMatch] = []

    def name_follows(e: int) -> bool:
        return bool(_NAME_AFTER.match(text, e, end))

    def complement(e: int) -> str:
        m = _COMPLEMENT.match(text, e, end)
        return m.group(1) if m else ""

    def add(s: int, e: int, noun: str, cls, collective: bool, word: str | None = None) -> None:
        found.append(DescriptionMatch(s, e, text[s:e], cls, collective, noun, word, complement(e)))

    for m in _DEFINITE_RE.finditer(text, start, end):
        if not name_follows(m.end()):
            add(m.start("art"), m.end(), m.group("noun"), DEFINITE_NOUNS[_noun_index(m)][1], False)
    for rx in _ENTRE_RES:
        for m in rx.finditer(text, start, end):
            if not name_follows(m.end()):
                add(m.start("noun"), m.end(), m.group("noun"), DEFINITE_NOUNS[_noun_index(m)][1], False)
    for m in _BARE_RE.finditer(text, start, end):
        if not name_follows(m.end()):
            add(m.start(), m.end(), m.group("noun"), _BARE_CLASS[m.group("noun")], False)
    for m in _ENUMERATED_RE.finditer(text, start, end):
        noun = m.group("noun")
        _, cls, word = COLLECTIVE_NOUNS[_noun_index(m)]
        if _plural_form(noun):
            add(m.start("noun"), m.end(), noun, cls, True, word)
    for m in _COLLECTIVE_RE.finditer(text, start, end):
        noun = m.group("noun")
        _, cls, word = COLLECTIVE_NOUNS[_noun_index(m)]
        det = m.group("det").strip()
        if det.lower() == "et" and not re.search(r"(?i)\bentre\s+\S+\s+$", text[max(start, m.start() - 40):m.start()]):
            continue  # "et" only in "entre X et Y"
        if det.lower() in ("de", "d'", "d’") and _KIND_OR_COUNT_BEFORE.search(text, max(start, m.start() - 20), m.start()):
            continue
        if cls == COOP.Commune and _COUNT.match(det) and _SIZE_AFTER.match(text, m.end(), end):
            continue
        if noun.lower().endswith("lus") and (_COUNT.match(det) and _DELEGATES_AFTER.match(text, m.end(), end)
                                             or _BODIES_DELEGATES_AFTER.match(text, m.end(), end)):
            continue
        invariant = noun.split()[0] in _INVARIANT
        if _SINGULAR_DET.match(det) and not det.lower().startswith("d"):
            if _plural_form(noun):
                continue  # "une communes": not French
        elif not (_plural_form(noun) or invariant):
            continue  # "la commune", "le partenaire", "de commune"
        e = m.end()
        if name_follows(e):
            if "autres" in m.group(0).lower():  # "les autres Pays Sarthois": a group named by a name
                e = _NAME_WORDS_AFTER.match(text, e, end).end()
            elif not _plural_form(noun) and cls not in (COOP.LocalAuthority, COOP.Actor, COOP.Commune):
                continue  # "les Pays de la Loire": a name (but "les communautés de communes du Pays de Brest")
        s = m.start("noun") if det.lower() in ("entre", "et") else m.start()
        add(s, e, noun, cls, True, word)
    found.sort(key=lambda d: (-(d.end - d.start), d.start, d.collective))
    kept: list[DescriptionMatch] = []
    for d in found:
        if all(d.end <= k.start or d.start >= k.end for k in kept):
            kept.append(d)
    return sorted(kept, key=lambda d: d.start)
