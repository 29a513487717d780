"""Segmentation of read documents into blocks and case candidates (ingest/documents/segment.py and
the modules it draws on: labels, naming, blocks, starts, running, examples, titles).

Golden files: each fixture tests/data/documents/styles/NAME.{txt,md} has NAME.expected.json (the
candidates' titles and grid items). After an intended change, regenerate them with
`pytest tests/test_ingest_segment.py --regen-golden` (or COOPKG_REGEN_GOLDEN=1) and review the diff.
"""
from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.documents.blocks import blocks
from ingest.documents.labels import LABEL_VARIANTS, label_key, normalise_label
from ingest.documents.model import GRID_FIELDS, Document
from ingest.documents.naming import generic, place_like, structure_names
from ingest.documents.running import find_running_titles
from ingest.documents.segment import candidates

STYLES = Path(__file__).resolve().parent / "data" / "documents" / "styles"
FIXTURES = sorted(p for p in STYLES.iterdir() if p.suffix in (".txt", ".md"))
KINDS = {"heading", "paragraph", "bullet", "arrow", "grid"}


def doc(text: str, name: str = "essai.txt", title: str | None = None) -> Document:
    media = "text/markdown" if name.endswith(".md") else "text/plain"
    return Document(name=name, path=name, media_type=media, text=text, sha256="", title=title)


def load(path: Path) -> Document:
    text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8").replace("\r\n", "\n"))
    return doc(text, path.name)


def summary(document: Document) -> dict:
    out = []
    for c in candidates(document):
        grid = {f: [b.text for b in c.grid[f]] for f in GRID_FIELDS if f in c.grid}
        out.append({"title": c.title, "grid": grid})
    return {"candidates": out}


def check_blocks(document: Document) -> None:
    """Spans valid, in order, disjoint; text is the span; fields only on known values."""
    text = document.text
    previous_end = 0
    for b in blocks(document):
        assert b.kind in KINDS
        assert 0 <= b.start < b.end <= len(text)
        assert b.text == text[b.start:b.end]
        assert b.start >= previous_end, f"overlap at {b}"
        previous_end = b.end
        assert b.text == b.text.strip()
        assert b.field is None or b.field in GRID_FIELDS
        if b.kind == "grid":
            assert b.field is not None and b.label


def check_candidates(document: Document) -> None:
    """Candidates in order of their starts; each block's text is its span, inside the candidate's
    span; no two candidates share text through their blocks (a merged candidate's span may cover
    other candidates: the same practice on two slides), except the predicate of a subject "X et Y",
    a block of one lying inside a block of the other."""
    text = document.text
    bs = blocks(document)
    previous_start = 0
    taken: list[tuple[int, int, int]] = []  # (start, end, candidate number)
    for n, c in enumerate(candidates(document, bs)):
        assert c.blocks, c
        assert 0 <= c.start < c.end <= len(text)
        assert c.start >= previous_start
        previous_start = c.start
        assert c.title
        if c.title_start is not None:
            assert text[c.title_start:c.title_end] == c.title
        assert isinstance(c.headings, tuple) and all(isinstance(h, str) and h for h in c.headings)
        ids = {id(b) for b in c.blocks}
        assert c.start == min(b.start for b in c.blocks) and c.end == max(b.end for b in c.blocks)
        for b in c.blocks:
            assert b.text == text[b.start:b.end] and b.text == b.text.strip()
            taken.append((b.start, b.end, n))
        for f, items in c.grid.items():
            assert f in GRID_FIELDS and items
            assert all(id(b) in ids and b.field == f for b in items)
    for s1, e1, n1 in taken:
        for s2, e2, n2 in taken:
            if n1 != n2 and s1 < e2 and s2 < e1:
                assert (s2 <= s1 and e1 <= e2) or (s1 <= s2 and e2 <= e1), "candidates share text"


# --- fixtures and golden files --------------------------------------------------------------------


def test_fixtures_present():
    assert 5 <= len(FIXTURES) <= 12
    assert {p.suffix for p in FIXTURES} == {".txt", ".md"}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_golden(path: Path, regen_golden):
    expected_path = path.with_name(path.stem + ".expected.json")
    got = summary(load(path))
    if regen_golden or os.environ.get("COOPKG_REGEN_GOLDEN") == "1":
        expected_path.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        pytest.skip(f"regenerated {expected_path.name}")
    assert expected_path.exists(), f"missing {expected_path}; run pytest --regen-golden"
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_spans(path: Path):
    document = load(path)
    check_blocks(document)
    check_candidates(document)
    for b in blocks(document):
        assert "<ul" not in b.text and "</li>" not in b.text and "<p>" not in b.text
        assert b.text.count("**") % 2 == 0, b.text


def test_expected_shapes():
    """What each fixture style must give, independently of the golden files."""
    counts = {p.name: len(candidates(load(p))) for p in FIXTURES}
    assert counts == {
        "cv-diapos.txt": 1,
        "deux-pratiques-savoie.md": 2,  # two headings naming an instrument (rule 3)
        "diapos-titres-grilles.txt": 2,
        "exemples-leviers.txt": 8,
        "exemples-rapport.txt": 3,  # items naming « X Agglomération », « X Communauté » (institution rules)
        "fleches-trois-pratiques.txt": 3,
        "grille-deux-pratiques.txt": 2,
        "intro-deux-pratiques.md": 2,
        "libelles-deux-points.txt": 1,
        "pratique-sections.md": 1,
        "recit-une-pratique.txt": 1,
        "titres-courants-pratiques.txt": 2,
    }
    [prose] = candidates(load(STYLES / "recit-une-pratique.txt"))
    assert prose.title == "recit-une-pratique" and prose.title_start is None
    [sections] = candidates(load(STYLES / "pratique-sections.md"))
    assert sections.title.startswith("Groupement de commandes")
    assert set(sections.grid) == {"triggers", "actors", "ambitions", "governance"}


def test_intro_is_not_a_candidate():
    document = load(STYLES / "grille-deux-pratiques.txt")
    first = candidates(document)[0]
    intro = document.text.index("de quoi parlons-nous")
    assert first.start > intro
    assert all("de quoi parlons-nous" not in b.text for c in candidates(document) for b in c.blocks)


# --- label normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, field",
    [
        ("Eléments déclencheurs", "triggers"),
        ("Éléments déclencheurs", "triggers"),
        ("ELEMENTS DECLENCHEURS", "triggers"),
        ("Elément déclencheur", "triggers"),
        ("Déclencheurs", "triggers"),
        ("Contexte", "triggers"),
        ("Le contexte", "triggers"),
        ("Partenaires / échelle", "partners_scale"),
        ("Partenaires/Echelle", "partners_scale"),
        ("Partenaires", "partners_scale"),
        ("Échelle", "partners_scale"),
        ("Enjeux", "stakes"),
        ("Les enjeux", "stakes"),
        ("Enjeu", "stakes"),
        ("Ambitions", "ambitions"),
        ("Objectifs", "ambitions"),
        ("Objectif", "ambitions"),
        ("Objet", "object"),
        ("Contenu", "object"),
        ("Actions", "object"),
        ("Acteurs", "actors"),
        ("Acteurs impliqués", "actors"),
        ("Qui ?", "actors"),
        ("Gouvernance", "governance"),
        ("Instances", "governance"),
        ("Pilotage", "governance"),
        ("**Enjeux** :", "stakes"),
        ("  gouvernance  ", "governance"),
    ],
)
def test_normalise_label(label, field):
    assert normalise_label(label) == field


@pytest.mark.parametrize(
    "label",
    ["", "Mail", "Calendrier", "Bilan", "Sources", "Les enjeux du territoire et les acteurs", "Enjeux" * 20],
)
def test_normalise_label_rejects(label):
    assert normalise_label(label) is None


def test_label_variants_cover_every_field():
    assert set(LABEL_VARIANTS) == set(GRID_FIELDS)
    for f, variants in LABEL_VARIANTS.items():
        assert all(normalise_label(v) == f for v in variants)


def test_label_key():
    assert label_key("Éléments  déclencheurs :") == "element declencheur"
    assert label_key("Partenaires / échelle") == label_key("partenaire echelle")


def test_attendance_lists_are_actor_rows():
    # a meeting's « Présents » / « Membres excusés » / « Invitée » lists name who takes part
    for label in ("**Présents**", "Membres excusés :", "Invitée", "Participants"):
        assert normalise_label(label) == "actors", label
    text = "**Présents**\n\n- CPAM de la Vendée : chargée de mission\n- CPTS Sud-Vendée : présidente"
    assert [(b.kind, b.field) for b in blocks(doc(text, "cr.md"))][1:] == [("bullet", "actors")] * 2


def test_place_like():
    assert place_like("Pays des Monts du Vernois : une agence foncière partagée")
    assert place_like("Communauté d'agglomération du Val d'Orbe")
    assert place_like("Entente interterritoriale TRIDAN")
    assert place_like("Bureau élargi à Chartres Métropole")
    assert not place_like("De quoi parlons-nous ?")
    assert not place_like("Ordre du jour")
    assert not place_like("QU'EST-CE QU'UN CHANTIER ?")
    assert not place_like("Rôle du conseil de développement selon le type de Pays")
    assert not place_like("LEVIER 9 – Mutualiser les ressources")


# --- blocks ---------------------------------------------------------------------------------------


def kinds_texts(text: str) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in blocks(doc(text))]


