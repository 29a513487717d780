"""Who takes part, read from around the names: bodies named as a comparison or a reservation are
suggestions (ingest/documents/asides.py), « le Parc » of a section is the PNR its document's title
names, a structure named as a participant is not the practice's instrument (own fixture sentences;
no spaCy, no embedding model)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.documents.asides import CONF_ASIDE, asides
from ingest.documents.extract import extract
from ingest.documents.model import ASSERT_THRESHOLD, Mention
from ontology.namespace import COOP
from tests.test_extract_places import bare  # noqa: F401
from tests.test_ingest_extract import lexicon, make_candidate, minter, new_actors, vocab_lexicon  # noqa: F401


def actor(text: str, name: str) -> Mention:
    s = text.index(name)
    return Mention("actor", name, s, s + len(name), "pattern", 0.8, None, name, (COOP.Actor,))


@pytest.mark.parametrize("text, name", [
    ("D'autres acteurs, à l'image du Parc naturel régional du Perche, ont expérimenté.", "Parc naturel régional du Perche"),
    ("à l'instar de la Communauté de communes du Haut-Jura", "Communauté de communes du Haut-Jura"),
    ("Les missions s'exercent sans préjudice des compétences du Territoire d'énergie Orne.", "Territoire d'énergie Orne"),
    ("Le poste intervient sans se substituer à l'Office national des forêts.", "Office national des forêts"),
    ("Orléans Métropole, par exemple, a conduit son propre projet.", "Orléans Métropole"),
    ("Nous avons volontairement écarté la Métropole Aix-Marseille-Provence, dont l'échelle", "Métropole Aix-Marseille-Provence"),
    ("contrairement à Lorient Agglomération, qui", "Lorient Agglomération"),
    # addressed, not taking part
    ("préparer les positions communes auprès des départements et de la Région Bretagne.", "Région Bretagne"),
    ("Une demande de financement sera présentée à la Région Nouvelle-Aquitaine fin 2024.", "Région Nouvelle-Aquitaine"),
    ("La convention n'engage toutefois pas la Région Normandie, qui n'en est pas signataire.", "Région Normandie"),
    # doing its own or a comparable thing
    ("sur les franges du territoire, où le PNR du Haut-Jura anime son propre dispositif.", "PNR du Haut-Jura"),
    ("un échange avec le CLS du Pays des Herbiers, qui a mis en place un dispositif comparable, avant", "Pays des Herbiers"),
    # a researcher's affiliation (a programme's speaker)
    ("Regard de Marion Lafargue, chercheuse, INRAE, UMR Territoires", "INRAE"),
    ("Hélène Dumas, professeure de géographie, Université de Poitiers, laboratoire RURALITÉS", "Université de Poitiers"),
    ("Jean Dupont, maître de conférences à l'Université de Lille, présente", "Université de Lille"),
    # asked, it declined; informed or consulted only; a study visit
    ("NB : Concarneau Cornouaille Agglomération sollicitée en 2023,\npas d'adhésion à ce stade",
     "Concarneau Cornouaille Agglomération"),
    ("Le Havre Seine Métropole, sollicitée, n'a pas souhaité s'associer à ce stade.", "Le Havre Seine Métropole"),
    ("Le Syndicat départemental d'électricité des Vosges (SDEV) a été informé de la démarche.",
     "Syndicat départemental d'électricité des Vosges"),
    ("• Visite d'étude du PAT du Pays de Rennes (juin)", "Pays de Rennes"),
    ("Acte rendu exécutoire après transmission en préfecture de l'Orne le 19 mars 2024.", "préfecture de l'Orne"),
    ("La démarche s'inspire ouvertement du contrat signé en 2017 par Toulouse Métropole et le Pays Portes de "
     "Gascogne.", "Pays Portes de Gascogne"),
    # another practice of the same kind, anywhere earlier in the sentence
    ("d'autres démarches du même type existent, comme celle de la Métropole de Lyon avec l'agglomération "
     "d'Aurillac, et", "agglomération d'Aurillac"),
    # what inspired the practice, anywhere earlier in the sentence
    ("Elles reconnaissent s'être inspirées du contrat signé en 2016 entre Brest métropole et le Pays du "
     "Centre-Ouest Bretagne, et des échanges entre Toulouse Métropole et le Pays des Couserans.", "Toulouse Métropole"),
    # a framework referred to, earlier in the sentence
    ("Il conduit ses actions en cohérence avec les orientations de la charte du Parc naturel régional des Volcans "
     "d'Auvergne, sur le territoire duquel", "Parc naturel régional des Volcans d'Auvergne"),
    ("Le programme est établi conformément au SCoT du Grand Clermont.", "SCoT du Grand Clermont"),
    # an addressee of a copy sent for information, earlier in the sentence, over wrapped lines
    ("arrêté qui sera publié au recueil et dont une copie sera adressée à la présidente du conseil\n"
     "départemental, au président du conseil régional de Bourgogne-Franche-Comté et au président de\n"
     "la chambre d'agriculture de Saône-et-Loire, pour information.", "chambre d'agriculture de Saône-et-Loire"),
    ("Ampliation :\n- Préfecture de la Drôme\n- Syndicat mixte du Diois", "Syndicat mixte du Diois"),
    ("Copie pour information à la Région Occitanie", "Région Occitanie"),
    # a line listing addressees or supporters, past its semicolons and commas
    ("Copie : M. le Préfet du Cher (pour information) ; Région Centre-Val de Loire – Direction de l'aménagement",
     "Région Centre-Val de Loire"),
    ("Destinataires : membres de la Conférence ; Département du Val-d'Oise ; sous-préfecture de Pontoise",
     "Département du Val-d'Oise"),
    ("Lettres de soutien jointes : Région Nouvelle-Aquitaine (AOM), Sous-préfecture d'Ussel, France Travail.",
     "Sous-préfecture d'Ussel"),
    # not a party, said on the way; another choice; absent; who a body may invite; comparable choices
    ("Le Centre départemental de l'élevage ovin (CDEO), sans être signataire, est consulté chaque année",
     "Centre départemental de l'élevage ovin"),
    ("Le Département de l'Ardèche, qui entretient les routes et les abribus, a suivi le dossier sans être partie à "
     "la convention.", "Département de l'Ardèche"),
    ("Les deux intercommunalités concernées (DLVA, et CC Lacs et Gorges du Verdon) ne sont pas parties à l'entente",
     "CC Lacs et Gorges du Verdon"),
    ("Nos voisins de la CC des Gorges de l'Ardèche ont fait un autre choix : une navette estivale.",
     "CC des Gorges de l'Ardèche"),
    ("La CC Cœur de Tarentaise, excusée, a fait savoir par courrier qu'elle ne rejoindrait pas", "CC Cœur de Tarentaise"),
    ("4.3 La conférence peut inviter toute personne qualifiée, notamment le Département de la Loire, la Région "
     "Auvergne-Rhône-Alpes, Epures ou les chambres consulaires.", "Région Auvergne-Rhône-Alpes"),
    ("d'autres territoires pyrénéens ont fait des choix comparables : le PETR du Pays des Nestes porte",
     "PETR du Pays des Nestes"),
    ("Le Département de la Manche, qui n'a pas de compétence en la matière, n'est pas sollicité.",
     "Département de la Manche"),
    ("Le Département du Gers sera sollicité plus tard sur le volet collèges.", "Département du Gers"),
    ("Le Département de la Charente-Maritime sera consulté en 2024 sur l'extension.",
     "Département de la Charente-Maritime"),
    ("Les Départements du Tarn et de Tarn-et-Garonne cofinancent ; ils ne sont pas partenaires de l'accord. "
     "La Région Occitanie, qui n'est pas partenaire de l'accord, instruit.", "Région Occitanie"),
    ("le pôle coordonne les contrats passés par les membres avec la Région et le Département de la Somme, sans en "
     "être lui-même signataire.", "Département de la Somme"),
    ("La Communauté de communes Perche et Haut Vendômois, également sollicitée, a fait savoir qu'elle ne souhaitait "
     "pas s'engager.", "Communauté de communes Perche et Haut Vendômois"),
    ("Structure\tReprésentant(e)s\nCC Val Vanoise\tM. le vice-président santé (invité pour le point 3)",
     "CC Val Vanoise"),
    ("Le président de la communauté d'agglomération Épernay, Coteaux et Plaine de Champagne\naccueille les "
     "participants au Millésium.", "communauté d'agglomération Épernay, Coteaux et Plaine de Champagne"),
    # a meeting's guests and absentees, over a PDF's wrapped lines
    ("Invités : DDT de la Marne (service urbanisme) ; Région Grand Est\n(direction de l'aménagement) ; CCI Marne en "
     "Champagne ; Chambre d'agriculture\nde la Marne.", "CCI Marne en Champagne"),
    ("Excusé : Département de la Marne.", "Département de la Marne"),
    ("Les parties recherchent des financements. À titre d'information :\n- la Direction régionale des affaires "
     "culturelles (DRAC) soutient le réseau", "Direction régionale des affaires culturelles"),
    # a comparison, a former name, a body's document, a body left out
    ("Des cofinancements pourront être sollicités auprès de la Région Normandie, de la Région Hauts-de-France et "
     "des fonds européens.", "Région Hauts-de-France"),
    ("Elles ont été transmises au contrôle de légalité de la sous-préfecture de Rochefort.",
     "sous-préfecture de Rochefort"),
    ("Le Département de Mayotte était invité en tant que gestionnaire du foncier mais n'est pas venu.",
     "Département de Mayotte"),
    ("Loire Forez agglomération et la CA du Puy-en-Velay ont été invitées mais ne participent pas.",
     "CA du Puy-en-Velay"),
    ("La séance s'est tenue dans les locaux du PETR du Pays de Saint-Malo, que les présidents remercient.",
     "PETR du Pays de Saint-Malo"),
    ("l'exemple du pôle métropolitain Loire-Bretagne a été évoqué", "pôle métropolitain Loire-Bretagne"),
    ("La Région Bretagne, autorité organisatrice du réseau BreizhGo, sera tenue informée des travaux.", "Région Bretagne"),
    ("Le Parc du Gâtinais s'inspire ici de ce que pratiquent d'autres parcs, notamment le PNR de la Haute Vallée de "
     "Chevreuse avec ses intercommunalités.", "PNR de la Haute Vallée de Chevreuse"),
    ("Les postes sont financés par la Banque des Territoires dans le cadre de Petites villes de demain, qui "
     "n'intervient pas dans l'animation du réseau.", "Banque des Territoires"),
    ("On a regardé ce que fait la communauté d'agglomération de Bastia, qui a une longueur d'avance.",
     "communauté d'agglomération de Bastia"),
    ("À titre de comparaison, le PETR du Pays de Chaumont a choisi des CRTE par EPCI.", "PETR du Pays de Chaumont"),
    ("la Communauté de communes Terre Valserine, ex-Communauté de communes du Pays Bellegardien, soutient",
     "Communauté de communes du Pays Bellegardien"),
    ("Le contrat s'inscrit dans les orientations du SCoT Sud 54, porté par le Multipôle.", "SCoT Sud 54"),
    ("10. Rapport d'activité 2024 du Syndicat mixte du bassin des Sorgues", "Syndicat mixte du bassin des Sorgues"),
    ("Données : INSEE, diagnostic du SCoT Est Cantal (SYTEC)", "SCoT Est Cantal"),
    ("le Parc naturel régional du Haut-Jura, dont plusieurs communes sont membres, n'a pas été associé à la démarche",
     "Parc naturel régional du Haut-Jura"),
    # a speech's addressee
    ("Madame la Préfète,\n\nMonsieur le Vice-président de la Région Provence-Alpes-Côte d'Azur,\n\nMesdames",
     "Région Provence-Alpes-Côte d'Azur"),
    # a negated list
    ("Il ne se substitue ni aux contrats de l'État, ni aux dispositifs de la Région Grand Est, ni aux fonds",
     "Région Grand Est"),
    ("Le syndicat n'associe ni la Région Bretagne ni le Département.", "Région Bretagne"),
    # a town hall as a venue
    ("des permanences hebdomadaires au siège de la CCMD et à la mairie de Rambervillers.", "mairie de Rambervillers"),
    ("La réunion se tiendra à l'hôtel de ville de Thionville.", "hôtel de ville de Thionville"),
    # said not to be a party
    ("La CC des Hautes Terres de l'Aubrac n'est pas sociétaire mais achète via ses cantines.",
     "CC des Hautes Terres de l'Aubrac"),
    ("et à celui de la Communauté de communes de l'Aillantais, qui n'est pas partie au contrat de réciprocité",
     "Communauté de communes de l'Aillantais"),
    ("La Région Nouvelle-Aquitaine, AOM régionale, n'est pas partie à la convention.", "Région Nouvelle-Aquitaine"),
    # informed only, also as an apposition
    ("Le Département de la Marne, tenu informé de la démarche, pourra adhérer au contrat.", "Département de la Marne"),
    # the State owning what the text names, or funding
    ("La commission locale de l'eau réunit élus, usagers et services de l'État.", "État"),
    ("modifications approuvées par arrêté du représentant de l'État dans le département", "État"),
    ("Le coût, 7,9 M€, est financé à 48 % par l'État (crédits du plan national).", "État"),
    ("Y a-t-il des aides de l'Etat ?", "Etat"),
    ("Attention : les CRTE sont signés par chaque EPCI avec l'État ; le pôle n'y intervient qu'en appui.", "État"),
    ("sans ordre du jour figé : préparation des contrats avec l'État et la Région.", "État"),
])
def test_bodies_named_as_a_comparison_or_a_reservation_are_suggestions(text, name):
    (m,) = asides(text, [actor(text, name)])
    assert m.confidence == CONF_ASIDE < ASSERT_THRESHOLD


@pytest.mark.parametrize("text, name", [
    ("Le Parc naturel régional du Perche a signé la convention.", "Parc naturel régional du Perche"),
    ("La CC X, à l'image de ses voisines, et le Pays de Retz signent.", "Pays de Retz"),  # the cue is about another
    ("à l'image\nLe Pays de Retz signe.", "Pays de Retz"),  # not across a line
    ("Lorient Agglomération, par ailleurs, signe.", "Lorient Agglomération"),
    ("La convention est signée par la Région Normandie.", "Région Normandie"),
    ("Le projet est présenté aux élus. La Région Normandie cofinance.", "Région Normandie"),
    ("Le PNR du Haut-Jura cofinance. Chaque commune garde son propre guichet.", "PNR du Haut-Jura"),
    ("la CC du Jura, qui signe, et un dispositif comparable", "CC du Jura"),
    ("ce que le Pays apporte à l'intercommunalité pour ses propres actions", "intercommunalité"),
    ("Le contrat s'est inspiré du modèle breton. Toulouse Métropole signe.", "Toulouse Métropole"),
    ("Le laboratoire de l'INRAE et la Région financent l'étude.", "INRAE"),
    ("Marie Durand, présidente, Communauté de communes du Val, ouvre la séance.", "Communauté de communes du Val"),
    ("La Région Normandie a été sollicitée et a accepté de financer.", "Région Normandie"),
    ("Saint-Lô Agglo a informé les communes du calendrier.", "Saint-Lô Agglo"),
    ("la CLE du SAGE Dordogne Atlantique est consultée à chaque étape du SCoT", "CLE du SAGE Dordogne Atlantique"),
    ("Le PETR du Grand Clermont, en cohérence avec ses statuts, signe.", "PETR du Grand Clermont"),  # the cue is after
    # the copy was another sentence's
    ("Une copie sera adressée aux maires. La Région Occitanie cofinance l'étude.", "Région Occitanie"),
    ("Copie : la délibération jointe.\n\nLe Pays de Retz signe la convention.", "Pays de Retz"),
    ("La convention est signée par la mairie de Rambervillers.", "mairie de Rambervillers"),
    ("Une copie de la convention est conservée par le Pays de Retz, signataire.", "Pays de Retz"),
    ("Copie conforme de la délibération.\nLe Pays de Retz signe la convention.", "Pays de Retz"),
    ("Monsieur le Président de la CC du Jura signe la convention, ce jour.", "CC du Jura"),  # no line of its own
    ("Le syndicat associe la Région Bretagne, le Département et l'État.", "Région Bretagne"),
    ("La CC du Jura, informée en amont, a signé.", "CC du Jura"),
    ("Le SCoT Sud 54 fixe les orientations du territoire.", "SCoT Sud 54"),
    ("Coutances mer et bocage porte, pour son compte et celui de la communauté de communes Côte Ouest Centre "
     "Manche, une chargée de mission.", "communauté de communes Côte Ouest Centre Manche"),
    ("La Banque des Territoires, qui participe au comité, finance l'étude.", "Banque des Territoires"),
    ("Le PETR du Pays de Saint-Malo met ses locaux à disposition.", "PETR du Pays de Saint-Malo"),
    ("Un exemple : le pôle métropolitain Loire-Bretagne signe.", "pôle métropolitain Loire-Bretagne"),
    ("La CC du Jura, dont le siège est à Lons, n'a pas été longue à signer.", "CC du Jura"),
    ("Le Pays de Retz, expert en comparaison de données, signe.", "Pays de Retz"),
    ("Le Pays de Retz n'est pas seulement signataire : il anime le contrat.", "Pays de Retz"),
    ("La CC du Gévaudan, qui n'était pas encore membre en 2022, a adhéré.", "CC du Gévaudan"),
    ("Le Département de la Loire a signé sans réserve ; la Région n'a pas été sollicitée.", "Département de la Loire"),
    ("La CC du Jura, membre du syndicat, a fait un don.", "CC du Jura"),
    ("La CC du Jura, excusée par le président, signe.", "CC du Jura"),
    ("La CLE est consultée à chaque étape ; la CC du Jura est associée.", "CC du Jura"),
    ("Structure\tReprésentant(e)s\nCC Val Vanoise\tM. le vice-président santé (coordinateur)\nCC de Haute "
     "Tarentaise\t(invitée)", "CC Val Vanoise"),
    ("La CC du Jura accueille le poste partagé.", "CC du Jura"),
    # a show's guests, named by their office
    ("Invités : Antoine SANTUCCI, président de la communauté de communes Calvi-Balagne ; Marie-Jeanne LUCIANI, "
     "présidente de la communauté de communes de L'Île-Rousse – Balagne",
     "communauté de communes de L'Île-Rousse – Balagne"),
    # present at a meeting; a line that starts afresh after a guests' line
    ("Présents : DDT de la Marne ; Région Grand Est\n(direction de l'aménagement) ; CCI Marne en Champagne.",
     "CCI Marne en Champagne"),
    ("Invités : DDT de la Marne.\nla CCI Marne en Champagne signe la convention.", "CCI Marne en Champagne"),
    # the State signing, or a member
    ("Le CRTE a été signé le 8 juillet 2022 par l'État, représenté par le préfet.", "État"),
    ("Le GIP Littoral associe l'État, la Région Nouvelle-Aquitaine et quatre Départements.", "État"),
    ("Le comité est composé de l'État, de la Région et des Départements.", "État"),
    ("Le contrat de réciprocité est signé par les deux EPCI. L'État et la Région le cofinancent.", "État"),
    ("ont obtenu un contrat unique signé avec l'Etat, la Région et le Département.", "Etat"),
])
def test_participants_stay_participants(text, name):
    m = actor(text, name)
    assert asides(text, [m]) == [m]
    # other kinds of mentions are never touched
    place = replace(m, kind="territory")
    assert asides(text, [place]) == [place]


def test_asides_inside_extraction(bare):  # noqa: F811
    doc, cand = make_candidate("La Communauté de communes des Collines du Perche signe une convention. D'autres, "
                               "à l'image du Parc naturel régional du Perche, ont expérimenté des démarches.")
    got = {k: m.confidence for k, m in new_actors(extract(doc, cand, bare)).items()}
    assert got["Communauté de communes des Collines du Perche"] >= ASSERT_THRESHOLD
    assert got["Parc naturel régional du Perche"] == CONF_ASIDE


def test_the_parc_of_a_section_is_the_pnr_the_documents_title_names(bare):  # noqa: F811
    doc, cand = make_candidate("La Conférence réunit le président du Parc et les présidents des communautés.\n"
                               "Le Parc anime la Conférence avec la Communauté de communes Bazois Loire Morvan.")
    doc = replace(doc, title="Les coopérations entre le Parc naturel régional du Morvan et les intercommunalités")
    ms = extract(doc, cand, bare)
    parc = [m for m in ms if m.kind == "actor" and m.label == "Parc naturel régional du Morvan"]
    assert parc and all(m.text.endswith("Parc") for m in parc), parc
    assert all(m.types == (COOP.PNR,) and m.confidence >= ASSERT_THRESHOLD for m in parc)
    # without the title, « le Parc » names nobody
    doc = replace(doc, title=None)
    assert not [m for m in extract(doc, cand, bare) if m.kind == "actor" and m.types == (COOP.PNR,)]


def test_a_structure_named_as_a_participant_is_not_the_instrument(bare):  # noqa: F811
    text = ("Le Département et le Syndicat mixte Baie de Somme ont signé une charte de coopération. "
            "Une cellule technique est hébergée par le Syndicat mixte.")
    doc, cand = make_candidate(text)
    ms = extract(doc, cand, bare)
    top = max((m for m in ms if m.kind == "instrument"), key=lambda m: (m.confidence, -m.start))
    assert top.types == (COOP.Charte,), top
    # « le Syndicat mixte » later in the text is the body too, not a second instrument above the charter
    sm = [m for m in ms if m.kind == "instrument" and m.types == (COOP.SyndicatMixteFormula,)]
    assert sm and all(m.confidence < top.confidence for m in sm)


def test_a_governance_body_is_not_the_instrument_of_a_contract(bare):  # noqa: F811
    text = ("Le guichet repose sur une convention de partenariat signée entre le PETR du Pays Lédonien et les EPCI. "
            "Un comité technique mensuel associe les conseillers.")
    doc, cand = make_candidate(text)
    ms = extract(doc, cand, bare)
    top = max((m for m in ms if m.kind == "instrument"), key=lambda m: (m.confidence, -m.start))
    assert top.types == (COOP.Convention,), top
    tech = [m for m in ms if m.kind == "instrument" and m.types == (COOP.TechnicalNetwork,)]
    assert tech and all(m.confidence == pytest.approx(top.confidence - 0.01) for m in tech)
    # with no contract named, the body is the practice
    doc, cand = make_candidate("Un comité technique mensuel associe les conseillers des trois EPCI.")
    top = max((m for m in extract(doc, cand, bare) if m.kind == "instrument"), key=lambda m: m.confidence)
    assert top.types == (COOP.TechnicalNetwork,)


def test_short_names_of_bodies_named_before(bare):  # noqa: F811
    text = ("Grand Cognac ne travaille pas seul : la Communauté d'agglomération du Grand Cognac s'allie à ses voisins.\n"
            "Grand Cognac et la Communauté d'agglomération de Saintes ont constitué une entente.")
    doc, _ = make_candidate(text)
    _, cand = make_candidate(text)
    second = text.index("Grand Cognac et")
    cand = replace(cand, start=second, blocks=[b for b in cand.blocks if b.start >= second], grid={})
    ms = extract(doc, cand, bare)
    short = [m for m in ms if m.kind == "actor" and m.text == "Grand Cognac"]
    assert [(m.start, m.label, m.types, m.confidence) for m in short] == [
        (second, "Communauté d'agglomération du Grand Cognac", (COOP.CommunauteAgglomeration,), 0.75)]
    # after an elided article too
    text3 = ("La Communauté de communes Ambert Livradois Forez signe.\n"
             "Le club réunit les directeurs des services d'Ambert Livradois Forez et du Parc.")
    doc3, cand3 = make_candidate(text3)
    cand3 = replace(cand3, start=text3.index("Le club"), blocks=[], grid={})
    assert [m.label for m in extract(doc3, cand3, bare) if m.kind == "actor" and m.text == "Ambert Livradois Forez"] == [
        "Communauté de communes Ambert Livradois Forez"]
    # a one-word proper part (« Saintes ») is too likely a place to be read as the body
    doc2, cand2 = make_candidate("La Communauté d'agglomération de Saintes signe.\nSaintes accueille le comité.")
    cand2 = replace(cand2, start=doc2.text.index("Saintes accueille"))
    assert not [m for m in extract(doc2, cand2, bare) if m.kind == "actor" and m.text == "Saintes"]


def test_an_acronym_of_the_initials_of_a_body_named_before(bare):  # noqa: F811
    text = ("COMMUNAUTÉ DE COMMUNES DE LA PIEVE DE L'ORNANO ET DU TARAVO\n\nConférence des maires\n\n"
            "Il est proposé de constituer une entente entre la CCPOT et la Communauté d'agglomération du Pays "
            "Ajaccien. La CAPA délibérera en novembre ; le PAT et la CRTE ne sont pas concernés.")
    doc, cand = make_candidate(text)
    start = text.index("Il est proposé")
    cand = replace(cand, start=start, blocks=[b for b in cand.blocks if b.start >= start], grid={})
    actors = {m.text: m.label for m in extract(doc, cand, bare) if m.kind == "actor"}
    # named in capitals on the letterhead: the label in its usual case
    assert actors["CCPOT"] == "Communauté de communes de la Pieve de l'Ornano et du Taravo"
    assert actors["CAPA"] == "Communauté d'agglomération du Pays Ajaccien"  # named before, in the candidate
    assert "PAT" not in actors and "CRTE" not in actors  # initials of no body named before


def test_a_definite_description_names_the_body_the_letterhead_names(bare):  # noqa: F811
    head = "COMMUNAUTÉ DE COMMUNES DE LA PIEVE DE L'ORNANO ET DU TARAVO\n\nConférence des maires\n\n"
    body = "Le service commun de la communauté de communes a traité 641 dossiers pour onze communes."
    for lead, label in ((head, "Communauté de communes de la Pieve de l'Ornano et du Taravo"),
                        # two bodies of that class in the letterhead: which one is not said
                        ("CC DU TARAVO - CC DE L'ORNANO\n\nConférence des maires\n\n", None),
                        # a body an earlier practice of the document names is not the letterhead's
                        ("Conférence des maires\n\nLa CC du Taravo a signé une convention.\n\n", None)):
        text = lead + body
        doc, cand = make_candidate(text)
        start = text.index(body)
        cand = replace(cand, start=start, blocks=[b for b in cand.blocks if b.start >= start], grid={})
        named = [m.label for m in extract(doc, cand, bare) if m.kind == "actor" and m.text == "la communauté de communes"]
        assert named == ([label] if label else [])


def test_a_governance_body_is_not_the_instrument_of_a_charter(bare):  # noqa: F811
    doc, cand = make_candidate("Les trois communautés ont signé une charte forestière. Un comité technique réunit "
                               "les techniciens.")
    top = max((m for m in extract(doc, cand, bare) if m.kind == "instrument"), key=lambda m: (m.confidence, -m.start))
    assert top.types == (COOP.Charte,), top


def test_a_structure_acronym_defined_after_a_name_is_not_the_instrument(bare):  # noqa: F811
    doc, cand = make_candidate("Le contrat de coopération lie le Pôle d'équilibre territorial et rural (PETR) du Pays "
                               "Terres de Lorraine et la Métropole du Grand Nancy.")
    ms = extract(doc, cand, bare)
    top = max((m for m in ms if m.kind == "instrument"), key=lambda m: (m.confidence, -m.start))
    assert top.types == (COOP.Contract,), top


def test_a_body_set_aside_owns_no_group(bare):  # noqa: F811
    from tests.test_extract_groups import groups

    text = ("À la différence de Tulle Agglo, qui a choisi d'intégrer son volet forestier dans son plan climat, "
            "les communes ont estimé que l'échelle était trop étroite.")
    ms = extract(*make_candidate(text), bare)
    assert not [g for g in groups(ms) if "Tulle" in g]
    # the same sentence without the cue: Tulle Agglo owns its communes
    ms = extract(*make_candidate(text.replace("À la différence de Tulle Agglo", "Tulle Agglo")), bare)
    assert [g for g in groups(ms) if "Tulle" in g]


def test_persons_in_an_attendance_row_are_not_bodies(bare):  # noqa: F811
    from ingest.documents.readers import read_bytes
    from ingest.documents.segment import candidates
    from tests.test_ingest_extract import new_actors

    text = ("# Comité syndical du 12 mars\n\nPrésents : Mme Anne-Marie CAUSSE, Mme Odile RIEU, Jean-Luc BERTHÉZÈNE, "
            "Lodève Larzac, Clermontais Sud\n\nLe comité approuve la convention d'entente.\n")
    doc = read_bytes(text.encode(), "pv.md")
    got = {k for c in candidates(doc) for k in new_actors(extract(doc, c, bare))}
    assert "Lodève Larzac" in got, got
    assert not [k for k in got if "CAUSSE" in k or "RIEU" in k or "BERTHÉZÈNE" in k], got


def test_signatories_and_the_bodies_a_signature_block_names(bare):  # noqa: F811
    text = ("Une entente sans structure de plus\n\n"
            "L'entente entre la Haute-Ariège et le Pays de Tarascon, créée par délibérations concordantes, lance "
            "une navette.\n\n"
            "Les signataires\n\n"
            "Signataires\tAlain Sarrat, président de la communauté de communes de la Haute-Ariège ; Martine "
            "Coumes, présidente de la communauté de communes du Pays de Tarascon\n")
    doc, cand = make_candidate(text)
    end = text.index("Les signataires")
    first = replace(cand, end=end, blocks=[b for b in cand.blocks if b.end <= end], grid={})
    labels = {m.text: m.label for m in extract(doc, first, bare) if m.kind == "actor"}
    # the short names of the bodies the signature block names, after the section
    assert labels["Haute-Ariège"] == "Communauté de communes de la Haute-Ariège"
    assert labels["Pays de Tarascon"] == "Communauté de communes du Pays de Tarascon"
    # the signatories are persons, not bodies
    texts = [m.text for m in extract(doc, cand, bare) if m.kind == "actor"]
    assert "Alain Sarrat" not in texts and "Martine Coumes" not in texts


def test_a_counted_noun_names_the_bodies_the_document_named_before(bare):  # noqa: F811
    text = ("Monsieur le Président de la Communauté de communes du Guillestrois et du Queyras\n\n"
            "Madame la Présidente de la Communauté de communes du Pays des Écrins\n\n"
            "Président de la Communauté de communes du Briançonnais\n\n"
            "La conférence des présidents réunit chaque trimestre nos trois communautés et le PETR.")
    doc, cand = make_candidate(text)
    cand = replace(cand, start=text.index("La conférence"), blocks=[], grid={})
    got = sorted(m.label for m in extract(doc, cand, bare) if m.kind == "actor" and m.text == "trois communautés")
    assert got == ["Communauté de communes du Briançonnais", "Communauté de communes du Guillestrois et du Queyras",
                   "Communauté de communes du Pays des Écrins"]
    # another count than the document's bodies: not those
    doc2, cand2 = make_candidate(text.replace("nos trois", "nos quatre"))
    cand2 = replace(cand2, start=doc2.text.index("La conférence"), blocks=[], grid={})
    assert not [m for m in extract(doc2, cand2, bare) if m.kind == "actor" and m.text == "quatre communautés"
                and m.label.startswith("Communauté de communes du")]
    # a generic noun (« les 2 partenaires ») names no kind of body: not those named before
    doc3, cand3 = make_candidate(text.replace("nos trois communautés", "les 3 partenaires"))
    cand3 = replace(cand3, start=doc3.text.index("La conférence"), blocks=[], grid={})
    assert not [m for m in extract(doc3, cand3, bare) if m.kind == "actor" and m.text == "3 partenaires"
                and m.label.startswith("Communauté de communes du")]
