"""Partners a grid row counts without naming them (« 5 Communautés de communes, 3 SCoT », « Un PNR
et un Pays »): one unnamed participant per counted noun, of its class, named after the practice
(own fixture grids in seed 002's style; no spaCy, no embedding model)."""
from __future__ import annotations

import pytest
from rdflib import RDF

from ingest.documents.extract import extract
from ingest.documents.graph import document_graph
from ingest.documents.lexicon import is_placeholder_label
from ingest.documents.partners import count_of, counted_label, practice_name
from ontology.namespace import COOP
from tests.test_extract_places import bare  # noqa: F401
from tests.test_ingest_extract import (check_invariants, lexicon, make_candidate, minter,  # noqa: F401
                                       new_actors, vocab_lexicon)


def grid(title: str, partners: str, *, acteurs: str = "Un comité de pilotage associant les élus") -> str:
    return (f"→ {title}\n"
            "Éléments déclencheurs\tUn projet d'aménagement partagé\n"
            f"Partenaires / échelle\t{partners}\n"
            "Enjeux\t✓ Organiser les solidarités entre territoires\n"
            f"Acteurs\t{acteurs}\n")


def partners(mentions) -> dict[str, tuple]:
    return {k: (m.text, m.types, m.confidence, m.method) for k, m in new_actors(mentions).items()
            if is_placeholder_label(k)}


@pytest.mark.parametrize("det, count", [("5", 5), ("deux", 2), ("Trois", 3), ("un", 1), ("Une", 1), ("12", 12),
                                        ("les", None), ("des", None), ("", None), ("0", None), ("ces", None)])
def test_count_of(det, count):
    assert count_of(det) == count


def test_counted_label_follows_the_corpus_convention():
    assert counted_label(COOP.CommunauteDeCommunes, 5, "Entente du Vivarais") == (
        "Cinq communautés de communes partenaires de « Entente du Vivarais » (non nommées dans la source)")
    assert counted_label(COOP.PNR, 1, "Convention PNR / Pays") == (
        "Un parc naturel régional partenaire de « Convention PNR / Pays » (non nommé dans la source)")
    assert counted_label(COOP.CommunauteUrbaine, 1, "X") == (
        "Une communauté urbaine partenaire de « X » (non nommée dans la source)")
    assert counted_label(COOP.SyndicatMixte, 14, "X") == (
        "14 syndicats mixtes partenaires de « X » (non nommés dans la source)")
    assert counted_label(COOP.Actor, 3, "X") is None  # « 3 partenaires »: says nothing of who
    assert counted_label(COOP.Commune, 2, "") is None
    assert practice_name("→ « Convention  territoires partenaires »") == "Convention territoires partenaires"


def test_a_partners_row_yields_one_unnamed_participant_per_counted_noun(bare):  # noqa: F811
    doc, cand = make_candidate(grid("Entente du Haut-Lignon", "4 Communautés de communes sur 2 départements, 2 SCoT, "
                                    "3 contrats de rivière"))
    ms = extract(doc, cand, bare)
    check_invariants(doc, cand, ms)
    assert partners(ms) == {
        "Quatre communautés de communes partenaires de « Entente du Haut-Lignon » (non nommées dans la source)":
            ("4 Communautés de communes", (COOP.CommunauteDeCommunes,), 0.7, "pattern"),
        "Deux structures porteuses de SCoT partenaires de « Entente du Haut-Lignon » (non nommées dans la source)":
            ("2 SCoT", (COOP.ScotStructure,), 0.7, "pattern"),
    }


