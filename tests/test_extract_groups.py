"""Groups of actors the source does not name (« les communes du Grand Chalon »): minted as
placeholders after the curated corpus's convention when the base has none and their owner is
clear, and matched by the extraction evaluation on their names without description (own fixture
sentences, seed style; no spaCy, no embedding model)."""
from __future__ import annotations

import pytest

from benchmarks.extraction_eval import ActorMatcher, ActorRef, group_key, group_similarity
from ingest.documents.extract import extract
from ingest.documents.graph import document_graph
from ingest.documents.lexicon import LexEntry, Lexicon, is_placeholder_label
from ontology.namespace import COOP
from tests.test_extract_places import bare  # noqa: F401
from tests.test_ingest_extract import (by_iri, check_invariants, lexicon, make_candidate, minter,  # noqa: F401
                                       new_actors, vocab_lexicon)


def groups(mentions) -> dict[str, tuple]:
    return {k: (m.text, m.types, m.confidence) for k, m in new_actors(mentions).items() if is_placeholder_label(k)}


@pytest.mark.parametrize("text, label, surface, cls, confidence", [
    ("La CA du Grand Chalon organise des débats avec les communes du Grand Chalon.",
     "Communes du Grand Chalon et leurs élus (non nommées dans la source)", "les communes", COOP.Commune, 0.72),
    ("La CA du Grand Chalon réunit ses 37 communes chaque trimestre.",
     "Communes du Grand Chalon et leurs élus (non nommées dans la source)", "37 communes", COOP.Commune, 0.7),
    ("Sur le **Pôle métropolitain du Pays de Brest**, les périmètres sont emboîtés. La communauté urbaine et les "
     "communautés de communes mutualisent une équipe.",
     "Communautés de communes du Pays de Brest (non nommées dans la source)", "les communautés de communes",
     COOP.CommunauteDeCommunes, 0.7),
    ("Dans le **Pays de Figeac**, des réunions par groupes de communes sont organisées.",
     "Communes du Pays de Figeac et leurs élus (non nommées dans la source)", "de communes", COOP.Commune, 0.7),
    ("La communauté d'agglomération du Grand Besançon a un élu référent pour les petites communes.",
     "Petites communes du Grand Besançon (non nommées dans la source)", "les petites communes", COOP.Commune, 0.7),
    ("Le **Scot du Douaisis** poursuit le dialogue avec les élus communaux.",
     "Communes du Douaisis et leurs élus (non nommées dans la source)", "les élus", COOP.Commune, 0.7),
    ("Un réseau s'est construit au sein du **Pays de la Baie**, entre la directrice et les DGS des communautés de "
     "communes.", "Communautés de communes du Pays de la Baie (non nommées dans la source)",
     "des communautés de communes", COOP.CommunauteDeCommunes, 0.7),
    ("Le Pays de Figeac organise un séminaire pour tous les élus du territoire.",
     "Communes du Pays de Figeac et leurs élus (non nommées dans la source)", "tous les élus", COOP.Commune, 0.7),
    ("Chartres Métropole associe les communes membres de Chartres Métropole.",
     "Communes de Chartres Métropole et leurs élus (non nommées dans la source)", "les communes", COOP.Commune, 0.72),
    # the complement is a description of the owner (« du Parc »), resolved to the one PNR named
    ("Le PNR du Massif des Bauges a signé un contrat. Les élus des communes du Parc siègent au comité.",
     "Communes du PNR du Massif des Bauges et leurs élus (non nommées dans la source)", "des communes", COOP.Commune,
     0.72),
])
def test_group_minted_with_its_owner(bare, text, label, surface, cls, confidence):  # noqa: F811
    doc, cand = make_candidate(text)
    ms = extract(doc, cand, bare)
    check_invariants(doc, cand, ms)
    assert groups(ms) == {label: (surface, (cls,), confidence)}
    (m,) = [m for m in ms if m.label == label]
    assert m.method == "pattern" and m.iri is None


