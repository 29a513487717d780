"""Plain-text rendering of SPARQL results for the terminal."""
from __future__ import annotations

import json

from kb.queries import PREFIXES


def compact(binding: dict | None) -> str:
    if binding is None:
        return ""
    value = binding["value"]
    if binding["type"] == "uri":
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns) and len(value) > len(ns):
                return f"{prefix}:{value[len(ns):]}"
        return f"<{value}>"
    if binding["type"] == "bnode":
        return f"_:{value}"
    lang = binding.get("xml:lang")
    return f"{value}@{lang}" if lang else value


def render_table(body: bytes, media: str, max_width: int = 80) -> str:
    if "json" not in media:  # CONSTRUCT / DESCRIBE came back as RDF
        return body.decode("utf-8")
    data = json.loads(body)
    if "boolean" in data:
        return ("true" if data["boolean"] else "false") + "\n"
    names = data["head"]["vars"]
    rows = [[compact(b.get(n)) for n in names] for b in data["results"]["bindings"]]
    rows = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
