"""The heads of French institutional names: which words start (or end) a name of which kind.

One :class:`Rule` per head; :func:`.patterns.find_institutions` reads the name around each head.

=============================================================  ===============================
shape                                                          class
=============================================================  ===============================
communauté de communes (du/de/des…) X, CC X                    coop:CommunauteDeCommunes
communauté d'agglomération X, CA X, agglomération de X,        coop:CommunauteAgglomeration
X Agglo, X Agglomération
communauté urbaine X, CU X                                     coop:CommunauteUrbaine
X Métropole, X métropole, Métropole de X, métropole X          coop:Metropole
X Communauté ("Morlaix Communauté"), X Intercom                coop:EPCI
syndicat mixte (du bassin versant de) X                        coop:SyndicatMixte
PETR X, pôle d'équilibre territorial et rural X                coop:PETR
Pays de/du/des X, Pays X (capital P)                           coop:PaysStructure
PNR X, Parc naturel régional de/du/des X                       coop:PNR
Département de X, conseil départemental/général de X          coop:Departement
Région X (capital R), conseil régional de X                    coop:Region
pôle métropolitain X                                           coop:PoleMetropolitain
commune de X, ville de X, mairie de X, maire de X              coop:Commune ("Commune de X" for the maire)
agence d'urbanisme X                                           coop:AgenceUrbanisme
conseil de développement X                                     coop:ConseilDeDeveloppement
SCoT X                                                         coop:ScotStructure
agence de l'eau X ("Agence de l'eau Loire-Bretagne")           coop:StateAgency
chambre d'agriculture de/du X, CCI X, chambre de métiers … X   coop:ChambreConsulaire
=============================================================  ===============================

and the rest of :data:`RULES` (syndicats, associations, health and cross-border bodies…).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

from ontology.namespace import COOP

# Character classes, in patterns (read by every module that writes a name pattern).
APOS = "'’ʼ"  # apostrophes
UPPER = "A-ZÀ-ÖØ-Þ"  # capital letters
E = "[eéèêë]"  # accent-insensitive letters
O = "[oô]"
AP = f"[{APOS}]"


# Funded by what follows (« financé à 48 % par », « cofinancé par », « subventionnés par », « soutenu par »):
# read by asides.py (the State as a funder) and instruments.py (a programme as a funder).
FUNDED_BY = r"\b(?:(?:co)?financ|subventionn|soutenu)\w*\b[^.;:!?\n]{0,40}?\bpar[ \u00a0]+"


# What a syndicat mixte is for, between its head and the structure it carries: « Syndicat mixte [de
# gestion | d'aménagement et de gestion] du Parc … » (read by patterns.py and descriptions.py).
SYNDICAT_PURPOSE = (rf"(?:[ \u00a0]+(?:de[ \u00a0]+|d{AP}[ \u00a0]?)[a-zà-ÿ]+"
                    rf"(?:[ \u00a0]+et[ \u00a0]+(?:de[ \u00a0]+|d{AP}[ \u00a0]?)[a-zà-ÿ]+)?)")


@dataclass(frozen=True)
class Rule:
    name: str
    head: re.Pattern
    cls: URIRef
    prefix: bool = True  # the name follows the head
    suffix: bool = False  # the name precedes the head
    connector_required: bool = False  # prefix names must start with de/du/des/d'
    bridge: bool = False  # may bridge lowercase words before the capitalised name
    demonym: bool = False  # "<head> <ethnic adjective>" is a weak match
    canonical: str | None = None  # replaces the head in the normalised name
    after_name: bool = True  # may follow a capitalised word (not « Fougères Agglomération Bretagne … »)
    bridge_words: int = 0  # a bridge of up to this many lowercase words, whatever precedes them (0: the default)


def _r(pattern: str, ignore_case: bool = True) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


RULES: tuple[Rule, ...] = (
    Rule("communaute-de-communes", _r(rf"\bcommunaut{E}s?\s+de\s+communes\b"), COOP.CommunauteDeCommunes,
         canonical="Communauté de communes"),
    Rule("cc", _r(r"\bCCs?\b|\bCdC\b", False), COOP.CommunauteDeCommunes, canonical="Communauté de communes"),
    Rule("communaute-agglomeration", _r(rf"\bcommunaut{E}s?\s+d{AP}\s?agglom{E}rations?\b"),
         COOP.CommunauteAgglomeration, canonical="Communauté d'agglomération"),
    Rule("ca", _r(r"\bCA\b", False), COOP.CommunauteAgglomeration, canonical="Communauté d'agglomération"),
    Rule("agglomeration-de", _r(rf"\bagglom{E}ration\b"), COOP.CommunauteAgglomeration, connector_required=True,
         demonym=True, canonical="Agglomération"),
    Rule("agglo-suffix", _r(rf"\b(?:Agglo(?:m{E}ration)?|agglo)\b", False), COOP.CommunauteAgglomeration, prefix=False,
         suffix=True),  # « Caux Seine agglo »
    # « l'Agglomération Seine-Eure », « Agglo Seine-Eure » (capitalised, no connector)
    Rule("agglo-prefix", _r(rf"\bAgglo(?:m{E}ration)?\b", False), COOP.CommunauteAgglomeration, after_name=False),
    Rule("communaute-urbaine", _r(rf"\bcommunaut{E}s?\s+urbaines?\b"), COOP.CommunauteUrbaine,
         canonical="Communauté urbaine"),
    Rule("cu", _r(r"\bCU\b", False), COOP.CommunauteUrbaine, canonical="Communauté urbaine"),
    Rule("metropole", _r(rf"\bm{E}tropole\b"), COOP.Metropole, suffix=True, bridge=True, demonym=True),
    Rule("communaute-suffix", _r(rf"\bCommunaut{E}\b", False), COOP.EPCI, prefix=False, suffix=True),
    # « Grand Belfort Communauté d'Agglomération »
    Rule("agglomeration-suffix", _r(rf"\bCommunaut{E}\s+d{AP}\s?[Aa]gglom{E}ration\b", False),
         COOP.CommunauteAgglomeration, prefix=False, suffix=True),
    Rule("intercom-suffix", _r(r"\bIntercom\b", False), COOP.EPCI, prefix=False, suffix=True),
    Rule("intercom-prefix", _r(r"\bIntercom\b", False), COOP.EPCI, connector_required=True,
         after_name=False),  # « Intercom de la Vire au Noireau »
    # « Communauté intercommunale du Nord de La Réunion » (CINOR), « … des villes solidaires » (CIVIS)
    Rule("communaute-intercommunale", _r(rf"\bcommunaut{E}s?\s+intercommunales?\b"), COOP.EPCI, bridge=True,
         canonical="Communauté intercommunale"),
    Rule("syndicat-mixte", _r(r"\bsyndicats?\s+mixtes?\b"), COOP.SyndicatMixte, bridge=True,
         canonical="Syndicat mixte"),
    Rule("sm", _r(r"\bSM\b", False), COOP.SyndicatMixte, connector_required=True,
         canonical="Syndicat mixte"),  # « SM du SCoT de l'Artois »
    # « Syndicat départemental d'énergie de la Haute-Marne » (a syndicat mixte), « syndicat intercommunal
    # des eaux du Val » (an EPCI without own taxation)
    Rule("syndicat-departemental", _r(rf"\bsyndicats?\s+d{E}partementa(?:l|ux)\b"), COOP.SyndicatMixte, bridge=True,
         canonical="Syndicat départemental"),
    Rule("syndicat-intercommunal", _r(r"\bsyndicats?\s+intercommuna(?:l|ux)\b"), COOP.EPCI, bridge=True,
         canonical="Syndicat intercommunal"),
    Rule("petr", _r(r"\bPETR\b", False), COOP.PETR),
    Rule("petr-long", _r(rf"\bp{O}les?\s+d{AP}\s?{E}quilibre\s+territorial\s+et\s+rural\b"), COOP.PETR,
         canonical="Pôle d'équilibre territorial et rural"),
    Rule("pays", _r(r"\bPays\b(?![ \u00a0]+de[ \u00a0]+la[ \u00a0]+Loire\b)", False), COOP.PaysStructure),  # not the région
    Rule("pnr", _r(r"\bPNR\b", False), COOP.PNR),
    Rule("pnr-long", _r(rf"\bparcs?\s+naturels?\s+r{E}gion(?:al|aux)\b"), COOP.PNR,
         canonical="Parc naturel régional"),
    Rule("departement", _r(rf"\bD{E}partement\b", False), COOP.Departement),
    Rule("conseil-departemental", _r(rf"\bconseil\s+(?:d{E}partemental|g{E}n{E}ral)\b"), COOP.Departement),
    Rule("region", _r(rf"\bR{E}gion\b", False), COOP.Region),
    Rule("conseil-regional", _r(rf"\bconseil\s+r{E}gional\b"), COOP.Region),
    Rule("pole-metropolitain", _r(rf"\bp{O}les?\s+m{E}tropolitains?\b"), COOP.PoleMetropolitain, bridge=True,
         demonym=True, canonical="Pôle métropolitain"),
    # not a building or a job: « l'Hôtel de Ville de Langres », « secrétaires de mairie du Pays Saône-Ognon »
    Rule("commune", _r(rf"\b(?:commune|(?<!h{O}tel de )ville|(?<!secr{E}taires de )(?<!secr{E}taire de )mairie)\b"),
         COOP.Commune, connector_required=True),
    # "le Maire de Besançon" speaks for the commune: the actor is the commune ("Commune de Besançon").
    Rule("maire", _r(r"\bmaire\b"), COOP.Commune, connector_required=True, canonical="Commune"),
    Rule("agence-urbanisme", _r(rf"\bagences?\s+d{AP}\s?urbanisme\b"), COOP.AgenceUrbanisme, bridge=True,
         canonical="Agence d'urbanisme"),
    # « Agence de développement et d'urbanisme du Pays de Montbéliard », « Agence d'urbanisme et de
    # développement … »
    Rule("agence-developpement-urbanisme",
         _r(rf"\bagences?\s+(?:de\s+d{E}veloppement\s+et\s+d{AP}\s?urbanisme|d{AP}\s?urbanisme\s+et\s+de\s+"
            rf"d{E}veloppement)\b"), COOP.AgenceUrbanisme, bridge=True),
    Rule("conseil-de-developpement", _r(rf"\bconseils?\s+de\s+d{E}veloppement\b"), COOP.ConseilDeDeveloppement,
         bridge=True, canonical="Conseil de développement"),
    Rule("scot", _r(r"\b(?:SCoT|SCOT|Scot)\b", False), COOP.ScotStructure),
    Rule("agence-eau", _r(rf"\bagences?\s+de\s+l{AP}\s?eau\b"), COOP.StateAgency, canonical="Agence de l'eau"),
    Rule("chambre-agriculture", _r(rf"\bchambres?\s+(?:r{E}gionales?\s+|d{E}partementales?\s+)?d{AP}\s?agriculture\b"),
         COOP.ChambreConsulaire, connector_required=True, canonical="Chambre d'agriculture"),
    Rule("cci", _r(rf"\bchambres?\s+(?:r{E}gionales?\s+)?de\s+commerce\s+et\s+d{AP}\s?industrie\b|\bCCIR?\b"),
         COOP.ChambreConsulaire, canonical="Chambre de commerce et d'industrie"),
    Rule("cma", _r(rf"\bchambres?\s+(?:r{E}gionales?\s+)?de(?:s)?\s+m{E}tiers(?:\s+et\s+de\s+l{AP}\s?artisanat)?\b|\bCMAR?\b"),
         COOP.ChambreConsulaire, canonical="Chambre de métiers et de l'artisanat"),
    # « Collectivité de Corse », « Collectivité européenne d'Alsace »: territorial authorities with a
    # special status
    Rule("collectivite", _r(rf"\bCollectivit{E}(?:\s+(?:europ{E}enne|territoriale|unique))?\b", False),
         COOP.LocalAuthority, connector_required=True),
    # « l'association Terre de Liens Centre-Val de Loire » (named without its head, below), « l'Association
    # des maires ruraux du Cantal »
    Rule("association", _r(r"\bassociation\b"), COOP.Association),
    # public health bodies, partners of contrats locaux de santé
    Rule("ars", _r(rf"\bagences?\s+r{E}gionales?\s+de\s+sant{E}\b|\bARS\b"), COOP.StateAgency,
         canonical="Agence régionale de santé"),
    Rule("cpam", _r(r"\bcaisses?\s+primaires?\s+d['’]\s?assurance\s+maladie\b|\bCPAM\b"), COOP.PublicActor,
         connector_required=True, canonical="Caisse primaire d'assurance maladie"),
    Rule("msa", _r(r"\bMSA\b", False), COOP.PublicActor, canonical="MSA"),
    Rule("centre-hospitalier", _r(rf"\bcentres?\s+hospitaliers?(?:\s+(?:r{E}gional|universitaire|intercommunal))*\b"),
         COOP.PublicActor, connector_required=True, canonical="Centre hospitalier"),
    Rule("cpts", _r(r"\bCPTS\b", False), COOP.Association, canonical="CPTS"),
    # housing and architecture advice bodies (associations set up by the départements)
    Rule("adil", _r(r"\bADIL\b", False), COOP.Association, canonical="ADIL"),
    Rule("caue", _r(r"\bCAUE\b", False), COOP.Association, canonical="CAUE"),
    # cross-border bodies: « Groupement local de coopération transfrontalière du Grand Genève », « GECT
    # Eurométropole Lille-Kortrijk-Tournai », « Eurodistrict Strasbourg-Ortenau »
    Rule("glct", _r(rf"\bgroupements?\s+loca(?:l|ux)\s+de\s+coop{E}ration\s+transfrontali{E}re\b|\bGLCT\b"),
         COOP.PublicActor, bridge=True),
    Rule("gect", _r(rf"\bgroupements?\s+europ{E}ens?\s+de\s+coop{E}ration\s+territoriale\b|\bGECT\b"),
         COOP.PublicActor, bridge=True, canonical="GECT"),  # named « GECT … » in use, whatever the text writes
    Rule("eurodistrict", _r(r"\bEurodistrict\b", False), COOP.PublicActor),
    # social economy: « SCIC La Légumerie du Gévaudan », « ESAT Les Ateliers du Colagne »
    Rule("scic", _r(rf"\bSCIC\b|\bsoci{E}t{E}s?\s+coop{E}ratives?\s+d{AP}\s?int{E}r{E}t\s+collectif\b"), COOP.SSEStructure),
    Rule("esat", _r(r"\bESAT\b", False), COOP.SSEStructure),
    # companies by their legal form: « Saarbahn GmbH », « De Vlaamse Waterweg nv », « Transdev SAS »
    Rule("company", _r(r"\b(?:GmbH|AG|SAS|SASU|SARL|SpA|NV|nv|BV|Ltd)\b", False), COOP.Enterprise, prefix=False,
         suffix=True),
    # LEADER local action groups: « GAL du Pays de Langres », « GAL Pays Graylois » (longer than the Pays)
    Rule("gal", _r(r"\bGAL\b", False), COOP.LocalActionGroup),
    Rule("gal-long", _r(rf"\bgroupes?\s+d{AP}\s?action\s+locale\b"), COOP.LocalActionGroup, bridge=True,
         canonical="Groupe d'action locale"),
    # universities and schools: « Université de technologie de Belfort-Montbéliard », « Université
    # Grenoble Alpes », « Nantes Université », « École nationale supérieure d'architecture de Nantes »
    Rule("universite", _r(rf"\buniversit{E}\b"), COOP.ResearchOrTrainingBody, bridge=True),
    Rule("universite-suffix", _r(rf"\bUniversit{E}\b", False), COOP.ResearchOrTrainingBody, prefix=False,
         suffix=True),
    Rule("ecole", _r(r"\b[EÉ]coles?(?:\s+[Nn]ationales?)?(?:\s+[Ss]up[eé]rieures?)?\b", False),
         COOP.ResearchOrTrainingBody, bridge=True, connector_required=True),  # not « l'école de Dannemarie »
    Rule("iut", _r(r"\bIUT\b", False), COOP.ResearchOrTrainingBody),
    # « la Mission locale Rochefort Marennes Oléron » (an association)
    Rule("mission-locale", _r(r"\b[Mm]ission\s+locale\b", False), COOP.Association, canonical="Mission locale"),
    # a university's faculty: « l'UFR Santé de l'Université de Caen Normandie »
    Rule("ufr", _r(r"\bUFR\b", False), COOP.ResearchOrTrainingBody),
    # hospitals: « Hôpital Nord Franche-Comté », « CHU Dijon Bourgogne », « GHT Cœur Grand Est »
    Rule("hopital", _r(rf"\bh{O}pital\b"), COOP.PublicActor),
    Rule("chu", _r(r"\b(?:CHU|CHR|CHRU|GHT)\b", False), COOP.PublicActor),
    Rule("ght", _r(r"\bgroupements?\s+hospitaliers?\s+de\s+territoire\b"), COOP.PublicActor,
         canonical="Groupement hospitalier de territoire"),
    # « Centre de gestion de la Haute-Marne » (the communes' employer of shared staff)
    Rule("centre-de-gestion", _r(r"\bcentres?\s+de\s+gestion(?:\s+de\s+la\s+fonction\s+publique\s+territoriale)?\b"),
         COOP.PublicActor, connector_required=True),
    # water: « Commission locale de l'eau du SAGE Ellé-Isole-Laïta », « CLE du SAGE … »; « Établissement
    # public territorial de bassin de la Dordogne », « EPTB Charente » (syndicats mixtes)
    Rule("cle", _r(rf"\bcommissions?\s+locales?\s+de\s+l{AP}\s?eau\b"), COOP.LocalWaterCommission,
         canonical="Commission locale de l'eau"),
    Rule("cle-acronym", _r(r"\bCLE\b", False), COOP.LocalWaterCommission, connector_required=True,
         canonical="Commission locale de l'eau"),
    Rule("eptb", _r(rf"\b{E}tablissements?\s+publics?\s+territoria(?:l|ux)\s+de\s+bassins?\b|\bEPTB\b"),
         COOP.SyndicatMixte, canonical="Établissement public territorial de bassin"),
    # transport authorities: « Syndicat des mobilités Pays Basque-Adour », « syndicat des transports
    # urbains de … »; any other « Syndicat … » with a capital (« Syndicat de l'Ouest lyonnais »)
    Rule("syndicat-transports", _r(rf"\bsyndicats?\s+(?:des\s+mobilit{E}s|des\s+transports|de\s+transports?)\b"),
         COOP.SyndicatMixte, bridge=True),
    Rule("syndicat", _r(r"\bSyndicat\b", False), COOP.SyndicatMixte, bridge=True, connector_required=True),
    # State services: « la Préfecture de l'Hérault », « la sous-préfecture de Lodève », « la Direction
    # départementale des territoires de l'Aveyron »
    Rule("prefecture", _r(rf"\b(?:sous-)?pr{E}fecture\b"), COOP.StateService, connector_required=True),
    Rule("direction-etat", _r(rf"\bdirections?\s+(?:d{E}partementales?|r{E}gionales?|interd{E}partementales?)\b"
                              rf"(?=\s+(?:des|du|de\s+la|de\s+l{AP}|de|d{AP})\s*(?![ld]{AP})(?-i:[a-zà-ÿ]{{2}}))"),  # not « de l'ADEME »
         COOP.StateService, bridge=True, connector_required=True),
    # other bodies named by a capitalised head and a description ending with a place: « Groupement des
    # agriculteurs biologiques du Morbihan », « Maison de l'agriculture biologique du Finistère »,
    # « Agence locale de l'énergie et du climat de l'Eure », « Office de tourisme du Pays de Langres »
    Rule("organisation", _r(r"\b(?:Groupement|Maison|Instance|Agence|Centre|Institut|Office|Fédération|Union"
                            r"|Conservatoire|Observatoire|Établissement|Communauté professionnelle)\b"
                            r"(?=[ \u00a0]+(?:[a-zà-öø-ÿ]|[dD][’']))", False),  # a description follows, not a place
         COOP.Actor, bridge=True, bridge_words=6),
    # national parks are public bodies of the State: « Parc national des Cévennes »
    Rule("parc-national", _r(r"\bparcs?\s+nationa(?:l|ux)\b"), COOP.StateAgency, connector_required=True,
         canonical="Parc national"),
)
