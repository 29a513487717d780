"""Read a raw document (TXT, Markdown, HTML, PDF, DOCX) into one normalised, markdown-like text.

Every format converges on the plain text the segmenter reads:

- headings are ``# `` / ``## `` / ``### `` ... lines (level = number of ``#``, at most 6);
- list items are ``- `` lines, nested items indented by two spaces per level;
- a table row is one line of cells joined by a TAB (line breaks inside a cell become `` ; ``);
  outside table rows converted formats (HTML, DOCX, PDF) contain no TAB;
- paragraphs, headings, lists and tables are separated by one blank line (consecutive list items
  and consecutive table rows by a single line break).

TXT and Markdown are kept as they are, PDF text is kept line by line (pages joined by a blank
line). Every text is then normalised (:func:`normalise_text`).

Failures raise :class:`~ingest.documents.model.DocumentError` with a one-line French message that
says what is wrong and what to do; no library exception escapes.
"""
from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import logging
import os
import re
import stat
import threading
import unicodedata
import zipfile
from pathlib import Path

from .hyphens import join_hyphenated_lines
from .model import Document, DocumentError

SUPPORTED = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_SETTING = "COOPKG_INGEST_MAX_BYTES"

TITLE_MAX_CHARS = 120  # a TXT first line longer than this is a paragraph, not a title
BINARY_CONTROL_RATIO = 0.05  # share of control characters above which a "text" file is binary
BINARY_HIGH_RATIO = 0.30  # share of bytes >= 0x80 above which non-UTF-8 "text" is binary
DOCX_MAX_EXPANSION = 30  # a DOCX may inflate to this many times max_bytes once unzipped

def _supported_list() -> str:
    return ", ".join(sorted(SUPPORTED))


# ------------------------------------------------------------------------------ normalisation

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# NUL, other C0 controls except TAB and LF, DEL, C1 controls, soft hyphen, zero-width space, BOM.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u200b\ufeff]")
_TRAILING = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{4,}")


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no NUL or invisible control, no trailing whitespace on a line, words
    hyphenated at a line's end written whole (:func:`.hyphens.join_hyphenated_lines`), at most two
    consecutive blank lines, no leading blank line and no trailing line break."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = join_hyphenated_lines(_TRAILING.sub("", text))
    text = _TRAILING.sub("", text)
    text = _BLANK_RUN.sub("\n\n\n", text)
    return text.lstrip("\n").rstrip()


# ------------------------------------------------------------------------------------ messages

def _octets(n: int) -> str:
    grouped = f"{n:,}".replace(",", " ")
    text = f"{grouped} octet" + ("s" if n > 1 else "")
    if n >= 1024 * 1024:
        text += f" ({n / (1024 * 1024):.1f} Mo)".replace(".", ",")
    elif n >= 1024:
        text += f" ({n / 1024:.1f} Ko)".replace(".", ",")
    return text


def _too_large(path: str, size: int, limit: int) -> DocumentError:
    return DocumentError(path, f"fichier trop volumineux : {_octets(size)} pour une limite de {_octets(limit)} ; "
                               f"découpez le document ou relevez la limite avec le réglage {MAX_SETTING}")


def _unsupported(path: str, suffix: str) -> DocumentError:
    shown = suffix or "sans extension"
    hint = ""
    if suffix in (".doc", ".odt", ".rtf", ".pptx", ".ppt", ".odp"):
        hint = " ; enregistrez-le au format .docx ou .pdf depuis votre traitement de texte"
    return DocumentError(path, f"type de fichier non pris en charge ({shown}) : formats acceptés {_supported_list()}"
                               + (hint or " ; convertissez-le dans l'un de ces formats"))


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


_MAGIC = (
    (b"%PDF", "un PDF : renommez-le en .pdf"),
    (b"PK\x03\x04", "une archive ZIP (DOCX, ODT...) : donnez-lui sa vraie extension"),
    (b"\x89PNG", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"GIF8", "une image GIF"),
    (b"\xd0\xcf\x11\xe0", "un ancien document Office (.doc, .xls, .ppt) : enregistrez-le au format .docx ou .pdf"),
)


