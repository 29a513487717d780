"""The markdown-like lines every converted format writes (:mod:`.readers`'s module doc): headings,
list items, table rows of TAB-joined cells, blocks separated by one blank line."""
from __future__ import annotations

import re

class Blocks:
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


def one_line(text: str) -> str:
    """Collapse every run of ASCII whitespace (line breaks and TABs included) into one space; no-break
    spaces of French typography are kept."""
    return _SPACES.sub(" ", text).strip()


def heading_line(level: int, text: str) -> str:
    return "#" * max(1, min(level, 6)) + " " + text


def list_item(depth: int, text: str) -> str:
    return "  " * max(0, depth - 1) + "- " + text


def table_cell(lines: list[str]) -> str:
    """One table cell: its lines joined by `` ; `` (a TAB inside would split the row)."""
    parts = [one_line(line.replace("\t", " ; ")) for line in lines]
    return " ; ".join(part for part in parts if part)


def table_row(cells: list[str]) -> str:
    return "\t".join(cells) if any(cells) else ""
