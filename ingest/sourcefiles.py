"""Reading corpus files from disk: encoding checks, front matter, content hashes."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import Issue
from .yamlsrc import Located, YamlError, parse_yaml

MAX_FILE_BYTES = 1_000_000


@dataclass
class SourceFile:
    """One corpus file, decoded and parsed."""

    path: Path
    rel: str  # stable name relative to the corpus root, e.g. "cases/x.md"
    digest: str
    data: Located
    body: str = ""
    body_line: int = 0
    display: str = ""  # how messages name the file, e.g. "corpus/cases/x.md"

    def __post_init__(self) -> None:
        self.display = self.display or self.rel


def read_text(path: Path, rel: str, issues: list[Issue]) -> tuple[str, str] | None:
    """Return (text, sha256) or record why the file cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        issues.append(Issue(rel, None, None, f"cannot read file: {exc.strerror or exc}"))
        return None
    if not raw.strip():
        issues.append(Issue(rel, None, None, "file is empty"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        issues.append(Issue(rel, None, None, f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a corpus file"))
        return None
    if b"\x00" in raw:
        issues.append(Issue(rel, None, None, "file contains NUL bytes: it looks binary, not a UTF-8 text file"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        issues.append(Issue(rel, line, None,
                            f"not valid UTF-8 (byte 0x{raw[exc.start]:02X} at column {col}); "
                            "re-save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)"))
        return None
    return text.replace("\r\n", "\n"), hashlib.sha256(raw).hexdigest()


def load_yaml_file(path: Path, rel: str, issues: list[Issue], display: str = "") -> SourceFile | None:
    display = display or rel
    read = read_text(path, display, issues)
    if read is None:
        return None
    text, digest = read
    try:
        data = parse_yaml(text)
    except YamlError as exc:
        issues.append(Issue(display, exc.line, None, str(exc)))
        return None
    return SourceFile(path, rel, digest, data, display=display)


def load_markdown_file(path: Path, rel: str, issues: list[Issue], display: str = "") -> SourceFile | None:
    """A Markdown file with YAML front matter between two '---' lines."""
    display = display or rel
    read = read_text(path, display, issues)
    if read is None:
        return None
    text, digest = read
    lines = text.split("\n")
    if lines[0].strip() != "---":
        issues.append(Issue(display, 1, None, "a case file must start with a '---' line opening its YAML front matter"))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        issues.append(Issue(display, 1, None, "the YAML front matter is not closed by a '---' line"))
        return None
    try:
        data = parse_yaml("\n".join(lines[1:end]), line_offset=1)
    except YamlError as exc:
        issues.append(Issue(display, exc.line, None, str(exc)))
        return None
    body = "\n".join(lines[end + 1:]).strip()
    return SourceFile(path, rel, digest, data, body=body, body_line=end + 2, display=display)
