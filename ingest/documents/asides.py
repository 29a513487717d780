"""Bodies a practice's text names without them taking part: a comparison (« à l'image du Parc
naturel régional du Perche », « à l'instar de », « contrairement à », « Orléans Métropole, par
exemple, a conduit son propre projet »), a reservation (« sans préjudice des compétences du
Territoire d'énergie Orne », « sans se substituer à »), a body set aside (« nous avons écarté la
Métropole Aix-Marseille-Provence », « la convention n'engage pas la Région »), a body addressed
(« préparer les positions communes auprès de la Région », « une demande sera présentée à la
Région »), a body doing its own or a comparable thing (« où le PNR du Haut-Jura anime son propre
dispositif », « le CLS du Pays des Herbiers, qui a mis en place un dispositif comparable »), a
practice that inspired this one (« s'être inspirées du contrat signé entre Brest métropole et le
Pays du Centre-Ouest Bretagne », anywhere earlier in the sentence), a framework referred to (« en
cohérence avec les orientations de la charte du Parc naturel régional des Volcans d'Auvergne », also
anywhere earlier in the sentence), a researcher's affiliation
(« Marion Lafargue, chercheuse, INRAE »), a study visit to it (« Visite d'étude du PAT du Pays de
Rennes »), a body asked that declined or only informed (« Le Havre Seine Métropole,
sollicitée, n'a pas souhaité s'associer », « le SDEV a été informé de la démarche »; consulted is
taking part: « la CLE est consultée à chaque étape »), a body said not to be a party (« la CC de
l'Aillantais, qui n'est pas partie au contrat »), an addressee of a copy sent for information
(« une copie sera adressée … au président du conseil régional », « À titre d'information : »), a
meeting's guests and absentees (« Invités : DDT de la Marne ; … », « Excusé : … »), a town hall as a venue
(« des permanences … à la mairie de Rambervillers »), the State as the owner of what the text names
or as a funder (« les services de l'État », « les crédits de l'État », « le représentant de l'État »,
« financé à 48 % par l'État »: it takes part when it signs or is a member, « signé par l'État »,
« associe l'État, la Région … »).

:func:`asides` lowers such actor mentions to ``CONF_ASIDE``, under the assertion threshold: they
stay in the graph as suggestions a reviewer can accept, not as participants. Pure: text and
mentions in, mentions out.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .heads import FUNDED_BY
from .model import Mention

__all__ = ["CONF_ASIDE", "asides"]

CONF_ASIDE = 0.45  # named, but as a comparison or a reservation: a suggestion

_ARTICLE = r"(?:(?:de\s+la|de\s+l['’]|du|des|de|d['’]|à\s+la|à\s+l['’]|au|aux|à|la|le|les|l['’])\s*)?"
# the cue ends right before the name (an article between them)
_BEFORE = re.compile(
    r"(?:\bà\s+l['’]\s?image|\bà\s+l['’]\s?instar|\bsur\s+le\s+modèle|\bcomme\s+l['’]\s?(?:a|ont)\s+fait"
    r"|\bcontrairement|\bà\s+la\s+différence|\b(?:à\s+titre\s+de|par|en)\s+comparaison\s*,?"
    r"|\b(?:comparables?|similaires?|analogues?)\s*:"
    r"|\bce\s+qu(?:e\s+|['’]\s?)(?:fait|font|faisait|a\s+fait)|\bl['’]\s?exemple\s+(?=d)"
    r"|\bsans\s+préjudice\s+(?:des\s+compétences|des\s+missions)?"
    r"|\bsans\s+se\s+substituer|\bavons\s+(?:volontairement\s+)?écarté|\bont\s+(?:été\s+)?écarté[es]*"
    r"|\bhors\s+du\s+périmètre"
    # a host: « La séance s'est tenue dans les locaux du PETR du Pays de Saint-Malo »
    r"|\bdans\s+les\s+locaux\s+(?=d)"
    # a body's former name: « la Communauté de communes Terre Valserine, ex-Communauté de communes du Pays
    # Bellegardien »
    r"|\bex\s?-|\banciennement"
    # a body's document, not the body at work: « les orientations du SCoT Sud 54 », « diagnostic du SCoT Est
    # Cantal », « Rapport d'activité 2024 du Syndicat mixte du bassin des Sorgues »
    r"|\b(?:orientations|prescriptions|diagnostic|rapport\s+d['’]\s?activités?(?:\s+\d{4})?)\s+(?=d)"
    # an act sent for the legality check: « Acte rendu exécutoire après transmission en préfecture de l'Orne »
    r"|\btransmi(?:s|se|ses|ssion)\s+(?:en|à)"
    # « transmises au contrôle de légalité de la sous-préfecture de Rochefort »
    r"|\bcontrôle\s+de\s+(?:la\s+)?légalité\s+(?=[dà])"
    # a study visit to another practice: « Visite d'étude du PAT du Pays de Rennes »
    r"|\bvisites?\s+d['’]\s?(?:étude|échanges?)\b[^.;:\n]{0,30}?"
    # addressed, not taking part: « les positions communes … auprès de la Région », « une demande sera
    # présentée à la Région », « la convention n'engage pas la Région »
    r"|\bauprès(?:\s+d[^.;:!?\n]{0,80}?(?:,|\s+et))?|\b(?:présentée?s?|adressée?s?|soumise?s?|transmise?s?)(?:\s+\w+){0,2}?\s+(?=à\b)"
    r"|\bn['’]\s?(?:engage|associe|implique|concerne)\s+(?:\w+\s+)?pas"
    # a negated list: « ne se substitue ni aux contrats de l'État, ni aux dispositifs de la Région »
    r"|\bni\s+(?:(?:à|aux?)\s+(?:\w+\s+){0,2}?(?:de|des|du|d['’])\s*)?"
    # a researcher's affiliation: « Marion Lafargue, chercheuse, INRAE », « professeure de géographie,
    # Université de Poitiers »
    r"|\b(?:chercheu(?:r|se)s?|enseignante?s?-chercheu(?:r|se)s?|professeure?s?|ma[îi]tres?(?:se)?\s+de\s+conférences"
    r"|(?:post-)?doctorante?s?|géographes?|sociologues?|économistes?|politistes?)"
    r"(?:\s+(?:en|de|d['’])\s*[\w'’-]+(?:\s+[\w'’-]+)?)?(?:\s*,\s*|\s+(?=à\b)))\s*" + _ARTICLE + r"$",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"\s*,\s*par\s+exemple\s*,"  # « Orléans Métropole, par exemple, a … »
    # a body doing its own or a comparable thing: « où le PNR du Haut-Jura anime son propre dispositif »,
    # « le CLS du Pays des Herbiers, qui a mis en place un dispositif comparable »
    r"|\s+(?:(?!pour\b)\w+\s+){1,3}(?:son|sa|ses|leur|leurs)\s+propres?\b"
    r"|\s*,\s*qui\s[^.,;:!?\n]{0,60}?\b(?:comparables?|similaires?|analogues?|équivalente?s?)\b"
    # asked, it declined; informed only (not consulted: « la CLE est consultée à chaque étape » takes
    # part): « Le Havre Seine Métropole, sollicitée, n'a pas
    # souhaité s'associer », « … sollicitée en 2023,\npas d'adhésion », « le SDEV a été informé »
    r"|\s*,?\s*(?:également\s+)?sollicitée?s?\b[^.;:!?]{0,60}?\b(?:pas|décliné|refusé)\b"
    # a guest of one item: « CC Val Vanoise\tM. le vice-président santé (invité pour le point 3) »; a host
    # welcoming: « Le président de la communauté d'agglomération Épernay … accueille les participants »
    r"|[^\n()]{0,80}?\(\s*invitée?s?\b"
    r"|[^.;!?()]{0,80}?\baccueill(?:e|ent|ait|aient)\s+(?:les\s+participants|la\s+réunion|la\s+séance|le\s+séminaire)"
    r"|\s*(?:,[^,.;:!?\n]{1,60},)?\s*(?:n['’]a|n['’]ont)\s+pas\s+(?:souhaité|donné\s+suite|voulu"
    r"|été\s+(?:associée?s?|consultée?s?|sollicitée?s?|invitée?s?))"
    # « Le Département de la Manche, qui n'a pas de compétence en la matière, n'est pas sollicité »; asked
    # later only: « Le Département du Gers sera sollicité plus tard », « … sera consulté en 2024 sur … »
    r"|\s*(?:,[^,.;:!?\n]{1,60},)?\s*(?:n['’]\s?(?:est|sont)\s+pas|seront|sera)\s+"
    r"(?:associée?s?|consultée?s?|sollicitée?s?|invitée?s?)\b"
    # invited, it did not come: « Le Département de Mayotte était invité … mais n'est pas venu »
    r"|[^.;!?\n]{0,80}?\bmais\s+(?:n['’]\s?(?:est|sont|a|ont)\s+pas\s+(?:venue?s?|répondu|participé)"
    r"|ne\s+(?:participe|participent|siège|siègent|vient|viennent)\s+pas)\b"
    r"|\s*(?:\([^()\n]{1,20}\)\s*)?(?:,[^,.;:!?\n()]{1,60},)?"
    r"\s*(?:(?:(?:a|ont)\s+été|est|sont|sera|seront)\s+|,\s*(?=tenu))(?:tenue?s?\s+)?informée?s?\b"
    # not a party: « La CC des Hautes Terres de l'Aubrac n'est pas sociétaire », « la CC de l'Aillantais, qui
    # n'est pas partie au contrat », « La Région, AOM régionale, n'est pas partie à la convention »
    r"|\s*(?:\([^()\n]{1,20}\)\s*)?(?:,[^,.;:!?\n()]{1,40})?,?\s*\)?\s*(?:qui\s+)?(?:n['’]\s?(?:en\s+)?|ne\s+)(?:est|était|sont|étaient)\s+pas\s+"
    r"(?:(?!seulement|uniquement|simplement|juste|encore)\w+\s+)?"
    r"(?:sociétaires?|membres?|signataires?|parties?|adhérente?s?|partenaires?)\b"
    # not a party, said on the way: « Le CDEO, sans être signataire, est consulté », « L'OFB y est associé en
    # qualité de financeur, sans en être signataire », « … a suivi le dossier sans être partie à la convention »
    r"|[^.;!?\n]{0,100}?\bsans\s+(?:en\s+)?être\s+(?:[\w-]+\s+)?(?:signataires?|parties?|membres?|sociétaires?"
    r"|adhérente?s?|partenaires?)\b"
    # another choice: « Nos voisins de la CC des Gorges de l'Ardèche ont fait un autre choix »
    r"|\s+(?:a|ont|avait|avaient)\s+fait\s+(?:un\s+autre|d['’]autres|le\s+choix\s+inverse)"
    # absent: « La CC Cœur de Tarentaise, excusée, a fait savoir … »
    r"|\s*,\s*excusée?s?\s*,"
    # « … financés par la Banque des Territoires dans le cadre de Petites villes de demain, qui n'intervient pas »
    r"|[^.,;:!?\n]{0,60},\s*qui\s+n['’]\s?(?:intervient|intervenait|participe|participait|siège)\s+pas\b",
    re.IGNORECASE)
_WINDOW = 60  # characters looked at before a name
# a town hall as a venue: « des permanences … à la mairie de Rambervillers », « réunion en mairie de Thil »
_VENUE_NAME = re.compile(r"(?:mairie|hôtel\s+de\s+ville)\b", re.IGNORECASE)
_VENUE_BEFORE = re.compile(r"\b(?:à\s+la|en|dans\s+la|devant\s+la)\s+$|\bà\s+l['’]\s?$", re.IGNORECASE)
# a cue anywhere earlier in the name's sentence: what inspired the practice (« Les deux collectivités
# reconnaissent s'être inspirées du contrat signé en 2016 entre Brest métropole et le Pays du
# Centre-Ouest Bretagne, … et des échanges entre Toulouse Métropole et … »)
_SENTENCE_CUE = re.compile(r"\b(?:s['’]\s?(?:être\s+|est\s+|sont\s+)?)?inspir(?:ée?s?|e|ent)(?:\s+(?:\w+ment|ici|là|aussi))?\s+"
                           r"(?:de|du|des|d['’]|par)\b"  # « s'inspire ouvertement du contrat »
                           # another practice of the same kind: « comme celle de la Métropole de Lyon avec … »
                           r"|\bcomme\s+(?:celles?|ceux|celui)\s+(?:de|du|des|d['’]|qu['’])"
                           # a framework referred to: « en cohérence avec les orientations de la charte du
                           # Parc naturel régional des Volcans d'Auvergne », « conformément au SCoT de … »
                           r"|\ben\s+cohérence\s+avec|\bconformément\s+(?:à|aux?)\b|\bcompatibles?\s+avec"
                           # who a body may invite: « La conférence peut inviter toute personne qualifiée,
                           # notamment le Département de la Loire, la Région … »
                           r"|\b(?:peut|peuvent|pourra|pourront)\s+(?:également\s+|aussi\s+)?inviter\b",
                           re.IGNORECASE)
# the State owning what the text names (« les services de l'État », « les crédits de droit commun de
# l'État », « le représentant de l'État ») or funding (« financé à 48 % par l'État », « avec l'aide de »),
# not a party; composed of it, it is one (« composé de l'État, de la Région et … »)
_STATE = re.compile(r"[ÉE]tat\b")
_STATE_BEFORE = re.compile(
    r"(?<!\bcomposé)(?<!\bcomposée)(?<!\bconstitué)(?<!\bconstituée)(?<!\bformé)(?<!\bformée)(?<!\bmembres)"
    r"(?<!\bpartenaires)(?<!\bcôtés)(?<!\bcôté)(?<!\bpart)"
    r"\s+de\s+l['’]\s?$"
    rf"|{FUNDED_BY}l['’]\s?$"
    # the counterpart of each body's own contracts: « les CRTE sont signés par chaque EPCI avec l'État »,
    # « préparation des contrats avec l'État et la Région » (not « un contrat unique signé avec l'État »)
    r"|\b(?:contrats|CRTE\)?)(?![\w-])[^.;:!?\n()]{0,60}?\bavec\s+l['’]\s?$",
    re.IGNORECASE)
_SENTENCE_WINDOW = 200
_SENTENCE_START = re.compile(r"[.!?;:\n](?=[^.!?;:\n]*$)")
# a copy sent for information, earlier in the name's sentence, over wrapped lines (« … dont une copie
# sera adressée à la présidente du conseil départemental, au président du conseil régional de
# Bourgogne-Franche-Comté et au président de la chambre d'agriculture, pour information »)
_COPY_CUE = re.compile(r"\bcopies?\s+(?:(?:en\s+)?(?:sera|seront|est|sont)\s+)?"
                       r"(?:adressée?s?|transmise?s?|notifiée?s?)\b|\bampliations?\b|\bcopies?\s*(?:à|:)"
                       r"|\bpour\s+information\s*(?::|à\b|aux?\b)|\bà\s+titre\s+d['’]\s?information\b", re.IGNORECASE)
_COPY_WINDOW = 300
# a line that lists addressees or supporters, not parties: « Copie : M. le Préfet du Cher ; Région
# Centre-Val de Loire – Direction de l'aménagement », « Destinataires : membres de la Conférence ;
# Département du Val-d'Oise », « Lettres de soutien jointes : Région Nouvelle-Aquitaine, … »
_LIST_LINE = re.compile(r"[ \t]*(?:[-*•][ \t]*)?(?:copies?|destinataires?|ampliations?|diffusion"
                        r"|lettres?\s+de\s+soutien(?:\s+jointes?)?"
                        # a meeting's guests and absentees: « Invités : DDT de la Marne ; Région Grand Est »,
                        # « Excusé : Département de la Marne. » (a show's guests speak for their body: see
                        # _OFFICE)
                        r"|(?P<guests>invitée?s?)|excusée?s?|absente?s?)\b[^:\n]{0,30}:"
                        # a speech's addressee: « Monsieur le Vice-président de la Région Provence-Alpes-Côte d'Azur, »
                        r"|[ \t]*(?:Madame|Monsieur|Mesdames|Messieurs)\b[^\n]*,[ \t]*$", re.IGNORECASE | re.MULTILINE)
_COPY_START = re.compile(r"[.!?;]|\n\s*\n")


def asides(text: str, mentions: list[Mention]) -> list[Mention]:
    """``mentions`` with the actors named as a comparison or a reservation lowered to ``CONF_ASIDE``."""
    out = []
    for m in mentions:
        if m.kind == "actor" and m.confidence > CONF_ASIDE and _aside(text, m.start, m.end):
            m = replace(m, confidence=CONF_ASIDE)
        out.append(m)
    return out


def _aside(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - _WINDOW):start]
    if "\n" in before:
        before = before[before.rindex("\n") + 1:]
    if _BEFORE.search(before) or _AFTER.match(text, end):
        return True
    if _VENUE_NAME.match(text, start) and _VENUE_BEFORE.search(before):
        return True
    if _STATE.match(text, start) and _STATE_BEFORE.search(before):
        return True
    sentence = text[max(0, start - _SENTENCE_WINDOW):start]
    if m := _SENTENCE_START.search(sentence):
        sentence = sentence[m.end():]
    if _SENTENCE_CUE.search(sentence) or _copied(text, start):
        return True
    listed = _LIST_LINE.match(text, _item_line(text, start))
    # a guest named by the office held in the body is its voice: « Invités : Antoine Santucci, président de la
    # communauté de communes Calvi-Balagne »
    return bool(listed) and not (listed.group("guests") and _OFFICE.search(text, listed.end(), start))


_OFFICE = re.compile(r"\b(?:(?:vice-)?présidente?|maire|directeur|directrice|DGS)\s+(?:de\s+la|de\s+l['’]|du|des|de|d['’])"
                     r"\s*(?:\w+\s+){0,3}?$", re.IGNORECASE)


_WRAPPED = re.compile(r"[ \t]*[(a-zà-ÿ]")  # a line going on from the one above: lower case or a bracket
_MAX_WRAPPED = 3


def _item_line(text: str, start: int) -> int:
    """Where the line holding ``start`` begins, back over lines wrapped from an unfinished one above (a
    PDF's « Invités : DDT de la Marne ; Région Grand Est\n(direction de l'aménagement) ; CCI … »)."""
    line = text.rfind("\n", 0, start) + 1
    for _ in range(_MAX_WRAPPED):
        if line == 0 or not _WRAPPED.match(text, line):
            break
        above = text.rfind("\n", 0, line - 1) + 1
        if not text[above:line - 1].strip() or text[above:line - 1].rstrip()[-1] in ".;:!?":
            break
        line = above
    return line


def _copied(text: str, start: int) -> bool:
    """The name is an addressee of a copy sent for information, earlier in its sentence."""
    window = text[max(0, start - _COPY_WINDOW):start]
    ends = list(_COPY_START.finditer(window))
    return bool(_COPY_CUE.search(window, ends[-1].end() if ends else 0))
