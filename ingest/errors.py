"""Problems found in input files, reported with file, line and field."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class CorpusInvalid(Exception):
    """The corpus has problems; nothing was written. ``issues`` lists each one."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        n = len(issues)
        super().__init__(f"{n} problem{'s' if n > 1 else ''} in the corpus:\n" + "\n".join(f"  {i}" for i in issues))


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)