@pytest.mark.parametrize("row, expected", [
    ("Un PNR et un Pays", {("Un parc naturel régional", COOP.PNR), ("Un Pays", COOP.PaysStructure)}),
    ("3 communes rurales + 1 communauté agglomération + 1 communauté urbaine",
     {("Trois communes", COOP.Commune), ("Une communauté d'agglomération", COOP.CommunauteAgglomeration),
      ("Une communauté urbaine", COOP.CommunauteUrbaine)}),
    ("2 Syndicats mixtes > l'un pour l'eau, l'autre pour le développement", {("Deux syndicats mixtes", COOP.SyndicatMixte)}),
])
def test_counted_partners_of_several_kinds(bare, row, expected):  # noqa: F811
    doc, cand = make_candidate(grid("Convention de la Vallée", row))
    got = {(label.split(" partenaire")[0], m[1][0]) for label, m in partners(extract(doc, cand, bare)).items()}
    assert got == expected


@pytest.mark.parametrize("row", [
    "Des communes et des associations du territoire",  # not counted: how many, and whose, is not said
    "Les partenaires du territoire, 3 acteurs économiques",  # generic nouns
    "12 élus et 3 techniciens",  # people, not institutions
])
def test_uncounted_or_generic_partners_are_not_minted(bare, row):  # noqa: F811
    doc, cand = make_candidate(grid("Convention de la Vallée", row))
    assert partners(extract(doc, cand, bare)) == {}


def test_counted_nouns_outside_a_partners_row_are_not_partners(bare):  # noqa: F811
    doc, cand = make_candidate(grid("Convention de la Vallée", "Le territoire de la vallée",
                                    acteurs="Un comité réunissant 2 communautés de communes"))
    assert partners(extract(doc, cand, bare)) == {}
    doc, cand = make_candidate("La Convention de la Vallée associe 2 communautés de communes et un PNR.")
    assert partners(extract(doc, cand, bare)) == {}


def test_the_base_placeholder_wins_over_a_counted_partner(lexicon):  # noqa: F811
    """With the curated registry, a counted noun resolves to the placeholder the base has for the case."""
    doc, cand = make_candidate(grid("Entente interterritoriale TRIDAN", "5 Communautés de communes sur 3 départements"))
    ms = extract(doc, cand, lexicon)
    assert partners(ms) == {}
    assert any(m.kind == "actor" and m.iri is not None and m.text == "5 Communautés de communes" for m in ms)


def test_counted_partners_of_two_practices_are_two_actors(bare, minter):  # noqa: F811
    graphs = []
    for title in ("Entente du Haut-Lignon", "Entente du Mézenc"):
        doc, cand = make_candidate(grid(title, "Un PNR et 2 communautés de communes"), name=f"{title}.txt")
        ms = extract(doc, cand, bare)
        graphs.append(document_graph(doc, [cand], [ms], minter))
    pnrs = [[st for st in g.asserted if st.kind == "actor" and st.label.startswith("Un parc naturel")] for g in graphs]
    assert [len(x) for x in pnrs] == [1, 1]
    assert pnrs[0][0].target != pnrs[1][0].target  # two practices' unnamed PNR are two actors
    assert all((s_, p_, o_) in g.triples for g, (st,) in zip(graphs, pnrs)
               for s_, p_, o_ in [(st.target, RDF.type, COOP.PNR)])


def test_a_definite_description_is_the_one_actor_of_its_class_the_case_names(bare):  # noqa: F811
    """« Le PNR » of a practice that names one PNR is that PNR, even when the base does not know it,
    and it then owns the groups of its sentence (« les communautés de communes du territoire »)."""
    doc, cand = make_candidate(grid("Plans de coopération sur le PNR des Monts du Forez",
                                    "Le PNR et les communautés de communes du territoire."))
    ms = extract(doc, cand, bare)
    check_invariants(doc, cand, ms)
    pnr = [m for m in ms if m.kind == "actor" and m.text == "Le PNR"]
    assert len(pnr) == 1 and pnr[0].iri is None and COOP.PNR in pnr[0].types
    named = [m for m in ms if m.kind == "actor" and m.label == pnr[0].label and m.text != "Le PNR"]
    assert named, "the description is the actor the title names"
    assert list(partners(ms)) == ["Communautés de communes du PNR des Monts du Forez (non nommées dans la source)"]


