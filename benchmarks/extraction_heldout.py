"""`coopkg bench extraction-heldout`: extraction quality on documents the rules were not written on.

The seeds are the documents the extraction rules were developed on, so `coopkg bench extraction`
measures them on their own training material. This benchmark scores the same extraction on the
documents of ``eval/extraction/documents`` against ``eval/extraction/gold.yaml``: for each
document, the cases a curator reads in it, their participants (name, alternative names, an actor
type of the ontology) and the main instrument type (or the types a curator would accept). The gold
was written before any of these documents was ingested.

The base is the ``vocab`` one of `coopkg bench extraction` (vocabularies and national territories,
no actor, no case): participants are found by the rules and compared by name with the same
:class:`~benchmarks.extraction_eval.ActorMatcher`; cases are matched, and every metric counted, by
:func:`~benchmarks.extraction_eval.evaluate_seed`, one document standing for one seed.
Results: ``benchmarks/results/extraction-heldout.json``; summary: the generated block of
"Held-out documents" in docs/extraction.md.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import click
import yaml

from .extraction_eval import (NAME_THRESHOLD, ActorMatcher, CuratedCase, _fmt, _machine, _Models, _pct, _short, aggregate,
                              class_ancestors, default_model, evaluate_seed, extracted_cases, ingest_into_base,
                              instrument_parents, verdicts)

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_DIR = ROOT / "eval" / "extraction"
RESULTS_FILE = Path(__file__).resolve().parent / "results" / "extraction-heldout.json"
DOCS_FILE = ROOT / "docs" / "extraction.md"
SECTION = "## Held-out documents"
START, END = "<!-- bench-extraction-heldout:start -->", "<!-- bench-extraction-heldout:end -->"


class GoldError(ValueError):
    """The gold file is malformed: says where and what."""


class Gold:
    """The gold of the held-out set, as the seed evaluation's values: per document file, its
    curated cases; per gold actor (an IRI minted for it: ``actor/heldout-<case>-<n>``), its names
    and its class."""

    def __init__(self, path: Path, documents_dir: Path, base_iri: str | None = None):
        from coopkg.settings import load_settings
        from ingest.documents.lexicon import is_placeholder_label
        from ontology.iris import Minter
        from ontology.model import ontology_index

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise GoldError(f"{path}: cannot be read as YAML: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("documents"), dict) or not data["documents"]:
            raise GoldError(f"{path}: expected a mapping `documents: {{file name: [cases]}}`")
        index = ontology_index()
        minter = Minter(base_iri or load_settings().base_iri)
        self.cases: dict[str, list[CuratedCase]] = {}
        self.names: dict[str, list[str]] = {}
        self.classes: dict[str, frozenset[str]] = {}
        self.unnamed: set[str] = set()
        self.files: dict[str, Path] = {}
        batches = data.get("batches") or {}
        if not isinstance(batches, dict) or any(not isinstance(v, list) for v in batches.values()):
            raise GoldError(f"{path}: `batches` maps a batch's name to the list of its documents")
        unknown = [n for files in batches.values() for n in files if n not in data["documents"]]
        if unknown:
            raise GoldError(f"{path}: batches: {unknown[0]} is not in `documents`")
        self.batches: dict[str, list[str]] = {str(k): list(v) for k, v in batches.items()}
        for name, cases in data["documents"].items():
            where = f"{path}: documents.{name}"
            file = documents_dir / name
            if not file.is_file():
                raise GoldError(f"{where}: no such document in {documents_dir}")
            if not isinstance(cases, list) or not cases:
                raise GoldError(f"{where}: expected a list of cases")
            self.files[name] = file
            self.cases[name] = []
            for k, case in enumerate(cases):
                at = f"{where}[{k}]"
                missing = [key for key in ("id", "title", "instrument", "actors") if not case.get(key)]
                if missing:
                    raise GoldError(f"{at}: missing {', '.join(missing)}")
                instruments = case["instrument"] if isinstance(case["instrument"], list) else [case["instrument"]]
                unknown = [key for key in instruments if key not in index.instrument_types]
                if unknown:
                    raise GoldError(f"{at}.instrument: unknown instrument type {unknown[0]!r} "
                                    f"(one of: {', '.join(sorted(index.instrument_types))})")
                actors = []
                for n, actor in enumerate(case["actors"]):
                    kind = index.actor_types.get(actor.get("type", ""))
                    if not actor.get("name") or kind is None:
                        raise GoldError(f"{at}.actors[{n}]: needs a name and an actor type "
                                        f"(one of: {', '.join(sorted(index.actor_types))})")
                    iri = str(minter.iri("actor", f"heldout-{case['id']}-{n}"))
                    self.names[iri] = [actor["name"], *(actor.get("alt") or [])]
                    self.classes[iri] = frozenset({str(kind.iri)})
                    if is_placeholder_label(actor["name"]):
                        self.unnamed.add(iri)
                    actors.append(iri)
                self.cases[name].append(CuratedCase(id=case["id"], title=case["title"], seeds=[name], actors=actors,
                                                    instrument_types=[str(index.instrument_types[key].iri)
                                                                      for key in instruments]))


def run(*, gold: Gold, corpus_dir: Path, home: Path, model: str, echo, reuse: bool = False) -> dict:
    from kb.store import open_store

    settings, ingested = ingest_into_base("vocab", list(gold.files.values()), corpus_dir=corpus_dir,
                                          base_dir=home / "heldout", model=model, models=_Models(), echo=echo,
                                          reuse=reuse)
    store = open_store(settings)
    try:
        extracted = extracted_cases(store)
    finally:
        store.close()
    matcher = ActorMatcher("label", gold.names, classes=gold.classes, ancestors=class_ancestors())
    parents, slugs = instrument_parents()
    documents = {}
    for name, file in gold.files.items():
        result = evaluate_seed([e for e in extracted if e.file == file.name], gold.cases[name], matcher, parents,
                               slugs, frozenset(gold.unnamed))
        documents[name] = {"ingest_error": ingested["failed"].get(str(file)), **result}
        a = result["actors"]
        echo(f"[heldout] {name}: {result['cases']['found']}/{result['cases']['curated']} cases found, "
             f"{result['cases']['extra']} extra; actors P {_fmt(a['precision'])} R {_fmt(a['recall'])}; "
             f"instrument {_fmt(result['instruments']['strict_accuracy'])}")
    overall = aggregate(documents)
    batches = {name: aggregate({f: documents[f] for f in files}) for name, files in gold.batches.items()}
    return {"batches": batches,"ingest": {"seconds": ingested["ingest_seconds"], "failed": len(ingested["failed"]),
                       "outcomes": ingested["outcomes"]},
            "gold_actors": {_short(iri): names[0] for iri, names in gold.names.items()},
            "gold_batches": gold.batches,
            "documents": documents, "overall": overall, "goals": verdicts(overall)}


def _misses(d: dict, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """The gold participants a document's matched cases missed (named ones and groups), by name."""
    named = [names.get(x, x) for m in d.get("matches", []) for x in m["actors"]["missed"]]
    groups = [names.get(x, x) for m in d.get("matches", []) for x in m["actors"]["missed_unnamed"]]
    return named, groups


