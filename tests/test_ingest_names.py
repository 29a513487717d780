"""Institution names as hard-wrapped and plain prose write them: hyphens at line ends, « et » inside a
bare intercommunal name, regional adjectives closing a name (ingest/documents/patterns.py)."""

import pytest

from ingest.documents.hyphens import dehyphenate, join_hyphenated_lines
from ingest.documents.patterns import find_institutions


def names(text: str) -> list[str]:
    return [m.name for m in find_institutions(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Pré-\nfecture", "Préfecture"),  # a word cut into syllables: the hyphen goes
    ("commu-\n  nauté", "communauté"),
    ("Meurthe-et-\nMoselle", "Meurthe-et-Moselle"),  # parts of a compound name: the hyphen stays
    ("Saint-\nBrieuc", "Saint-Brieuc"),
    ("Pays-\nde-Loire", "Pays-de-Loire"),
    ("Bourg-\nen-Bresse", "Bourg-en-Bresse"),
    ("vis-à-vis", "vis-à-vis"),  # no line break: nothing changes
])
def test_dehyphenate(text, expected):
    assert dehyphenate(text) == expected


def test_a_name_hyphenated_at_a_line_end_goes_on():
    text = "le Conseil départemental de Meurthe-et-\nMoselle, la Caisse primaire"
    (m,) = find_institutions(text)
    assert m.name == "Conseil départemental de Meurthe-et-Moselle"
    assert m.text == "Conseil départemental de Meurthe-et-\nMoselle"  # the span is the document's own text


@pytest.mark.parametrize(("text", "expected"), [
    ("Elle réunit la Communauté de communes Moselle et Madon, la Communauté de communes du Saintois.",
     ["Communauté de communes Moselle et Madon", "Communauté de communes du Saintois"]),
    ("président de la CdC de l'Île d'Oléron", ["Communauté de communes de l'Île d'Oléron"]),
    ("et la Communauté de communes des Vals de Gartempe et Creuse. Le cadre juridique",
     ["Communauté de communes des Vals de Gartempe et Creuse"]),
    # the second word's own place (« Gorges du Verdon »), before punctuation
    ("entre le PNR et la Communauté de communes Lacs et Gorges du Verdon. Le Parc recrute",
     ["Communauté de communes Lacs et Gorges du Verdon"]),
    ("la CC du Val de Loire et Tours.", ["Communauté de communes du Val de Loire"]),  # a préfecture
    # a signature: the person after the dash is not a part of the name
    ("Visa : la présidente du GAL Pays Midi-Quercy – Martine Castéran\n", ["GAL Pays Midi-Quercy"]),
    ("La Mission locale Rochefort Marennes Oléron est partie prenante", ["Mission locale Rochefort Marennes Oléron"]),
    ("la mission locale du Pays de Retz accueille", ["Mission locale du Pays de Retz"]),
    ("l'UFR Santé de l'Université de Caen Normandie (département de médecine générale)",
     ["UFR Santé de l'Université de Caen Normandie"]),
    ("de la CC Gâtinais-Val de Loing et de la CC Moret Seine et Loing — cette dernière en compte deux",
     ["Communauté de communes Gâtinais-Val de Loing", "Communauté de communes Moret Seine et Loing"]),
    ("- la Communauté d'agglomération Grand Calais Terres et Mers (réseau Sitac)",
     ["Communauté d'agglomération Grand Calais Terres et Mers"]),
    ("avec le syndicat mixte Vienne et Gartempe.", ["Syndicat mixte Vienne et Gartempe"]),
    ("la CC Lodévois et Larzac et la CC du Clermontais ont signé",
     ["Communauté de communes Lodévois et Larzac", "Communauté de communes du Clermontais"]),
    ("la Communauté d'agglomération Grand Calais Terres et Mers et la Communauté urbaine de Dunkerque",
     ["Communauté d'agglomération Grand Calais Terres et Mers", "Communauté urbaine de Dunkerque"]),
    ("Signé une première fois en 2019 puis renouvelé en 2023 pour la période 2023-2026, le contrat est\n"
     "co-signé par les communautés membres du PETR : la Communauté de communes Terres Touloises, la Communauté de communes\n"
     "Moselle et Madon, la Communauté de communes du Saintois. Il part d'un constat simple : près d'un actif sur trois",
     ["Communauté de communes Terres Touloises", "Communauté de communes Moselle et Madon",
      "Communauté de communes du Saintois"]),
    # a table's cell: a column gap ends the name
    ("CC Entre Saône et Grosne                              17           12 480             4",
     ["Communauté de communes Entre Saône et Grosne"]),
])
def test_bare_intercommunal_names_pair_two_words_with_et(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a word follows the pair: two bodies may be the subject
    ("La Communauté de communes Vienne et Morlaix ont signé", ["Communauté de communes Vienne"]),
    # a préfecture, a type word, a connector inside the name, a département or a région: no pair
    ("la CC Vallons et Chambéry.", ["Communauté de communes Vallons"]),
    ("la communauté de communes Arc Sud Bretagne et Questembert Communauté.",
     ["Communauté de communes Arc Sud Bretagne", "Questembert Communauté"]),
    ("la CC Cœur de Savoie et Maurienne.", ["Communauté de communes Cœur de Savoie"]),
    ("la Région Occitanie et Andorre.", ["Région Occitanie"]),
])
def test_bare_pairs_not_read(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("avec le PNR des Baronnies provençales et le Département", "PNR des Baronnies provençales"),
    ("la Communauté de communes du Pays basque, et", "Communauté de communes du Pays basque"),
    ("le PNR du Vexin français.", "PNR du Vexin français"),
])
def test_a_regional_adjective_closes_a_name(text, expected):
    assert names(text)[0] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("regroupe la Communauté intercommunale des villes solidaires (CIVIS), la Communauté d'agglomération du Sud",
     ["Communauté intercommunale des villes solidaires", "Communauté d'agglomération du Sud"]),
    ("un syndicat mixte de traitement des déchets (SMTD) est créé", ["Syndicat mixte de traitement des déchets"]),
    # the acronym does not spell head and complement, or there is none: no name
    ("le syndicat mixte des eaux (SIAEP) de", []),
    ("la communauté de communes des villes solidaires et", []),
    ("la communauté de communes de la vallée (ARS) et", []),
])
def test_a_lowercase_complement_spelled_by_its_acronym(text, expected):
    assert names(text) == expected


