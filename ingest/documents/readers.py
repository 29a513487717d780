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

This module checks the file (type, size, emptiness) and dispatches: :mod:`.encodings` decodes text
files, :mod:`.html_reader`, :mod:`.docx_reader` and :mod:`.pdf_reader` convert their formats with
the lines of :mod:`.markup`, and :mod:`.normalise` gives every text its normal form.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from .docx_reader import read_docx
from .encodings import decode
from .html_reader import read_html
from .messages import MAX_SETTING, octets
from .model import Document, DocumentError
from .normalise import normalise_text
from .pdf_reader import read_pdf

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED", "expand_paths", "normalise_text", "read_bytes", "read_document"]

SUPPORTED = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

TITLE_MAX_CHARS = 120  # a TXT first line longer than this is a paragraph, not a title


def _supported_list() -> str:
    return ", ".join(sorted(SUPPORTED))


# ------------------------------------------------------------------------------------ messages

def _too_large(path: str, size: int, limit: int) -> DocumentError:
    return DocumentError(path, f"fichier trop volumineux : {octets(size)} pour une limite de {octets(limit)} ; "
                               f"découpez le document ou relevez la limite avec le réglage {MAX_SETTING}")


def _unsupported(path: str, suffix: str) -> DocumentError:
    shown = suffix or "sans extension"
    hint = ""
    if suffix in (".doc", ".odt", ".rtf", ".pptx", ".ppt", ".odp"):
        hint = " ; enregistrez-le au format .docx ou .pdf depuis votre traitement de texte"
    return DocumentError(path, f"type de fichier non pris en charge ({shown}) : formats acceptés {_supported_list()}"
                               + (hint or " ; convertissez-le dans l'un de ces formats"))


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
        text, warnings = decode(path, data, media_type)
        text = normalise_text(text)
        title = (_md_title if media_type == "text/markdown" else _txt_title)(text)
    elif media_type == "text/html":
        text, title, warnings = read_html(path, data)
        text = normalise_text(text)
    elif media_type == "application/pdf":
        text, title, warnings = read_pdf(path, data)
        text = normalise_text(text)
    else:
        text, title, warnings = read_docx(path, data, max_bytes)
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
