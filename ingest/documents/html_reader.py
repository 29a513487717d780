"""HTML to the readers' text: the page's content (its ``<article>``/``<main>`` when it has one), not
its navigation, scripts or sidebars; headings, lists, tables and paragraphs as markup lines."""
from __future__ import annotations

import re

from .encodings import decode
from .markup import Blocks, list_item, heading_line, one_line, table_cell, table_row
from .messages import detail
from .model import DocumentError

_HTML_DROP = {"script", "style", "nav", "template", "noscript", "head", "title", "iframe", "object",
              "embed", "svg", "math", "canvas", "select", "button", "-comment", "!doctype"}
_HTML_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HTML_LISTS = {"ul", "ol", "menu"}
_HTML_INLINE_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace (not the no-break space)


_HTML_CONTENT_PARTS = {"article", "section", "aside", "main"}


def _page_level(node) -> bool:
    """Whether an element belongs to the page rather than to a part of its content: no article,
    section, aside or main encloses it (a ``<footer>`` there is the site's: copyright, legal links,
    date of the page; one inside an ``<article>`` is the article's, and kept)."""
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        if parent.tag in _HTML_CONTENT_PARTS:
            return False
        parent = parent.parent
    return True


def _in_article(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def _skip(node) -> bool:
    """Elements whose content is not the page's text (scripts, navigation, the page's footer, an
    aside outside any article, hidden parts, comments)."""
    tag = node.tag
    if tag is None or tag in _HTML_DROP or tag.startswith("-") or tag.startswith("!"):
        return True
    if tag == "footer" and _page_level(node):
        return True
    if tag == "aside" and not _in_article(node):
        return True  # a sidebar (« En bref », related links, an agenda): other content than the page's
    attributes = node.attributes
    return "hidden" in attributes or attributes.get("aria-hidden") == "true"


class _HtmlConverter:
    """Walks a selectolax (lexbor) tree and writes markdown-like blocks."""

    def __init__(self, out: Blocks, flat: bool = False) -> None:
        self.out = out
        self.flat = flat  # inside a table cell: no markers, every block is a plain line
        self.inline: list[str] = []
        self.pre = 0

    # inline text ---------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self.inline:
            return
        raw = "".join(self.inline)
        self.inline = []
        if self.pre:
            self.out.add("paragraph", raw.strip("\n").expandtabs(4))
            return
        lines = [one_line(line) for line in raw.split("\n")]
        self.out.add("paragraph", "\n".join(line for line in lines if line))

    def _text_of(self, node) -> str:
        """All the visible text under a node, on one line."""
        sub = Blocks()
        _HtmlConverter(sub, flat=True).walk_children(node)
        return one_line(" ".join(sub.lines()))

    # tree ----------------------------------------------------------------------------------
    def walk_children(self, node) -> None:
        for child in node.iter(include_text=True):
            self.walk(child)
        self._flush()

    def walk(self, node) -> None:
        tag = node.tag
        if tag == "-text":
            text = node.text_content or ""
            self.inline.append(text if self.pre else _HTML_INLINE_SPACE.sub(" ", text))
            return
        if _skip(node):
            return
        if tag == "br":
            self.inline.append("\n")
        elif tag in _HTML_HEADINGS:
            self._flush()
            text = self._text_of(node)
            if self.flat:
                self.out.add("paragraph", text)
            elif text:
                self.out.add("heading", heading_line(_HTML_HEADINGS[tag], text))
        elif tag in _HTML_LISTS:
            self._flush()
            self.out.close()
            self._list(node, 1)
        elif tag == "table":
            self._flush()
            self._table(node)
        elif tag == "pre":
            self._flush()
            self.pre += 1
            self.walk_children(node)
            self.pre -= 1
        elif tag in _HTML_BLOCKS:
            self._flush()
            self.walk_children(node)
        else:  # inline element
            for child in node.iter(include_text=True):
                self.walk(child)

    def _list(self, node, depth: int) -> None:
        for child in node.iter(include_text=False):
            if child.tag == "li":
                self.list_item(child, depth)
            elif child.tag in _HTML_LISTS:
                self._list(child, depth + 1)
            else:
                self.walk(child)
                self._flush()

    def list_item(self, node, depth: int) -> None:
        parts: list[str] = []

        def emit() -> None:
            text = one_line(" ".join(parts))
            parts.clear()
            if text:
                self.out.add("paragraph" if self.flat else "item", text if self.flat else list_item(depth, text))

        for child in node.iter(include_text=True):
            if child.tag in _HTML_LISTS:
                emit()
                self._list(child, depth + 1)
            elif child.tag == "-text":
                parts.append(child.text_content or "")
            elif child.tag == "table":
                emit()
                self._table(child)
            elif not _skip(child):
                parts.append(self._text_of(child))
        emit()

    def _rows(self, table):
        """The rows of a table, in order, without those of nested tables."""
        for child in table.iter(include_text=False):
            if child.tag == "tr":
                yield child
            elif child.tag in ("thead", "tbody", "tfoot"):
                yield from self._rows(child)

    def _table(self, table) -> None:
        self.out.close()
        caption = table.css_first("caption")
        if caption is not None and caption.parent is not None and caption.parent.mem_id == table.mem_id:
            self.out.add("paragraph", self._text_of(caption))
        for tr in self._rows(table):
            cells = []
            for td in tr.iter(include_text=False):
                if td.tag in ("td", "th"):
                    sub = Blocks()
                    _HtmlConverter(sub, flat=True).walk_children(td)
                    cells.append(table_cell([line for block in sub.blocks for entry in block for line in entry.split("\n")]))
            row = table_row(cells)
            if self.flat:
                self.out.add("paragraph", row.replace("\t", " ; "))
            else:
                self.out.add("row", row)


_HTML_BLOCKS = {"address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
                "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup",
                "hr", "html", "legend", "li", "main", "p", "section", "summary", "caption", "tr", "td", "th",
                "thead", "tbody", "tfoot"}


def read_html(path: str, data: bytes) -> tuple[str, str | None, list[str]]:
    from selectolax.lexbor import LexborHTMLParser

    text, warnings = decode(path, data, "text/html")
    try:
        tree = LexborHTMLParser(text)
        title = None
        node = tree.css_first("title")
        if node is not None:
            title = one_line(node.text() or "") or None
        if title is None:
            node = tree.css_first("h1")
            if node is not None:
                title = one_line(node.text() or "") or None
        out = Blocks()
        root = tree.body or tree.root
        if root is not None:
            _HtmlConverter(out).walk_children(root)
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser failure must not escape
        raise DocumentError(path, f"page HTML illisible ({detail(exc)}) : enregistrez-la de nouveau "
                                  "depuis le navigateur ou copiez son texte dans un .txt") from exc
    return out.text(), title, warnings