def test_two_cardinal_points_joined_by_et_are_one_name():
    assert names("la CC Nord et Est, puis") == ["Communauté de communes Nord et Est"]
    assert names("le Pays Sud et la CC Nord") == ["Pays Sud", "Communauté de communes Nord"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Quimperlé Communauté, Blavet Bellevue Océan Communau-\nté (BBO), Roi Morvan Communauté",
     "Quimperlé Communauté, Blavet Bellevue Océan Communauté\n(BBO), Roi Morvan Communauté"),
    ("le Conseil départemental de Meurthe-et-\nMoselle, la Caisse", "le Conseil départemental de Meurthe-et-Moselle,\nla Caisse"),
    ("en novembre, et le 28 no-\n  vembre 2019", "en novembre, et le 28 novembre\n  2019"),
    # a syllable split whose whole word the text never writes: a compound, the hyphen stays
    ("une coopération ville-\ncampagne", "une coopération ville-campagne\n"),
    ("- un item-\n- un autre", "- un item-\n- un autre"),  # a list item, not a word's rest
])
def test_join_hyphenated_lines_keeps_the_lines(text, expected):
    assert join_hyphenated_lines(text) == expected


def test_readers_join_words_hyphenated_at_line_ends():
    from ingest.documents.readers import read_bytes

    doc = read_bytes("Membres : Quimperlé Communauté, Blavet Bellevue Océan Communau-\nté (BBO).\n".encode(), "r.txt")
    assert "Blavet Bellevue Océan Communauté\n(BBO)." in doc.text
    assert "Blavet Bellevue Océan Communauté" in names(doc.text)


def test_suffix_headed_names_across_a_line_break_in_prose():
    text = ("Son animation et les études sont portées par le syndicat mixte du bassin, dont\n"
            "sont membres Quimperlé Communauté, Roi Morvan\nCommunauté, Concarneau Cornouaille\n"
            "Agglomération et Lorient Agglomération.")
    assert names(text) == ["Quimperlé Communauté", "Roi Morvan Communauté", "Concarneau Cornouaille Agglomération",
                           "Lorient Agglomération"]
    # a paragraph's first line (a title over its text), a list item: the break ends the name
    assert names("Coopérations avec Lorient\nAgglomération, la suite") == []
    assert names("Une phrase.\n- avec Roi Morvan\nCommunauté, et") == []