def _binary(path: str, data: bytes) -> DocumentError:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return DocumentError(path, f"fichier binaire, pas du texte : il ressemble à {what}")
    return DocumentError(path, "fichier binaire, pas du texte : vérifiez l'extension du fichier "
                               "ou exportez son contenu en texte (.txt)")


# ----------------------------------------------------------------------------------- encodings

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_ESCAPED = re.compile(r"[\udc80-\udcff]")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
# Labels a browser decodes as windows-1252 (the HTML standard), so 0x80-0x9F are not C1 controls.
_AS_CP1252 = {"latin_1", "iso8859_1", "ascii", "cp1252"}


def _cp1252(data: bytes) -> str:
    """CP1252, with the five bytes it leaves undefined decoded as Latin-1."""
    text = data.decode("cp1252", errors="surrogateescape")
    return _ESCAPED.sub(lambda m: chr(ord(m.group()) - 0xDC00), text)


def _declared_charset(data: bytes) -> str | None:
    """The codec name of a valid ``<meta charset>`` in the first 1024 bytes of an HTML file."""
    match = _META_CHARSET.search(data[:1024])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    name = name.replace("-", "_")
    if name in _AS_CP1252:
        return "cp1252"
    if name.startswith("utf_16") or name.startswith("utf_32"):
        return "utf_8"  # the standard: a file that can declare itself in ASCII is not UTF-16
    return name


def _decode(path: str, data: bytes, media_type: str) -> tuple[str, list[str]]:
    """Decode a text file: BOM, declared HTML charset, UTF-8, else Windows-1252 with a warning."""
    warnings: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
            warnings.append("caractères invalides en UTF-8 remplacés par « \ufffd »")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
        warnings.append("encodage détecté : UTF-16 (converti en UTF-8)")
    else:
        if b"\x00" in data:
            raise _binary(path, data)
        declared = _declared_charset(data) if media_type == "text/html" else None
        if declared and declared != "utf_8":
            if declared == "cp1252":
                text = _cp1252(data)
            else:
                text = data.decode(declared, errors="replace")
            label = codecs.lookup(declared).name
            label = {"cp1252": "Windows-1252"}.get(label, label)
            warnings.append(f"encodage déclaré : {label} (converti en UTF-8)")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                # Text in a Western 8-bit encoding is mostly ASCII; bytes that are mostly high are not text.
                if 1 - len(data.translate(None, _HIGH_BYTES)) / len(data) > BINARY_HIGH_RATIO:
                    raise _binary(path, data) from None
                text = _cp1252(data)
                warnings.append("encodage détecté : Windows-1252 (converti en UTF-8)")
    if text and len(_CONTROL.findall(text)) / len(text) > BINARY_CONTROL_RATIO:
        raise _binary(path, data)
    return text, warnings


# ---------------------------------------------------------------------------------- TXT and MD

_MD_H1 = re.compile(r"^ {0,3}# +(.+?)(?: +#+)? *$", re.MULTILINE)


def _txt_title(text: str) -> str | None:
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= TITLE_MAX_CHARS else None
    return None


def _md_title(text: str) -> str | None:
    match = _MD_H1.search(text)
    return match.group(1).strip() if match else None


# --------------------------------------------------------------------------------- block output

class _Blocks:
    """Accumulates output blocks (a list of lines each); blocks are joined by a blank line."""

    def __init__(self) -> None:
        self.blocks: list[list[str]] = []
        self.kind: str | None = None  # kind of the last block: paragraph, heading, item, row

    def add(self, kind: str, line: str) -> None:
        if not line.strip():
            return
        if kind in ("item", "row") and self.kind == kind and self.blocks:
            self.blocks[-1].append(line)
        else:
            self.blocks.append([line])
        self.kind = kind

    def close(self) -> None:
        """End the current list or table: the next item or row starts a new block."""
        self.kind = None

    def lines(self) -> list[str]:
        return [line for block in self.blocks for line in block]

    def text(self) -> str:
        return "\n\n".join("\n".join(block) for block in self.blocks)


_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def _one_line(text: str) -> str:
    """Collapse every run of ASCII whitespace (line breaks and TABs included) into one space; no-break
    spaces of French typography are kept."""
    return _SPACES.sub(" ", text).strip()


def _heading(level: int, text: str) -> str:
    return "#" * max(1, min(level, 6)) + " " + text


def _item(depth: int, text: str) -> str:
    return "  " * max(0, depth - 1) + "- " + text


