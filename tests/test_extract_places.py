"""Where is a town? The préfectures table (ingest/documents/data/prefectures.tsv) and its use in
extraction: « le Département » / « la Région » / « l'agglomération » of a case about a town the
base does not know (own fixture sentences, seed style; no spaCy, no embedding model)."""
from __future__ import annotations

import pytest

from ingest.documents.descriptions import owner_de, with_de
from ingest.documents.extract import extract
from ingest.documents.lexicon import LexEntry, Lexicon
from ingest.documents.towns import PREFECTURES_FILE, find_towns, prefectures
from ontology.namespace import COOP
from tests.test_ingest_extract import lexicon, make_candidate, minter, new_actors, vocab_lexicon  # noqa: F401


@pytest.fixture(scope="module")
def bare(vocab_lexicon) -> Lexicon:  # noqa: F811
    """The vocabularies with the régions and départements only (corpus/territories/france.yaml): the
    base of the `vocab` registry, which knows no town, no intercommunality, no Pays."""
    def national(e: LexEntry) -> bool:
        return any(str(t).rstrip("/").endswith(("/region", "/departement")) for t in e.types)

    return Lexicon([e for e in vocab_lexicon.entries if e.kind != "territory" or national(e)])


# ----------------------------------------------------------------------------- the table


def test_the_table_has_the_101_departements():
    rows = prefectures()
    codes = {r.code for r in rows}
    assert len(codes) == 101
    assert {f"{i:02d}" for i in range(1, 96) if i != 20} | {"2A", "2B", "971", "972", "973", "974", "976"} == codes
    by_town = {r.town: r for r in rows}
    assert (by_town["Bordeaux"].code, by_town["Bordeaux"].departement) == ("33", "Gironde")
    assert (by_town["Nevers"].code, by_town["Pau"].code, by_town["Le Mans"].code) == ("58", "64", "72")
    assert by_town["Quimper"].departement == "Finistère" and "Brest" not in by_town  # the préfecture, not the big town
    assert not by_town["Ajaccio"].council and by_town["Saint-Denis"].homonym
    assert PREFECTURES_FILE.read_text(encoding="utf-8").startswith("# Chefs-lieux (préfectures)")


@pytest.mark.parametrize("text, expected", [
    ("Chargée de projet à Bordeaux Métropole", [("Bordeaux", "33")]),
    ("le Pays du Grand Pau et le Pays du Mans", [("Pau", "64"), ("Mans", "72")]),
    ("la ville de Bourg en Bresse, Saint-Etienne et La Rochelle", [("Bourg en Bresse", "01"), ("Saint-Etienne", "42"),
                                                                  ("Rochelle", "17")]),
    ("Évry-Courcouronnes", [("Évry-Courcouronnes", "91")]),
])
def test_find_towns(text, expected):
    assert [(t.text, t.prefecture.code) for t in find_towns(text)] == expected


@pytest.mark.parametrize("text", [
    "la Seine-Saint-Denis",  # part of a longer name
    "Saint-Denis",  # La Réunion's préfecture, and a big commune of Seine-Saint-Denis: never
    "la communauté d'agglomération Pau-Pyrénées",  # another place's name (compound)
    "des tours de table ; bordeaux en minuscules",  # no capital
    "Mans",  # "Le Mans" needs its article
    "d'un côté ou de l'autre de la Rivière Saint-Étienne",  # another place named after the town
    "au 12 rue de Belfort", "la gare de Lyon",
])
def test_find_towns_negative(text):
    assert find_towns(text) == []


# ----------------------------------------------------------------------------- the Département and the Région


def test_departement_and_region_of_a_metropolis_named_after_its_prefecture(bare, minter):  # noqa: F811
    doc, cand = make_candidate("Chargée de projet coopérations territoriales à Bordeaux Métropole\n"
                               "Travail partenarial avec le Département, la Région et l'Agence d'urbanisme")
    got = {k: (m.text, m.types, m.territory, m.confidence) for k, m in new_actors(extract(doc, cand, bare)).items()}
    assert got["Département de la Gironde"] == ("le Département", (COOP.Departement,),
                                                minter.iri("territory", "gironde"), 0.7)
    assert got["Région Nouvelle-Aquitaine"] == ("la Région", (COOP.Region,),
                                                minter.iri("territory", "nouvelle-aquitaine"), 0.7)
    assert "Agence d'urbanisme de Bordeaux" in got