def test_empty_documents():
    for text in ("", "\n\n", "   \n\t\n", "x o + o\n×\t○\t+\t○\n"):
        assert blocks(doc(text)) == []
        assert candidates(doc(text)) == []


def test_markdown_headings():
    bs = blocks(doc("# Titre principal\n\n## Sous-titre ##\n\nTexte du paragraphe.\n", "a.md"))
    assert [(b.kind, b.level, b.text) for b in bs] == [
        ("heading", 1, "Titre principal"),
        ("heading", 2, "Sous-titre"),
        ("paragraph", 0, "Texte du paragraphe."),
    ]
    assert kinds_texts("#hashtag en début de ligne.") == [("paragraph", "#hashtag en début de ligne.")]


def test_bullet_markers():
    text = "- un\n• deux\n* trois\n1. quatre\n2) cinq\n– six\n▪ sept\n3°) huit\n- ✓ neuf\nv'dix\n"
    assert kinds_texts(text) == [
        ("bullet", t) for t in ("un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")
    ]
    # bold at the start of a line is not a bullet; nor is a year
    assert kinds_texts("**Gras** au début d'une phrase.\n\n2017 fut une année riche.") == [
        ("paragraph", "**Gras** au début d'une phrase."),
        ("paragraph", "2017 fut une année riche."),
    ]


def test_bullet_depth_and_continuation():
    bs = blocks(doc("- premier point\n  - sous-point\n- un point qui continue\nsur la ligne suivante\n\nSuite."))
    assert [(b.kind, b.level, b.text) for b in bs] == [
        ("bullet", 0, "premier point"),
        ("bullet", 1, "sous-point"),
        ("bullet", 0, "un point qui continue\nsur la ligne suivante"),
        ("paragraph", 0, "Suite."),
    ]


def test_inline_checkmarks_split():
    assert kinds_texts("✓ Agir ensemble ✓ Partager les coûts ✓ Évaluer") == [
        ("bullet", "Agir ensemble"), ("bullet", "Partager les coûts"), ("bullet", "Évaluer")]
    assert kinds_texts('<ul style="list-style-type: none"> ✓ Un ✓ Deux</ul>') == [("bullet", "Un"), ("bullet", "Deux")]
    # one check mark inside a sentence does not split it
    assert kinds_texts("Une phrase ✓ validée par tous.") == [("paragraph", "Une phrase ✓ validée par tous.")]


def test_arrows():
    assert kinds_texts("→ Entente TRIDAN\n⇒ Pays de Brest\n-> Contrat unique\n→ **« Convention »**") == [
        ("arrow", "Entente TRIDAN"), ("arrow", "Pays de Brest"), ("arrow", "Contrat unique"), ("arrow", "« Convention »")]


def test_tab_grid_row_items():
    text = 'Enjeux\t<ul style="list-style-type: none"> ✓ Traiter les interrelations ✓ Anticiper</ul>\nObjet\t<p>Trois axes :</p> <p>Économie</p>'
    bs = blocks(doc(text))
    assert [(b.kind, b.label, b.field, b.text) for b in bs] == [
        ("grid", "Enjeux", "stakes", "Traiter les interrelations"),
        ("grid", "Enjeux", "stakes", "Anticiper"),
        ("grid", "Objet", "object", "Trois axes :"),
        ("grid", "Objet", "object", "Économie"),
    ]
    # converted tables (DOCX, HTML) join the lines of a cell with " ; "
    assert [b.text for b in blocks(doc("Acteurs\tLe PNR ; Le Pays\tLa Région"))] == ["Le PNR", "Le Pays", "La Région"]
    # a TAB row whose first cell is not a grid label is a table row
    assert kinds_texts("Sources\t3\nTendances fortes\t4") == [("paragraph", "Sources\t3"), ("paragraph", "Tendances fortes\t4")]


def test_colon_label_lines():
    bs = blocks(doc("Contexte : une fusion récente.\n**Enjeux** : ✓ garder ✓ partager\n\nMail : contact@exemple.fr\nVoir : http://exemple.fr"))
    assert [(b.kind, b.field, b.text) for b in bs] == [
        ("grid", "triggers", "une fusion récente."),
        ("grid", "stakes", "garder"),
        ("grid", "stakes", "partager"),
        ("paragraph", None, "Mail : contact@exemple.fr\nVoir : http://exemple.fr"),
    ]
    # a plain line right below continues the value
    [b] = blocks(doc("Contexte : une fusion\nrécente."))
    assert (b.field, b.text) == ("triggers", "une fusion\nrécente.")
    [b] = blocks(doc("- Pilotage : la conférence des présidents"))
    assert (b.kind, b.label, b.field, b.text) == ("grid", "Pilotage", "governance", "la conférence des présidents")


def test_label_heading_scope():
    text = "# Une pratique\n\n## Contexte\n\nUn constat.\n\n- Un autre constat.\n\n### Détail\n\nToujours le contexte.\n\n## Historique\n\nHors grille."
    fields = [(b.text, b.field) for b in blocks(doc(text, "a.md")) if b.kind != "heading"]
    assert fields == [("Un constat.", "triggers"), ("Un autre constat.", "triggers"),
                      ("Toujours le contexte.", "triggers"), ("Hors grille.", None)]
    # "Label :" with a value: only the bullets right below continue the field
    text = "Objet : un service commun.\n- instruction des permis\n\nUne remarque générale."
    assert [(b.text, b.field) for b in blocks(doc(text))] == [
        ("un service commun.", "object"), ("instruction des permis", "object"), ("Une remarque générale.", None)]


def test_markup_stripped_from_spans():
    assert kinds_texts("**Chargée de projet coopérations territoriales**\n\nSuite.")[0] == (
        "heading", "Chargée de projet coopérations territoriales")
    assert kinds_texts("- *Le groupe de travail est force de proposition*") == [
        ("bullet", "Le groupe de travail est force de proposition")]
    # inner emphasis stays, balanced
    assert kinds_texts("- **LEVIER 1** - Soigner les **équilibres**") == [
        ("bullet", "**LEVIER 1** - Soigner les **équilibres**")]
    assert kinds_texts("<p>Un paragraphe balisé.</p>") == [("paragraph", "Un paragraphe balisé.")]


def test_slide_titles():
    assert kinds_texts("Titre de diapositive\n\nUn paragraphe de contenu.") == [
        ("heading", "Titre de diapositive"), ("paragraph", "Un paragraphe de contenu.")]
    assert [k for k, _ in kinds_texts("Une phrase complète.\n\nUne autre.")] == ["paragraph", "paragraph"]
    assert [k for k, _ in kinds_texts("minuscule au début\n\nContenu.")] == ["paragraph", "paragraph"]
    assert [k for k, _ in kinds_texts("Exemples :\n\n- un")] == ["paragraph", "bullet"]
    # the last block is never a title: nothing follows it
    assert kinds_texts("Contenu.\n\nDernière ligne courte") == [("paragraph", "Contenu."), ("paragraph", "Dernière ligne courte")]


def test_title_written_right_above_its_paragraph():
    text = ("La charte forestière du Centre Bretagne\n"
            "Le Pays Centre Bretagne porte une charte forestière signée par ses deux communautés de communes.")
    assert kinds_texts(text) == [("heading", "La charte forestière du Centre Bretagne"),
                                 ("paragraph", text.split("\n")[1])]
    # the first line of a wrapped paragraph is no title: it ends with a word needing a sequel, it is
    # as long as the lines below, or the line below does not start a sentence or ends none
    wrapped = [
        "Rennes Métropole et la Communauté de communes de\nBrocéliande ont signé un contrat.",
        "La charte a été signée par ses deux communautés, Loudéac\nCommunauté et la CC du Centre Bretagne.",
        "Le Pays Centre Bretagne\nporte une charte forestière signée par ses deux communautés de communes.",
        "Le Pays Centre Bretagne\nPorte une charte forestière signée par ses deux communautés de communes",
    ]
    for w in wrapped:
        assert [k for k, _ in kinds_texts(w)] == ["paragraph"], w


def test_titles_above_their_paragraphs_naming_practices_start_practices():
    text = ("Note interne – coopérations en Bretagne intérieure\n\n"
            "Le contrat de réciprocité Rennes – Pays de Brocéliande\n"
            "Rennes Métropole et la Communauté de communes de Brocéliande ont conclu un contrat en 2022.\n\n"
            "La charte forestière du Centre Bretagne\n"
            "Le Pays Centre Bretagne porte une charte forestière signée par ses deux communautés de communes.")
    cs = candidates(doc(text))
    assert [c.title for c in cs] == ["Le contrat de réciprocité Rennes – Pays de Brocéliande",
                                     "La charte forestière du Centre Bretagne"]
    assert "Rennes Métropole" in text[cs[0].start:cs[0].end] and "Loudéac" not in text[cs[0].start:cs[0].end]
    # one such title alone is the document's one practice, titled by the document's first title
    one = text[:text.index("\n\nLa charte")]
    assert len(candidates(doc(one))) == 1
    # titles above their paragraphs that name no practice start none
    plain = text.replace("Le contrat de réciprocité Rennes – Pays de Brocéliande", "Ce qui a été signé") \
                .replace("La charte forestière du Centre Bretagne", "Ce qui reste à faire")
    assert len(candidates(doc(plain))) == 1