def _cell(lines: list[str]) -> str:
    """One table cell: its lines joined by `` ; `` (a TAB inside would split the row)."""
    parts = [_one_line(line.replace("\t", " ; ")) for line in lines]
    return " ; ".join(part for part in parts if part)


def _row(cells: list[str]) -> str:
    return "\t".join(cells) if any(cells) else ""


# ----------------------------------------------------------------------------------------- HTML

_HTML_DROP = {"script", "style", "nav", "template", "noscript", "head", "title", "iframe", "object",
              "embed", "svg", "math", "canvas", "select", "button", "-comment", "!doctype"}
_HTML_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HTML_LISTS = {"ul", "ol", "menu"}
_HTML_INLINE_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace (not the no-break space)


_HTML_CONTENT_PARTS = {"article", "section", "aside", "main"}


def _page_level(node) -> bool:
    """Whether an element belongs to the page rather than to a part of its content: no article,
    section, aside or main encloses it (a ``<footer>`` there is the site's: copyright, legal links,
    date of the page; one inside an ``<article>`` is the article's, and kept)."""
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        if parent.tag in _HTML_CONTENT_PARTS:
            return False
        parent = parent.parent
    return True


def _in_article(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def _skip(node) -> bool:
    """Elements whose content is not the page's text (scripts, navigation, the page's footer, an
    aside outside any article, hidden parts, comments)."""
    tag = node.tag
    if tag is None or tag in _HTML_DROP or tag.startswith("-") or tag.startswith("!"):
        return True
    if tag == "footer" and _page_level(node):
        return True
    if tag == "aside" and not _in_article(node):
        return True  # a sidebar (« En bref », related links, an agenda): other content than the page's
    attributes = node.attributes
    return "hidden" in attributes or attributes.get("aria-hidden") == "true"


class _HtmlConverter:
    """Walks a selectolax (lexbor) tree and writes markdown-like blocks."""

    def __init__(self, out: _Blocks, flat: bool = False) -> None:
        self.out = out
        self.flat = flat  # inside a table cell: no markers, every block is a plain line
        self.inline: list[str] = []
        self.pre = 0

    # inline text ---------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self.inline:
            return
        raw = "".join(self.inline)
        self.inline = []
        if self.pre:
            self.out.add("paragraph", raw.strip("\n").expandtabs(4))
            return
        lines = [_one_line(line) for line in raw.split("\n")]
        self.out.add("paragraph", "\n".join(line for line in lines if line))

    def _text_of(self, node) -> str:
        """All the visible text under a node, on one line."""
        sub = _Blocks()
        _HtmlConverter(sub, flat=True).walk_children(node)
        return _one_line(" ".join(sub.lines()))

    # tree ----------------------------------------------------------------------------------
    def walk_children(self, node) -> None:
        for child in node.iter(include_text=True):
            self.walk(child)
        self._flush()

    def walk(self, node) -> None:
        tag = node.tag
        if tag == "-text":
            text = node.text_content or ""
            self.inline.append(text if self.pre else _HTML_INLINE_SPACE.sub(" ", text))
            return
        if _skip(node):
            return
        if tag == "br":
            self.inline.append("\n")
        elif tag in _HTML_HEADINGS:
            self._flush()
            text = self._text_of(node)
            if self.flat:
                self.out.add("paragraph", text)
            elif text:
                self.out.add("heading", _heading(_HTML_HEADINGS[tag], text))
        elif tag in _HTML_LISTS:
            self._flush()
            self.out.close()
            self._list(node, 1)
        elif tag == "table":
            self._flush()
            self._table(node)
        elif tag == "pre":
            self._flush()
            self.pre += 1
            self.walk_children(node)
            self.pre -= 1
        elif tag in _HTML_BLOCKS:
            self._flush()
            self.walk_children(node)
        else:  # inline element
            for child in node.iter(include_text=True):
                self.walk(child)

    def _list(self, node, depth: int) -> None:
        for child in node.iter(include_text=False):
            if child.tag == "li":
                self._item(child, depth)
            elif child.tag in _HTML_LISTS:
                self._list(child, depth + 1)
            else:
                self.walk(child)
                self._flush()

    def _item(self, node, depth: int) -> None:
        parts: list[str] = []

        def emit() -> None:
            text = _one_line(" ".join(parts))
            parts.clear()
            if text:
                self.out.add("paragraph" if self.flat else "item", text if self.flat else _item(depth, text))

        for child in node.iter(include_text=True):
            if child.tag in _HTML_LISTS:
                emit()
                self._list(child, depth + 1)
            elif child.tag == "-text":
                parts.append(child.text_content or "")
            elif child.tag == "table":
                emit()
                self._table(child)
            elif not _skip(child):
                parts.append(self._text_of(child))
        emit()

    def _rows(self, table):
        """The rows of a table, in order, without those of nested tables."""
        for child in table.iter(include_text=False):
            if child.tag == "tr":
                yield child
            elif child.tag in ("thead", "tbody", "tfoot"):
                yield from self._rows(child)

    def _table(self, table) -> None:
        self.out.close()
        caption = table.css_first("caption")
        if caption is not None and caption.parent is not None and caption.parent.mem_id == table.mem_id:
            self.out.add("paragraph", self._text_of(caption))
        for tr in self._rows(table):
            cells = []
            for td in tr.iter(include_text=False):
                if td.tag in ("td", "th"):
                    sub = _Blocks()
                    _HtmlConverter(sub, flat=True).walk_children(td)
                    cells.append(_cell([line for block in sub.blocks for entry in block for line in entry.split("\n")]))
            row = _row(cells)
            if self.flat:
                self.out.add("paragraph", row.replace("\t", " ; "))
            else:
                self.out.add("row", row)


_HTML_BLOCKS = {"address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
                "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup",
                "hr", "html", "legend", "li", "main", "p", "section", "summary", "caption", "tr", "td", "th",
                "thead", "tbody", "tfoot"}


def _read_html(path: str, data: bytes) -> tuple[str, str | None, list[str]]:
    from selectolax.lexbor import LexborHTMLParser

    text, warnings = _decode(path, data, "text/html")
    try:
        tree = LexborHTMLParser(text)
        title = None
        node = tree.css_first("title")
        if node is not None:
            title = _one_line(node.text() or "") or None
        if title is None:
            node = tree.css_first("h1")
            if node is not None:
                title = _one_line(node.text() or "") or None
        out = _Blocks()
        root = tree.body or tree.root
        if root is not None:
            _HtmlConverter(out).walk_children(root)
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser failure must not escape
        raise DocumentError(path, f"page HTML illisible ({_detail(exc)}) : enregistrez-la de nouveau "
                                  "depuis le navigateur ou copiez son texte dans un .txt") from exc
    return out.text(), title, warnings


# ----------------------------------------------------------------------------------------- DOCX

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
            cells.append(_cell(_docx_cell_lines(cell)))
        rows.append(_row(cells))
    return rows


def _read_docx(path: str, data: bytes, max_bytes: int) -> tuple[str, str | None, list[str]]:
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
        raise DocumentError(path, f"DOCX anormalement volumineux une fois décompressé ({_octets(unzipped)}) : "
                                  f"vérifiez le fichier ou relevez la limite avec le réglage {MAX_SETTING}")
    if "[Content_Types].xml" not in names:
        raise DocumentError(path, f"DOCX endommagé : il manque des parties du document ; {fix}")
    try:
        document = docx.Document(io.BytesIO(data))
        out = _Blocks()
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
                line = _one_line(text)
                if line and first_heading is None:
                    first_heading = line
                out.add("heading", _heading(level, line) if line else "")
            elif kind == "item":
                line = _one_line(text)
                out.add("item", _item(level, line) if line else "")
            else:
                lines = [_one_line(part) for part in text.split("\n")]
                out.add("paragraph", "\n".join(part for part in lines if part))
        title = _one_line(document.core_properties.title or "") or first_heading
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many types
        raise DocumentError(path, f"DOCX endommagé ou illisible ({_detail(exc)}) ; {fix}") from exc
    return out.text(), title, []


# ------------------------------------------------------------------------------------------ PDF

_PDF_LOCK = threading.Lock()
_pdf_quiet_depth = 0
_pdf_saved_level = logging.NOTSET
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})
_PDF_TITLE_PREFIX = re.compile(r"^Microsoft (?:Word|PowerPoint) - ", re.IGNORECASE)
_PDF_NO_TITLE = {"untitled", "sans titre", "document"}


