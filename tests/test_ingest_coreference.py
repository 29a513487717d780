"""One new actor per name in a document (ingest.documents.coreference), and its graph: one IRI,
one rdfs:label, the other names as skos:altLabel."""
from __future__ import annotations

import hashlib

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from ingest.documents.coreference import unify_new_actors
from ingest.documents.graph import document_graph
from ingest.documents.model import Candidate, Document, Mention
from ontology.iris import Minter
from ontology.namespace import COOP

TEXT = ("Le Parc naturel régional du Massif des Bauges et l'agglomération ont signé un contrat.\n\n"
        "Le PNR du Massif des Bauges apporte son expertise forestière.\n")


def at(part: str, after: int = 0) -> tuple[int, int]:
    s = TEXT.index(part, after)
    return s, s + len(part)


def new_actor(text: str, label: str, after: int = 0, **kw) -> Mention:
    return Mention("actor", text, *at(text, after), "pattern", 0.8, label=label, types=(COOP.PNR,), **kw)


LONG = new_actor("Parc naturel régional du Massif des Bauges", "Parc naturel régional du Massif des Bauges")
SHORT = new_actor("PNR du Massif des Bauges", "PNR du Massif des Bauges")


def test_two_names_with_one_key_take_the_longest():
    (first, second), others = unify_new_actors([[SHORT], [LONG]])
    assert first[0].label == second[0].label == "Parc naturel régional du Massif des Bauges"
    assert (first[0].start, first[0].text) == (SHORT.start, SHORT.text)  # where it was said stays
    assert others == {"Parc naturel régional du Massif des Bauges": ("PNR du Massif des Bauges",)}


def test_choice_does_not_depend_on_the_order():
    assert unify_new_actors([[LONG, SHORT]])[1] == unify_new_actors([[SHORT, LONG]])[1]


def test_linked_mentions_other_kinds_and_distinct_names_are_left_alone():
    linked = Mention("actor", "PNR du Massif des Bauges", *at("PNR du Massif des Bauges"), "gazetteer", 0.95,
                     iri=URIRef("https://example.org/actor/bauges"))
    other = new_actor("agglomération", "Agglomération d'Annecy")
    theme = Mention("theme", "forestière", *at("forestière"), "keyword", 0.8, iri=URIRef("https://example.org/t"))
    found = [[LONG, linked, other, theme]]
    assert unify_new_actors(found) == (found, {})


def test_graph_has_one_actor_with_an_alternative_label():
    doc = Document(name="bauges.md", path="in/bauges.md", media_type="text/markdown", text=TEXT,
                   sha256=hashlib.sha256(TEXT.encode()).hexdigest(), title="Bauges")
    m = Minter("https://example.org/kb/")
    cand = Candidate("Bauges", 0, len(TEXT), None, None)
    dg = document_graph(doc, [cand], [[LONG, SHORT]], m)
    actors = {o for s, p, o in dg.triples if p == COOP.participant}
    assert len(actors) == 1
    (actor,) = actors
    assert {o for s, p, o in dg.triples if s == actor and p == RDFS.label} == {
        Literal("Parc naturel régional du Massif des Bauges", lang="fr")}
    assert {o for s, p, o in dg.triples if s == actor and p == SKOS.altLabel} == {
        Literal("PNR du Massif des Bauges", lang="fr")}


def test_a_mairie_is_its_commune():
    mairie = Mention("actor", "mairie d'Hendaye", 0, 16, "pattern", 0.8, label="Mairie d'Hendaye",
                     types=(COOP.Commune,))
    commune = Mention("actor", "commune d'Hendaye", 40, 57, "pattern", 0.8, label="Commune d'Hendaye",
                      types=(COOP.Commune,))
    (first, second), others = unify_new_actors([[mairie], [commune]])
    assert first[0].label == second[0].label == "Commune d'Hendaye"
    assert others == {"Commune d'Hendaye": ("Mairie d'Hendaye",)}


def named(label: str, cls, start: int) -> Mention:
    return Mention("actor", label, start, start + len(label), "pattern", 0.8, label=label, types=(cls,))