def test_numbered_section_titles_and_blockquotes():
    text = "3.2 Balagne : une convention\n\nDeux communautés l'ont signée.\n\n> Mise à jour le 3 mai\n\nSuite."
    got = [(b.kind, b.text, b.level) for b in blocks(doc(text))]
    assert got[0] == ("heading", "Balagne : une convention", 2)
    assert got[2] == ("heading", "Mise à jour le 3 mai", 0)  # its mark left out of the span
    assert blocks(doc("1.4.2. Les suites\n\nTexte."))[0].level == 3
    # not a section number: a sentence, a lowercase word, a one-level number (a list item)
    assert [b.kind for b in blocks(doc("3.2 millions d'habitants.\n\nTexte."))][0] == "paragraph"
    assert [b.kind for b in blocks(doc("1. Premier point\n2. Second point"))] == ["bullet", "bullet"]


def test_numbered_sections_naming_places_are_practices():
    text = ("COOPÉRER AU SUD\n\n3.1 Introduction\n\nTrois exemples.\n\n"
            "3.2 Balagne : une convention pour les mobilités\n\nDeux communautés de communes ont signé.\n\n"
            "3.3 Plaine du Roussillon : l'eau comme bien commun\n\nUn SAGE fixe des volumes.\n\n"
            "3.4 Enseignements\n\nUn tiers reconnu tient la table.")
    assert [c.title for c in candidates(doc(text))] == [
        "Balagne : une convention pour les mobilités", "Plaine du Roussillon : l'eau comme bien commun"]


def test_banner_and_setext_titles_and_dashed_section_numbers():
    rule = "=" * 40
    text = (f"RÉSEAU DES DÉVELOPPEURS\n\n{rule}\nPARTICIPANTS\n{rule}\nPrésents : A. Martin – CC du Val\n\n"
            f"{rule}\n1. INTRODUCTION\n{rule}\nLe réseau partage ses pratiques.\n\n"
            f"{rule}\n2. RETOURS D'EXPÉRIENCE\n{rule}\n\n"
            "2.1 – Une entente pour les mobilités\n\nLa CC du Val et la CC du Mont ont signé une entente.\n\n"
            "2.2 – Un contrat de réciprocité\n\nLa Métropole et le Pays de Retz ont signé un contrat.\n\n"
            f"{rule}\n3. ÉCHANGES AVEC LA SALLE\n{rule}\nLa CC du Val pose une question sur la convention.\n\n"
            "Synthèse\n========\n\nUne journée utile.")
    heads = [(b.text, b.level) for b in blocks(doc(text)) if b.kind == "heading"]
    assert heads == [("RÉSEAU DES DÉVELOPPEURS", 0), ("PARTICIPANTS", 1), ("1. INTRODUCTION", 1), ("2. RETOURS D'EXPÉRIENCE", 1),
                     ("Une entente pour les mobilités", 2), ("Un contrat de réciprocité", 2),
                     ("3. ÉCHANGES AVEC LA SALLE", 1), ("Synthèse", 1)]
    # the practices are the two sections, not the attendance list nor the exchanges with the room
    assert [c.title for c in candidates(doc(text))] == ["Une entente pour les mobilités", "Un contrat de réciprocité"]
    # a rule under a paragraph's line continues no title (« ---- » may be a slide break)
    assert [b.kind for b in blocks(doc("La CC du Val a signé, en 2021, une convention.\n----------\nSuite."))][0] \
        == "paragraph"


def test_a_markdown_label_heading_ends_the_section_of_an_inferred_title():
    text = ("# Fiche projet – Guichet de la rénovation du Pays Lédonien\n\n> Fiche mise à jour le 3 septembre\n\n"
            "| **Porteur** | PETR du Pays Lédonien |\n\n## Contexte\n\nL'information était éclatée.\n\n"
            "## Objectifs\n\n- Un point d'entrée unique ;\n\n## Organisation et partenaires\n\nUne convention.")
    [c] = candidates(doc(text, "f.md"))
    assert c.title == "Fiche projet – Guichet de la rénovation du Pays Lédonien"
    assert sorted(c.grid) == ["ambitions", "triggers"]


def test_one_grid_under_a_generic_slide_title_is_part_of_the_documents_practice():
    text = ("ENTENTE MARGERIDE – HAUT-ALLIER\n\nBilan d'étape\n\nPourquoi une entente ?\n\n• Un bassin de vie\n"
            "  → départs non remplacés, concurrence entre communes\n\nQui fait quoi ?\n\n"
            "Partenaires\tSaint-Flour Communauté • Hautes Terres Communauté\nObjet\tSanté, mobilités\n\n"
            "Axe 1 – Santé\n\n• Une cellule commune d'accueil")
    [c] = candidates(doc(text))
    assert c.title == "ENTENTE MARGERIDE – HAUT-ALLIER" and (c.start, c.end) == (0, len(text))
    assert sorted(c.grid) == ["object", "partners_scale"]


def test_sibling_sections_describing_their_own_practices_are_practices():
    # a page listing partnerships: each section names its instrument and its partner
    page = ("# Nos coopérations avec les territoires voisins\n\nGrand Cognac ne travaille pas seul.\n\n"
            "## Avec GrandAngoulême : un axe à faire vivre\n\nGrand Cognac et la Communauté d'agglomération du "
            "Grand Angoulême sont liées par une convention de coopération.\n\n"
            "## La Charente, notre fleuve en partage\n\nAvec la Communauté d'agglomération de Saintes, Grand Cognac "
            "a constitué une entente.\n\n## Contact\n\nDirection des coopérations.")
    assert [c.title for c in candidates(doc(page, "p.md"))] == [
        "Avec GrandAngoulême : un axe à faire vivre", "La Charente, notre fleuve en partage"]
    # laureates of a call, each with its « Porteurs » row
    call = ("# Les lauréats\n\n## 1. « Haies d'ici »\n\n**Porteurs** : Coutances mer et bocage et Saint-Lô Agglo\n\n"
            "Une filière bocagère.\n\n## 2. Un réseau centres-bourgs\n\n**Porteurs** : Lisieux Normandie et Terre "
            "d'Auge\n\nUne rencontre mensuelle.")
    assert [c.title for c in candidates(doc(call, "c.md"))] == ["1. « Haies d'ici »", "2. Un réseau centres-bourgs"]
    # one practice's sections naming the same bodies and instrument, or generic ones, stay one practice
    one = ("# Guichet de la rénovation\n\n## Organisation\n\nUne convention lie le PETR du Pays Lédonien et "
           "ECLA.\n\n## Gouvernance\n\nLa convention réunit le PETR du Pays Lédonien en comité.\n\n"
           "## 5. Enseignements pour les autres territoires\n\nUn syndicat mixte et la CC du Jura.")
    assert len(candidates(doc(one, "g.md"))) == 1
    # the sections of a heading naming a practice are parts of it (a « fiche expérience »)
    fiche = ("# Une charte forestière pour le plateau\n\n## Démarche engagée\n\nLe PNR de Millevaches propose une "
             "charte à Haute-Corrèze Communauté.\n\n## Ce qui a changé\n\nUne convention lie la CC Creuse Grand Sud "
             "et l'ONF.")
    assert [c.title for c in candidates(doc(fiche, "f.md"))] == ["Une charte forestière pour le plateau"]
    # the document's title heading, at the level of its sections, is none of the practices
    note = ("# Les coopérations entre le Parc naturel régional du Morvan et les EPCI\n\nNote de synthèse.\n\n"
            "# 2. La Conférence des présidents d'EPCI du Morvan\n\nElle réunit le Parc et les EPCI.\n\n"
            "# 3. La convention de mutualisation forêt-bois\n\nLe Parc et la CC du Grand Autunois Morvan l'ont signée.")
    assert [c.title for c in candidates(doc(note, "n.md", title=note[2:note.index("\n")]))] == [
        "2. La Conférence des présidents d'EPCI du Morvan", "3. La convention de mutualisation forêt-bois"]


def test_a_practice_section_holding_one_practice_subsection_is_one_practice():
    # « 7.2 » names a practice; of its subsections only « 7.2.3 » would start one: a facet of 7.2
    text = ("CHAPITRE 7 – COOPÉRATIONS\n\n"
            "7.2 L'inter-SCoT de l'aire lyonnaise\n\n7.2.1 Historique\n\nLa démarche date de 2002.\n\n"
            "7.2.2 Le chapitre commun\n\nUn texte partagé par les syndicats.\n\n"
            "7.2.3 Ce que la démarche apporte au SCoT des Rives du Rhône\n\nUne place à la table.\n\n"
            "7.3 La coopération avec le SCoT du Grand Rovaltain\n\n"
            "7.3.1 Une convention de partenariat depuis 2019\n\nLe SMRR et le syndicat du Grand Rovaltain ont signé."
            "\n\n7.3.2 Premiers enseignements\n\nUne habitude de travail.\n\n"
            "7.4 Synthèse et enjeux pour le PAS\n\nLe PAS retiendra trois orientations.")
    assert [c.title for c in candidates(doc(text))] == [
        "L'inter-SCoT de l'aire lyonnaise", "La coopération avec le SCoT du Grand Rovaltain"]
    # two subsections naming practices of their own stay two practices
    two = ("# Les coopérations du Pays de Retz\n\n## Le contrat de réciprocité avec Nantes Métropole\n\n"
           "Signé en 2021 avec Nantes Métropole.\n\n## L'entente avec la CC du Sud Estuaire\n\nUne entente pour "
           "les mobilités.\n\n## Contexte\n\nUn territoire littoral.")
    assert [c.title for c in candidates(doc(two, "r.md"))] == [
        "Le contrat de réciprocité avec Nantes Métropole", "L'entente avec la CC du Sud Estuaire"]