def test_an_apostrophe_inside_a_name():
    assert names("avec la Communauté de communes Val'Eyrieux, côté Ardèche") == ["Communauté de communes Val'Eyrieux"]
    assert names("le Parc naturel régional des Monts d'Ardèche.") == ["Parc naturel régional des Monts d'Ardèche"]


def test_syndicats_departementaux_and_intercommunaux():
    assert names("le Syndicat départemental d'énergie de la Haute-Marne (SDEHM) porte") == [
        "Syndicat départemental d'énergie de la Haute-Marne"]
    assert names("le syndicat intercommunal des eaux du Val de Saône et") == [
        "Syndicat intercommunal des eaux du Val de Saône"]


def test_et_de_then_a_type_word_is_a_second_body():
    assert names("Les élus de la Communauté de communes du Trièves et de Grenoble-Alpes Métropole, vendredi") == [
        "Communauté de communes du Trièves", "Grenoble-Alpes Métropole"]
    assert names("le PETR de l'Albigeois et des Bastides signe") == ["PETR de l'Albigeois et des Bastides"]


@pytest.mark.parametrize(("text", "expected"), [
    ("avec le Canton de Genève et le Groupement local de coopération transfrontalière du Grand Genève (GLCT) et",
     ["Canton de Genève", "Groupement local de coopération transfrontalière du Grand Genève"]),
    ("une convention avec la République et Canton du Jura, signée", ["Canton du Jura"]),  # one name for both
    ("le GECT Eurométropole Lille-Kortrijk-Tournai et l'Eurodistrict Strasbourg-Ortenau",
     ["Eurométropole Lille-Kortrijk-Tournai", "Eurodistrict Strasbourg-Ortenau"]),
    ("le canton de Lodève", []),  # a French canton: an electoral division, no body
])
def test_cross_border_bodies(text, expected):
    assert names(text) == expected


def test_more_suffix_heads_and_pairs():
    assert names("avec Grand Belfort Communauté d'Agglomération et la CC du Sud Territoire") == [
        "Grand Belfort Communauté d'Agglomération", "Communauté de communes du Sud Territoire"]
    assert names("la Communauté de communes Marche et Combraille en Aquitaine, qui") == [
        "Communauté de communes Marche et Combraille en Aquitaine"]