def test_the_actor_the_case_names_wins_over_the_base(lexicon):  # noqa: F811
    """The base knows a pôle métropolitain around Brest (the case's territory would choose it), but
    the practice names its own: « le pôle métropolitain » is the one the practice names."""
    doc, cand = make_candidate("Le pôle métropolitain Loire-Bretagne\n\nCréé en 2012, le pôle métropolitain réunit "
                               "Nantes Métropole et Brest métropole.")
    ms = extract(doc, cand, lexicon)
    check_invariants(doc, cand, ms)
    (described,) = [m for m in ms if m.kind == "actor" and m.text == "le pôle métropolitain"]
    assert (described.iri, described.label) == (None, "Pôle métropolitain Loire-Bretagne")


def test_a_definite_description_with_two_candidates_in_the_case_stays_unresolved(bare):  # noqa: F811
    doc, cand = make_candidate("Le PNR des Monts du Forez et le PNR du Pilat coopèrent. Le PNR anime la démarche.")
    ms = extract(doc, cand, bare)
    assert not [m for m in ms if m.kind == "actor" and m.text == "Le PNR"]


def test_a_proper_name_alone_in_a_partners_row_is_a_partner(bare):  # noqa: F811
    doc, cand = make_candidate(grid("Projet alimentaire du Lot",
                                    "Grand-Figeac ; Communauté de communes Causses et Vallée de la Dordogne ; "
                                    "Bretagne ; Région ; les partenaires locaux"))
    ms = extract(doc, cand, bare)
    check_invariants(doc, cand, ms)
    actors = {m.text: (m.label, m.types, m.confidence, m.method) for m in ms if m.kind == "actor"}
    assert actors["Grand-Figeac"] == ("Grand-Figeac", (COOP.Actor,), 0.70, "pattern")
    assert actors["Communauté de communes Causses et Vallée de la Dordogne"][1] == (COOP.CommunauteDeCommunes,)
    # a place, a generic word and common nouns are no partners
    assert not {"Bretagne", "Région", "les partenaires locaux"} & set(actors)


def test_a_table_header_under_a_participants_heading_is_no_partner():
    from ingest.documents.model import Block, Candidate
    from ingest.documents.partners import named_items
    text = "Participants\nNom\tStructure\tFonction\nJulien MARCHAND\tAgglo du Pays de Dreux\tresponsable SIG\n"
    s = text.index("Nom")
    e = text.index("\n", s)
    row = Block("paragraph", text[s:e], s, e, label="Participants", field="actors")
    cand = Candidate("CR", 0, len(text), None, None, grid={"actors": [row]})
    assert [text[a:b] for a, b in named_items(cand, [], frozenset())] == []


def test_a_proper_name_outside_a_partners_row_is_not_made_an_actor(bare):  # noqa: F811
    doc, cand = make_candidate("→ Projet alimentaire du Lot\nEnjeux\tGrand-Figeac ; Cahors\n")
    assert not [m for m in extract(doc, cand, bare) if m.kind == "actor" and m.text == "Grand-Figeac"]


def test_a_named_partner_replaces_the_unsure_mentions_inside_it(bare):  # noqa: F811
    from ingest.documents.institutions import named_partners
    from ingest.documents.linking import Linker
    from ingest.documents.model import Mention

    doc, cand = make_candidate(grid("Entente du Lot", "Grand Cahors ; 2 communautés de communes riveraines"))
    s = doc.text.index("Grand Cahors")
    unsure = Mention("territory", "Grand Cahors", s, s + 12, "ner", 0.50, None, "Grand Cahors")
    out = named_partners(doc.text, cand, [unsure], bare, Linker.for_lexicon(bare))
    assert [(m.kind, m.text, m.confidence, m.types) for m in out] == [("actor", "Grand Cahors", 0.70, (COOP.Actor,))]
