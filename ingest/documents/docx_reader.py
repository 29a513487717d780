"""DOCX to the readers' text: heading and list styles (English and French names), tables, the core
properties' title; a ZIP that would inflate beyond ``DOCX_MAX_EXPANSION`` times the size limit is refused."""
from __future__ import annotations

import io
import re
import zipfile

from .markup import Blocks, heading_line, list_item, one_line, table_cell, table_row
from .messages import MAX_SETTING, detail, octets
from .model import DocumentError

DOCX_MAX_EXPANSION = 30  # a DOCX may inflate to this many times max_bytes once unzipped

_DOCX_HEADING = re.compile(r"^(?:heading|titre)\s*([1-9])$", re.IGNORECASE)
_DOCX_TITLE = {"title", "titre"}
_DOCX_LIST = re.compile(r"^(?:list|liste|paragraphe de liste)\b.*?(\d)?$", re.IGNORECASE)


def _docx_paragraph_text(p) -> str:
    """Text of a paragraph, tracked insertions and fields included (python-docx skips them)."""
    elements = p._p.xpath("./w:r | ./w:hyperlink | ./w:ins/w:r | ./w:smartTag/w:r | ./w:fldSimple/w:r"
                          " | ./w:sdt/w:sdtContent/w:r")
    return "".join(getattr(e, "text", "") or "" for e in elements)


def _docx_kind(p) -> tuple[str, int]:
    """("heading", level) | ("title", 1) | ("item", depth) | ("paragraph", 0)."""
    try:
        name = (p.style.name or "") if p.style is not None else ""
    except Exception:  # noqa: BLE001 - a dangling style reference
        name = ""
    match = _DOCX_HEADING.match(name.strip())
    if match:
        return "heading", int(match.group(1))
    if name.strip().lower() in _DOCX_TITLE:
        return "title", 1
    outline = p._p.xpath("./w:pPr/w:outlineLvl/@w:val")
    if outline and outline[0].isdigit() and int(outline[0]) < 9:
        return "heading", int(outline[0]) + 1
    ilvl = p._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
    has_num = any(value != "0" for value in p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val"))
    match = _DOCX_LIST.match(name.strip())
    if has_num or match:
        if ilvl and ilvl[0].isdigit():
            return "item", int(ilvl[0]) + 1
        if match and match.group(1):
            return "item", int(match.group(1))
        return "item", 1
    return "paragraph", 0


def _docx_blocks(container, parent):
    """Paragraphs and tables of a body or cell in document order, content controls unwrapped."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for element in container.iterchildren():
        if element.tag == qn("w:p"):
            yield Paragraph(element, parent)
        elif element.tag == qn("w:tbl"):
            yield Table(element, parent)
        elif element.tag == qn("w:sdt"):
            for content in element.iterchildren(qn("w:sdtContent")):
                yield from _docx_blocks(content, parent)


def _docx_cell_lines(cell) -> list[str]:
    from docx.table import Table

    lines: list[str] = []
    for block in _docx_blocks(cell._tc, cell):
        if isinstance(block, Table):
            for row in _docx_rows(block):
                lines.append(row.replace("\t", " ; "))
        else:
            lines.extend(_docx_paragraph_text(block).split("\n"))
    return lines


def _docx_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue  # a horizontally merged cell is listed once per grid column
            previous = cell._tc
            cells.append(table_cell(_docx_cell_lines(cell)))
        rows.append(table_row(cells))
    return rows


def read_docx(path: str, data: bytes, max_bytes: int) -> tuple[str, str | None, list[str]]:
    import docx
    from docx.table import Table

    fix = ("ouvrez-le dans Word ou LibreOffice et enregistrez-le de nouveau au format .docx "
           "(un ancien fichier .doc doit être converti)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except Exception as exc:  # noqa: BLE001 - zipfile raises several types on garbage
        raise DocumentError(path, f"DOCX endommagé : ce n'est pas une archive Word valide ; {fix}") from exc
    if unzipped > DOCX_MAX_EXPANSION * max_bytes:
        raise DocumentError(path, f"DOCX anormalement volumineux une fois décompressé ({octets(unzipped)}) : "
                                  f"vérifiez le fichier ou relevez la limite avec le réglage {MAX_SETTING}")
    if "[Content_Types].xml" not in names:
        raise DocumentError(path, f"DOCX endommagé : il manque des parties du document ; {fix}")
    try:
        document = docx.Document(io.BytesIO(data))
        out = Blocks()
        first_heading = None
        for block in _docx_blocks(document.element.body, document._body):
            if isinstance(block, Table):
                out.close()
                for row in _docx_rows(block):
                    out.add("row", row)
                continue
            text = _docx_paragraph_text(block)
            kind, level = _docx_kind(block)
            if kind in ("heading", "title"):
                line = one_line(text)
                if line and first_heading is None:
                    first_heading = line
                out.add("heading", heading_line(level, line) if line else "")
            elif kind == "item":
                line = one_line(text)
                out.add("item", list_item(level, line) if line else "")
            else:
                lines = [one_line(part) for part in text.split("\n")]
                out.add("paragraph", "\n".join(part for part in lines if part))
        title = one_line(document.core_properties.title or "") or first_heading
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many types
        raise DocumentError(path, f"DOCX endommagé ou illisible ({detail(exc)}) ; {fix}") from exc
    return out.text(), title, []