def typed(text: str) -> list[tuple[str, str]]:
    return [(m.name, m.cls.rsplit("#", 1)[-1]) for m in find_institutions(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # LEADER local action groups: the GAL, not the Pays that names it
    ("avec le GAL du Pays de Langres et le GAL Pays Graylois, associés",
     [("GAL du Pays de Langres", "LocalActionGroup"), ("GAL Pays Graylois", "LocalActionGroup")]),
    ("le groupe d'action locale du Pays de Brest", [("Groupe d'action locale du Pays de Brest", "LocalActionGroup")]),
    ("le programme GAL LEADER", []),  # the programme, not a group's name
    # universities and schools (capitalised: « l'école de Dannemarie » is a building)
    ("l'Université de technologie de Belfort-Montbéliard (UTBM) ; Université Marie et Louis Pasteur ;",
     [("Université de technologie de Belfort-Montbéliard", "ResearchOrTrainingBody"),
      ("Université Marie et Louis Pasteur", "ResearchOrTrainingBody")]),
    ("avec Nantes Université", [("Nantes Université", "ResearchOrTrainingBody")]),
    ("l'École nationale d'osiériculture et de vannerie de Fayl-Billot forme",
     [("École nationale d'osiériculture et de vannerie de Fayl-Billot", "ResearchOrTrainingBody")]),
    ("les enfants de l'école de Dannemarie", []),
    # hospitals, the communes' management centre, water bodies, transport authorities, national parks
    ("l'Hôpital Nord Franche-Comté (HNFC) et le CHU Dijon Bourgogne",
     [("Hôpital Nord Franche-Comté", "PublicActor"), ("CHU Dijon Bourgogne", "PublicActor")]),
    ("le Centre de gestion de la Haute-Marne recrute", [("Centre de gestion de la Haute-Marne", "PublicActor")]),
    ("le Centre de gestion de la fonction publique territoriale de Saône-et-Loire recrute",
     [("Centre de gestion de la fonction publique territoriale de Saône-et-Loire", "PublicActor")]),
    ("la Commission locale de l'eau du SAGE Ellé-Isole-Laïta et la CLE du SAGE Dordogne Atlantique",
     [("Commission locale de l'eau du SAGE Ellé-Isole-Laïta", "LocalWaterCommission"),
      ("Commission locale de l'eau du SAGE Dordogne Atlantique", "LocalWaterCommission")]),
    ("l'Établissement public territorial de bassin de la Dordogne (EPIDOR) et l'EPTB Charente",
     [("Établissement public territorial de bassin de la Dordogne", "SyndicatMixte"),
      ("Établissement public territorial de bassin Charente", "SyndicatMixte")]),
    ("le Syndicat des mobilités Pays Basque-Adour exploite",
     [("Syndicat des mobilités Pays Basque-Adour", "SyndicatMixte")]),
    ("le Syndicat mixte des transports en commun du Territoire de Belfort (SMTC 90)",
     [("Syndicat mixte des transports en commun du Territoire de Belfort", "SyndicatMixte")]),
    ("le syndicat mixte en charge du SCoT du Pays de Rennes", [("SCoT du Pays de Rennes", "ScotStructure")]),
    ("le Parc national des Cévennes", [("Parc national des Cévennes", "StateAgency")]),
    ("l'Agence de développement et d'urbanisme du Pays de Montbéliard (ADU)",
     [("Agence de développement et d'urbanisme du Pays de Montbéliard", "AgenceUrbanisme")]),
    ("l'agence d'urbanisme et de la Région Bretagne", [("Région Bretagne", "Region")]),
    # national operators, by their acronym or their name
    ("France Travail, la Banque des Territoires et VNF",
     [("France Travail", "StateAgency"), ("Banque des Territoires", "StateAgency"), ("VNF", "StateAgency")]),
    ("l’Agence nationale de l’habitat et la Compagnie nationale du Rhône",
     [("Agence nationale de l'habitat", "StateAgency"), ("Compagnie nationale du Rhône", "Enterprise")]),
])
def test_other_public_bodies_and_national_operators(text, expected):
    assert typed(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("la Stad Wervik, l'Intercommunale Leiedal, la Provincie West-Vlaanderen et l'Eurométropole Lille-Kortrijk-Tournai",
     [("Stad Wervik", "Commune"), ("Intercommunale Leiedal", "PublicActor"),
      ("Provincie West-Vlaanderen", "LocalAuthority"), ("Eurométropole Lille-Kortrijk-Tournai", "PublicActor")]),
    ("le Landkreis Lörrach, la Stadt Weil am Rhein et le Land de Bade-Wurtemberg ; l'Eurométropole de Strasbourg",
     [("Landkreis Lörrach", "LocalAuthority"), ("Stadt Weil am Rhein", "Commune"),
      ("Land de Bade-Wurtemberg", "LocalAuthority"), ("Eurométropole de Strasbourg", "Metropole")]),
    ("la Regione autonoma Valle d'Aosta, la Città metropolitana di Torino et la Provincia di Cuneo",
     [("Regione autonoma Valle d'Aosta", "LocalAuthority"), ("Città metropolitana di Torino", "LocalAuthority"),
      ("Provincia di Cuneo", "LocalAuthority")]),
    ("la Diputación Foral de Gipuzkoa, l'Ayuntamiento de Irun et la Generalitat de Catalunya",
     [("Diputación Foral de Gipuzkoa", "LocalAuthority"), ("Ayuntamiento de Irun", "Commune"),
      ("Generalitat de Catalunya", "LocalAuthority")]),
    ("la Province de Luxembourg et l'intercommunale IDELUX",
     [("Province de Luxembourg", "LocalAuthority"), ("Intercommunale IDELUX", "PublicActor")]),
    # a Walloon parc naturel; not the French « Parc naturel régional », nor a description
    ("le Parc naturel des Plaines de l'Escaut, le Parc naturel régional Scarpe-Escaut et le Parc naturel "
     "transfrontalier du Hainaut",
     [("Parc naturel des Plaines de l'Escaut", "PNR"), ("Parc naturel régional Scarpe-Escaut", "PNR")]),
    # a plural lists Swiss cantons, one body each
    ("côté suisse, les cantons de Berne, du Jura, de Neuchâtel et de Vaud, regroupés",
     [("Canton de Berne", "PublicActor"), ("Canton du Jura", "PublicActor"), ("Canton de Neuchâtel", "PublicActor"),
      ("Canton de Vaud", "PublicActor")]),
    ("les cantons de la Haute-Vienne", []),  # French cantons: electoral divisions
    ("un pays (land) voisin, la stad", []),  # lowercase: common words
])
def test_cross_border_bodies_in_their_own_language(text, expected):
    assert typed(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the acronym in parentheses is the name before it; later, it names the same body
    ("cofinancé par Voies navigables de France (VNF) et le Département du Nord. VNF dragues.",
     [("Voies navigables de France", "Voies navigables de France"), ("Département du Nord", "Département du Nord"),
      ("VNF", "Voies navigables de France")]),
    ("le Syndicat mixte des Rives du Rhône (SMRR) et l'agence. Le SMRR a proposé ; le SMRRX non.",
     [("Syndicat mixte des Rives du Rhône", "Syndicat mixte des Rives du Rhône"),
      ("SMRR", "Syndicat mixte des Rives du Rhône")]),
    ("le Centre de gestion de la Haute-Marne (CDG 52) recrute ; le CDG 52 paie",
     [("Centre de gestion de la Haute-Marne", "Centre de gestion de la Haute-Marne"),
      ("CDG 52", "Centre de gestion de la Haute-Marne")]),
    # a kind's acronym before the body's own (« CC VEM »); over dashed parts of the name
    ("la Communauté de communes Ventadour – Égletons – Monédières (CC VEM) ; la CC VEM paie 30 %",
     [("Communauté de communes Ventadour – Égletons – Monédières", "Communauté de communes Ventadour – Égletons – Monédières"),
      ("CC VEM", "Communauté de communes Ventadour – Égletons – Monédières")]),
    # lowercase words the acronym spells are the name's (« forestière »: the F of CCHLF); not others
    ("la Communauté de communes de la Haute Lande forestière (CCHLF) ; la CCHLF paie",
     [("Communauté de communes de la Haute Lande forestière", "Communauté de communes de la Haute Lande forestière"),
      ("CCHLF", "Communauté de communes de la Haute Lande forestière")]),
    ("la Communauté de communes du Val voisine (CCV) signe", [("Communauté de communes du Val", "Communauté de communes du Val")]),
    # a type in parentheses says what the body is, not its name
    ("la Communauté de communes du Pays de Langres (EPCI) ; l'EPCI paie",
     [("Communauté de communes du Pays de Langres", "Communauté de communes du Pays de Langres")]),
    # an acronym inside another body's name is left to it
    ("le Syndicat mixte des Rives du Rhône (SMRR), puis le pôle métropolitain SMRR Lyon",
     [("Syndicat mixte des Rives du Rhône", "Syndicat mixte des Rives du Rhône"),
      ("pôle métropolitain SMRR Lyon", "Pôle métropolitain SMRR Lyon")]),
])
def test_an_acronym_in_parentheses_names_the_body_before_it(text, expected):
    assert [(m.text, m.name) for m in find_institutions(text)] == expected


