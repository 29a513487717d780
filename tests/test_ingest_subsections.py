"""Rule 10 of the segmentation: in a one-practice document, a subsection naming another kind of
instrument is a practice of its own (ingest/documents/subsections.py); possessive labels (« Nos
membres ») are label headings of the page's practice."""
from __future__ import annotations

from ingest.documents.labels import normalise_label
from ingest.documents.segment import candidates
from tests.test_ingest_segment import check_candidates, doc

FILLER = ("Le groupement réunit deux membres à parts égales et porte des projets dans les domaines que ses statuts "
          "lui confient : mobilité, tourisme, environnement et jeunesse, de part et d'autre de la frontière.")
PAGE = ("# Qui sommes-nous ? - GECT Pirineus-Cerdanya\n\n## Une seule vallée, deux pays\n\n"
        f"La Communauté de communes Pyrénées Cerdagne et le Consell Comarcal de la Cerdanya ont créé le GECT. {FILLER}\n\n"
        f"## Nos membres\n\n{FILLER}\n\n## Notre gouvernance\n\n{FILLER}\n\n## Ce que nous faisons\n\n{FILLER}\n\n"
        "### Projet phare : « Cerdanya a prop » (Interreg VI-A POCTEFA)\n\n"
        f"La ligne de bus transfrontalière relie Bourg-Madame et Puigcerdà. {FILLER}\n\n"
        f"### Autres actions\n\n{FILLER}\n\n## Nous contacter\n\nPlaça de l'Ajuntament, Puigcerdà.\n")


def test_a_subsection_naming_another_instrument_is_a_practice_of_its_own():
    d = doc(PAGE, "gect.md")
    check_candidates(d)
    page, project = candidates(d)
    assert page.title == "Qui sommes-nous ? - GECT Pirineus-Cerdanya"
    assert project.title == "Projet phare : « Cerdanya a prop » (Interreg VI-A POCTEFA)"
    assert "Bourg-Madame" in d.text[project.start:project.end]
    assert not any("Bourg-Madame" in b.text for b in page.blocks)  # the project's text is its own
    assert any("Autres actions" in b.text for b in page.blocks)


def test_a_subsection_of_the_same_instrument_or_the_documents_title_is_no_practice():
    same = PAGE.replace("(Interreg VI-A POCTEFA)", "(GECT)")
    assert len(candidates(doc(same, "gect.md"))) == 1
    cover = ("# Fiche expérience n° 11\n\n## Un conseil de développement pour deux intercommunalités\n\n"
             f"### Contexte\n\n{FILLER}\n\n### Composition\n\n{FILLER}\n\n### Résultats\n\n{FILLER}\n")
    assert len(candidates(doc(cover, "fiche.md"))) == 1


def test_possessive_labels():
    assert normalise_label("Nos membres") == "actors"
    assert normalise_label("Notre gouvernance") == "governance"
    assert normalise_label("Nos partenaires") == "partners_scale"


def test_a_title_naming_one_practice_keeps_its_sections_together():
    from ingest.documents.naming import one_practice_title

    sections = (f"## 1.3 La décision d'engager un contrat de réciprocité\n\n{FILLER}\n\n"
                f"## Article 5 - Pilotage par le PETR Forêt d'Orléans-Loire-Sologne et le comité technique\n\n"
                f"{FILLER} Le PETR et Orléans Métropole réunissent un comité technique.\n\n"
                f"## Phase 3 - Rédaction du contrat\n\n{FILLER}\n")
    one = doc(sections, "cctp.md", title="CCTP - Accompagnement à l'élaboration d'un contrat de réciprocité")
    assert [c.title for c in candidates(one)] == ["CCTP - Accompagnement à l'élaboration d'un contrat de réciprocité"]
    many = doc(sections, "note.md", title="Les contrats de réciprocité du Loiret")
    assert len(candidates(many)) >= 2
    assert one_practice_title("CCTP - Accompagnement à l'élaboration d'un contrat de réciprocité")
    assert not one_practice_title("Les contrats de réciprocité du Loiret")  # a plural: several
    assert not one_practice_title("Statuts du Syndicat mixte des Monts du Cantal")  # a body's name
    assert not one_practice_title(None)


def test_minutes_of_a_dialogue_body_and_the_practices_on_their_agenda():
    minutes = ("# Conférence des maires\n\n## Ouverture de la séance\n\n"
               f"La conférence des maires, instituée par le pacte de gouvernance, réunit les maires. {FILLER}\n\n"
               "## Point 2 - Mobilités : projet d'entente avec la Communauté d'agglomération du Pays Ajaccien\n\n"
               f"{FILLER}\n\n## Point 3 - Service commun d'instruction des autorisations du droit des sols\n\n"
               f"{FILLER}\n\n## Point 4 - Calendrier budgétaire\n\n{FILLER}\n")
    d = doc(minutes, "cr.md", title="Conférence des maires - compte rendu du 3 octobre 2024")
    check_candidates(d)
    assert [c.title for c in candidates(d)] == [
        "Conférence des maires - compte rendu du 3 octobre 2024",
        "Point 2 - Mobilités : projet d'entente avec la Communauté d'agglomération du Pays Ajaccien",
        "Point 3 - Service commun d'instruction des autorisations du droit des sols"]
