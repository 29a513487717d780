"""The generated block of a benchmark's section in docs/ (between two HTML comment markers): the
one place that rewrites it, so that the hand-written text around it is never touched."""
from __future__ import annotations

from pathlib import Path


def write_block(path: Path, start: str, end: str, body: str, *, missing: str = "", initial: str = "") -> Path:
    """Put ``body`` between the markers ``start`` and ``end`` of ``path`` (``initial`` when the
    file does not exist). When the markers are absent, ``missing`` is appended first — a section
    holding the markers, or a heading to put them under (left out when the document has it) —,
    then the markers when it does not hold them."""
    text = path.read_text(encoding="utf-8") if path.exists() else initial
    if start not in text:
        add = "" if missing.strip() and missing.strip() in text else missing
        if start not in add:
            add = (add.rstrip("\n") + "\n\n" if add.strip() else "") + f"{start}\n{end}\n"
        text = text.rstrip("\n") + "\n\n" + add
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    path.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")
    return path