def test_hard_wrapped_prose_goes_on_through_connectors_and_lowercase_words():
    text = ("Parmi les membres figurent, outre le Syndicat mixte des Rives du Rhône,\n"
            "le Syndicat mixte d'études et de programmation de l'agglomération\n"
            "lyonnaise (SEPAL), le Syndicat mixte du SCoT Nord-Isère, le Syndicat\n"
            "mixte du SCoT Sud Loire, le Syndicat mixte du Beaujolais, le Syndicat\n"
            "de l'Ouest lyonnais et les autres établissements porteurs de SCoT.\n")
    assert names(text) == [
        "Syndicat mixte des Rives du Rhône",
        "Syndicat mixte d'études et de programmation de l'agglomération lyonnaise",
        "Syndicat mixte du SCoT Nord-Isère", "Syndicat mixte du SCoT Sud Loire", "Syndicat mixte du Beaujolais",
        "Syndicat de l'Ouest lyonnais"]


@pytest.mark.parametrize(("text", "expected"), [
    # lowercase words an ethnic adjective closes, before punctuation: the body's name
    ("avec l'agence d'urbanisme de la région stéphanoise (epures), dans", ["Agence d'urbanisme de la région stéphanoise"]),
    ("l'Agence d'urbanisme de l'aire métropolitaine lyonnaise.", ["Agence d'urbanisme de l'aire métropolitaine lyonnaise"]),
    # not an adjective that is no demonym, nor one a sentence goes on after
    ("le syndicat mixte de la vallée voisine.", []),
    ("le pôle métropolitain de la région grenobloise ont", []),
])
def test_a_lowercase_name_closed_by_an_ethnic_adjective(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("le service commun a été ouvert à trois autres communes membres, Capdenac-Gare, Bagnac-sur-Célé et "
     "Lacapelle-Marival, qui en bénéficient",
     ["Commune de Capdenac-Gare", "Commune de Bagnac-sur-Célé", "Commune de Lacapelle-Marival"]),
    ("les communes Le Vigan, Espalion et La Roche-sur-Yon signent",
     ["Commune du Vigan", "Commune d'Espalion", "Commune de La Roche-sur-Yon"]),
    ("les communes de la vallée ont signé", []),
    ("les deux communes, Figeac et la Région, signent", []),  # not capitalised names only
])
def test_communes_a_plural_enumerates(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Deux intercommunalités du parc, Ambert Livradois Forez et Thiers Dore et Montagne, sont signataires.",
     [("Ambert Livradois Forez", "EPCI"), ("Thiers Dore et Montagne", "EPCI")]),
    ("L'Intercom de la Vire au Noireau, Saint-Lô Agglo et Isigny-Omaha Intercom constituent",
     [("Intercom de la Vire au Noireau", "EPCI"), ("Saint-Lô Agglo", "CommunauteAgglomeration"),
      ("Isigny-Omaha Intercom", "EPCI")]),
    ("La Métropole Rouen Normandie, l'Agglomération Seine-Eure et Caux Seine agglo, chacune",
     [("Métropole Rouen Normandie", "Metropole"), ("Agglomération Seine-Eure", "CommunauteAgglomeration"),
      ("Caux Seine agglo", "CommunauteAgglomeration")]),
    # « Agglomération » after a name is its suffix, not the head of the next one
    ("Fougères Agglomération Bretagne Romantique Ille Rance", [("Fougères Agglomération", "CommunauteAgglomeration")]),
    ("L'exploitation est confiée à la Saarbahn GmbH, l'opérateur sarrebruckois.", [("Saarbahn GmbH", "Enterprise")]),
    ("le Regionalverband Saarbrücken et la Région Grand Est",
     [("Regionalverband Saarbrücken", "LocalAuthority"), ("Région Grand Est", "Region")]),
    ("Le groupement européen de coopération territoriale (GECT) Eurodistrict SaarMoselle, qui",
     [("Eurodistrict SaarMoselle", "PublicActor")]),
])
def test_intercommunal_names_without_type_words_companies_and_eurodistricts(text, expected):
    assert typed(text) == expected


