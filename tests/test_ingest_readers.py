"""Reading raw documents (ingest.documents.readers): every format converges on one normalised,
markdown-like text; bad input gives a DocumentError with a French message naming the file."""
from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import os
import zipfile
from pathlib import Path

import pytest

from ingest.documents import readers
from ingest.documents.model import Document, DocumentError
from ingest.documents.readers import (DEFAULT_MAX_BYTES, SUPPORTED, expand_paths, normalise_text, read_bytes,
                                      read_document)

FORMATS = Path(__file__).resolve().parent / "data" / "documents" / "formats"


def fixture(name: str) -> Path:
    return FORMATS / name


def error_of(path, **kwargs) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        read_document(path, **kwargs)
    return info.value


def bytes_error(data: bytes, name: str, **kwargs) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        read_bytes(data, name, **kwargs)
    return info.value


def load_generator():
    spec = importlib.util.spec_from_file_location("coopkg_format_fixtures", FORMATS / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_docx(build) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- API


def test_public_constants():
    assert SUPPORTED == {
        ".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html",
        ".pdf": "application/pdf",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024


# ---------------------------------------------------------------------------------- formats


def test_txt_utf8_with_bom_and_crlf():
    path = fixture("reciprocite_brest_cob.txt")
    doc = read_document(path)
    assert isinstance(doc, Document)
    assert doc.name == "reciprocite_brest_cob.txt"
    assert doc.path == str(path)
    assert doc.media_type == "text/plain"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.warnings == ()
    assert doc.title == "Contrat de réciprocité entre Brest métropole et le Pays Centre Ouest Bretagne"
    assert doc.text == (
        "Contrat de réciprocité entre Brest métropole et le Pays Centre Ouest Bretagne\n"
        "\n"
        "Diaporama présenté lors des rencontres « Territoires en coopération » (2019).\n"
        "\n"
        "Éléments déclencheurs\n"
        "→ Un constat partagé : la métropole et le Centre Bretagne dépendent l’un de l’autre.\n"
        "→ L’appel à expérimentation national sur les contrats de réciprocité.\n"
        "\n"
        "Gouvernance\n"
        "- Un comité de pilotage annuel réunissant les élus des deux territoires.\n"
        "- Une équipe technique commune, animée par l’agence d’urbanisme."
    )
    assert "\ufeff" not in doc.text and "\r" not in doc.text


def test_txt_cp1252_is_converted_with_a_warning():
    doc = read_document(fixture("alliance_cp1252.txt"))
    assert doc.warnings == ("encodage détecté : Windows-1252 (converti en UTF-8)",)
    assert doc.title == "Alliance des territoires entre Rennes Métropole et le pays de Fougères"
    assert "Mots-clés : « réciprocité », « cœur de ville », mobilités partagées." in doc.text
    assert "L’objectif est de créer une dynamique commune" in doc.text
    assert "Étape clé : la mise en œuvre d’un schéma de mobilité élaboré en commun." in doc.text


def test_cp1252_undefined_bytes_fall_back_to_latin1():
    # 0x81 is undefined in CP1252: decoded as Latin-1 (a C1 control), then removed by normalisation.
    doc = read_bytes(b"Coop\xe9ration\x81 ville\x92campagne", "x.txt")
    assert doc.text == "Coopération ville’campagne"
    assert doc.warnings == ("encodage détecté : Windows-1252 (converti en UTF-8)",)


def test_txt_title_only_when_short():
    long_line = "Une coopération " * 10
    assert len(long_line.strip()) > 120
    doc = read_bytes(f"\n\n{long_line}\n\nSuite".encode(), "long.txt")
    assert doc.title is None
    assert read_bytes(b"\n  Titre court  \nCorps", "court.txt").title == "Titre court"


def test_markdown_kept_as_is():
    doc = read_document(fixture("cooperations_ville_campagne.md"))
    assert doc.media_type == "text/markdown"
    assert doc.title == "Coopérations ville-campagne en Bretagne"
    assert doc.warnings == ()
    assert doc.text.startswith("# Coopérations ville-campagne en Bretagne\n\nSupport de la journée")
    assert ("## Contrat de réciprocité Brest métropole – Pays COB\n\n"
            "- Santé : consultations avancées de spécialistes du CHU à Carhaix\n"
            "- Économie : filière bois et circuits courts\n"
            "- Culture : programmation commune des festivals\n\n"
            "## Entente interterritoriale TRIDAN\n\n"
            "→ Entente interterritoriale TRIDAN\n\n"
            "### Enjeux\n\n"
            "- Mutualiser l’ingénierie entre intercommunalités voisines") in doc.text
    assert doc.text == fixture("cooperations_ville_campagne.md").read_text(encoding="utf-8").rstrip("\n")


def test_markdown_title_is_the_first_level_one_heading():
    doc = read_bytes("Préambule\n\n## Pas celui-ci\n\n# Le vrai titre #\n\n# Un autre".encode(), "n.md")
    assert doc.title == "Le vrai titre"
    assert read_bytes(b"## Section\n\ntexte", "s.md").title is None


def test_html_structure():
    doc = read_document(fixture("entente_tridan.html"))
    assert doc.media_type == "text/html"
    assert doc.title == "Entente interterritoriale TRIDAN – fiche pratique"
    assert doc.warnings == ()
    assert doc.text == (
        "# Entente interterritoriale TRIDAN\n"
        "\n"
        "Trois intercommunalités du sud de la Bretagne ont créé une entente\u00a0interterritoriale "
        "pour partager leurs services.\n"
        "Elle est pilotée par une conférence des présidents.\n"
        "\n"
        "## Actions\n"
        "\n"
        "- Mutualiser un service de conseil en énergie\n"
        "- Coordonner les plans de mobilité\n"
        "  - covoiturage entre bourgs\n"
        "- Partager un observatoire foncier\n"
        "\n"
        "## Grille de lecture\n"
        "\n"
        "Rubrique\tContenu\n"
        "Eléments déclencheurs\tFin d’un syndicat mixte ; Besoin d’ingénierie\n"
        "Gouvernance\tConférence des présidents ; Comité technique mensuel"
    )
    for hidden in ("ne pas indexer", "ignoré", "Activez JavaScript", "Gabarit invisible", "Accueil",
                   "font-family", "Fiche rédigée en 2022."):  # the page's footer is not its text
        assert hidden not in doc.text


def test_html_title_falls_back_to_first_h1_and_drops_hidden_parts():
    html = ("<body><div hidden>caché</div><h1>Pôle <em>métropolitain</em></h1><h1>Second</h1>"
            "<ol><li>un<p>deux</p></li></ol><pre>a\n  b</pre>"
            "<table><caption>Légende</caption><tr><td>x<table><tr><td>y</td><td>z</td></tr></table></td>"
            "<td>w</td></tr></table></body>")
    doc = read_bytes(html.encode(), "p.htm")
    assert doc.title == "Pôle métropolitain"
    assert doc.text == "# Pôle métropolitain\n\n# Second\n\n- un deux\n\na\n  b\n\nLégende\n\nx ; y ; z\tw"


def test_html_navigation_and_page_footer_are_not_text():
    html = ("<body><nav><a href='/'>Accueil</a></nav><h1>Fiche</h1><p>Le Pays de Vitré coopère.</p>"
            "<footer>© Réseau des territoires – 2024</footer></body>")
    assert read_bytes(html.encode(), "f.html").text == "# Fiche\n\nLe Pays de Vitré coopère."
    # an article's own footer is part of it
    html = "<body><article><p>Le Pays de Vitré coopère.</p><footer>Contact : le Pays de Vitré</footer></article></body>"
    assert read_bytes(html.encode(), "a.html").text == "Le Pays de Vitré coopère.\n\nContact : le Pays de Vitré"


def test_html_sidebar_asides_are_not_text():
    # an aside outside the article is a sidebar (« En bref »): other news than the page's
    html = ("<body><main><article><h1>Un PAT commun</h1><p>Quatre EPCI signent.</p></article>"
            "<aside><h2>En bref</h2><p>Agglopolys renouvelle son entente.</p></aside></main></body>")
    assert read_bytes(html.encode(), "n.html").text == "# Un PAT commun\n\nQuatre EPCI signent."
    # an aside inside the article belongs to it (a box quoting a partner)
    html = "<body><article><p>Quatre EPCI signent.</p><aside><p>« Une première »</p></aside></article></body>"
    assert read_bytes(html.encode(), "a.html").text == "Quatre EPCI signent.\n\n« Une première »"


def test_html_adjacent_lists_and_tables_stay_apart():
    html = ("<h2> </h2><ul><li>a</li></ul><ol><li>b</li></ol>"
            "<table><tr><td>x</td><td>1</td></tr></table><table><tr><td>y</td><td>2</td></tr><tr></tr></table>")
    assert read_bytes(html.encode(), "a.html").text == "- a\n\n- b\n\nx\t1\n\ny\t2"


def test_html_declared_charset_is_honoured():
    html = '<html><head><meta charset="windows-1252"><title>Cœur de ville</title></head><body><p>Élus « locaux »</p>'
    doc = read_bytes(html.encode("cp1252"), "c.html")
    assert doc.title == "Cœur de ville"
    assert doc.text == "Élus « locaux »"
    assert doc.warnings == ("encodage déclaré : Windows-1252 (converti en UTF-8)",)


def test_html_wrong_or_unknown_charset_falls_back():
    wrong = '<meta charset="utf-8"><p>Réciprocité</p>'.encode("cp1252")
    doc = read_bytes(wrong, "w.html")
    assert doc.text == "Réciprocité"
    assert doc.warnings == ("encodage détecté : Windows-1252 (converti en UTF-8)",)
    unknown = read_bytes('<meta charset="n-importe-quoi"><p>Réciprocité</p>'.encode(), "u.html")
    assert unknown.text == "Réciprocité" and unknown.warnings == ()


def test_docx_structure_and_core_title():
    doc = read_document(fixture("pole_metropolitain.docx"))
    assert doc.media_type == SUPPORTED[".docx"]
    assert doc.title == "Pôle métropolitain Loire Bretagne : fiche de coopération"
    assert doc.text == (
        "# Pôle métropolitain Loire Bretagne\n"
        "\n"
        "Cinq agglomérations coopèrent depuis 2005 sur l’accessibilité, l’enseignement supérieur et la culture.\n"
        "\n"
        "## Actions conduites\n"
        "\n"
        "- Promotion commune de la desserte ferroviaire\n"
        "- Réseau des établissements d’enseignement supérieur\n"
        "  - avec un portail étudiant partagé\n"
        "\n"
        "Rubrique\tContenu\n"
        "Eléments déclencheurs\tLoi de réforme territoriale de 2010\n"
        "Gouvernance\tComité syndical ; Conférence des maires\n"
        "\n"
        "Contact : secrétariat du pôle,\n"
        "à Nantes."
    )


def test_docx_title_falls_back_to_first_heading_or_title_style():
    def build(document):
        document.add_paragraph("Avant-propos")
        document.add_paragraph("Coopération Nantes – Saint-Nazaire", style="Title")
        document.add_heading("Gouvernance partagée", level=3)
        table = document.add_table(rows=1, cols=3)
        table.cell(0, 0).merge(table.cell(0, 1)).text = "Fusionnée"
        table.cell(0, 2).text = "Seule"

    doc = read_bytes(make_docx(build), "t.docx")
    assert doc.title == "Coopération Nantes – Saint-Nazaire"
    assert doc.text == ("Avant-propos\n\n# Coopération Nantes – Saint-Nazaire\n\n### Gouvernance partagée\n\n"
                        "Fusionnée\tSeule")


def test_pdf_pages_and_metadata_title():
    doc = read_document(fixture("contrat_reciprocite.pdf"))
    assert doc.media_type == "application/pdf"
    assert doc.title == "Contrat de réciprocité Brest – COB"
    assert doc.warnings == ()
    assert doc.text == (
        "Contrat de réciprocité\n"
        "Brest métropole et le Pays Centre Ouest Bretagne\n"
        "Une coopération « gagnant-gagnant » entre ville et campagne.\n"
        "Chaque territoire apporte ses atouts à l’œuvre commune.\n"
        "\n"
        "Gouvernance\n"
        "Comité de pilotage : élus des deux territoires.\n"
        "Suivi technique par l’agence d’urbanisme de Brest."
    )


def test_pdf_without_metadata_title_has_none():
    gen = load_generator()
    data = gen.build_pdf([gen._text_page([(12, "Coopération sans titre")])], {"Producer": "test"})
    doc = read_bytes(data, "sans_titre.pdf")
    assert doc.title is None
    assert doc.text == "Coopération sans titre"


def test_pypdf_logging_is_silenced_and_restored(caplog):
    logger = logging.getLogger("pypdf")
    before = logger.level
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(DocumentError):
            read_document(fixture("pdf_endommage.pdf"))
        read_document(fixture("contrat_reciprocite.pdf"))
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]
    assert logger.level == before


# ---------------------------------------------------------------------------- normalisation


def test_normalisation_of_text_files():
    raw = "Cafe\u0301 des  élus   \r\nligne\rfin\t \n\n\n\n\n\nsuite\u00ad\n\n".encode()
    doc = read_bytes(raw, "n.txt")
    assert doc.text == "Café des  élus\nligne\nfin\n\n\nsuite"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()


def test_normalise_text():
    assert normalise_text("\n\n  a\x00b \u2028c\x0cd\n\n\n\n\ne  \n") == "  ab\nc\nd\n\n\ne"
    assert normalise_text("e\u0301") == "é"
    assert normalise_text("a\n\n\nb") == "a\n\n\nb"  # two blank lines are allowed


def test_utf16_with_bom():
    doc = read_bytes(b"\xff\xfe" + "Élus du pôle".encode("utf-16-le"), "u.txt")
    assert doc.text == "Élus du pôle"
    assert doc.warnings == ("encodage détecté : UTF-16 (converti en UTF-8)",)


# ------------------------------------------------------------------------------ bad input


def test_empty_file():
    err = error_of(fixture("vide.txt"))
    assert "vide.txt" in str(err)
    assert "fichier vide" in err.reason
    assert err.path == str(fixture("vide.txt"))


@pytest.mark.parametrize("data, name, words", [
    (b"  \n\t\r\n  ", "blanc.txt", "que des espaces"),
    (b"\n\n", "blanc.md", "que des espaces"),
    (b"<html><head><title>T</title><script>x()</script></head><body> </body></html>", "rien.html",
     "aucun texte visible"),
])
def test_only_whitespace_after_extraction(data, name, words):
    err = bytes_error(data, name)
    assert name in str(err) and "document vide" in err.reason and words in err.reason


def test_docx_without_text():
    err = bytes_error(make_docx(lambda d: d.add_paragraph("   ")), "vide.docx")
    assert "vide.docx" in str(err) and "aucun texte" in err.reason


def test_binary_renamed_txt():
    err = error_of(fixture("binaire.txt"))
    assert "binaire.txt" in str(err)
    assert "fichier binaire, pas du texte" in err.reason
    assert "PNG" in err.reason


@pytest.mark.parametrize("data, name", [
    (b"%PDF-1.4\n\x00\x01binaire", "rapport.md"),
    (bytes(range(1, 32)) * 20 + b"abc", "controle.txt"),
    (b"PK\x03\x04\x00\x00", "archive.html"),
])
def test_binary_content_in_text_types(data, name):
    err = bytes_error(data, name)
    assert name in str(err) and "fichier binaire, pas du texte" in err.reason


def test_size_limit_checked_from_stat_before_reading(monkeypatch):
    path = fixture("reciprocite_brest_cob.txt")
    size = path.stat().st_size

    def no_open(*args, **kwargs):
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr(readers, "open", no_open, raising=False)
    err = error_of(path, max_bytes=100)
    assert "reciprocite_brest_cob.txt" in str(err)
    assert "trop volumineux" in err.reason
    assert f"{size} octets" in err.reason and "100 octets" in err.reason
    assert "COOPKG_INGEST_MAX_BYTES" in err.reason


def test_size_limit_from_memory():
    err = bytes_error(b"x" * 2048, "gros.txt", max_bytes=1024)
    assert "gros.txt" in str(err)
    assert "2 048 octets (2,0 Ko)" in err.reason and "1 024 octets (1,0 Ko)" in err.reason
    assert "COOPKG_INGEST_MAX_BYTES" in err.reason
    assert read_bytes(b"x" * 1024, "juste.txt", max_bytes=1024).text == "x" * 1024


def test_unsupported_type_lists_supported():
    err = error_of(fixture("compte_rendu.odt"))
    assert "compte_rendu.odt" in str(err)
    assert "non pris en charge" in err.reason and ".odt" in err.reason
    for suffix in SUPPORTED:
        assert suffix in err.reason
    assert "sans extension" in bytes_error(b"texte", "LISEZMOI").reason


def test_corrupt_pdf():
    err = error_of(fixture("pdf_endommage.pdf"))
    assert "pdf_endommage.pdf" in str(err)
    assert "PDF endommagé" in err.reason


def test_pdf_that_is_not_a_pdf():
    err = bytes_error(b"<html><body>page web</body></html>", "page.pdf")
    assert "page.pdf" in str(err) and "PDF endommagé" in err.reason and "%PDF" in err.reason


def test_truncated_pdf():
    data = fixture("contrat_reciprocite.pdf").read_bytes()
    err = bytes_error(data[: len(data) // 2], "tronque.pdf")
    assert "tronque.pdf" in str(err) and "PDF endommagé" in err.reason


def test_scanned_pdf_without_text_layer():
    err = error_of(fixture("scan_sans_texte.pdf"))
    assert "scan_sans_texte.pdf" in str(err)
    assert "aucun texte extractible" in err.reason
    assert "scanné" in err.reason and "OCR" in err.reason


def test_password_protected_pdf():
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(fixture("contrat_reciprocite.pdf")))
    writer.encrypt(user_password="secret", owner_password="proprietaire", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    err = bytes_error(buffer.getvalue(), "protege.pdf")
    assert "protege.pdf" in str(err) and "mot de passe" in err.reason


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"ceci n'est pas un document Word",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200,  # an old binary .doc renamed
    _zip({"word/document.xml": "<w:document/>"}),  # no [Content_Types].xml
    _zip({"[Content_Types].xml": "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"}),
], ids=["garbage", "old-doc", "no-content-types", "no-main-part"])
def test_corrupt_docx(data):
    err = bytes_error(data, "rapport.docx")
    assert "rapport.docx" in str(err)
    assert "DOCX endommagé" in err.reason and ".docx" in err.reason


def test_truncated_docx():
    data = fixture("pole_metropolitain.docx").read_bytes()
    err = bytes_error(data[: len(data) // 2], "coupe.docx")
    assert "coupe.docx" in str(err) and "DOCX endommagé" in err.reason


@pytest.mark.parametrize("suffix", sorted(SUPPORTED))
@pytest.mark.parametrize("seed", range(3))
def test_garbage_never_escapes_as_a_library_error(suffix, seed):
    data = hashlib.sha256(f"{suffix}{seed}".encode()).digest() * 40
    if suffix == ".pdf":
        data = b"%PDF-1.7\n" + data
    elif suffix == ".docx":
        data = b"PK\x03\x04" + data
    with pytest.raises(DocumentError):
        read_bytes(data, "x" + suffix)


def test_directory_given_to_read_document(tmp_path):
    err = error_of(tmp_path)
    assert str(tmp_path) in str(err) and "dossier" in err.reason


def test_missing_file(tmp_path):
    missing = tmp_path / "absent.pdf"
    err = error_of(missing)
    assert "absent.pdf" in str(err) and "introuvable" in err.reason


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("contenu", encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(readers, "open", denied, raising=False)
    err = error_of(path)
    assert "secret.txt" in str(err) and "lecture impossible" in err.reason and "permission" in err.reason


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_by_mode(tmp_path):
    path = tmp_path / "prive.md"
    path.write_text("# Titre", encoding="utf-8")
    path.chmod(0)
    try:
        err = error_of(path)
    finally:
        path.chmod(0o644)
    assert "prive.md" in str(err) and "lecture impossible" in err.reason


# --------------------------------------------------------------------- read_bytes / names


@pytest.mark.parametrize("name", ["reciprocite_brest_cob.txt", "alliance_cp1252.txt", "cooperations_ville_campagne.md",
                                  "entente_tridan.html", "pole_metropolitain.docx", "contrat_reciprocite.pdf"])
def test_read_bytes_equals_read_document(name):
    path = fixture(name)
    assert read_bytes(path.read_bytes(), str(path)) == read_document(path)


def test_name_override_for_uploads(tmp_path):
    upload = tmp_path / "tmp_upload_1234"
    upload.write_bytes(fixture("cooperations_ville_campagne.md").read_bytes())
    doc = read_document(upload, name="atelier.md")
    assert doc.name == "atelier.md"
    assert doc.media_type == "text/markdown"
    assert doc.path == str(upload)
    assert doc.title == "Coopérations ville-campagne en Bretagne"
    err = error_of(upload, name="atelier.odt")
    assert "non pris en charge" in err.reason


def test_read_bytes_names_the_upload():
    doc = read_bytes(b"Bonjour", "dossier/fiche.txt")
    assert doc.name == "fiche.txt" and doc.path == "dossier/fiche.txt"


# ------------------------------------------------------------------------------ expand_paths


def test_expand_paths(tmp_path):
    root = tmp_path / "depot"
    for rel in ["b.txt", "a.MD", "notes.odt", ".cache.txt", "~$brouillon.docx", "sous/z.pdf", "sous/c.HTM",
                "sous/profond/d.docx", ".git/config.txt", "autre/image.png"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (root / "vide").mkdir()
    single = tmp_path / "seul.odt"
    single.write_bytes(b"x")

    files, errors = expand_paths([str(root), str(single), str(root / "b.txt"), str(tmp_path / "absent.txt"),
                                  str(root / "vide"), str(root / "autre")])
    assert files == [root / "a.MD", root / "b.txt", root / "sous" / "c.HTM", root / "sous" / "profond" / "d.docx",
                     root / "sous" / "z.pdf", single]
    by_path = {err.path: err.reason for err in errors}
    assert set(by_path) == {str(tmp_path / "absent.txt"), str(root / "vide"), str(root / "autre")}
    assert "introuvable" in by_path[str(tmp_path / "absent.txt")]
    for empty in (str(root / "vide"), str(root / "autre")):
        assert "aucun fichier pris en charge" in by_path[empty]
        for suffix in SUPPORTED:
            assert suffix in by_path[empty]
    assert all(isinstance(err, DocumentError) for err in errors)


def test_expand_paths_is_deterministic_and_keeps_explicit_files(tmp_path):
    (tmp_path / ".cache.txt").write_bytes(b"x")
    for name in ["b.txt", "a.txt"]:
        (tmp_path / name).write_bytes(b"x")
    first = expand_paths([str(tmp_path)])
    assert first == expand_paths([str(tmp_path)])
    assert first[0] == [tmp_path / "a.txt", tmp_path / "b.txt"]
    # An explicit hidden file is kept: only directory walks skip hidden files.
    assert expand_paths([str(tmp_path / ".cache.txt")]) == ([tmp_path / ".cache.txt"], [])
    assert expand_paths([])[0] == [] and expand_paths([""])[1][0].reason.startswith("chemin vide")


# --------------------------------------------------------------------------------- fixtures


def test_fixture_generator_is_deterministic(tmp_path):
    gen = load_generator()
    first, second = tmp_path / "un", tmp_path / "deux"
    gen.write_fixtures(first)
    gen.write_fixtures(second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_committed_fixtures_match_the_generator(tmp_path):
    gen = load_generator()
    for path in gen.write_fixtures(tmp_path):
        committed = FORMATS / path.name
        assert committed.exists(), f"{path.name} missing: run tests/data/documents/formats/make_fixtures.py"
        assert committed.stat().st_size < 20 * 1024
        fresh, kept = path.read_bytes(), committed.read_bytes()
        if fresh == kept:
            continue
        # Zip members are compressed with the local zlib: compare what they hold, not how it is deflated.
        assert path.suffix in (".docx", ".odt"), f"{path.name} differs: rerun make_fixtures.py"
        with zipfile.ZipFile(io.BytesIO(fresh)) as a, zipfile.ZipFile(io.BytesIO(kept)) as b:
            assert [(i.filename, i.date_time, i.CRC) for i in a.infolist()] == \
                   [(i.filename, i.date_time, i.CRC) for i in b.infolist()], path.name


def test_pdf_running_headers_and_footers_are_dropped():
    from ingest.documents.pdf_reader import without_running_lines

    pages = ["Préfecture de Saône-et-Loire – Arrêté n° 71-2024\nArticle 1er\nLe périmètre est étendu.\n1/3",
             "Préfecture de Saône-et-Loire – Arrêté n° 71-2024\nArticle 2\nLes statuts sont modifiés.\n2/3",
             "Préfecture de Saône-et-Loire – Arrêté n° 71-2024\nArticle 3\nLe préfet est chargé de l'exécution.\n3/3"]
    assert without_running_lines(pages) == ["Article 1er\nLe périmètre est étendu.", "Article 2\nLes statuts sont modifiés.",
                                            "Article 3\nLe préfet est chargé de l'exécution."]
    # a line repeated in the middle of pages, or on one page of three, stays; one page keeps everything
    middle = ["Titre\nUn texte\nRappel : la convention\nSuite\nEncore\nFin 1",
              "Autre titre\nUn autre texte\nRappel : la convention\nSuite\nEncore\nFin 2",
              "Troisième\nEncore du texte\nPlus loin\nSuite\nEncore\nFin"]
    kept = without_running_lines(middle)
    assert kept[0].startswith("Titre") and all("Rappel : la convention" in k for k in kept[:2])
    assert without_running_lines(["Page 1/1\nTexte"]) == ["Page 1/1\nTexte"]