@pytest.mark.parametrize("text", [
    "Les communes et les partenaires coopèrent. Les acteurs locaux aussi.",  # no owner
    "La démarche associe les partenaires et les acteurs locaux de Lorient Agglomération.",  # generic nouns
    "Toulouse Métropole et Nantes Métropole mobilisent les communes.",  # two owners in the sentence
    "Lorient Agglomération mobilise certaines communes.",  # a part of the group
    "La CA du Grand Chalon se développe. Le projet mûrit. Les communes suivent.",  # owner two sentences back
    "La CA du Grand Chalon et Chartres Métropole se développent. Les communes suivent.",  # two owners before
    "La Commune de Quimperlé et les communes voisines coopèrent.",  # a commune owns no communes
    "Lorient Agglomération et les communautés de communes voisines coopèrent.",  # an EPCI has no CC members
    "Lorient Agglomération coopère avec des communes rurales du Léon.",  # the noun names whose they are
    # the members are named right after the noun, in apposition
    "Le Pays Centre Bretagne réunit ses deux communautés de communes, Loudéac Communauté Bretagne Centre et la "
    "Communauté de communes du Centre Bretagne.",
    "Le Pays de Brest fédère les communautés de communes : la CC du Pays des Abers et la CC du Pays d'Iroise.",
    # the count is that of the bodies of the class named before: those bodies
    "Le Pays de Brest, la CC du Pays des Abers et la CC du Pays d'Iroise ont signé. L'agent partage son temps "
    "entre les deux communautés de communes.",
    # … or more of them, one named by a suffix head (an EPCI)
    "Membres : Haute-Corrèze Communauté, la CC Creuse Grand Sud, la CC Vézère-Monédières et la CC du "
    "Pays d'Uzerche. Le PNR propose aux trois communautés de communes d'élaborer une charte.",
    # a definite plural without a count after two bodies of its class or more
    "Le Pays du Sundgau, la CC Sundgau et la CC Sud Alsace Largue ont créé un conseil commun. "
    "Les intercommunalités du Pays du Sundgau le financent.",
    # a count in a title over a text naming as many
    "Un conseil de développement pour deux intercommunalités. La CC Sundgau et la CC Sud Alsace Largue l'ont créé.",
])
def test_group_not_minted(bare, text):  # noqa: F811
    assert groups(extract(*make_candidate(text), bare)) == {}


def test_a_group_is_never_an_owner_nor_a_place(bare):  # noqa: F811
    # The minted group of communes is not "the one commune" an agglomeration is named after.
    doc, cand = make_candidate("Le Pays de Figeac réunit ses communes, et la communauté d'agglomération coopère.")
    got = new_actors(extract(doc, cand, bare))
    assert "Communes du Pays de Figeac et leurs élus (non nommées dans la source)" in got
    assert not [k for k in got if k.startswith("Communauté d'agglomération")]


def test_the_base_placeholder_wins_over_minting(lexicon):  # noqa: F811
    # The full base has the group: it is linked, nothing is minted.
    doc, cand = make_candidate("Dans le Pays de Figeac, des réunions par groupes de communes sont organisées.")
    ms = extract(doc, cand, lexicon)
    assert "actor/communes-pays-de-figeac" in by_iri(ms) and groups(ms) == {}


def test_a_minted_group_is_a_placeholder_once_in_the_base(bare, minter):  # noqa: F811
    doc, cand = make_candidate("La CA du Grand Chalon organise des débats avec les communes du Grand Chalon.")
    ms = extract(doc, cand, bare)
    label = "Communes du Grand Chalon et leurs élus (non nommées dans la source)"
    g = document_graph(doc, [cand], [ms], minter)
    (st,) = [s for s in g.statements if s.kind == "actor" and s.label == label]
    assert (st.method, st.confidence, st.status) == ("pattern", 0.72, COOP.Asserted)
    # Re-ingested into a base that holds it (and its owner), it is a placeholder: not matched by
    # name, found again by resolve_collective.
    group = LexEntry(st.target, "actor", (label,), types=(COOP.Commune,), territory=minter.iri("territory", "x"))
    owner = LexEntry(minter.iri("actor", "grand-chalon"), "actor", ("Communauté d'agglomération du Grand Chalon",
                                                                     "CA du Grand Chalon"),
                     types=(COOP.CommunauteAgglomeration,), territory=minter.iri("territory", "x"))
    lex = Lexicon([*bare.entries, group, owner])
    assert lex.get(st.target).placeholder
    doc2, cand2 = make_candidate("Communes du Grand Chalon")
    assert str(st.target) not in {str(m.iri) for m in extract(doc2, cand2, lex)}  # never by its name
    doc2, cand2 = make_candidate("Les communes du Grand Chalon débattent.")  # its own words name it
    assert [(m.text, m.confidence) for m in extract(doc2, cand2, lex) if m.iri == st.target] == [("Les communes", 0.75)]
    ms = extract(doc, cand, lex)
    assert [m.text for m in ms if m.iri == st.target] == ["les communes"] and groups(ms) == {}


