"""The wording shared by the readers' French error messages: a size in octets, a library's detail."""
from __future__ import annotations

MAX_SETTING = "COOPKG_INGEST_MAX_BYTES"  # the setting a too-large file's message names

def octets(n: int) -> str:
    grouped = f"{n:,}".replace(",", " ")
    text = f"{grouped} octet" + ("s" if n > 1 else "")
    if n >= 1024 * 1024:
        text += f" ({n / (1024 * 1024):.1f} Mo)".replace(".", ",")
    elif n >= 1024:
        text += f" ({n / 1024:.1f} Ko)".replace(".", ",")
    return text


def detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
