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


def _pdf_title(reader) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # noqa: BLE001 - a broken information dictionary is not fatal
        return None
    if not isinstance(title, str):
        return None
    title = one_line(_PDF_TITLE_PREFIX.sub("", title.replace("\x00", "")))
    if not title or title.lower() in _PDF_NO_TITLE:
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