@contextlib.contextmanager
def _quiet_pypdf():
    """Silence the "pypdf" logger while PDFs are read (re-entrant, thread-safe), then restore it."""
    global _pdf_quiet_depth, _pdf_saved_level
    logger = logging.getLogger("pypdf")
    with _PDF_LOCK:
        if _pdf_quiet_depth == 0:
            _pdf_saved_level = logger.level
            logger.setLevel(logging.CRITICAL + 1)
        _pdf_quiet_depth += 1
    try:
        yield
    finally:
        with _PDF_LOCK:
            _pdf_quiet_depth -= 1
            if _pdf_quiet_depth == 0:
                logger.setLevel(_pdf_saved_level)


def _pdf_title(reader) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # noqa: BLE001 - a broken information dictionary is not fatal
        return None
    if not isinstance(title, str):
        return None
    title = _one_line(_PDF_TITLE_PREFIX.sub("", title.replace("\x00", "")))
    if not title or title.lower() in _PDF_NO_TITLE:
        return None
    return title


def _read_pdf(path: str, data: bytes) -> tuple[str, str | None, list[str]]:
    from pypdf import PdfReader, PasswordType

    warnings: list[str] = []
    fix = "ré-exportez-le en PDF depuis le logiciel d'origine (ou « Imprimer en PDF »)"
    if b"%PDF" not in data[:1024]:
        raise DocumentError(path, f"PDF endommagé : ce fichier n'est pas un PDF (pas d'en-tête %PDF) ; {fix}")
    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
                except Exception:  # noqa: BLE001 - unsupported algorithm, missing dependency...
                    opened = False
                if not opened:
                    raise DocumentError(path, "PDF protégé par un mot de passe : enregistrez-en une copie "
                                              "non protégée puis importez-la")
            pages = list(reader.pages)
            texts = []
            for number, page in enumerate(pages, start=1):
                try:
                    texts.append(page.extract_text() or "")
                except Exception:  # noqa: BLE001 - one broken page should not lose the others
                    texts.append("")
                    warnings.append(f"page {number} illisible, ignorée")
            title = _pdf_title(reader)
        except DocumentError:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
            raise DocumentError(path, f"PDF endommagé ou illisible ({_detail(exc)}) ; {fix}") from exc
    if not pages:
        raise DocumentError(path, f"PDF endommagé : il ne contient aucune page ; {fix}")
    if len(warnings) == len(pages):
        raise DocumentError(path, f"PDF endommagé : aucune page n'a pu être lue ; {fix}")
    chunks = []
    for text in texts:
        text = normalise_text(text.translate(_LIGATURES).replace("\t", " "))
        if text:
            chunks.append(text)
    if not chunks:
        n = len(pages)
        raise DocumentError(path, f"aucun texte extractible dans ce PDF de {n} page{'s' if n > 1 else ''} : "
                                  "c'est probablement un document scanné ; passez-le d'abord dans un logiciel "
                                  "de reconnaissance de caractères (OCR, par exemple ocrmypdf) puis importez le résultat")
    return "\n\n".join(chunks), title, warnings


