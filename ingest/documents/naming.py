"""What a title or a text names: places and structures (``structure_names``, ``place_like``: "Pays
de Vitré", "Communauté de communes du Haut-Lignon", "Chartres Métropole", "TRIDAN"), a practice
(``names_practice``: a place, a structure or an instrument type, ``INSTRUMENT``: "Contrat de
réciprocités", "les PTCE"), or nothing of the practice (``generic``: agenda, CV and cover labels
such as "Formation", "Déroulé de l'atelier", "Sommaire"). Read by the rules that find where
practices start (:mod:`.starts`, :mod:`.running`), by the examples (:mod:`.examples`) and by the
title of a whole-document candidate (:mod:`.titles`).
"""
from __future__ import annotations

import re

from .heads import UPPER as _UP
from .labels import fold, label_key
from .patterns import find_institutions

__all__ = ["INSTRUMENT", "STRUCT", "Span", "generic", "names_practice", "one_practice_title", "place_like",
           "structure_names"]

Span = tuple[int, int]  # (start, end) offsets in Document.text


_PROPER = rf"(?:[{_UP}]|\d+[{_UP}])[\w'’-]*"  # a capitalised word (« 4B » too)
STRUCT = (
    r"(?:Pays|Parc|PNR|PETR|SCoT|Scot|SCOT|[Cc]ommunauté|Métropole|Agglomération|Syndicat|Pôle|"
    r"Département|Région|Entente|Ville|[Cc]ommune|Bassin|Intercommunalité|CC|CA|CU|"
    r"Plaine|Vallée|Val|Plateau|Massif|Monts|Baie|Côte)"  # territories named by their landform
)
_KIND = r"(?:\s+(?:de\s+communes|d['’]agglomération|urbaine|métropolitain|naturel\s+régional|mixte))?"
_LINK = r"(?:\s+(?:de\s+la|de\s+l['’]|du|des|de|d['’]|en))?"
_JOIN = r"(?:\s+|-|\s+(?:de|du|des|de\s+la|en|sur)\s+|\s+d['’])"
# "Pays de la Baie du Mont Saint Michel", "communauté d'agglomération du Grand Besançon", "Chartres Métropole"
_NAME = re.compile(
    rf"\b{STRUCT}{_KIND}{_LINK}\s*{_PROPER}(?:{_JOIN}{_PROPER})*"
    rf"|\b{_PROPER}\s+Métropole\b"
)
_ACRONYM = re.compile(r"\b[A-Z]{3,}\b")


# Institution rules that name no local structure: the State and national bodies (« le rôle de l'État »),
# universities, schools and hospitals (a speaker's affiliation in a programme: « Université de Poitiers »),
# State services, companies and other organisations.
_NOT_LOCAL_RULES = frozenset({"state", "national", "universite", "universite-suffix", "ecole", "iut", "hopital",
                              "chu", "ght", "organisation", "prefecture", "direction-etat", "company"})


def structure_names(text: str) -> list[Span]:
    """Spans of the names of places and structures in ``text``, in order: the segmenter's shapes
    (``_NAME``: "Pays de Vitré", "Bassin de Bourg en Bresse", "Chartres Métropole") and the
    institution rules' (:func:`.patterns.find_institutions`: "Lorient Agglomération", "Quimperlé
    Communauté", "CC du Poher"; not adjectives, the State or national bodies); the longest on overlap."""
    spans = [(m.start(), m.end()) for m in _NAME.finditer(text)]
    spans += [(m.start, m.end) for m in find_institutions(text) if not m.weak and m.rule not in _NOT_LOCAL_RULES]
    kept: list[Span] = []
    for sp in sorted(spans, key=lambda x: (x[0] - x[1], x[0])):
        if all(sp[1] <= k[0] or sp[0] >= k[1] for k in kept):
            kept.append(sp)
    return sorted(kept)


def place_like(text: str) -> bool:
    """Whether a heading names a place or a structure (:func:`structure_names`: a structure word and
    a proper name, "Pays de Vitré", "Communauté de communes du Haut-Lignon", "Chartres Métropole",
    "Lorient Agglomération"), or an acronym of three capitals or more after the first word (TRIDAN;
    not "LEVIER 9 - ...") in a heading that is not all capitals."""
    if structure_names(text):
        return True
    first = re.match(r"\s*\S+", text)
    return text.upper() != text and bool(_ACRONYM.search(text, first.end() if first else 0))


# Instruments and structures named by their type ("Contrat de réciprocités", "les PTCE"), on folded text.
INSTRUMENT = re.compile(
    r"\b(?:contrats?|conventions?|pactes?|chartes?|ententes?|protocoles?|syndicats? mixtes?"
    r"|groupements? d (?:interet|action)|gip|petr|ptce|scic|cooperatives?"
    r"|poles? (?:metropolitains?|territoria\w*|d equilibre\w*)|projets? alimentaires? (?:inter)?territoria\w*|pat"
    r"|tzcld|territoires? zero chomeurs?|conseils? de developpement|plans? de cooperation"
    r"|services? communs?|inter ?scots?|interreg|leader|gect|conferences? des (?:maires|presidents)"
    r"|(?:postes?|ingenieries?) (?:partagee?s?|mutualisee?s?)|groupements? de commandes"
    r"|reseaux? (?:inter ?epci|techniques?|des (?:dgs|directeurs|secretaires|techniciens|charges))|clubs? des dgs)\b"
)