# ----------------------------------------------------------------------------- evaluation


def test_group_key_drops_the_description():
    assert group_key("Communes membres de Chartres Métropole et leurs maires (non nommées dans la source)") == \
        "Communes de Chartres Métropole"
    assert group_key("Communes du Grand Chalon et leurs élus (non nommées dans la source)") == "Communes du Grand Chalon"


@pytest.mark.parametrize("a, b, same", [
    ("Communes du Grand Chalon (non nommées dans la source)",
     "Communes du Grand Chalon et leurs élus (non nommées dans la source)", True),
    ("Communes du Grand Chalon (non nommées dans la source)",
     "Communes du Grand Besançon (non nommées dans la source)", False),
    ("Communes de Chartres Métropole (non nommées dans la source)",
     "Communes membres de Chartres Métropole et leurs maires (non nommées dans la source)", True),
    ("Communautés de communes du Pays de Brest (non nommées dans la source)",
     "Communes du Pays de Brest (non nommées dans la source)", False),
])
def test_group_similarity(a, b, same):
    assert (group_similarity(a, b) >= 90) is same


def test_matcher_pairs_groups_with_placeholders_only():
    names = {"g": ["Communes du Grand Chalon et leurs élus (non nommées dans la source)"],
             "b": ["Communes du Grand Besançon (non nommées dans la source)"],
             "n": ["Communauté d'agglomération du Grand Chalon", "Grand Chalon"]}
    m = ActorMatcher("label", names)
    group = ActorRef("x1", "Communes du Grand Chalon (non nommées dans la source)", 0.72)
    named = ActorRef("x2", "Communauté d'agglomération du Grand Chalon", 0.8)
    assert {(a.iri, g) for a, g in m.match([group, named], ["g", "b", "n"])} == {("x1", "g"), ("x2", "n")}
    # A group is never a named actor, however close the words.
    assert m.match([group], ["n"]) == []



def test_other_bodies_than_those_named_are_not_them(bare):  # noqa: F811
    from ingest.documents.descriptions import _members_counted
    from ingest.documents.nouns import find_descriptions

    for other, expected in (("les deux communautés de communes", True), ("les deux autres communautés de communes", False)):
        text = f"La CC du Pays des Abers et la CC du Pays d'Iroise mutualisent une équipe avec {other}."
        doc, cand = make_candidate(text)
        (d,) = [d for d in find_descriptions(text) if d.collective]
        assert _members_counted(d, extract(doc, cand, bare), bare) is expected


def test_an_uncounted_group_of_intercommunalites_the_case_names_is_a_suggestion(bare):  # noqa: F811
    from ingest.documents.model import ASSERT_THRESHOLD
    from ingest.documents.named_groups import CONF_NAMED_ELSEWHERE

    lead = "Sur le **Pôle métropolitain du Pays de Brest**, les périmètres sont emboîtés. "
    group = "Communautés de communes du Pays de Brest (non nommées dans la source)"
    body = "La communauté urbaine et les communautés de communes mutualisent une équipe."
    # the case names two communautés de communes elsewhere: those are the members
    named = " La CC du Pays des Abers et la CC du Pays d'Iroise en assurent le portage."
    ms = extract(*make_candidate(lead + body + named), bare)
    assert groups(ms)[group][2] == CONF_NAMED_ELSEWHERE < ASSERT_THRESHOLD
    # others than those named: the group stays asserted
    others = " Les trois autres communautés de communes participent aux séances."
    ms = extract(*make_candidate(lead + body + named + others), bare)
    assert groups(ms)[group][2] >= ASSERT_THRESHOLD
    # one named only: the group stays asserted
    ms = extract(*make_candidate(lead + body + " La CC du Pays des Abers en assure le portage."), bare)
    assert groups(ms)[group][2] >= ASSERT_THRESHOLD
    # a group of communes stays, whatever intercommunalités the case names
    text = "La CA du Grand Chalon organise des débats avec les communes du Grand Chalon." + named
    label = "Communes du Grand Chalon et leurs élus (non nommées dans la source)"
    assert groups(extract(*make_candidate(text), bare))[label][2] >= ASSERT_THRESHOLD


def test_a_group_of_a_syndicat_mixte_carrying_a_park_is_named_after_the_park():
    from ingest.documents.descriptions import owner_de

    assert owner_de("Syndicat mixte de gestion du Parc naturel régional du Luberon") == \
        "du Parc naturel régional du Luberon"
    assert owner_de("Syndicat mixte des Monts du Cantal") == "des Monts du Cantal"
