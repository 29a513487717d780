"""Loading and validating the curated corpus directory (see docs/corpus.md for the format)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ontology.model import OntologyIndex, ontology_index

from .checker import ID_RE, Checker
from .errors import CorpusInvalid, Issue
from .sourcefiles import SourceFile, load_markdown_file, load_yaml_file

LEVER_ID_RE = re.compile(r"^L([1-9]|10)$")
LEVEL_ID_RE = re.compile(r"^[1-9]$")
SENTENCE_END_RE = re.compile(r"[.!?…](?:\s|$)")
MAX_CASE_FILES = 200_000

# vocabulary file -> kind of its entries
VOCAB_FILES = {
    "levels.yaml": "level",
    "concepts.yaml": "concept",
    "themes.yaml": "theme",
    "roles.yaml": "role",
    "territory_types.yaml": "territory_type",
    "scales.yaml": "scale",
}
KIND_NAMES = {
    "lever": "lever", "axis": "axis", "concept": "concept", "theme": "theme", "level": "level",
    "role": "role", "territory_type": "territory type", "scale": "scale", "source": "source",
    "actor": "actor", "territory": "territory", "case": "case",
}


@dataclass
class Entry:
    """One validated record: a vocabulary concept, actor, territory, source or case."""

    kind: str
    id: str
    file: SourceFile
    path: tuple
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


@dataclass
class Corpus:
    root: Path
    files: dict[str, SourceFile]
    entries: dict[str, dict[str, Entry]]  # kind -> id -> entry
    entry_files: dict[str, list[Entry]]  # file rel -> entries it defines

    def of(self, kind: str) -> dict[str, Entry]:
        return self.entries.get(kind, {})


@dataclass
class _Ref:
    checker: Checker
    path: tuple
    kind: str
    value: str


class _Loader:
    def __init__(self, root: Path, ontology: OntologyIndex):
        self.root = root
        self.onto = ontology
        self.issues: list[Issue] = []
        self.files: dict[str, SourceFile] = {}
        self.entries: dict[str, dict[str, Entry]] = {}
        self.entry_files: dict[str, list[Entry]] = {}
        self.refs: list[_Ref] = []
        self.broken_cases: set[str] = set()  # case files that failed: references to them are not reported again

    # -- plumbing ---------------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def display(self, path: Path) -> str:
        return f"{self.root.name}/{self.rel(path)}"

    def add(self, checker: Checker, kind: str, ident: str, path: tuple, fields: dict) -> Entry:
        bucket = self.entries.setdefault(kind, {})
        if ident in bucket:
            first = bucket[ident]
            checker.error(path + ("id",), f"duplicate {KIND_NAMES[kind]} id {ident!r}; already defined in "
                          f"{first.file.display}:{first.file.data.line(*first.path) or '?'}")
        entry = Entry(kind, ident, checker.sf, path, fields)
        bucket.setdefault(ident, entry)
        self.entry_files.setdefault(checker.sf.rel, []).append(entry)
        return entry

    def ref(self, checker: Checker, path: tuple, kind: str, value: Any) -> str | None:
        text = checker.string(path, value)
        if text is not None:
            self.refs.append(_Ref(checker, path, kind, text))
        return text

    def refs_list(self, checker: Checker, path: tuple, kind: str, value: Any, min_items: int = 0) -> list[str]:
        items = checker.string_list(path, value, min_items=min_items)
        for i, item in enumerate(items):
            self.refs.append(_Ref(checker, path + (i,) if isinstance(value, list) else path, kind, item))
        return items

    def type_slugs(self, checker: Checker, path: tuple, value: Any, table: dict, what: str, min_items: int = 1) -> list:
        out = []
        for i, slug in enumerate(checker.string_list(path, value, min_items=min_items)):
            p = path + (i,) if isinstance(value, list) else path
            if slug in table:
                out.append(table[slug])
            else:
                checker.error(p, f"unknown {what} {slug!r}. {_suggest(slug, table)}")
        return out

    # -- file kinds -------------------------------------------------------------------------
    def load(self) -> Corpus:
        if not self.root.is_dir():
            raise CorpusInvalid([Issue(str(self.root), None, None, "corpus directory not found; set COOPKG_CORPUS_DIR or run from the repository root")])
        self.load_sources()
        self.load_levers()
        for name, kind in VOCAB_FILES.items():
            self.load_vocab(self.root / "vocab" / name, kind)
        for path in self.yaml_files("territories"):
            self.load_territories(path)
        for path in self.yaml_files("actors"):
            self.load_actors(path)
        case_files = self.case_files()
        for path in case_files:
            self.load_case(path)
        self.check_refs()
        if self.issues:
            raise CorpusInvalid(sorted(self.issues, key=lambda i: (i.file, i.line or 0)))
        return Corpus(self.root, self.files, self.entries, self.entry_files)

    def yaml_files(self, folder: str) -> list[Path]:
        directory = self.root / folder
        if not directory.is_dir():
            self.issues.append(Issue(f"{self.root.name}/{folder}/", None, None, "folder is missing"))
            return []
        paths = sorted(directory.iterdir())
        for p in paths:
            if p.suffix not in (".yaml", ".yml") and not p.name.startswith("."):
                self.issues.append(Issue(self.display(p), None, None, "unexpected file: this folder holds only .yaml files"))
        return [p for p in paths if p.suffix in (".yaml", ".yml")]

    def case_files(self) -> list[Path]:
        directory = self.root / "cases"
        if not directory.is_dir():
            self.issues.append(Issue(f"{self.root.name}/cases/", None, None, "folder is missing"))
            return []
        paths = sorted(directory.iterdir())
        if len(paths) > MAX_CASE_FILES:
            self.issues.append(Issue(f"{self.root.name}/cases/", None, None, f"{len(paths)} files, over the limit of {MAX_CASE_FILES}"))
            return []
        for p in paths:
            if p.suffix != ".md" and not p.name.startswith("."):
                self.issues.append(Issue(self.display(p), None, None, "unexpected file: cases/ holds only .md case files"))
        return [p for p in paths if p.suffix == ".md"]

    def open_yaml(self, path: Path, expect: type) -> tuple[Checker, Any] | None:
        rel = self.rel(path)
        if not path.is_file():
            self.issues.append(Issue(self.display(path), None, None, "file is missing"))
            return None
        sf = load_yaml_file(path, rel, self.issues, self.display(path))
        if sf is None:
            return None
        self.files[rel] = sf
        checker = Checker(sf, self.issues)
        if not isinstance(sf.data.value, expect):
            checker.error((), f"expected {'a list of entries' if expect is list else 'a mapping'} at the top of the file")
            return None
        return checker, sf.data.value

    def vocab_entry(self, checker: Checker, path: tuple, item: Any, kind: str, extra: set[str] = frozenset(),
                    id_re: re.Pattern = ID_RE) -> dict | None:
        allowed = {"id", "label", "label_en", "alt_labels", "definition", "source", "rank"} | set(extra)
        if not checker.mapping(path, item, allowed, {"id", "label", "definition"}):
            return None
        ident = checker.identifier(path + ("id",), item.get("id"), id_re)
        fields = {
            "label": checker.string(path + ("label",), item.get("label"), max_length=200),
            "label_en": checker.string(path + ("label_en",), item.get("label_en"), required=False, max_length=200),
            "alt_labels": checker.string_list(path + ("alt_labels",), item.get("alt_labels"), max_length=200),
            "definition": checker.string(path + ("definition",), item.get("definition")),
            "source": self.source_ref(checker, path + ("source",), item.get("source"), required=False),
            "rank": item.get("rank"),
        }
        if ident is None:
            return None
        fields["id"] = ident
        return fields

    def source_ref(self, checker: Checker, path: tuple, value: Any, required: bool = True) -> dict | None:
        if value is None and not required:
            return None
        if not checker.mapping(path, value, {"source", "section", "quote"}, {"source", "section"}):
            return None
        return {
            "source": self.ref(checker, path + ("source",), "source", value.get("source")),
            "section": checker.string(path + ("section",), value.get("section"), max_length=300),
            "quote": checker.string(path + ("quote",), value.get("quote"), required=False, max_length=300),
        }

    def load_sources(self) -> None:
        opened = self.open_yaml(self.root / "sources.yaml", list)
        if not opened:
            return
        checker, items = opened
        allowed = {"id", "file", "title", "kind", "date", "publisher", "description"}
        for i, item in enumerate(items):
            path = (i,)
            if not checker.mapping(path, item, allowed, {"id", "title", "file"}):
                continue
            ident = checker.identifier(path + ("id",), item.get("id"))
            fields = {k: checker.string(path + (k,), item.get(k), required=k in ("title", "file")) for k in sorted(allowed - {"id"})}
            if ident:
                self.add(checker, "source", ident, path, fields)

    def load_levers(self) -> None:
        opened = self.open_yaml(self.root / "vocab" / "levers.yaml", dict)
        if not opened:
            return
        checker, data = opened
        checker.mapping((), data, {"axes", "levers"}, {"axes", "levers"})
        for i, item in enumerate(data.get("axes") or []):
            fields = self.vocab_entry(checker, ("axes", i), item, "axis")
            if fields:
                self.add(checker, "axis", fields["id"], ("axes", i), fields)
        for i, item in enumerate(data.get("levers") or []):
            path = ("levers", i)
            fields = self.vocab_entry(checker, path, item, "lever", {"axis"}, LEVER_ID_RE)
            if fields:
                fields["axis"] = self.ref(checker, path + ("axis",), "axis", item.get("axis"))
                self.add(checker, "lever", fields["id"], path, fields)

    def load_vocab(self, path: Path, kind: str) -> None:
        opened = self.open_yaml(path, list)
        if not opened:
            return
        checker, items = opened
        for i, item in enumerate(items):
            if kind == "level" and isinstance(item, dict) and isinstance(item.get("id"), int):
                item = {**item, "id": str(item["id"])}
            fields = self.vocab_entry(checker, (i,), item, kind, id_re=LEVEL_ID_RE if kind == "level" else ID_RE)
            if fields:
                self.add(checker, kind, fields["id"], (i,), fields)

    def load_territories(self, path: Path) -> None:
        opened = self.open_yaml(path, list)
        if not opened:
            return
        checker, items = opened
        allowed = {"id", "label", "types", "code", "departement", "region", "alt_labels", "note"}
        for i, item in enumerate(items):
            p = (i,)
            if not checker.mapping(p, item, allowed, {"id", "label", "types"}):
                continue
            ident = checker.identifier(p + ("id",), item.get("id"))
            fields = {
                "label": checker.string(p + ("label",), item.get("label"), max_length=200),
                "types": self.refs_list(checker, p + ("types",), "territory_type", item.get("types")),
                "code": checker.string(p + ("code",), item.get("code"), required=False, max_length=40),
                "departements": self.refs_list(checker, p + ("departement",), "territory", item.get("departement")),
                "regions": self.refs_list(checker, p + ("region",), "territory", item.get("region")),
                "alt_labels": checker.string_list(p + ("alt_labels",), item.get("alt_labels"), max_length=200),
                "note": checker.string(p + ("note",), item.get("note"), required=False),
            }
            if ident:
                self.add(checker, "territory", ident, p, fields)

    def load_actors(self, path: Path) -> None:
        opened = self.open_yaml(path, list)
        if not opened:
            return
        checker, items = opened
        allowed = {"id", "label", "types", "alt_labels", "territory", "note"}
        for i, item in enumerate(items):
            p = (i,)
            if not checker.mapping(p, item, allowed, {"id", "label", "types"}):
                continue
            ident = checker.identifier(p + ("id",), item.get("id"))
            fields = {
                "label": checker.string(p + ("label",), item.get("label"), max_length=200),
                "types": self.type_slugs(checker, p + ("types",), item.get("types"), self.onto.actor_types, "actor type"),
                "alt_labels": checker.string_list(p + ("alt_labels",), item.get("alt_labels"), max_length=200),
                "territory": self.ref(checker, p + ("territory",), "territory", item.get("territory")) if item.get("territory") is not None else None,
                "note": checker.string(p + ("note",), item.get("note"), required=False),
            }
            if ident:
                self.add(checker, "actor", ident, p, fields)

    def load_case(self, path: Path) -> None:
        from .case_schema import check_case  # local import: case_schema imports this module's types

        rel = self.rel(path)
        sf = load_markdown_file(path, rel, self.issues, self.display(path))
        if sf is None:
            self.broken_cases.add(path.stem)
            return
        self.files[rel] = sf
        checker = Checker(sf, self.issues)
        fields = check_case(self, checker, sf, path.stem)
        if fields is not None:
            self.add(checker, "case", fields["id"], (), fields)
        else:
            self.broken_cases.add(path.stem)

    def check_refs(self) -> None:
        for ref in self.refs:
            known = self.entries.get(ref.kind, {})
            if ref.kind == "case" and ref.value in self.broken_cases:
                continue
            if ref.value not in known:
                ref.checker.error(ref.path, f"unknown {KIND_NAMES[ref.kind]} {ref.value!r}. {_suggest_entries(ref.value, known, ref.kind)}")


def _suggest(value: str, table: dict) -> str:
    names = list(table)
    if len(names) <= 30:
        return "Valid values: " + ", ".join(names)
    close = difflib.get_close_matches(value, names, n=5, cutoff=0.5)
    return ("Did you mean: " + ", ".join(close) + "?") if close else f"{len(names)} values are defined; see docs/ontology.md"


def _suggest_entries(value: str, known: dict[str, Entry], kind: str) -> str:
    if not known:
        return f"No {KIND_NAMES[kind]} is defined."
    if len(known) <= 30 and kind not in ("actor", "territory", "case"):
        return f"Valid {KIND_NAMES[kind]}s: " + ", ".join(
            f"{k} ({e.get('label')})" if kind in ("lever", "level") else k for k, e in known.items())
    close = difflib.get_close_matches(value, list(known), n=5, cutoff=0.5)
    where = {"actor": "corpus/actors/", "territory": "corpus/territories/", "case": "corpus/cases/"}.get(kind, "corpus/")
    hint = ("Did you mean: " + ", ".join(close) + "? ") if close else ""
    return f"{hint}Define it in {where} or fix the id."


def load_corpus(root: Path, ontology: OntologyIndex | None = None) -> Corpus:
    """Parse and validate the whole corpus; raise CorpusInvalid listing every problem."""
    return _Loader(Path(root), ontology or ontology_index()).load()


def count_sentences(text: str) -> int:
    return len(SENTENCE_END_RE.findall(text.strip() + " "))