def test_sections_under_a_title_naming_an_instrument_at_any_depth_are_its_parts():
    text = ("# Fiche projet – Interreg VI France-Wallonie-Vlaanderen\n\n## LYS-LEIE 2030 – Une vallée, deux rives\n\n"
            "### Côté français\n\n**Chef de file** : Métropole Européenne de Lille. La Communauté de communes Flandre "
            "Lys signe la convention.\n\n### Côté belge\n\nLa Ville d'Armentières et la Stad Wervik ont "
            "signé une charte.")
    [c] = candidates(doc(text, "f.md"))
    assert c.title == "Fiche projet – Interreg VI France-Wallonie-Vlaanderen"
    # under a title naming no instrument, the same sections are two practices
    other = text.replace("Fiche projet – Interreg VI", "Fiche projet")
    assert len(candidates(doc(other, "f.md"))) == 2


def test_a_register_of_deliberations_gives_one_practice_per_item_naming_an_instrument():
    text = ("COMMUNAUTÉ DE COMMUNES DU GRAND CHÂTEAUDUN\n\nREGISTRE DES DÉLIBÉRATIONS\n\n"
            "DÉLIBÉRATION N° 2024-082\nOBJET : Finances - Décision modificative n° 2\n\nLe conseil adopte la décision."
            "\n\nDÉLIBÉRATION N° 2024-084\nOBJET : Tourisme - Constitution d'une entente intercommunautaire avec la "
            "Communauté de communes du Bonnevalais\n\nRapporteur : Mme Sylvie LEROY\n\nLe conseil approuve la "
            "convention d'entente.\n\nDÉLIBÉRATION N° 2024-085\nOBJET : Santé - Contrat local de santé du Pays Dunois"
            "\n\nLe conseil approuve le contrat.\n\nDÉLIBÉRATION N° 2024-088\nOBJET : Tarifs du centre aquatique\n\n"
            "Le conseil fixe les tarifs.\n\nQUESTIONS DIVERSES\n\nAucune.")
    cs = candidates(doc(text))
    assert [c.title for c in cs] == [
        "Tourisme - Constitution d'une entente intercommunautaire avec la Communauté de communes du Bonnevalais",
        "Santé - Contrat local de santé du Pays Dunois"]
    assert all(text[c.title_start:c.title_end] == c.title for c in cs)
    assert "Rapporteur" in text[cs[0].start:cs[0].end] and "Tarifs" not in text[cs[1].start:cs[1].end]


def test_a_register_items_heading_may_say_its_subject_and_its_sections_are_its_parts():
    motifs = ("Depuis 2019 la capture des animaux errants relève de chaque communauté ; les maires se plaignent des "
              "délais et la communauté voisine fait le même constat. ") * 2
    text = ("# Note explicative de synthèse\n\n"
            "## Point n°14 – Environnement – Salubrité publique\n\nRapporteur : Mme Sylvie Lemonnier\n\n"
            "Objet : Création d'une entente intercommunautaire pour la fourrière animale\n\n"
            f"### Exposé des motifs\n\n{motifs}\n\n### Le dispositif proposé\n\nUne entente avec la Communauté de "
            "communes Côte Ouest Centre Manche ; la convention d'entente est signée pour six ans.\n\n"
            "## Point n°15 – Grand cycle de l'eau\n\nRapporteur : M. Jean-Yves Hamel\n\n"
            "Objet : Convention de mutualisation d'un poste de technicien de rivière avec Villedieu Intercom\n\n"
            f"### Exposé des motifs\n\n{motifs}\n\n### Le dispositif proposé\n\nLa convention de mutualisation avec "
            "Villedieu Intercom partage le poste.\n")
    assert [c.title for c in candidates(doc(text, "note.md"))] == [
        "Création d'une entente intercommunautaire pour la fourrière animale",
        "Convention de mutualisation d'un poste de technicien de rivière avec Villedieu Intercom"]


def test_a_register_items_opinion_line_is_its_part():
    debate = ("Le maire de Lacanau souhaite que la communauté de communes s'engage ; le Dr Lafargue présente le "
              "bilan du premier contrat et les actions du second. ") * 2
    text = ("PROCÈS-VERBAL DE LA CONFÉRENCE DES MAIRES\n\n"
            f"POINT 1 - CONTRAT LOCAL DE SANTÉ DU MÉDOC : BILAN ET SECOND CONTRAT\n\n{debate}\n\n"
            "Avis de la conférence : favorable à la signature du second CLS du Médoc.\n\n"
            f"POINT 2 - BANDE CÔTIÈRE : CONVENTION DE PARTENARIAT\n\n{debate}\n\n"
            "Avis de la conférence : favorable à la convention de partenariat avec le GIP Littoral.\n\n"
            "POINT 3 - INFORMATIONS DIVERSES\n\nProchaine conférence en avril.\n")
    assert [c.title for c in candidates(doc(text))][:2] == [
        "POINT 1 - CONTRAT LOCAL DE SANTÉ DU MÉDOC : BILAN ET SECOND CONTRAT",
        "POINT 2 - BANDE CÔTIÈRE : CONVENTION DE PARTENARIAT"]


def test_an_agendas_numbered_items_reporting_on_instruments_are_practices():
    report = ("Le rapporteur présente le projet ; la convention fixe les axes de travail communs pour trois ans, "
              "les contributions de chacun et le comité de suivi annuel qui arrête le programme d'actions. ") * 3
    text = ("COMMUNAUTÉ D'AGGLOMÉRATION VENTOUX-COMTAT VENAISSIN\nORDRE DU JOUR ET RELEVÉ DES DÉCISIONS\n\n"
            "FINANCES\n\n6. Attributions de compensation définitives 2025\n   → Adopté à l'unanimité.\n\n"
            "AMÉNAGEMENT ET COOPÉRATIONS\n\n"
            "7. Convention-cadre de partenariat avec le Syndicat mixte du Parc naturel régional du Mont-Ventoux\n"
            f"   {report}\n   → Adopté à l'unanimité.\n\n"
            "8. Convention de mise en commun du service SIG avec la Communauté de communes Ventoux Sud\n"
            f"   {report}\n   → Adopté : 50 pour, 2 abstentions.\n\n"
            "9. Rapport d'activité 2024 du Syndicat mixte du bassin des Sorgues\n   → Le conseil prend acte.\n")
    cs = candidates(doc(text))
    assert [c.title for c in cs] == [
        "Convention-cadre de partenariat avec le Syndicat mixte du Parc naturel régional du Mont-Ventoux",
        "Convention de mise en commun du service SIG avec la Communauté de communes Ventoux Sud"]
    assert "Adopté à l'unanimité" in text[cs[0].start:cs[0].end] and "Sorgues" not in text[cs[1].start:cs[1].end]
    # one long item among short ones is a list's, not an agenda's
    alone = text.replace("8. Convention de mise en commun", "Convention de mise en commun")
    assert len(candidates(doc(alone))) <= 1


def test_slides_opened_by_numbered_labels_are_practices():
    programme = ("Au programme\n1. Le Pays en chiffres\n2. Chantier n°1 : un chef de projet pour deux villes\n"
                 "3. Chantier n°2 : l'entente « Destination Bocage »\n4. Vos questions\n")
    slide1 = ("Chantier n°1\nUN CHEF DE PROJET PETITES VILLES DE DEMAIN POUR DEUX VILLES\nDomfront + Tinchebray\n\n"
              "Comment ça marche ?\n- Employeur : Domfront Tinchebray Interco\n- Convention tripartite entre la "
              "communauté et les deux communes\n")
    slide2 = ("Chantier n°2\nL'ENTENTE « DESTINATION BOCAGE »\nFlers Agglo + DTI + Andaine-Passais\n\n"
              "Pourquoi une entente ?\n- Une entente intercommunautaire par délibérations concordantes\n")
    text = "\n".join((programme, slide1, slide2))
    cs = candidates(doc(text))
    assert [c.title for c in cs] == ["UN CHEF DE PROJET PETITES VILLES DE DEMAIN POUR DEUX VILLES",
                                     "L'ENTENTE « DESTINATION BOCAGE »"]
    assert "Convention tripartite" in text[cs[0].start:cs[0].end] and "Flers" not in text[cs[0].start:cs[0].end]
    # one label alone opens nothing of its own
    assert len(candidates(doc("\n".join((programme, slide1))))) <= 1


def test_the_options_of_a_legal_note_are_no_practices():
    """« 2. Les options juridiques envisageables » > « 2.1 … », « 2.2 … »: the options of one choice,
    whatever instrument each names; the note is about one practice."""
    option = ("Chaque communauté délibère ; la convention fixe l'objet, la durée et la répartition des "
              "dépenses entre la Communauté de communes de la Côte d'Albâtre et Fécamp Caux Littoral. ")
    text = ("# Note juridique n° 2025-04\n\n## 1. Rappel du contexte\n\nLes deux communautés veulent aménager "
            "ensemble l'itinéraire cyclable entre lin et falaises.\n\n"
            "## 2. Les options juridiques envisageables\n\n"
            f"### 2.1. Une simple convention de partenariat\n\n{option}\n\n"
            f"### 2.2. Une entente intercommunautaire (articles L. 5221-1 et L. 5221-2 du CGCT)\n\n{option}\n\n"
            f"### 2.3. Un syndicat mixte fermé\n\n{option}\n\n"
            "## 3. Recommandation\n\nL'entente intercommunautaire est la formule la plus adaptée.\n")
    [c] = candidates(doc(text, "note.md", title="Note juridique n° 2025-04"))
    body = text[c.start:c.end]
    assert c.title == "Note juridique n° 2025-04" and body.startswith("Note juridique") and body.endswith("adaptée.")
    # the same sections under a heading that announces no choice are practices of their own
    listed = text.replace("## 2. Les options juridiques envisageables", "## 2. Nos coopérations")
    assert len(candidates(doc(listed, "note.md", title="Note juridique n° 2025-04"))) == 3