def test_a_plan_named_before_a_body_is_not_part_of_its_name():
    assert names("• Articulation avec le PCAET de Lorient Agglo\n") == ["Lorient Agglo"]


@pytest.mark.parametrize(("text", "expected"), [
    ("la Préfecture de l'Hérault, le Département de l'Hérault et la préfecture de Haute-Corse",
     [("Préfecture de l'Hérault", "StateService"), ("Département de l'Hérault", "Departement"),
      ("Préfecture de Haute-Corse", "StateService")]),
    ("Transmis en sous-préfecture le 2 octobre", []),
    ("La Direction départementale des territoires de l'Aveyron a accompagné le démarrage",
     [("Direction départementale des territoires de l'Aveyron", "StateService")]),
    ("la direction régionale de l'ADEME", [("ADEME", "StateAgency")]),  # the agency, not a State service
    # a capitalised head and a description ending with a place
    ("GAB 56 (Groupement des agriculteurs bio du Morbihan) et la Maison de l'agriculture bio du Finistère",
     [("Groupement des agriculteurs bio du Morbihan", "Actor"), ("Maison de l'agriculture bio du Finistère", "Actor")]),
    ("l'Agence locale de l'énergie et du climat de l'Eure", [("Agence locale de l'énergie et du climat de l'Eure", "Actor")]),
    ("la Communauté professionnelle territoriale de santé du Cœur d'Hérault",
     [("Communauté professionnelle territoriale de santé du Cœur d'Hérault", "Actor")]),
    ("l'Office national des forêts", [("Office national des forêts", "StateAgency")]),  # the specific rule wins
    ("le Centre Bretagne et la Maison de santé accueille Jean", []),  # a place; a verb is no description
])
def test_state_services_and_organisations_named_by_a_description(text, expected):
    assert typed(text) == expected


