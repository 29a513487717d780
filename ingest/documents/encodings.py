"""Decoding a text file: its BOM, the charset an HTML file declares, UTF-8, else Windows-1252 with a
warning; a file that is no text (NUL bytes, mostly high bytes or control characters) is refused,
naming what it looks like (a PDF, a ZIP archive, an image…)."""
from __future__ import annotations

import codecs
import re

from .model import DocumentError

BINARY_CONTROL_RATIO = 0.05  # share of control characters above which a "text" file is binary
BINARY_HIGH_RATIO = 0.30  # share of bytes >= 0x80 above which non-UTF-8 "text" is binary

_MAGIC = (
    (b"%PDF", "un PDF : renommez-le en .pdf"),
    (b"PK\x03\x04", "une archive ZIP (DOCX, ODT...) : donnez-lui sa vraie extension"),
    (b"\x89PNG", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"GIF8", "une image GIF"),
    (b"\xd0\xcf\x11\xe0", "un ancien document Office (.doc, .xls, .ppt) : enregistrez-le au format .docx ou .pdf"),
)


def binary(path: str, data: bytes) -> DocumentError:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return DocumentError(path, f"fichier binaire, pas du texte : il ressemble à {what}")
    return DocumentError(path, "fichier binaire, pas du texte : vérifiez l'extension du fichier "
                               "ou exportez son contenu en texte (.txt)")


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


def decode(path: str, data: bytes, media_type: str) -> tuple[str, list[str]]:
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
            raise binary(path, data)
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
                    raise binary(path, data) from None
                text = _cp1252(data)
                warnings.append("encodage détecté : Windows-1252 (converti en UTF-8)")
    if text and len(_CONTROL.findall(text)) / len(text) > BINARY_CONTROL_RATIO:
        raise binary(path, data)
    return text, warnings