def test_generic_items_of_a_register_or_an_agenda_are_no_practices():
    """« POINT 7 – Questions diverses » or a report's « 1. Le mot de la présidente » start nothing,
    whatever instrument their text mentions."""
    report = ("La convention de partenariat fixe les engagements des deux communautés, la répartition des "
              "dépenses et le comité de suivi, réuni deux fois par an pour arrêter le programme. ") * 3
    register = ("COMMUNAUTÉ DE COMMUNES DU CAP CORSE\nBUREAU COMMUNAUTAIRE – ORDRE DU JOUR COMMENTÉ\n\n"
                f"POINT 2 – Parc relais et navette vers Bastia\n\n{report}\n\n"
                f"POINT 4 – Sentier du littoral\n\n{report}\n\n"
                f"POINT 7 – Questions diverses\n\n{report}\n")
    assert [c.title for c in candidates(doc(register))] == [
        "POINT 2 – Parc relais et navette vers Bastia", "POINT 4 – Sentier du littoral"]
    agenda = (f"RAPPORT D'ACTIVITÉ 2024\n\n1. Le mot de la présidente\n{report}\n\n"
              f"2. Saisine sur le projet alimentaire territorial\n{report}\n\n"
              f"3. Révision du programme LEADER\n{report}\n\n5. Perspectives 2025\n{report}\n")
    assert [c.title for c in candidates(doc(agenda))] == [
        "Saisine sur le projet alimentaire territorial", "Révision du programme LEADER"]


def test_questions_of_an_faq_start_no_practice():
    text = ("# Conseil de développement Nord-Est : vos questions, nos réponses\n\n## Généralités\n\n"
            "### C'est quoi, un conseil de développement ?\n\nUne instance de la CINOR et de la CIREST.\n\n"
            "### Et le TCO, la CIVIS ou la CASUD ?\n\nLe TCO a son propre conseil de développement.")
    [c] = candidates(doc(text, "faq.md"))
    assert c.title == "Conseil de développement Nord-Est : vos questions, nos réponses"


def test_a_transcripts_turns_are_neither_titles_nor_running_titles():
    turns = ["LAURENT PAOLI : Sur quoi, alors ?", "ANTOINE SANTUCCI : Les navettes d'été et la promotion.",
             "LAURENT PAOLI : Et le deuxième sujet ?", "MARIE-JEANNE LUCIANI : Le contrat local de santé.",
             "LAURENT PAOLI : Qui signe ?", "ANTOINE SANTUCCI : Les deux communautés de communes."]
    text = "TRANSCRIPTION – ICI RCFM\n\n" + "\n\n".join(turns)
    assert [b.kind for b in blocks(doc(text))][1:] == ["paragraph"] * len(turns)
    [c] = candidates(doc(text))
    assert c.title == "TRANSCRIPTION – ICI RCFM" and (c.start, c.end) == (0, len(text))


def test_an_e_mail_threads_headers_are_no_running_titles():
    body = ("Pour Terres de Bresse, vingt jours conviennent ; la convention unique avec le centre de gestion et "
            "l'archiviste itinérant partagé nous vont très bien, le bureau délibérera en mars.")
    messages = [f"-----Message d'origine-----\nDe : {who} <{mail}@bresse.fr>\nEnvoyé : jeudi 6 février 2025\n"
                f"Objet : RE: Archiviste itinérant\n\n{body}\n\n{who}\nDirection générale"
                for who, mail in (("Nadia BOUCHARD", "nb"), ("Thomas GUILLEMIN", "tg"), ("Julie PERRIN", "jp"))]
    text = "De : Julie PERRIN <jp@bresse.fr>\nObjet : Archiviste itinérant\n\nBonjour,\n\n" + "\n\n".join(messages)
    assert not any(c.title in ("Nadia BOUCHARD", "Thomas GUILLEMIN", "Julie PERRIN") for c in candidates(doc(text)))


def test_minutes_opinions_of_two_sentences_are_no_running_titles():
    filler = "Le chargé de mission présente l'étude et les suites proposées aux élus du territoire. " * 3
    text = ("# Conférence des maires\n\n"
            "## Point 2 - Mobilités : projet d'entente avec la Communauté d'agglomération du Pays Ajaccien\n\n"
            f"{filler}\n\nAvis de la conférence : favorable (17 voix pour). La délibération sera présentée au "
            "conseil ; la CAPA délibérera en novembre.\n\n"
            "## Point 3 - Service commun d'instruction des autorisations du droit des sols\n\n"
            f"{filler}\n\nAvis de la conférence : favorable. La CAPA en est informée.\n")
    assert [c.title for c in candidates(doc(text, "cr.md"))] == [
        "Point 2 - Mobilités : projet d'entente avec la Communauté d'agglomération du Pays Ajaccien",
        "Point 3 - Service commun d'instruction des autorisations du droit des sols"]
    # an interview's questions in bold stay titles (« T&C : Parlons de … . Vous avez signé une convention … »)
    q = ("**T&C : Parlons de la Suisse. Vous avez signé une convention avec le canton du Jura.**\n\n"
         f"**C. M. :** {filler}\n\n**T&C : Et le pôle ? Vous portez un contrat de réciprocité.**\n\n"
         f"**C. M. :** {filler}\n")
    bs = blocks(doc(q, "entretien.md"))
    assert set(find_running_titles(q, bs)) == {0, 2}


def test_an_email_is_titled_by_its_subject():
    text = ("De : Nathalie Carpentier <n.carpentier@cc-sudavesnois.fr>\nEnvoyé : mardi 8 avril 2025 18:42\n"
            "À : Frédéric Lemaire <dgs@cc-paysdemormal.fr>\nObjet : RE: RE: Projet de convention d'entente mobilité "
            "– V3\n\nBonjour Frédéric,\n\nJe te joins la V4 de la convention avec la CC du Pays de Mormal.")
    [c] = candidates(doc(text))
    assert c.title == "Projet de convention d'entente mobilité – V3"
    assert text[c.title_start:c.title_end] == c.title
    # an « Objet : » line that no sender line precedes is a grid row, not a subject
    [c] = candidates(doc("Entente pour les mobilités\n\nObjet : RE: une entente\nPartenaires : CC du Val"))
    assert c.title == "Entente pour les mobilités"


def test_enumerated_laureates_in_a_pdf_without_blank_lines_are_practices():
    text = ("4. Projets lauréats\n"
            "Lauréat n° 1 – France services itinérante des Plateaux (note : 86/100)\n"
            "Porteur : communauté de communes des Plateaux de l'Ognon. Une convention de mutualisation fixe les\n"
            "engagements de chacune.\n"
            "Lauréat n° 2 – Entente Breuchin-Luxeuil pour la requalification des friches\n"
            "Porteurs : communauté de communes de la Vallée du Breuchin et communauté de communes Luxeuil-Vosges\n"
            "saônoises, en entente intercommunautaire.\n")
    assert [c.title for c in candidates(doc(text, "jury.txt"))] == [
        "Lauréat n° 1 – France services itinérante des Plateaux (note : 86/100)",
        "Lauréat n° 2 – Entente Breuchin-Luxeuil pour la requalification des friches"]


def test_an_action_sheets_volet_is_a_heading():
    text = ("Intitulé : entente et transport solidaire\n\n"
            "Volet A – Entente intercommunale « Auge Santé »\n"
            "Créée par délibérations concordantes, l'entente réunit la CA Lisieux Normandie et la CC Terre d'Auge.\n\n"
            "Volet B – Transport solidaire vers les consultations\n"
            "Convention de partenariat entre la CA Lisieux Normandie et Familles Rurales du Calvados.\n")
    heads = [b.text for b in blocks(doc(text)) if b.kind == "heading" and b.level == 2]
    assert heads == ["Volet A – Entente intercommunale « Auge Santé »", "Volet B – Transport solidaire vers les consultations"]


def test_a_speakers_affiliation_makes_no_practice_section():
    # a programme: the talk's speaker is from a university, the round tables name practices
    text = ("# Programme\n\n## Conférence introductive : coopérer entre territoires\n\n- Hélène Dumas, professeure, "
            "Université de Poitiers, sur la convention de coopération.\n\n## Table ronde 1 – Le PAT du Sud Charente"
            "\n\nLa Communauté de communes Lavalette Tude Dronne porte le projet alimentaire territorial.\n\n"
            "## Table ronde 2 – Mobilités\n\nLa Communauté d'agglomération Pays Basque et la Communauté de communes "
            "du Seignanx ont signé une convention.")
    assert [c.title for c in candidates(doc(text, "p.md"))] == [
        "Table ronde 1 – Le PAT du Sud Charente", "Table ronde 2 – Mobilités"]