def test_a_name_goes_on_after_a_dash_at_a_line_end_in_prose_only():
    text = ("Invités : Marie-Jeanne LUCIANI, présidente de la communauté de communes de L'Île-Rousse – Balagne\n"
            "Contrat de réciprocité Brest métropole – Morlaix\n")
    assert names(text) == ["Communauté de communes de L'Île-Rousse – Balagne", "Brest métropole"]


@pytest.mark.parametrize(("text", "expected"), [
    ("SM du SCoT de l'Artois + SM du SCoT de la Région d'Arras ;",
     [("Syndicat mixte du SCoT de l'Artois", "ScotStructure"),  # typed as the SCoT it carries
      ("Syndicat mixte du SCoT de la Région d'Arras", "ScotStructure")]),
    ("l'Unione Montana Alta Valle Susa (IT) et le Consorcio Bidasoa-Txingudi",
     [("Unione Montana Alta Valle Susa", "PublicActor"), ("Consorcio Bidasoa-Txingudi", "PublicActor")]),
])
def test_syndicat_abbreviation_and_more_foreign_bodies(text, expected):
    assert typed(text) == expected


def test_a_long_line_of_prose_wraps_a_name_under_a_heading():
    text = ("Article 1er\n"
            "Est autorisée, à compter du 1er avril 2024, l'adhésion de la communauté de communes Saône Doubs\n"
            "Bresse au Syndicat mixte du SCoT du Chalonnais.\n")
    assert names(text) == ["Communauté de communes Saône Doubs Bresse", "Syndicat mixte du SCoT du Chalonnais"]
    # a short first line under a heading: a slide's title over its first line, not wrapped
    assert names("Bilan\nUne convention avec Bordeaux Métropole\nTravail partenarial engagé") == ["Bordeaux Métropole"]
    # a long line with a column gap in it is a table's row, not prose
    row = "Membre titulaire           CC Sud Côte Chalonnaise et communauté de communes Saône Doubs\nBresse nord"
    assert names(row)[-1] == "Communauté de communes Saône Doubs"
    # nor is a grid's row under another (a .docx table: label, tab, cell)
    grid = ("Structure employeuse\tCommunauté de communes Sud Retz Atlantique, siège à Machecoul-Saint-Même\n"
            "Collectivités bénéficiaires\tCC Sud Retz Atlantique, Communauté de communes de Grand Lieu, Communauté de "
            "communes Sud Estuaire\nCadre juridique\tConvention de mutualisation du 3 mars 2025")
    assert names(grid)[-1] == "Communauté de communes Sud Estuaire"


def test_a_type_word_after_au_starts_another_name():
    assert names("la communauté de communes Saône Doubs Bresse au Syndicat mixte du Chalonnais.") == [
        "Communauté de communes Saône Doubs Bresse", "Syndicat mixte du Chalonnais"]
    assert names("la communauté de communes de Vire au Noireau") == ["Communauté de communes de Vire au Noireau"]


def test_a_name_closed_by_et_sa_region():
    """« et sa Région » / « et son canton » close a name; « et son agglomération » is another body."""
    assert names("Pour le Syndicat mixte du SCoT d'Épernay et sa Région (SCoTER) : M. Patrice Domont,") == [
        "Syndicat mixte du SCoT d'Épernay et sa Région"]
    assert names("le syndicat intercommunal de Saint-Amand et son canton gère") == [
        "Syndicat intercommunal de Saint-Amand et son canton"]
    assert names("la communauté de communes du Pays de Lunel et ses partenaires signent") == [
        "Communauté de communes du Pays de Lunel"]
    assert names("le PETR du Pays de Langres et son agglomération") == ["PETR du Pays de Langres"]


