"""`coopkg bench extraction-heldout` (benchmarks/extraction_heldout.py): the gold file, its errors,
the summary, and one real run (spaCy, e5) on a one-document gold written here."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.extraction_heldout import HELDOUT_DIR, Gold, GoldError, extraction_heldout_cmd, render_summary
from ontology.namespace import COOP

DOC = ("# Le contrat de réciprocité du Val\n\n"
       "La **Communauté de communes du Val d'Orbe** et le **PNR des Monts du Vernois** ont signé un contrat de "
       "réciprocité. Le Département de la Nièvre finance l'animation.\n")
GOLD = """batches:
  "un": [val.md]
documents:
  val.md:
    - id: contrat-val
      title: Contrat de réciprocité du Val
      instrument: contrat-de-reciprocite
      actors:
        - {name: Communauté de communes du Val d'Orbe, type: communaute-de-communes}
        - {name: Parc naturel régional des Monts du Vernois, type: pnr, alt: [PNR des Monts du Vernois]}
        - {name: Département de la Nièvre, type: departement}
        - {name: Communes du Val d'Orbe (non nommées dans la source), type: commune}
"""


def write(tmp_path: Path, gold: str = GOLD) -> tuple[Path, Path]:
    docs = tmp_path / "documents"
    docs.mkdir(exist_ok=True)
    (docs / "val.md").write_text(DOC, encoding="utf-8")
    path = tmp_path / "gold.yaml"
    path.write_text(gold, encoding="utf-8")
    return path, docs


def test_the_repository_gold_is_valid():
    gold = Gold(HELDOUT_DIR / "gold.yaml", HELDOUT_DIR / "documents")
    assert set(gold.files) == {p.name for p in (HELDOUT_DIR / "documents").iterdir()}
    assert sum(len(c) for c in gold.cases.values()) >= 10 and len(gold.names) >= 30


def test_gold_values(tmp_path):
    gold = Gold(*write(tmp_path))
    (case,) = gold.cases["val.md"]
    assert case.instrument_types == [str(COOP.ContratDeReciprocite)]
    assert [gold.names[a][0] for a in case.actors][1] == "Parc naturel régional des Monts du Vernois"
    assert gold.names[case.actors[1]][1:] == ["PNR des Monts du Vernois"]
    assert gold.unnamed == {case.actors[3]}
    assert gold.classes[case.actors[0]] == frozenset({str(COOP.CommunauteDeCommunes)})


@pytest.mark.parametrize("gold, message", [
    ("documents: {}", "expected a mapping"),
    ("documents:\n  absent.md:\n    - {id: a, title: A, instrument: pat, actors: [{name: X, type: pnr}]}",
     "absent.md: no such document"),
    ("documents:\n  val.md:\n    - {id: a, title: A, actors: [{name: X, type: pnr}]}", "val.md[0]: missing instrument"),
    ("documents:\n  val.md:\n    - {id: a, title: A, instrument: traité, actors: [{name: X, type: pnr}]}",
     "unknown instrument type 'traité'"),
    ("documents:\n  val.md:\n    - {id: a, title: A, instrument: pat, actors: [{name: X, type: ville}]}",
     "val.md[0].actors[0]: needs a name and an actor type"),
    ("documents: [unclosed", "cannot be read as YAML"),
    ("batches: {un: [autre.md]}\ndocuments:\n  val.md:\n    - {id: a, title: A, instrument: pat, actors: [{name: X, type: pnr}]}",
     "batches: autre.md is not in `documents`"),
])
def test_gold_errors_say_where(tmp_path, gold, message):
    with pytest.raises(GoldError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Gold(*write(tmp_path, gold))
    result = CliRunner().invoke(extraction_heldout_cmd, ["--gold", str(tmp_path / "gold.yaml"), "--documents",
                                                         str(tmp_path / "documents"), "--no-docs"])
    assert result.exit_code == 1 and message.split("[")[0] in result.output and "Traceback" not in result.output


def test_reuse_needs_home(tmp_path):
    result = CliRunner().invoke(extraction_heldout_cmd, ["--reuse", "--no-docs"])
    assert result.exit_code == 2 and "--reuse needs --home" in result.output


@pytest.mark.slow
def test_a_real_run_scores_a_document_and_writes_results_and_docs(tmp_path, e5_model_dir):
    gold_path, docs = write(tmp_path)
    docs_file = tmp_path / "extraction.md"
    docs_file.write_text("# Extraction\n", encoding="utf-8")
    out = tmp_path / "heldout.json"
    result = CliRunner().invoke(extraction_heldout_cmd, [
        "--gold", str(gold_path), "--documents", str(docs), "--home", str(tmp_path / "home"), "--model",
        str(e5_model_dir), "-o", str(out), "--no-docs"])
    assert result.exit_code == 0, result.output
    results = json.loads(out.read_text(encoding="utf-8"))
    doc = results["documents"]["val.md"]
    assert doc["cases"] == {"curated": 1, "extracted": 1, "found": 1, "extra": 0}
    # the three named participants are found (the PNR by its alternative name); the unnamed
    # communes are not in the text
    assert (doc["actors"]["tp"], doc["actors"]["gold"], doc["actors"]["predicted"]) == (3, 4, 3)
    assert doc["instruments"]["strict"] == 1
    summary = render_summary(results)
    assert "| val.md | 1/1 | 0 | 1.00 | 0.75 |" in summary and "| **batch un** | 1/1 | 0 | 1.00 | 0.75 |" in summary
    assert "missed Communes du Val d'Orbe (non nommées dans la source)" in summary
    from benchmarks.extraction_heldout import write_docs

    write_docs(results, docs_file)
    assert "## Held-out documents" in docs_file.read_text(encoding="utf-8")