# ------------------------------------------------------------------------------------ reading

def read_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read a document held in memory (an upload); ``name`` gives its type and names it in messages."""
    return _read(data, name=Path(name).name or name, path=name, max_bytes=max_bytes)


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, name: str | None = None) -> Document:
    """Read a file. ``name`` overrides the file name (type and ``Document.name``), e.g. for an
    upload saved under a temporary name; messages name ``path``."""
    shown = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DocumentError(shown, "fichier introuvable : vérifiez le chemin et le nom du fichier") from None
    except PermissionError:
        raise DocumentError(shown, "accès refusé : vérifiez les droits sur le fichier et ses dossiers") from None
    except OSError as exc:
        raise DocumentError(shown, f"fichier inaccessible ({exc.strerror or exc}) : vérifiez le chemin") from None
    if stat.S_ISDIR(st.st_mode):
        raise DocumentError(shown, "c'est un dossier, pas un fichier : donnez un fichier, ou passez le dossier "
                                   "à « coopkg ingest » qui le parcourt")
    if not stat.S_ISREG(st.st_mode):
        raise DocumentError(shown, "ce n'est pas un fichier ordinaire : donnez un fichier .txt, .md, .html, .pdf ou .docx")
    doc_name = Path(name).name if name else p.name
    suffix = Path(doc_name).suffix.lower()
    if suffix not in SUPPORTED:
        raise _unsupported(shown, suffix)
    if st.st_size > max_bytes:
        raise _too_large(shown, st.st_size, max_bytes)
    try:
        with open(p, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise DocumentError(shown, "lecture impossible : permission refusée ; vérifiez les droits du fichier") from None
    except OSError as exc:
        raise DocumentError(shown, f"lecture impossible ({exc.strerror or exc}) : vérifiez le fichier") from None
    if len(data) > max_bytes:  # the file grew since stat
        raise _too_large(shown, len(data), max_bytes)
    return _read(data, name=doc_name, path=shown, max_bytes=max_bytes)


def _read(data: bytes, *, name: str, path: str, max_bytes: int) -> Document:
    suffix = Path(name).suffix.lower()
    media_type = SUPPORTED.get(suffix)
    if media_type is None:
        raise _unsupported(path, suffix)
    if len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    if not data:
        raise DocumentError(path, "fichier vide (0 octet) : rien à importer ; vérifiez que le fichier a bien été enregistré")
    warnings: list[str] = []
    if media_type in ("text/plain", "text/markdown"):
        text, warnings = _decode(path, data, media_type)
        text = normalise_text(text)
        title = (_md_title if media_type == "text/markdown" else _txt_title)(text)
    elif media_type == "text/html":
        text, title, warnings = _read_html(path, data)
        text = normalise_text(text)
    elif media_type == "application/pdf":
        text, title, warnings = _read_pdf(path, data)
        text = normalise_text(text)
    else:
        text, title, warnings = _read_docx(path, data, max_bytes)
        text = normalise_text(text)
    if not text.strip():
        what = {"text/plain": "ne contient que des espaces", "text/markdown": "ne contient que des espaces",
                "text/html": "ne contient aucun texte visible"}.get(media_type, "ne contient aucun texte")
        raise DocumentError(path, f"document vide : il {what} ; rien à importer")
    return Document(name=name, path=path, media_type=media_type, text=text,
                    sha256=hashlib.sha256(data).hexdigest(), title=title, warnings=tuple(warnings))


# ------------------------------------------------------------------------------------ expansion

def _hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")  # dot files, Office lock files


def expand_paths(paths: list[str]) -> tuple[list[Path], list[DocumentError]]:
    """Files as given (their type is checked when read) and, for directories, every supported file
    below them (recursively, sorted, hidden files and directories skipped). A path is listed once."""
    found: list[Path] = []
    errors: list[DocumentError] = []
    seen: set[str] = set()

    def keep(path: Path) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            found.append(path)

    for given in paths:
        shown = str(given)
        if not shown.strip():
            errors.append(DocumentError(shown, "chemin vide : donnez un fichier ou un dossier"))
            continue
        path = Path(given)
        try:
            st = path.stat()
        except FileNotFoundError:
            errors.append(DocumentError(shown, "fichier introuvable : vérifiez le chemin et le nom du fichier"))
            continue
        except OSError as exc:
            errors.append(DocumentError(shown, f"fichier inaccessible ({exc.strerror or exc}) : vérifiez le chemin "
                                               "et les droits"))
            continue
        if not stat.S_ISDIR(st.st_mode):
            keep(path)
            continue
        walk_errors: list[OSError] = []
        below: list[Path] = []
        for root, dirs, files in os.walk(path, onerror=walk_errors.append):
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            for file in files:
                if not _hidden(file) and Path(file).suffix.lower() in SUPPORTED:
                    below.append(Path(root) / file)
        for exc in walk_errors:
            where = exc.filename or shown
            errors.append(DocumentError(str(where), f"dossier illisible ({exc.strerror or exc}) : vérifiez les droits"))
        if not below:
            if not walk_errors:
                errors.append(DocumentError(shown, "aucun fichier pris en charge dans ce dossier "
                                                   f"(formats acceptés : {_supported_list()})"))
            continue
        below.sort(key=lambda p: p.relative_to(path).parts)
        for file in below:
            keep(file)
    return found, errors