def test_a_name_from_one_place_to_another():
    """« à » links two places of a name after an elided article (« De l'Oust à Brocéliande »), not
    a move from a town to a body (« de Lannion à Lannion-Trégor Communauté »)."""
    assert names("la communauté de communes De l'Oust à Brocéliande signe") == [
        "Communauté de communes De l'Oust à Brocéliande"]
    assert names("De l'Oust à Brocéliande Communauté – à créer") == ["Oust à Brocéliande Communauté"]
    assert names("le transfert de Lannion à Lannion-Trégor Communauté a eu lieu") == ["Lannion-Trégor Communauté"]
    assert names("la communauté de communes de Lannion à Paimpol") == ["Communauté de communes de Lannion"]


@pytest.mark.parametrize(("text", "expected"), [
    ("MAIRIE D'AUDUN-LE-TICHE", ["Mairie d'Audun-le-Tiche"]),
    ("COMMUNAUTÉ DE COMMUNES DE LA PIEVE DE L'ORNANO ET DU TARAVO",
     ["Communauté de communes de la Pieve de l'Ornano et du Taravo"]),
    ("PETR DU PAYS DE LANGRES", ["PETR du Pays de Langres"]),  # a kind's acronym stays
    ("le SCoT RHÔNE-PROVENCE-BARONNIES", ["SCoT Rhône-Provence-Baronnies"]),
    ("la Communauté de communes du Grand Châteaudun", ["Communauté de communes du Grand Châteaudun"]),
])
def test_names_set_in_capitals_take_their_usual_case(text, expected):
    assert names(text) == expected


def test_usual_case_keeps_acronyms():
    from ingest.documents.casing import in_usual_case

    assert in_usual_case("SMMC") == "SMMC"
    assert in_usual_case("CC CCPOT") == "CC CCPOT"  # two capitals words without a connector: acronyms
    assert in_usual_case("GRAND CHÂTEAUDUN", pairs=True) == "Grand Châteaudun"


@pytest.mark.parametrize(("name", "acronym"), [
    ("Communauté de communes de la Pieve de l'Ornano et du Taravo", "CCPOT"),
    ("Communauté d'agglomération du Pays Ajaccien", "CAPA"),
    ("Forêt d'Orléans-Loire-Sologne", "FOLS"),
    ("Syndicat mixte des Monts du Cantal", "SMMC"),
])
def test_initials(name, acronym):
    from ingest.documents.acronyms import initials

    assert initials(name) == acronym


@pytest.mark.parametrize(("text", "expected"), [
    # typed as the structure it carries, as curators do
    ("Le Syndicat mixte de gestion du Parc naturel régional du Luberon, dont le siège est à Apt,",
     [("Syndicat mixte de gestion du Parc naturel régional du Luberon", "PNR")]),
    ("le syndicat mixte du Parc naturel régional des Vosges du Nord signe.",
     [("Syndicat mixte du Parc naturel régional des Vosges du Nord", "PNR")]),
    ("le SM du SCoT de l'Artois signe.", [("Syndicat mixte du SCoT de l'Artois", "ScotStructure")]),
    ("le Syndicat mixte du Pays Cœur d'Hérault", [("Syndicat mixte du Pays Cœur d'Hérault", "PaysStructure")]),
    # the structure alone, or a syndicat mixte on another line
    ("le Parc naturel régional du Luberon signe.", [("Parc naturel régional du Luberon", "PNR")]),
    ("le syndicat mixte\nParc naturel régional du Luberon", [("Parc naturel régional du Luberon", "PNR")]),
])
def test_a_syndicat_mixte_named_after_the_structure_it_carries(text, expected):
    assert typed(text) == expected


def test_an_acronym_head_bridges_no_lowercase_words():
    assert typed("Le GECT associe la Région Nouvelle-Aquitaine et la Communauté forale de Navarre.")[0] == (
        "Région Nouvelle-Aquitaine", "Region")
    assert names("le GECT Pirineus-Cerdanya signe.") == ["GECT Pirineus-Cerdanya"]


def test_the_name_of_a_kind_of_body_is_no_body():
    assert names("| Syndicat mixte | Groupement européen de coopération territoriale (GECT) |") == []
    assert names("le Groupement des agriculteurs bio du Morbihan") == ["Groupement des agriculteurs bio du Morbihan"]
