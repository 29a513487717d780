"""(Re)generate the document-format fixtures of tests/test_ingest_readers.py, deterministically.

Usage: .venv/bin/python tests/data/documents/formats/make_fixtures.py [--out DIR]

Every file is written from the constants below with fixed dates and metadata, so re-running the
script gives byte-identical files (the test suite checks it). No PDF writer library is installed:
PDFs are written by hand (Helvetica, /WinAnsiEncoding so accented French survives, exact xref
offsets). The DOCX is made with python-docx, trimmed of unused styles and re-zipped with fixed
timestamps so it stays small and reproducible.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIP_DATE = (2024, 3, 15, 10, 0, 0)
PDF_DATE = "D:20240315100000+01'00'"

# ---------------------------------------------------------------------------------------- texts

TXT_UTF8 = (
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
    "- Une équipe technique commune, animée par l’agence d’urbanisme.\n"
)

TXT_CP1252 = (
    "Alliance des territoires entre Rennes Métropole et le pays de Fougères\n"
    "\n"
    "Mots-clés : « réciprocité », « cœur de ville », mobilités partagées.\n"
    "L’objectif est de créer une dynamique commune entre la métropole et les communes rurales.\n"
    "Étape clé : la mise en œuvre d’un schéma de mobilité élaboré en commun.\n"
)

MARKDOWN = (
    "# Coopérations ville-campagne en Bretagne\n"
    "\n"
    "Support de la journée d’échanges du réseau rural breton (diaporama, 2021).\n"
    "\n"
    "## Contrat de réciprocité Brest métropole – Pays COB\n"
    "\n"
    "- Santé : consultations avancées de spécialistes du CHU à Carhaix\n"
    "- Économie : filière bois et circuits courts\n"
    "- Culture : programmation commune des festivals\n"
    "\n"
    "## Entente interterritoriale TRIDAN\n"
    "\n"
    "→ Entente interterritoriale TRIDAN\n"
    "\n"
    "### Enjeux\n"
    "\n"
    "- Mutualiser l’ingénierie entre intercommunalités voisines\n"
)

HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Entente interterritoriale TRIDAN – fiche pratique</title>
<style>body { font-family: sans-serif; }</style>
<script>window.mesure = "ne pas indexer";</script>
</head>
<body>
<nav><a href="/">Accueil</a> &gt; <a href="/fiches">Fiches</a></nav>
<h1>Entente  interterritoriale
  TRIDAN</h1>
<p>Trois intercommunalités du <strong>sud de la Bretagne</strong> ont créé une
<a href="/entente">entente&nbsp;interterritoriale</a> pour partager leurs services.<br>
Elle est pilotée par une conférence des présidents.</p>
<h2>Actions</h2>
<ul>
  <li>Mutualiser un service de conseil en énergie</li>
  <li>Coordonner les plans de mobilité
    <ul><li>covoiturage entre bourgs</li></ul>
  </li>
  <li><p>Partager un observatoire foncier</p></li>
</ul>
<script>console.log("ignoré");</script>
<noscript>Activez JavaScript.</noscript>
<template><p>Gabarit invisible</p></template>
<h2>Grille de lecture</h2>
<table>
  <thead><tr><th>Rubrique</th><th>Contenu</th></tr></thead>
  <tbody>
    <tr><td>Eléments déclencheurs</td><td>Fin d’un syndicat mixte<br>Besoin d’ingénierie</td></tr>
    <tr><td>Gouvernance</td><td><p>Conférence des présidents</p><p>Comité technique mensuel</p></td></tr>
  </tbody>
</table>
<footer><p>Fiche rédigée en 2022.</p></footer>
</body>
</html>
"""

DOCX_CORE_TITLE = "Pôle métropolitain Loire Bretagne : fiche de coopération"


# ----------------------------------------------------------------------------------------- PDF

def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (CP1252)."""
    raw = text.encode("cp1252")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b")"


def _pdf_text_string(text: str) -> bytes:
    """A PDF text string (document information): UTF-16BE with a BOM, in hex."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _text_page(lines: list[tuple[int, str]]) -> bytes:
    """A content stream drawing lines of (font size, text) from the top of an A4 page."""
    out = [b"BT", b"72 770 Td"]
    first = True
    for size, text in lines:
        if not first:
            out.append(b"0 -%d Td" % (size + 10))
        first = False
        out.append(b"/F1 %d Tf" % size)
        out.append(_pdf_string(text) + b" Tj")
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def build_pdf(pages: list[bytes], info: dict[str, str] | None, *, font: bool = True) -> bytes:
    """A minimal PDF 1.4: one object per line of the catalogue, exact xref offsets."""
    objects: list[bytes] = []  # object n is objects[n - 1]
    n_pages = len(pages)
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n_pages)
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    entries = [b"/%s %s" % (key.encode("ascii"), _pdf_text_string(value) if key in ("Title", "Author", "Subject")
                             else _pdf_string(value)) for key, value in (info or {}).items()]
    objects.append(b"<< " + b" ".join(entries) + b" >>")
    resources = b"<< /Font << /F1 3 0 R >> >>" if font else b"<< >>"
    for i, content in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources
                       + b" /Contents %d 0 R >>" % (first_page + 2 * i + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF_PAGES = [
    [(18, "Contrat de réciprocité"),
     (14, "Brest métropole et le Pays Centre Ouest Bretagne"),
     (11, "Une coopération « gagnant-gagnant » entre ville et campagne."),
     (11, "Chaque territoire apporte ses atouts à l’œuvre commune.")],
    [(16, "Gouvernance"),
     (11, "Comité de pilotage : élus des deux territoires."),
     (11, "Suivi technique par l’agence d’urbanisme de Brest.")],
]
PDF_INFO = {"Title": "Contrat de réciprocité Brest – COB", "Author": "Réseau rural breton",
            "Producer": "coopkg make_fixtures", "CreationDate": PDF_DATE, "ModDate": PDF_DATE}


def pdf_text() -> bytes:
    return build_pdf([_text_page(lines) for lines in PDF_PAGES], PDF_INFO)


def pdf_scanned() -> bytes:
    """One page with only a drawn grey rectangle: what a scan without OCR looks like to a reader."""
    drawing = b"0.85 g\n72 400 451 300 re\nf\n0 G\n2 w\n72 400 451 300 re\nS\n"
    return build_pdf([drawing], {"Producer": "coopkg make_fixtures", "CreationDate": PDF_DATE}, font=False)


def _noise(n: int, seed: str) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:n])