def test_a_syndicat_mixte_is_the_structure_it_carries():
    carrier = named("Syndicat mixte du SCoT du Chalonnais", COOP.SyndicatMixte, 0)
    scot = named("SCoT du Chalonnais", COOP.ScotStructure, 100)
    parc = named("Parc naturel régional Livradois-Forez", COOP.PNR, 200)
    parc_carrier = named("Syndicat mixte de gestion du PNR Livradois-Forez", COOP.SyndicatMixte, 300)
    found, others = unify_new_actors([[carrier, scot], [parc, parc_carrier]])
    assert [m.label for m in found[0]] == ["Syndicat mixte du SCoT du Chalonnais"] * 2
    assert len({m.label for m in found[1]}) == 1  # the longest name (then the first alphabetically)
    assert others["Syndicat mixte du SCoT du Chalonnais"] == ("SCoT du Chalonnais",)
    # another structure's name, or a syndicat mixte named after a place: left alone
    other = [[named("Syndicat mixte du SCoT du Chalonnais", COOP.SyndicatMixte, 0),
              named("SCoT de la Bresse bourguignonne", COOP.ScotStructure, 100),
              named("Syndicat mixte du Chalonnais", COOP.SyndicatMixte, 200),
              named("Chalonnais", COOP.Actor, 300)]]
    assert unify_new_actors(other) == (other, {})


def test_an_agglomeration_is_the_communaute_d_agglomeration_of_its_name():
    short = named("Agglomération du Marsan et de la Midouze", COOP.CommunauteAgglomeration, 0)
    full = named("Communauté d'agglomération du Marsan et de la Midouze", COOP.CommunauteAgglomeration, 60)
    other = named("Agglomération du Grand Dax", COOP.CommunauteAgglomeration, 130)
    (first, second, third), others = unify_new_actors([[short], [full], [other]])
    assert first[0].label == second[0].label == "Communauté d'agglomération du Marsan et de la Midouze"
    assert third[0].label == "Agglomération du Grand Dax"  # no communauté of that name in the document
    assert others == {"Communauté d'agglomération du Marsan et de la Midouze": (
        "Agglomération du Marsan et de la Midouze",)}


def test_a_bare_acronym_is_the_one_longer_name_it_starts():
    bare_ = named("DRAAF", COOP.StateService, 0)
    regional = named("DRAAF Bretagne", COOP.StateService, 40)
    (first, second), others = unify_new_actors([[bare_], [regional]])
    assert first[0].label == second[0].label == "DRAAF Bretagne"
    assert others == {"DRAAF Bretagne": ("DRAAF",)}
    # two longer names: which one is meant is not known; a name that is no acronym: left alone
    two = [[bare_, named("DRAAF Bretagne", COOP.StateService, 40), named("DRAAF Normandie", COOP.StateService, 80)]]
    assert unify_new_actors(two) == (two, {})
    towns = [[named("Commune de Tende", COOP.Commune, 0), named("Commune de Tende Pôle", COOP.Commune, 40)]]
    assert unify_new_actors(towns) == (towns, {})


def test_a_name_is_the_one_longer_name_that_only_adds_lowercase_words():
    short = named("Communauté de communes de la Haute Lande", COOP.CommunauteDeCommunes, 0)
    full = named("Communauté de communes de la Haute Lande forestière", COOP.CommunauteDeCommunes, 60)
    (first, second), others = unify_new_actors([[short], [full]])
    assert first[0].label == second[0].label == "Communauté de communes de la Haute Lande forestière"
    assert others == {"Communauté de communes de la Haute Lande forestière": ("Communauté de communes de la Haute Lande",)}


def test_one_name_with_its_type_word_before_or_after_it():
    before = named("Agglo de Saint-Malo", COOP.CommunauteAgglomeration, 0)
    after = named("Saint-Malo Agglomération", COOP.CommunauteAgglomeration, 40)
    (first, second), others = unify_new_actors([[before], [after]])
    assert first[0].label == second[0].label == "Saint-Malo Agglomération"
    # another kind of body of the same place is another body
    cc = [[named("Communauté de communes de Saint-Malo", COOP.CommunauteDeCommunes, 0), after]]
    assert unify_new_actors(cc) == (cc, {})


def test_the_first_part_of_a_compound_name_is_that_name():
    short = named("Communauté de communes du Pays de Dol", COOP.CommunauteDeCommunes, 0)
    full = named("Communauté de communes du Pays de Dol et de la Baie du Mont-Saint-Michel", COOP.CommunauteDeCommunes, 50)
    (first, second), _ = unify_new_actors([[short], [full]])
    assert first[0].label == second[0].label == full.label


def test_a_bodys_own_name_before_its_assemblys():
    council = named("Conseil départemental d'Eure-et-Loir", COOP.Departement, 0)
    own = named("Département d'Eure-et-Loir", COOP.Departement, 50)
    (first, second), _ = unify_new_actors([[council], [own]])
    assert first[0].label == second[0].label == "Département d'Eure-et-Loir"