@pytest.mark.parametrize(("heading", "expected"), [
    ("Édito", True), ("1. Objet de l'annexe", True), ("Observations", True), ("Premiers enseignements", True),
    ("Contexte", True),
    ("Synthèse et enjeux pour le PAS", True),  # a bare acronym names no practice here
    ("Synthèse du contrat de réciprocité", False), ("Contexte du Pays de Langres", False),
    # a report's own sections, whatever they name
    ("2. Tableau comparatif", True), ("4. Premiers enseignements pour le Pays d'Orthe et Arrigans", True),
    ("5. Prochaines étapes", True), ("Annexe – Plan de financement prévisionnel de l'opération", True),
    ("Résumé", True), ("3. Appréciation et propositions", True),
    # a form's own sections
    ("5. Description du projet", True), ("9. Engagement du chef de file", True), ("Ce qui nous manque", True),
    ("Engagement pour la ruralité du Pays de Retz", False),
    # a decision's, a return on experience's, a study visit's own sections
    ("Répartition des charges", True), ("Proposition", True), ("Conseils des porteurs", True),
    ("Pour aller plus loin", True), ("CE QUE NOUS EN RETENONS POUR SERRE-PONÇON", True),
    ("Conseil de développement du Pays de Gex", False), ("Pour une entente des vallées", False),
    # a report's or a wiki page's parts, a note's options
    ("1. Le cadre de l'avis", True), ("2. Les éléments nouveaux", True), ("Principaux constats", True),
    ("Les autres coopérations", True), ("Membre associé", True), ("6. Voir aussi", True),
    ("Option A – Reconduction à l'identique", True), ("Option C – Syndicat mixte « fourrière de Guyane »", False),
    ("Autres ententes", False), ("Le mot du président", True),
    # a report's, a council's, a regulation's, a deck's other parts
    ("Le mot de la présidente", True), ("Notre conseil en bref", True), ("Rencontres et échanges", True),
    ("5. Le mandat en chiffres", True), ("Ressources humaines", True), ("Notre conférence des présidents", False),
    ("Article 3 – Dépenses éligibles et montant de l'aide", True),
    ("Article 1 — Objet et cadre du fonds", True), ("Article 2 — Articulation avec le contrat régional", False),
    ("Article 1er – Entente interdépartementale « Grands Lacs de Champagne »", False),
    ("Diapositive 7 — Ce que ces trois exemples ont en commun", True), ("Diapositive 4", True),
    ("Diapositive 3 — Le SCoT du Pays de Fougères", False),
])
def test_generic_headings(heading, expected):
    assert generic(heading) is expected


def test_section_numbers_do_not_hide_labels():
    assert normalise_label("1. Contexte") == "triggers" and normalise_label("2.1 Objet") == "object"
    assert label_key("2024 : bilan") == "2024 bilan"


def test_slides_seen_facet_by_facet_are_practices_by_subject():
    deck = ("--- Diapositive 1 ---\nTrois expériences drômoises\n• Biovallée\n\n"
            "--- Diapositive 2 ---\nBIOVALLÉE – qui ?\n• Communauté de communes du Diois\n\n"
            "--- Diapositive 3 ---\nBIOVALLÉE – comment ?\n• Charte Biovallée signée par les 3 CC\n\n"
            "--- Diapositive 4 ---\nSCoT RHÔNE-PROVENCE-BARONNIES – le périmètre\n• 5 intercommunalités\n\n"
            "--- Diapositive 5 ---\nSCoT RPB – ce qui a marché\n• Parité au bureau syndical\n\n"
            "--- Diapositive 6 ---\nCONTRAT DE RÉCIPROCITÉ VALENCE – VERCORS\n• Valence Romans Agglo\n")
    cs = candidates(doc(deck))
    assert [c.title for c in cs] == ["BIOVALLÉE", "SCoT RHÔNE-PROVENCE-BARONNIES", "CONTRAT DE RÉCIPROCITÉ VALENCE – VERCORS"]
    assert len(cs[0].blocks) == 4 and len(cs[1].blocks) == 4  # two slides each (an acronym names the SCoT)
    # slide breaks and slide numbers are no text
    assert not any("Diapositive" in b.text for b in blocks(doc(deck)))
    assert [b.text for b in blocks(doc("Titre\n\n12\n\nTexte suivant."))] == ["Titre", "Texte suivant."]
    # titles with a dash but no subject seen facet by facet: no such rule (seed 003's « Levier 7 - … »)
    levers = ("Levier 7 - Rapprocher les projets de territoire (Pays, SCoT)\n• Un exemple\n\n"
              "Levier 8 - Faire converger les contrats\n• Un autre\n")
    assert len(candidates(doc(levers))) == 1


def test_fallback_title_prefers_one_naming_an_instrument():
    text = ("**DÉPARTEMENT DE LA SOMME**\n\n# COMMUNIQUÉ DE PRESSE\n\n## Trait de côte : le Département et les "
            "intercommunalités signent une charte de coopération\n\nLa charte a été signée à Cayeux.")
    [c] = candidates(doc(text, "c.md", title="COMMUNIQUÉ DE PRESSE"))
    assert c.title.startswith("Trait de côte") and c.title_start == text.index("Trait")
    bold = "**CONTRAT LOCAL DE SANTÉ DU SUD-VENDÉE**\n**Comité de pilotage n° 3**\n\nPrésents : les EPCI."
    assert candidates(doc(bold, "cr.md"))[0].title == "CONTRAT LOCAL DE SANTÉ DU SUD-VENDÉE Comité de pilotage n° 3"


# --- candidates -----------------------------------------------------------------------------------


def test_one_practice_many_headings_is_one_candidate():
    text = "# Service commun d'accueil\n\n## Historique\n\nCréé en 2016.\n\n## Fonctionnement\n\nDeux agents.\n\n## Bilan\n\nCent foyers."
    [c] = candidates(doc(text, "a.md"))
    assert c.title == "Service commun d'accueil"
    assert (c.start, c.end) == (text.index("Service"), len(text))
    assert len(c.blocks) == 7


@pytest.mark.parametrize("text, names", [
    ("Lorient Agglomération et Quimperlé Communauté coopèrent", ["Lorient Agglomération", "Quimperlé Communauté"]),
    ("le Pays de Vitré et la CC du Poher", ["Pays de Vitré", "CC du Poher"]),
    ("le Bassin de Bourg en Bresse", ["Bassin de Bourg en Bresse"]),  # the segmenter's own shape
    ("le rôle de l'État et de l'ADEME", []),  # no local structure
    ("l'agglomération grenobloise", []),  # an adjective, not a name
])
def test_structure_names(text, names):
    assert [text[s:e] for s, e in structure_names(text)] == names


def test_a_grid_under_a_generic_heading_is_part_of_the_practice_above():
    text = ("# Le Pôle métropolitain du Val\n\nIl réunit Lorient Agglomération et Quimperlé Communauté.\n\n"
            "## Fonctionnement\n\nObjet\tDes études communes\nGouvernance\tUn comité syndical\n")
    [c] = candidates(doc(text, "p.md"))
    assert c.title == "Le Pôle métropolitain du Val"
    assert "Lorient" in text[c.start:c.end] and sorted(c.grid) == ["governance", "object"]
    # a heading naming a practice stays a practice of its own, even alone under another
    named = text.replace("## Fonctionnement", "## L'entente du Val")
    assert [c.title for c in candidates(doc(named, "p.md"))] == ["L'entente du Val"]


def test_sibling_headings_naming_instruments_are_two_practices():
    text = ("# Journée d'échanges\n\n## Le contrat de réciprocité de la vallée\n\nDeux structures l'ont signé.\n\n"
            "## Une entente pour les mobilités\n\nTrois intercommunalités la portent.\n\n"
            "## Ce que retiennent les participants\n\nLa confiance se construit.")
    cs = candidates(doc(text, "a.md"))
    assert [c.title for c in cs] == ["Le contrat de réciprocité de la vallée", "Une entente pour les mobilités"]
    # one heading naming an instrument among generic ones: still one practice
    one = text.replace("## Une entente pour les mobilités", "## Les moyens mis en commun")
    [c] = candidates(doc(one, "a.md"))
    assert (c.start, c.end) == (text.index("Journée"), len(one))


def test_fallback_titles():
    text = "Un texte sans titre qui décrit une pratique.\n\nUne suite."
    assert candidates(doc(text, "ma-pratique.txt"))[0].title == "ma-pratique"
    [c] = candidates(doc(text, "ma-pratique.txt", title="Titre donné par le lecteur"))
    assert (c.title, c.title_start) == ("Titre donné par le lecteur", None)
    text = "Accueil des nouveaux habitants\n\nUn service commun créé en 2016."
    [c] = candidates(doc(text, "x.txt", title="Accueil des nouveaux habitants"))
    assert (c.title_start, c.title_end) == (0, len("Accueil des nouveaux habitants"))


def test_stray_label_does_not_split_a_document():
    text = "Un atelier\n\nLe carrefour des métiers réunit des acteurs.\n\nDes pistes\n\nObjectif : mieux coopérer.\n\nUne conclusion."
    [c] = candidates(doc(text))
    assert c.title == "Un atelier" and len(c.blocks) == len(blocks(doc(text)))
    assert [b.text for b in c.grid["ambitions"]] == ["mieux coopérer."]