def test_departement_of_a_pays_named_after_its_prefecture(bare, minter):  # noqa: F811
    doc, cand = make_candidate("Le Pays de Nevers Sud Nivernais et l'agglomération ont obtenu un contrat unique "
                               "signé avec l'Etat, la Région et le Département.")
    got = new_actors(extract(doc, cand, bare))
    assert got["Département de la Nièvre"].territory == minter.iri("territory", "nievre")
    assert got["Région Bourgogne-Franche-Comté"].territory == minter.iri("territory", "bourgogne-franche-comte")


def test_departement_the_base_does_not_have_is_minted_by_its_name(bare):
    # The Somme is not in the base: the Département is named from the table, without territory;
    # its région is unknown, so no Région.
    doc, cand = make_candidate("Amiens Métropole travaille avec le Département et la Région.")
    got = new_actors(extract(doc, cand, bare))
    assert set(got) == {"Amiens Métropole", "Département de la Somme"}
    assert (got["Département de la Somme"].territory, got["Département de la Somme"].confidence) == (None, 0.7)


@pytest.mark.parametrize("text", [
    "Bordeaux Métropole et Toulouse Métropole coopèrent avec le Département et la Région.",  # two départements
    "Lorient Agglomération coopère avec le Département.",  # no préfecture: the text does not say where
    "Le Pays d'Ajaccio coopère avec le Département.",  # Corse-du-Sud: no Département of its own
    "Saint-Denis coopère avec le Département.",  # homonym
    "Bordeaux Métropole et Amiens Métropole coopèrent avec la Région.",  # Somme's région unknown: a tie
])
def test_departement_and_region_not_minted(bare, text):
    doc, cand = make_candidate(text)
    got = new_actors(extract(doc, cand, bare))
    assert not [k for k in got if k.startswith(("Département", "Région"))], got


def test_a_town_in_passing_weighs_less_than_the_case_structure(bare):
    doc, cand = make_candidate("Bordeaux Métropole, comme on le fait à Lyon, travaille avec le Département.")
    assert "Département de la Gironde" in new_actors(extract(doc, cand, bare))


# ----------------------------------------------------------------------------- the agglomeration


@pytest.mark.parametrize("text, name, surface", [
    ("Le **Pays de Nevers Sud Nivernais et l'agglomération** ont pesé de concert.", "Agglomération de Nevers",
     "l'agglomération"),
    ("Le Pays du Grand Pau travaille sur la contractualisation séparée entre Pays et agglomération.",
     "Agglomération de Pau", "agglomération"),
    ("Le Pays du Mans et la communauté d'agglomération ont signé une convention.",
     "Communauté d'agglomération du Mans", "la communauté d'agglomération"),
])
def test_agglomeration_of_the_prefecture_of_the_sentence(bare, text, name, surface):
    got = new_actors(extract(*make_candidate(text), bare))
    assert (got[name].text, got[name].types, got[name].confidence) == (surface, (COOP.CommunauteAgglomeration,), 0.7)


@pytest.mark.parametrize("text", [
    "Bordeaux Métropole et l'agglomération coopèrent.",  # an EPCI named after the town: which is which?
    "Le Pays de Figeac et l'agglomération coopèrent.",  # no préfecture
    "Le Pays du Mans et le Pays de Laval coopèrent avec l'agglomération.",  # two towns
    "Le Pays du Mans se développe. L'agglomération coopère.",  # not in the same sentence
])
def test_agglomeration_not_minted(bare, text):
    got = new_actors(extract(*make_candidate(text), bare))
    assert not [k for k in got if "gglomération" in k and "Pays" not in k], got


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize("place, expected", [
    ("Bassin de Bourg en Bresse", "du Bassin de Bourg en Bresse"), ("Vallée de la Drôme", "de la Vallée de la Drôme"),
    ("Monts du Lyonnais", "des Monts du Lyonnais"), ("Nevers", "de Nevers"), ("Le Mans", "du Mans"),
])
def test_with_de_place_nouns(place, expected):
    assert with_de(place) == expected


@pytest.mark.parametrize("name, expected", [
    ("Communauté d'agglomération du Grand Chalon", "du Grand Chalon"), ("Scot du Douaisis", "du Douaisis"),
    ("Chartres Métropole", "de Chartres Métropole"), ("Pays de Figeac", "du Pays de Figeac"),
    ("Pôle métropolitain du Pays de Brest", "du Pays de Brest"), ("Communauté de communes d'Arve", "d'Arve"),
])
def test_owner_de(name, expected):
    assert owner_de(name) == expected
