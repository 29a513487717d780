"""Small structural checks on parsed YAML, each problem recorded with its line and field path."""
from __future__ import annotations

import re
from typing import Any

from .errors import Issue
from .sourcefiles import SourceFile

ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def field_name(path: tuple) -> str | None:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


class Checker:
    """Checks values of one source file; records issues instead of raising."""

    def __init__(self, sf: SourceFile, issues: list[Issue]):
        self.sf = sf
        self.issues = issues
        self.ok = True
        self._missing: set[tuple] = set()  # paths already reported as missing keys

    def error(self, path: tuple, message: str) -> None:
        self.ok = False
        if path in self._missing:
            return
        self.issues.append(Issue(self.sf.display, self.sf.data.line(*path), field_name(path), message))

    def mapping(self, path: tuple, value: Any, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping with keys {', '.join(sorted(required))}, got {_kind(value)}")
            return False
        for key in value:
            if key not in allowed:
                self.error(path + (key,), f"unknown key {key!r}; allowed keys: {', '.join(sorted(allowed))}")
        for key in sorted(required - value.keys()):
            self.error(path, f"missing required key {key!r}")
            self._missing.add(path + (key,))
        return True

    def string(self, path: tuple, value: Any, *, required: bool = True, max_length: int = 2000) -> str | None:
        if value is None:
            if required:
                self.error(path, "missing value: expected a text")
            return None
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.error(path, f"expected a text, got {_kind(value)}")
            return None
        text = str(value).strip()
        if required and not text:
            self.error(path, "must not be empty")
            return None
        if len(text) > max_length:
            self.error(path, f"text is {len(text)} characters long; the limit is {max_length}")
            return None
        return text or None

    def identifier(self, path: tuple, value: Any, pattern: re.Pattern = ID_RE) -> str | None:
        text = self.string(path, value)
        if text is not None and not pattern.match(text):
            self.error(path, f"invalid id {text!r}: use lower-case ASCII words joined by '-' (e.g. pays-de-figeac)")
            return None
        return text

    def string_list(self, path: tuple, value: Any, *, min_items: int = 0, max_length: int = 2000) -> list[str]:
        """A list of texts; a single text is accepted as a one-item list."""
        if value is None:
            items: list = []
        elif isinstance(value, list):
            items = value
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            items = [value]
        else:
            self.error(path, f"expected a list of texts, got {_kind(value)}")
            return []
        out = []
        for i, item in enumerate(items):
            text = self.string(path + (i,) if isinstance(value, list) else path, item, max_length=max_length)
            if text is not None:
                out.append(text)
        if len(items) < min_items:
            self.error(path, f"needs at least {min_items} item{'s' if min_items > 1 else ''}, found {len(items)}")
        return out

    def year(self, path: tuple, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"expected a year as a number (e.g. 2016), got {value!r}")
            return None
        if not 1900 <= value <= 2100:
            self.error(path, f"year {value} is outside 1900–2100")
            return None
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f"the text {value!r}", bool: f"the boolean {value}"}.get(type(value), repr(value))