def test_arrow_needs_a_description_and_a_second_arrow():
    one = "Une journée\n\n→ Une seule expérience\n\nSa description.\n\nUne conclusion."
    assert len(candidates(doc(one))) == 1 and candidates(doc(one))[0].title == "Une journée"
    two = one + "\n\n→ Une deuxième expérience\n\nSa description aussi."
    assert [c.title for c in candidates(doc(two))] == ["Une seule expérience", "Une deuxième expérience"]


def test_heading_followed_by_grid_starts_a_candidate():
    text = ("Titre du diaporama\n\nIntroduction générale.\n\nPNR des Causses\nEnjeux : le tourisme.\nObjet : une charte.\n\n"
            "Pays de la Vallée\nEnjeux\t✓ habitat ✓ emploi\nAmbitions\tun contrat.\n")
    cs = candidates(doc(text))
    assert [c.title for c in cs] == ["PNR des Causses", "Pays de la Vallée"]
    assert [b.text for b in cs[1].grid["stakes"]] == ["habitat", "emploi"]
    assert "Introduction" not in text[cs[0].start:cs[-1].end]


def test_examples_rule():
    text = ("Dialogue territorial\n\nQuelques principes généraux.\n\nExemples de pratiques\n\n"
            "Le **Pays de Xaintes** réunit ses maires chaque mois.\n\n"
            "La communauté de communes du Val Yon organise un séminaire annuel.\n\n"
            "Une phrase sans lieu nommé.\n\nAutre diapositive\n\nLe Pays de Zède n'est pas un exemple ici.")
    cs = candidates(doc(text))
    assert [c.title for c in cs] == ["Pays de Xaintes", "communauté de communes du Val Yon"]
    assert all(len(c.blocks) == 1 for c in cs)
    assert text[cs[0].title_start:cs[0].title_end] == "Pays de Xaintes"


def test_candidate_headings():
    """The chain of enclosing headings, outermost first: markdown headings nest by level; an
    "Exemples …" slide title nests under the slide title before it."""
    cs = {c.title: c for c in candidates(load(STYLES / "exemples-leviers.txt"))}
    assert cs["Lormont Métropole"].headings == (
        "Levier 3 - Inventer de nouveaux espaces de dialogue", "Exemples de pratiques de dialogue")
    assert cs["Belcastel Métropole"].headings == (
        "Levier 4 - Mobiliser les élus locaux", "Exemples de modes de mobilisation des élus locaux")
    # an "Exemples :" paragraph lead; the emphasised sentence between is not a slide title
    assert cs["Pays du Val d'Arre et les autres Pays voisins"].headings == (
        "Levier 8 - Faire converger les procédures et contrats",)
    text = ("# Atelier\n\n## Axe 1\n\n### Pays de Lestre\n\nUn service commun.\n\n### Pays de Morne\n\nUn contrat.\n\n"
            "## Axe 2\n\n### Pays de Vaux\n\nUne entente.")
    assert [(c.title, c.headings) for c in candidates(doc(text, "a.md"))] == [
        ("Pays de Lestre", ("Atelier", "Axe 1")),
        ("Pays de Morne", ("Atelier", "Axe 1")),
        ("Pays de Vaux", ("Atelier", "Axe 2")),
    ]
    # label headings are not part of the chain; the whole-document candidate has none
    [c] = candidates(doc("# Une pratique\n\n## Contexte\n\nUn constat.", "a.md"))
    assert c.headings == ()


def test_running_slide_titles():
    """Seed 001's style: slide titles "Prefix : suffix" sharing a prefix (wrapped over two lines,
    OCR variants); one candidate per suffix naming a practice, titled by the suffix and the line
    below naming the place; the same suffix on a later slide is the same practice."""
    document = load(STYLES / "titres-courants-pratiques.txt")
    text = document.text
    contrat, scic = candidates(document)
    assert contrat.title == "Contrat de réciprocité – Ville de Morlange et le Pays des Hautes Combes"
    assert scic.title == "la SCIC – Bois-énergie du Val Sarre"
    assert contrat.title_start is None and contrat.headings == ()
    assert contrat.start == text.index("Les coopérations au service des transitions\nterritoriales : Contrat")
    assert "Le comité de suivi commun" in contrat.blocks[-1].text
    assert [b.text for b in scic.blocks[2:]] == [
        "Une société coopérative d'intérêt collectif qui approvisionne\nles chaufferies de douze communes",
        "Sociétaires : communes, agriculteurs, habitants, une scierie"]
    covered = " ".join(b.text for c in (contrat, scic) for b in c.blocks)
    assert "Déroulé" not in covered and "Hybridation" not in covered and "quartiers prioritaires" not in covered
    # a suffix alone is a title when the line below does not name a place
    text = ("Ateliers de la coopération : Pacte de territoire\n\nUn pacte signé par douze communes.\n\n"
            "Ateliers de la coopération : notions\n\nLes communs.")
    [c] = candidates(doc(text))
    assert (c.title, text[c.title_start:c.title_end]) == ("Pacte de territoire", "Pacte de territoire")
    # suffixes naming no practice, or a prefix used once, start nothing
    for text in ("Ateliers de la coopération : notions\n\nLes communs.\n\nAteliers de la coopération : méthodes\n\nDes outils.",
                 "Atelier du 4 avril : Contrat de réciprocité\n\nUn contrat.\n\nAutre diapositive : Pacte\n\nUn pacte."):
        assert len(candidates(doc(text, "x.txt"))) == 1


def test_example_item_naming_two_practices():
    """Seed 003's style: an example item naming two places gives one candidate per place, each with
    its part of the text; not when they act together, nor for one bold run holding two names."""
    document = load(STYLES / "exemples-leviers.txt")
    text = document.text
    cs = {c.title: c for c in candidates(document)}
    parts = {t: [b.text for b in cs[t].blocks] for t in ("Lormont Métropole", "CA du Grand Vaudrey",
                                                          "Rivesaltes Métropole", "Belcastel Métropole")}
    assert parts == {
        "Lormont Métropole": ["Bureau élargi, conférence des maires à **Lormont Métropole**"],
        "CA du Grand Vaudrey": ["ateliers thématiques pour tous les élus chaque trimestre à la **CA du Grand Vaudrey**"],
        "Rivesaltes Métropole": ["Rivesaltes Métropole", text[text.index("se sont organisées"):
                                                                 text.index("localisées.") + len("localisées.")]],
        "Belcastel Métropole": [text[text.index("Belcastel Métropole se sont"):text.index("localisées.") + len("localisées.")]],
    }
    for t in parts:
        c = cs[t]
        assert text[c.title_start:c.title_end] == t
        assert all(text[b.start:b.end] == b.text for b in c.blocks)
    # acting together (a convention, "ensemble"), or one bold run: one candidate
    assert "CC du Haut-Doubs" not in cs and "Pays de Brie" not in cs and "Pays voisins" not in cs
    assert cs["Pays de Marne"].blocks[0].text.endswith("schéma de randonnée.")
    # an item naming one place is the item itself
    [b] = cs["Pays du Val d'Arre et les autres Pays voisins"].blocks
    assert b in blocks(document)


def test_subject_of_two_names_shares_its_predicate():
    """"X et Y se sont organisées en …": the predicate is said of both, so X's candidate holds its
    name and the predicate (a block inside Y's part), not its name alone."""
    lead = "Exemples de pratiques\n\n"
    tail = "\n\nLe **Pays de Tarnac** réunit ses élus chaque trimestre."
    text = lead + ("Lorval Métropole et Belcastel Métropole se sont organisées en **pôles de proximité**. "
                   "Ils entrent dans l'organisation comme des directions localisées.") + tail
    document = doc(text)
    check_candidates(document)
    lorval, belcastel, _ = candidates(document)
    predicate = text[text.index("se sont"):text.index("localisées.") + len("localisées.")]
    assert [b.text for b in lorval.blocks] == ["Lorval Métropole", predicate]
    assert [b.text for b in belcastel.blocks] == ["Belcastel Métropole " + predicate]
    assert lorval.end == belcastel.end and text[lorval.title_start:lorval.title_end] == "Lorval Métropole"
    # bold names: the predicate starts after the closing ** of the second name
    text = lead + "**Lorval Métropole** et **Belcastel Métropole** ont créé des pôles de proximité." + tail
    lorval, belcastel, _ = candidates(doc(text))
    assert [b.text for b in lorval.blocks] == ["Lorval Métropole", "ont créé des pôles de proximité."]
    # three names: the first two share the last one's predicate
    text = lead + "Lorval Métropole et Belcastel Métropole et Rivesaltes Métropole ont créé des pôles." + tail
    check_candidates(doc(text))
    lorval, belcastel, rivesaltes, _ = candidates(doc(text))
    assert [b.text for b in lorval.blocks] == [lorval.title, "ont créé des pôles."]
    assert [b.text for b in belcastel.blocks] == [belcastel.title, "ont créé des pôles."]
    assert [b.text for b in rivesaltes.blocks] == ["Rivesaltes Métropole ont créé des pôles."]
    # two practices in one sentence ("… à **X**, … à **Y**"): each keeps its own part, nothing shared
    text = lead + ("Bureau élargi à **Lorval Métropole**, débats pour tous les élus à la **CA du Grand Vaudrey**."
                   + tail)
    lorval, vaudrey, _ = candidates(doc(text))
    assert [b.text for b in lorval.blocks] == ["Bureau élargi à **Lorval Métropole**"]
    assert len(vaudrey.blocks) == 1


