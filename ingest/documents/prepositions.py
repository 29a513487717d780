"""« de » before a French place name, elided or contracted as the language wants: « de Bordeaux »,
« d'Angers », « du Mans », « du Pays de Brest », « de la Vallée de la Drôme », and a département with
its article (« de la Gironde », « du Finistère », « des Côtes-d'Armor »). Pure."""
from __future__ import annotations

import re

from search.text import fold

# Départements whose name takes "des" (plural), "du" although it ends with an "e", or no article.
_PLURAL_PLACES = frozenset("alpes ardennes bouches cotes deux hautes hauts landes pyrenees vosges yvelines".split())
_MASCULINE_E = frozenset("finistere rhone puy maine vaucluse territoire".split())
_NO_ARTICLE = frozenset("paris mayotte".split())
# Common nouns that start a place name and take an article ("du Bassin de Bourg en Bresse", "de la
# Vallée de la Drôme", "des Monts du Lyonnais"); a name starting otherwise is a town's ("de Brest").
# Masculine type words that may start an owner's name take "du" too ("du PNR des Monts d'Ardèche").
_PLACE_NOUNS_MASCULINE = frozenset("pays grand bassin val plateau causse marais massif haut bas centre sud nord "
                                   "pole bocage pnr petr scot parc syndicat".split())
_PLACE_NOUNS_FEMININE = frozenset("vallee plaine montagne cote baie terre haute basse presqu'ile".split())
_PLACE_NOUNS_PLURAL = frozenset("monts hauts coteaux terres vallees portes".split())


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