def render_summary(results: dict) -> str:
    lines = [f"Run {results['date'][:10]}, commit {results['machine'].get('commit') or '?'}; registry `vocab`, "
             f"actors by normalised name (fuzzy ≥ {NAME_THRESHOLD:g}); {len(results['documents'])} documents. "
             "Actors P/R over matched cases; R document: every gold participant of the document against every "
             "asserted participant of its cases, whatever the segmentation. A batch is held out in its blind run "
             "only (the commit in its name, kept in benchmarks/results/history/); after it, its misses led to "
             "fixes and its figures measure rules it helped write.", "",
             "| document | cases found | extra | actors P | actors R | R named | R placeholders | R document | "
             "instrument strict | named missed | spurious |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    names = results.get("gold_actors", {})
    rows = (list(results["documents"].items()) + [(f"**batch {k}**", v) for k, v in results.get("batches", {}).items()]
            + [("**overall**", results["overall"])])
    for name, d in rows:
        c, a, i = d["cases"], d["actors"], d["instruments"]
        batch = name[len("**batch "):-2] if name.startswith("**batch ") else None
        docs = ([d] if name in results["documents"] else list(results["documents"].values()) if batch is None
                else [results["documents"][f] for f in results["gold_batches"][batch]])
        missed = [x for doc in docs for x in _misses(doc, names)[0]]
        spurious = [x for doc in docs for m in doc.get("matches", []) for x in m["actors"]["spurious"]]
        lines.append(f"| {name} | {c['found']}/{c['curated']} | {c['extra']} | {_pct(a['precision'])} | "
                     f"{_pct(a['recall'])} | {_pct(a['recall_named'])} | {_pct(a.get('recall_placeholders'))} | "
                     f"{_pct(d['actors_document']['recall'])} | {i['strict']}/{i['cases']} | {len(missed)} | "
                     f"{len(spurious)} |")
    lines.append("")
    for name, d in results["documents"].items():
        named, groups = _misses(d, names)
        spurious = [x for m in d.get("matches", []) for x in m["actors"]["spurious"]]
        wrong = [f"{m['curated']}: {m['instrument']['top']} for {', '.join(m['instrument']['curated'])}"
                 for m in d.get("matches", []) if not m["instrument"]["strict"]]
        parts = [f"missed {'; '.join(named + groups)}" if named or groups else "",
                 f"spurious {'; '.join(spurious)}" if spurious else "",
                 f"cases not found {', '.join(d['missed_cases'])}" if d["missed_cases"] else "",
                 f"extra cases {'; '.join(d['extra_cases'])}" if d["extra_cases"] else "",
                 f"instrument {'; '.join(wrong)}" if wrong else ""]
        if any(parts):
            lines.append(f"- `{name}`: " + "; ".join(p for p in parts if p) + ".")
    lines += ["", "Goals (those of the seeds, on this run): " + "; ".join(
        f"{name.replace('_', ' ')} {_pct(v['value'])} (goal ≥ {v['goal']}) {'**met**' if v['met'] else '**not met**'}"
        for name, v in results["goals"].items()) + "."]
    return "\n".join(lines)


def write_docs(results: dict, path: Path = DOCS_FILE) -> Path:
    from .docs_block import write_block

    return write_block(path, START, END, render_summary(results), missing=SECTION)


@click.command("extraction-heldout")
@click.option("--gold", "gold_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=HELDOUT_DIR / "gold.yaml", show_default="eval/extraction/gold.yaml",
              help="What a curator reads in each document (cases, participants, instrument).")
@click.option("--documents", "documents_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=HELDOUT_DIR / "documents", show_default="eval/extraction/documents")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data directory for the base built (default: a temporary one, removed).")
@click.option("--model", default=None, help="Embedding model (default: the configured multilingual-e5-small).")
@click.option("--reuse", is_flag=True, help="Reuse the base and ingestion already in --home (only score again).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS_FILE,
              show_default="benchmarks/results/extraction-heldout.json")
@click.option("--docs/--no-docs", default=True, show_default=True,
              help="Update the generated table in docs/extraction.md (\"Held-out documents\").")
def extraction_heldout_cmd(gold_path: Path, documents_dir: Path, home: Path | None, model: str | None, reuse: bool,
                           output: Path, docs: bool) -> None:
    """Extraction quality on held-out documents (eval/extraction), against a gold written before they were ingested."""
    def echo(message: str) -> None:
        click.echo(message, err=True)

    if reuse and home is None:
        raise click.UsageError("--reuse needs --home (the directory of an earlier run)")
    try:
        gold = Gold(gold_path, documents_dir)
    except GoldError as exc:
        raise click.ClickException(str(exc)) from exc
    model = model or default_model()
    temp = None
    if home is None:
        temp = tempfile.mkdtemp(prefix="coopkg-bench-heldout-")
        home = Path(temp)
    try:
        measured = run(gold=gold, corpus_dir=(ROOT / "corpus").resolve(), home=home.resolve(), model=model,
                       echo=echo, reuse=reuse)
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    results = {"benchmark": "extraction-heldout",
               "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "gold": str(gold_path), "documents_dir": str(documents_dir), "model": model, "machine": _machine(),
               **measured}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    echo(f"results: {output}")
    if docs:
        echo(f"summary: {write_docs(results)}")
    o = results["overall"]
    echo(f"[heldout] overall: cases {o['cases']['found']}/{o['cases']['curated']} (extra {o['cases']['extra']}); "
         f"actors P {_fmt(o['actors']['precision'])} R {_fmt(o['actors']['recall'])}; instrument strict "
         f"{_fmt(o['instruments']['strict_accuracy'])}")