def test_same_practice_on_two_slides_is_merged():
    document = load(STYLES / "exemples-leviers.txt")
    text = document.text
    cs = candidates(document)
    assert len({c.title for c in cs}) == len(cs)
    verte = next(c for c in cs if c.title == "Pays de la Vallée Verte")
    first, second = verte.blocks
    assert "réunion mensuelle" in first.text and "séminaire pour tous les élus" in second.text
    assert (verte.start, verte.end) == (first.start, second.end)
    assert text[verte.title_start:verte.title_end] == "Pays de la Vallée Verte" and verte.title_start < first.end
    assert verte.headings == ("Levier 3 - Inventer de nouveaux espaces de dialogue", "Exemples de pratiques de dialogue")
    # its span covers the candidates between: the span is still a valid slice of the text
    lormont = next(c for c in cs if c.title == "Lormont Métropole")
    assert verte.start < lormont.start < lormont.end < verte.end
    assert text[verte.start:verte.end].startswith("Une réunion mensuelle")
    # grids are concatenated too
    text = ("PNR des Causses\nEnjeux : le tourisme.\nObjet : une charte.\n\nPays de la Vallée\nEnjeux : l'habitat.\n"
            "Ambitions : un contrat.\n\nPNR des Causses\nEnjeux : l'eau.\nActeurs : les communes.\n")
    causses, vallee = candidates(doc(text))
    assert causses.title == "PNR des Causses" and vallee.title == "Pays de la Vallée"
    assert {f: [b.text for b in bs] for f, bs in causses.grid.items()} == {
        "stakes": ["le tourisme.", "l'eau."], "object": ["une charte."], "actors": ["les communes."]}
    assert causses.end == len(text.rstrip())


def test_fallback_title_skips_generic_labels():
    """Seed 000's style: a CV slide first; the case is named by the first title naming a structure."""
    path = STYLES / "cv-diapos.txt"
    wanted = "Chargé de mission coopérations territoriales à Lorval Métropole"
    [c] = candidates(load(path))
    assert (c.title, c.title_start) == (wanted, None)  # wrapped over three lines in the text
    text = load(path).text
    for title in ("Formation", "Déroulé de l'atelier", "Sommaire"):
        [c] = candidates(doc(text, path.name, title=title))
        assert c.title == wanted
    [c] = candidates(doc(text, path.name, title="Programme de coopérations de Lorval Métropole"))
    assert c.title == "Programme de coopérations de Lorval Métropole"
    # no title naming a structure: the first heading that is not generic, else the document title
    text = "Formation\n\nUn parcours varié.\n\nNos actions locales\n\nDes ateliers réguliers."
    assert candidates(doc(text, "x.txt", title="Formation"))[0].title == "Nos actions locales"
    assert candidates(doc("Formation\n\nUn parcours varié.", "x.txt", title="Formation"))[0].title == "Formation"


def test_candidates_reuse_given_blocks():
    document = load(STYLES / "grille-deux-pratiques.txt")
    bs = blocks(document)
    given_blocks = candidates(document, bs)
    assert [(c.title, c.start, c.end) for c in given_blocks] == [(c.title, c.start, c.end) for c in candidates(document)]
    assert all(any(b is x for x in bs) for c in given_blocks for b in c.blocks)


# --- properties on random text --------------------------------------------------------------------

PIECES = st.sampled_from([
    "Enjeux", "Contexte", "Objet", "Acteurs impliqués", "Partenaires / échelle", "Mail", "Pays de Rennes",
    "Une phrase.", "un mot", "**", "*", "__", "<ul style=\"x\">", "</li>", "<p>", "</p>", "<br>", "✓", "•",
    "→", "->", "- ", "* ", "1. ", "v'", "# ", "## ", ":", " : ", "\t", "\n", "\n\n", " ", "  ", "é", "x o +",
    "Exemples :", "«", "»", "?", ".", "Ⅻ", "\u00a0",
    "Toulouse Métropole", " et ", "**CA du Grand Chalon**", "Les ateliers du réseau", "Contrat de réciprocité",
])
RANDOM_TEXT = st.one_of(
    st.lists(PIECES, max_size=60).map("".join),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200),
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(RANDOM_TEXT)
def test_random_text_spans(text):
    document = doc(text)
    check_blocks(document)
    check_candidates(document)


def test_a_numbered_line_under_a_rule_is_a_section_title():
    rule = "-" * 40
    text = ("NOTES ATELIER – coopérer entre intercos\n\n"
            f"{rule}\n1. TÉMOIGNAGE 1 – entente CCCA / CCSA\nintervenants : JM Delattre\n- entente L5221-1, délibérations "
            "concordantes\n- un conseiller en énergie partagé porté par la CC du Sud-Artois\n\n"
            f"{rule}\n2. TÉMOIGNAGE 2 – Pôle métropolitain de l'Artois\n- syndicat mixte de trois agglomérations\n\n"
            "Liste :\n1. Premier point\n2. Second point")
    heads = [(b.text, b.level) for b in blocks(doc(text)) if b.kind == "heading"]
    assert ("TÉMOIGNAGE 1 – entente CCCA / CCSA", 1) in heads and ("TÉMOIGNAGE 2 – Pôle métropolitain de l'Artois", 1) in heads
    assert not any(t.startswith(("Premier", "Second")) for t, _ in heads)  # no rule above: list items
    assert [c.title for c in candidates(doc(text))] == [
        "TÉMOIGNAGE 1 – entente CCCA / CCSA", "TÉMOIGNAGE 2 – Pôle métropolitain de l'Artois"]


SECTIONS = ("Rapport de stage – trois coopérations\n"
            "1. L'agence d'urbanisme : un outil d'ingénierie partagé entre deux\ndépartements\n"
            "L'Agence d'urbanisme du Pays de Saint-Omer est une association créée en 1977, dont le périmètre\n"
            "a été étendu à la Flandre intérieure en 2011. Ses membres sont la CAPSO, la CCPL et la CCFI,\n"
            "située dans le département du Nord. Le programme de travail est adopté chaque année.\n"
            "2. Le Pôle métropolitain de l'Audomarois : porter le SCoT à deux\n"
            "Le Pôle métropolitain de l'Audomarois est un syndicat mixte constitué par la CAPSO\n"
            "et la CCPL. Il porte le SCoT du Pays de Saint-Omer, dont l'évaluation à six ans était\n"
            "l'objet principal de mon stage, ainsi que des missions de développement territorial.\n")


SECTION_TITLES = [("L'agence d'urbanisme : un outil d'ingénierie partagé entre deux\ndépartements", 1),
                  ("Le Pôle métropolitain de l'Audomarois : porter le SCoT à deux", 1)]


def test_numbered_titles_over_sections_without_blank_lines():
    heads = [(b.text, b.level) for b in blocks(doc(SECTIONS)) if b.kind == "heading"]
    assert heads[-2:] == SECTION_TITLES
    assert [c.title for c in candidates(doc(SECTIONS))] == [t for t, _ in heads[-2:]]
    # items of a list (one line each, or out of sequence) stay items
    listed = "Décide :\n1. D'approuver la convention.\n2. D'autoriser le président.\nFait à Lodève.\n"
    assert not [b for b in blocks(doc(listed)) if b.kind == "heading" and b.level == 1]
    skipped = SECTIONS.replace("2. Le Pôle", "3. Le Pôle")
    assert not [b for b in blocks(doc(skipped)) if b.kind == "heading" and b.level == 1]
    # a table of contents above, a list of recommendations below: runs of their own, left as items
    toc = SECTIONS.replace("Rapport de stage – trois coopérations\n", "Rapport de stage\nSommaire\n1. L'agence\n2. Le Pôle\n")
    recs = toc + ("3. Recommandations\n1. Alléger les programmes d'actions partagés : cinq à six actions réellement\n"
                  "conjointes par an.\n2. Instaurer une revue annuelle commune des cinq conventions, sous la forme d'une\n"
                  "conférence des présidents élargie au bureau du Parc.\n")
    heads = [b.text for b in blocks(doc(recs)) if b.kind == "heading" and b.level == 1]
    assert heads == [t for t, _ in SECTION_TITLES] + ["Recommandations"], heads


def test_partners_headings_are_labels():
    from ingest.documents.labels import normalise_label

    assert [normalise_label(t) for t in ("Partenaires associés", "Partenaires bénéficiaires", "Partenariat")] == [
        "partners_scale"] * 3


def test_a_cover_pages_lines_title_the_document():
    text = ("CACEM  –  CAP NORD MARTINIQUE  –  ESPACE SUD\nÉvaluation de l'entente intercommunautaire\n"
            "de gestion des échouements de sargasses\nPériode évaluée : 2021 – 2023\nRAPPORT FINAL\n"
            "Maîtrise d'ouvrage : trois communautés d'agglomération, qui ont confié l'évaluation à un cabinet.\n")
    [c] = candidates(doc(text, "synthese.pdf"))
    assert c.title == "Évaluation de l'entente intercommunautaire de gestion des échouements de sargasses"


def test_a_file_name_is_no_pdf_title():
    from ingest.documents.pdf_reader import _FILE_NAME

    assert [bool(_FILE_NAME.fullmatch(t)) for t in ("Synthese_eval_v2_post-COPIL", "rapport.pdf",
                                                     "Contrat de réciprocité Brest – COB", "CRTE-2024")] == [
        True, True, False, False]
