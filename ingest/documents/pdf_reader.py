"""PDF to the readers' text: the text layer page by page (pypdf, its logging silenced), the
document information's title unless it is a placeholder; encrypted, damaged and scanned PDFs are
refused with what to do."""
from __future__ import annotations

import contextlib
import io
import logging
import re
import threading

from .markup import one_line
from .messages import detail
from .model import DocumentError
from .normalise import normalise_text

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


# A file name left as the title (« Synthese_eval_v2_post-COPIL », « COPIL4_PAT_inter_v2_DEF.docx »): no
# space, and an underscore or a file extension.
_FILE_NAME = re.compile(r"(?=\S*(?:_|\.(?:docx?|pdf|odt|pptx?)$))\S+", re.IGNORECASE)


def _pdf_title(reader) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # noqa: BLE001 - a broken information dictionary is not fatal
        return None
    if not isinstance(title, str):
        return None
    title = one_line(_PDF_TITLE_PREFIX.sub("", title.replace("\x00", "")))
    if not title or title.lower() in _PDF_NO_TITLE or _FILE_NAME.fullmatch(title):
        return None
    return title


def read_pdf(path: str, data: bytes) -> tuple[str, str | None, list[str]]:
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
            raise DocumentError(path, f"PDF endommagé ou illisible ({detail(exc)}) ; {fix}") from exc
    if not pages:
        raise DocumentError(path, f"PDF endommagé : il ne contient aucune page ; {fix}")
    if len(warnings) == len(pages):
        raise DocumentError(path, f"PDF endommagé : aucune page n'a pu être lue ; {fix}")
    chunks = []
    for text in without_running_lines([normalise_text(t.translate(_LIGATURES).replace("\t", " ")) for t in texts]):
        if text:
            chunks.append(text)
    if not chunks:
        n = len(pages)
        raise DocumentError(path, f"aucun texte extractible dans ce PDF de {n} page{'s' if n > 1 else ''} : "
                                  "c'est probablement un document scanné ; passez-le d'abord dans un logiciel "
                                  "de reconnaissance de caractères (OCR, par exemple ocrmypdf) puis importez le résultat")
    return "\n\n".join(chunks), title, warnings


# A page's running header or footer: one of its first or last lines, the same on other pages but for
# its numbers (« Préfecture de Saône-et-Loire – 196 rue de Strasbourg … 1/4 », « Page 3/7 »).
_RUNNING_EDGE = 2  # lines looked at at the top and at the bottom of a page
_DIGITS = re.compile(r"\d+")


_PAGE_NUMBER = re.compile(r"(?i:page\s*)?\d{1,3}(?:\s*(?:/|sur)\s*\d{1,3})?")


def _running_key(line: str) -> str:
    """Lines compare with their numbers aside when they are long (a running title with its page
    number) or a page number alone; a short line keeps them (« Article 2 » is not « Article 3 »)."""
    line = " ".join(line.split())
    if len(line) >= 25 or _PAGE_NUMBER.fullmatch(line):
        line = _DIGITS.sub("#", line)
    return line.casefold()


def without_running_lines(pages: list[str]) -> list[str]:
    """The pages' texts without their running headers and footers: a line among the first or last
    ``_RUNNING_EDGE`` of a page whose text (numbers aside) is at the top or bottom of at least two
    pages, and of half the pages; a page number alone (« 3 », « 3/7 ») at an edge when several pages have one.
    A document of one page keeps everything."""
    if len(pages) < 2:
        return pages
    lines = [page.split("\n") for page in pages]
    seen: dict[str, int] = {}
    for ls in lines:
        edge = {_running_key(x) for x in ls[:_RUNNING_EDGE] + ls[-_RUNNING_EDGE:] if x.strip()}
        for key in edge:
            seen[key] = seen.get(key, 0) + 1
    running = {key for key, n in seen.items() if n >= 2 and 2 * n >= len(pages)}
    out = []
    for ls in lines:
        n = len(ls)
        keep = [x for i, x in enumerate(ls)
                if not ((i < _RUNNING_EDGE or i >= n - _RUNNING_EDGE) and x.strip() and _running_key(x) in running)]
        out.append(normalise_text("\n".join(keep)))
    return out