def pdf_corrupt() -> bytes:
    """A PDF header, then noise: no objects, no xref, no trailer (a broken download)."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _noise(600, "pdf") + b"\n"


# ---------------------------------------------------------------------------------------- DOCX

_KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "Heading1", "Heading2",
                "Heading1Char", "Heading2Char", "ListBullet", "ListBullet2", "TableGrid", "Title",
                "TitleChar"}


def _rezip(data: bytes, drop: set[str] = frozenset()) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename in drop:
                continue
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename), compresslevel=9)
    return out.getvalue()


def docx_bytes() -> bytes:
    import datetime as dt

    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn

    document = docx.Document()
    props = document.core_properties
    props.title = DOCX_CORE_TITLE
    props.author = "Réseau des pôles métropolitains"
    props.comments = ""
    props.last_modified_by = ""
    props.revision = 1
    props.created = props.modified = dt.datetime(2024, 3, 15, 9, 0, 0)

    document.add_heading("Pôle métropolitain Loire Bretagne", level=1)
    document.add_paragraph("Cinq agglomérations coopèrent depuis 2005 sur l’accessibilité, "
                           "l’enseignement supérieur et la culture.")
    document.add_heading("Actions conduites", level=2)
    document.add_paragraph("Promotion commune de la desserte ferroviaire", style="List Bullet")
    document.add_paragraph("Réseau des établissements d’enseignement supérieur", style="List Bullet")
    document.add_paragraph("avec un portail étudiant partagé", style="List Bullet 2")
    document.add_paragraph("")  # spacing paragraph, as Word users do
    table = document.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text, table.cell(0, 1).text = "Rubrique", "Contenu"
    table.cell(1, 0).text, table.cell(1, 1).text = "Eléments déclencheurs", "Loi de réforme territoriale de 2010"
    table.cell(2, 0).text = "Gouvernance"
    cell = table.cell(2, 1)
    cell.text = "Comité syndical"
    cell.add_paragraph("Conférence des maires")
    ending = document.add_paragraph("Contact : secrétariat du pôle,")
    ending.add_run().add_break()
    ending.add_run("\tà Nantes.")

    # Keep the file small: unused styles and the duplicate styles part go.
    styles = document.styles.element
    for style in list(styles.iterchildren(qn("w:style"))):
        if style.get(qn("w:styleId")) not in _KEEP_STYLES:
            styles.remove(style)
    for latent in list(styles.iterchildren(qn("w:latentStyles"))):
        styles.remove(latent)
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            part.drop_rel(rel_id)
    package = part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel_id)
    buffer = io.BytesIO()
    document.save(buffer)
    return _rezip(buffer.getvalue())


def odt_bytes() -> bytes:
    """A token OpenDocument file: only its type matters (unsupported)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, body in (("mimetype", b"application/vnd.oasis.opendocument.text"),
                           ("content.xml", "<office:document-content>Compte rendu du comité de "
                                           "pilotage</office:document-content>".encode())):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            dst.writestr(info, body)
    return out.getvalue()


def binary_bytes() -> bytes:
    """A PNG signature and raw bytes: a picture renamed .txt."""
    return b"\x89PNG\r\n\x1a\n" + _noise(512, "png") + bytes(range(256))


# ----------------------------------------------------------------------------------------- all

def fixtures() -> dict[str, bytes]:
    return {
        "reciprocite_brest_cob.txt": b"\xef\xbb\xbf" + TXT_UTF8.replace("\n", "\r\n").encode("utf-8"),
        "alliance_cp1252.txt": TXT_CP1252.encode("cp1252"),
        "cooperations_ville_campagne.md": MARKDOWN.encode("utf-8"),
        "entente_tridan.html": HTML.encode("utf-8"),
        "pole_metropolitain.docx": docx_bytes(),
        "contrat_reciprocite.pdf": pdf_text(),
        "scan_sans_texte.pdf": pdf_scanned(),
        "pdf_endommage.pdf": pdf_corrupt(),
        "binaire.txt": binary_bytes(),
        "vide.txt": b"",
        "compte_rendu.odt": odt_bytes(),
    }


def write_fixtures(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in fixtures().items():
        path = dest / name
        path.write_bytes(data)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="destination directory (default: beside this script)")
    args = parser.parse_args()
    for path in write_fixtures(args.out):
        print(f"{path.stat().st_size:>7} {path}")


if __name__ == "__main__":
    main()
