"""Validation of one case file's front matter and summary (format: docs/corpus.md)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checker import Checker
from .sourcefiles import SourceFile

if TYPE_CHECKING:
    from .corpus import _Loader

CASE_KEYS = {
    "id", "title", "alt_labels", "territories", "actors", "instruments", "levers", "concepts", "themes",
    "level", "scale", "period", "grid", "related", "sources",
}
CASE_REQUIRED = {"id", "title", "territories", "actors", "instruments", "levers", "themes", "sources"}
GRID_KEYS = {"triggers", "partners_scale", "stakes", "ambitions", "object", "governance"}
MIN_SENTENCES, MAX_SENTENCES = 3, 8


def check_case(loader: "_Loader", c: Checker, sf: SourceFile, stem: str) -> dict[str, Any] | None:
    from .corpus import count_sentences

    data = sf.data.value
    if not c.mapping((), data, CASE_KEYS, CASE_REQUIRED):
        return None
    ident = c.identifier(("id",), data.get("id"))
    if ident is not None and ident != stem:
        c.error(("id",), f"id {ident!r} must match the file name ({stem}.md); rename the file or the id")

    fields: dict[str, Any] = {
        "id": ident,
        "title": c.string(("title",), data.get("title"), max_length=300),
        "alt_labels": c.string_list(("alt_labels",), data.get("alt_labels"), max_length=300),
        "territories": loader.refs_list(c, ("territories",), "territory", data.get("territories"), min_items=1),
        "levers": loader.refs_list(c, ("levers",), "lever", data.get("levers"), min_items=1),
        "concepts": loader.refs_list(c, ("concepts",), "concept", data.get("concepts")),
        "themes": loader.refs_list(c, ("themes",), "theme", data.get("themes"), min_items=1),
        "related": loader.refs_list(c, ("related",), "case", data.get("related")),
        "level": None,
        "scale": None,
    }
    if data.get("level") is not None:
        fields["level"] = loader.ref(c, ("level",), "level", str(data["level"]))
    if data.get("scale") is not None:
        fields["scale"] = loader.ref(c, ("scale",), "scale", data["scale"])
    if ident in fields["related"]:
        c.error(("related",), "a case cannot be related to itself")

    fields["participations"] = _actors(loader, c, data.get("actors"))
    fields["instruments"] = _instruments(loader, c, data.get("instruments"))
    fields["period"] = _period(c, data.get("period"))
    fields["grid"] = _grid(c, data.get("grid"))
    fields["sources"] = _sources(loader, c, data.get("sources"))

    summary = sf.body.strip()
    n = count_sentences(summary)
    if not summary:
        c.issues.append(_issue(sf, sf.body_line, "summary", "missing: write a 3–8 sentence French summary after the front matter"))
        c.ok = False
    elif not MIN_SENTENCES <= n <= MAX_SENTENCES:
        c.issues.append(_issue(sf, sf.body_line, "summary", f"has {n} sentence{'s' if n != 1 else ''}; write {MIN_SENTENCES} to {MAX_SENTENCES}"))
        c.ok = False
    elif len(summary) > 4000:
        c.issues.append(_issue(sf, sf.body_line, "summary", f"is {len(summary)} characters long; keep it under 4000"))
        c.ok = False
    fields["summary"] = " ".join(summary.split())
    return fields if ident is not None and c.ok else None


def _issue(sf: SourceFile, line: int, field: str, message: str):
    from .errors import Issue

    return Issue(sf.display, line, field, message)


def _actors(loader: "_Loader", c: Checker, value: Any) -> list[dict]:
    if not isinstance(value, list):
        c.error(("actors",), "expected a list of {actor: <id>, role: <role>} entries")
        return []
    out, seen = [], set()
    for i, item in enumerate(value):
        p = ("actors", i)
        if not c.mapping(p, item, {"actor", "role", "roles", "note"}, {"actor"}):
            continue
        actor = loader.ref(c, p + ("actor",), "actor", item.get("actor"))
        if "role" in item and "roles" in item:
            c.error(p, "give either 'role' or 'roles', not both")
            continue
        key = "roles" if "roles" in item else "role"
        roles = loader.refs_list(c, p + (key,), "role", item.get(key), min_items=1)
        if actor in seen:
            c.error(p + ("actor",), f"actor {actor!r} is listed twice; give it several roles instead (roles: [a, b])")
        seen.add(actor)
        out.append({"actor": actor, "roles": roles, "note": c.string(p + ("note",), item.get("note"), required=False)})
    if len(value) < 2:
        c.error(("actors",), f"a case needs at least 2 actors with roles, found {len(value)}")
    return out


def _instruments(loader: "_Loader", c: Checker, value: Any) -> list[dict]:
    if not isinstance(value, list) or not value:
        c.error(("instruments",), "expected a non-empty list of {type: <instrument type>, label: ...} entries")
        return []
    out = []
    for i, item in enumerate(value):
        p = ("instruments", i)
        if isinstance(item, str):
            item = {"type": item}
        if not c.mapping(p, item, {"type", "label", "note"}, {"type"}):
            continue
        types = loader.type_slugs(c, p + ("type",), item.get("type"), loader.onto.instrument_types, "instrument type")
        if types:
            out.append({
                "type": types[0],
                "label": c.string(p + ("label",), item.get("label"), required=False, max_length=300),
                "note": c.string(p + ("note",), item.get("note"), required=False),
            })
    return out


def _period(c: Checker, value: Any) -> dict | None:
    if value is None:
        return None
    if not c.mapping(("period",), value, {"start", "end", "note"}, set()):
        return None
    start = c.year(("period", "start"), value.get("start"))
    end = c.year(("period", "end"), value.get("end"))
    if start and end and start > end:
        c.error(("period",), f"start {start} is after end {end}")
    return {"start": start, "end": end, "note": c.string(("period", "note"), value.get("note"), required=False)}


def _grid(c: Checker, value: Any) -> dict:
    if value is None:
        return {}
    if not c.mapping(("grid",), value, GRID_KEYS, set()):
        return {}
    grid = {key: c.string_list(("grid", key), value.get(key)) for key in ("triggers", "stakes", "ambitions", "object")}
    grid["partners_scale"] = c.string(("grid", "partners_scale"), value.get("partners_scale"), required=False)
    bodies = []
    for i, item in enumerate(value.get("governance") or []):
        p = ("grid", "governance", i)
        if c.mapping(p, item, {"name", "function", "composition"}, {"name"}):
            bodies.append({
                "name": c.string(p + ("name",), item.get("name"), max_length=300),
                "function": c.string(p + ("function",), item.get("function"), required=False, max_length=300),
                "composition": c.string(p + ("composition",), item.get("composition"), required=False),
            })
    grid["governance"] = bodies
    return grid


def _sources(loader: "_Loader", c: Checker, value: Any) -> list[dict]:
    if not isinstance(value, list) or not value:
        c.error(("sources",), "expected a non-empty list of {source: <id>, section: <heading>} entries")
        return []
    out = []
    for i, item in enumerate(value):
        ref = loader.source_ref(c, ("sources", i), item)
        if ref:
            out.append(ref)
    return out