def one_practice_title(title: str | None) -> bool:
    """A document title naming one practice by its instrument type, in the singular and outside any
    body's name (« CCTP - Accompagnement à l'élaboration d'un contrat de réciprocité »): the
    document is about that practice, whatever its sections name. Not a plural (« Les contrats de
    réciprocité en Bretagne »), nor a structure's name (« Statuts du Syndicat mixte … »)."""
    if not title:
        return False
    folded = fold(title)
    for start, end in structure_names(title):
        folded = folded.replace(fold(title[start:end]), " ")
    found = [m.group() for m in INSTRUMENT.finditer(folded)]
    return bool(found) and not any(w.split()[0].endswith(("s", "x")) for w in found)


def names_practice(text: str) -> bool:
    """Whether a title names a practice: a place or a structure (``place_like``) or an instrument
    type ("Contrat de réciprocités", "les PTCE", "Projet alimentaire territorial")."""
    return place_like(text) or bool(INSTRUMENT.search(fold(text)))


# First words of agenda, CV and cover-page labels: "Formation", "Déroulé de l'atelier", "Sommaire".
_GENERIC_HEADS = {
    "formation", "parcours", "experience", "competence", "specificite", "cv", "mon", "ma", "me", "qui",
    "sommaire", "ordre", "deroule", "deroulement", "programme", "plan", "agenda", "introduction",
    "presentation", "contact", "remerciement", "merci", "bienvenue", "conclusion", "question", "annexe",
    "document", "diaporama", "support", "communique", "compte", "releve", "extrait", "lettre", "actualite",
    "bilan", "seance", "enseignement", "lecon", "perspective", "chiffre", "source", "synthese", "glossaire",
    "demarche", "resultat", "historique", "fonctionnement", "organisation", "moyen", "calendrier", "financement",
    "budget", "evaluation", "suite", "point", "methode", "echange", "debat", "discussion", "divers", "participant",
    "retour", "edito", "editorial", "objet", "observation", "premier", "contexte",
    "nous",  # a website's « Nous contacter », « Nous rejoindre »
    # a form's or a visit report's own sections: « 5. Description du projet », « 9. Engagement du chef de
    # file », « Ce que nous en retirons pour notre territoire », « Ce qui nous manque »
    "description", "engagement", "identification", "diagnostic", "ce",
    # a decision's or a return on experience's own sections: « Répartition des charges », « Proposition »,
    # « Conseils des porteurs », « Pour aller plus loin »
    "repartition", "proposition", "conseil", "pour",
    # a report's or a wiki page's parts: « Le cadre de l'avis », « Les éléments nouveaux », « Principaux
    # constats », « Les autres coopérations », « Membres de droit », « Voir aussi », « Option A – Reconduction
    # à l'identique »; a council's other items: « Subvention exceptionnelle – … », « Camping municipal – tarifs »
    "cadre", "element", "principal", "principau", "autre", "membre", "voir", "option", "subvention", "tarif",
    "mot",  # an activity report's « Le mot du président »
    # a report's or a council's other parts: « Notre conseil en bref », « Rencontres et échanges », « Le
    # mandat en chiffres », « Ressources humaines »
    "notre", "nos", "rencontre", "mandat", "ressource",
}


# A report's own sections, whatever they name: « 2. Tableau comparatif », « 4. Premiers enseignements pour
# le Pays d'Orthe et Arrigans » (the reader the lessons are for), « 5. Prochaines étapes ».
_REPORT_HEADS = {"tableau", "prochaine", "prochain", "etape", "enseignement", "premier", "recommandation",
                 "conclusion", "rappel", "methode", "sommaire", "annexe", "resume", "appreciation",
                 "ce"}  # « Ce que nous en retenons pour Serre-Ponçon »
_MAX_REPORT_WORDS = 12

# A slide's number before its title (« Diapositive 7 — Ce que ces trois exemples ont en commun »): the
# title alone says whether the slide is generic.
_SLIDE_LABEL = re.compile(r"\s*(?:diapositive|diapo|slide)s?\s*(?:n[°o]\s*)?\d+\s*(?:[–—:-]\s*)?", re.IGNORECASE)
# An article of a regulation, a convention or a decision (« Article 3 – Dépenses éligibles … »): one of its
# parts, unless it names a practice (a decision's « Article 1er – Entente interdépartementale … »).
_ARTICLE_LABEL = re.compile(r"\s*article\s+(?:\d+|premier)(?:er)?\b\s*(?:[–—:.-]\s*)?", re.IGNORECASE)


def generic(title: str) -> bool:
    """An agenda, CV or cover label that says nothing of the practice (not when it names a structure or
    an instrument), or a report's own section (:data:`_REPORT_HEADS`, whatever it names)."""
    if (article := _ARTICLE_LABEL.match(title)) is not None:
        subject = title[article.end():]
        return not (structure_names(subject) or INSTRUMENT.search(fold(subject)))
    words = label_key(_SLIDE_LABEL.sub("", title, count=1) if _SLIDE_LABEL.match(title) else title).split()
    if not words:
        return True
    if words[0] in _REPORT_HEADS and len(words) <= _MAX_REPORT_WORDS:
        return True
    # a bare acronym does not make it a practice's title (« Synthèse et enjeux pour le PAS »)
    return words[0] in _GENERIC_HEADS and len(words) <= 6 and not (structure_names(title)
                                                                   or INSTRUMENT.search(fold(title)))
