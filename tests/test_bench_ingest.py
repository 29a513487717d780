"""`coopkg bench ingest` plumbing (benchmarks/ingest_bench.py): the document generator (deterministic,
read by the real readers, every document gives a case candidate), the probes, and the result and
summary of a tiny run over the repository corpus with the hashing embedder (the test default) and
the real spaCy pipeline. No timing is asserted."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from benchmarks import ingest_bench as ib
from ingest.documents.readers import read_document
from ingest.documents.segment import candidates

MACHINE = {"cpu": "test CPU", "cpu_count": 2, "cores_used": 2, "python": "3.x", "commit": "abc1234"}


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    dest = tmp_path_factory.mktemp("ingest-docs") / "documents"
    return ib.generate_documents(dest, 7, seed=0)


def test_generator_is_deterministic(documents, tmp_path):
    again = ib.generate_documents(tmp_path / "again", 7, seed=0)
    assert [d.path.name for d in again] == [d.path.name for d in documents]
    for a, b in zip(documents, again):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
    other = ib.generate_documents(tmp_path / "other", 7, seed=1)
    assert any(a.path.read_bytes() != b.path.read_bytes() for a, b in zip(documents, other))


def test_generator_formats_and_plan(documents):
    assert {d.format for d in documents} == set(ib.FORMATS)  # the first five documents are one cycle
    assert {d.path.suffix for d in documents} == {".md", ".txt", ".html", ".docx"}
    assert len({d.path.name for d in documents}) == len(documents)
    plan = ib.document_plan(40, seed=0)
    cases = {c.id for c in ib._load(str(ib.CORPUS_DIR)).cases}
    assert {c for _, ids in plan for c in ids} == cases  # every curated case is rendered
    for fmt, ids in plan:
        assert len(ids) in ((2, 3) if fmt == "deck" else (1,))


def test_documents_read_and_segment(documents):
    for d in documents:
        doc = read_document(d.path)
        assert doc.words >= 250, (d.path.name, doc.words)  # document-sized
        found = candidates(doc)
        assert found, d.path.name
        if d.format == "deck":
            assert len(found) == len(d.cases)  # one candidate per practice of the deck
        covered = sum(len(doc.text[c.start:c.end].split()) for c in found)
        assert covered >= 0.5 * doc.words, d.path.name  # the practice text is inside the candidates
    deck = next(d for d in documents if d.format == "deck")
    text = deck.path.read_text(encoding="utf-8")
    assert "→ " in text and "\t" in text and ("✓" in text or "•" in text)


def test_article():
    assert ib._article("Pays de Vitré") == "le Pays de Vitré"
    assert ib._article("communauté de communes du Haut-Lignon") == "la communauté de communes du Haut-Lignon"
    assert ib._article("agence d'urbanisme") == "l'agence d'urbanisme"
    assert ib._article("CGET") == "le CGET"
    assert ib._article("Brest métropole") == "Brest métropole"


def test_probes_keep_exclusive_times():
    p = ib.Probes()

    def inner():
        return 2

    timed_inner = p.timed("inner", inner)

    def outer():
        return timed_inner() + timed_inner()

    assert p.timed("outer", outer)() == 4
    assert p.calls == {"inner": 2, "outer": 1}
    assert p.exclusive["outer"] >= 0 and p.exclusive["inner"] >= 0


def test_split_stages_accounts_for_the_total():
    raw = {"seconds": 10.0,
           "stages": {"parse": 0.5, "segment": 0.1, "nlp": 4.0, "embedding": 2.0, "graph": 0.2, "shacl": 0.5, "store": 1.0},
           "probes": {"spacy_load": 1.5, "embedder_load": 1.0, "spacy_ner": 1.0, "embed (semantic)": 1.2,
                      "index_update": 0.3, "embed (index_update)": 1.2, "embed (definitions)": 0.8, "definitions": 0.1}}
    s = ib.split_stages(raw)
    assert s["model_load"]["total"] == pytest.approx(2.5)
    assert s["stages"]["index_update"]["seconds"] == pytest.approx(1.5)
    assert sum(v["seconds"] for v in s["stages"].values()) == pytest.approx(10.0)
    assert s["stages_excluding_model_load"]["nlp"] == pytest.approx(2.5)
    assert s["nlp_parts"]["unattributed"] == pytest.approx(4.0 - 1.5 - 1.0 - 1.2)


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory, documents):
    """One measured run (in process) of two generated documents into a fresh base."""
    from coopkg.settings import load_settings
    from kb.build import build

    base = tmp_path_factory.mktemp("ingest-bench")
    settings = load_settings(home=base / "home", corpus_dir=ib.CORPUS_DIR)
    assert settings.embedding_model_ref.startswith("hashing")
    build(settings)
    folder = base / "docs"
    folder.mkdir()
    chosen = [d for d in documents if d.format in ("deck", "docx")][:2]
    for d in chosen:
        (folder / d.path.name).write_bytes(d.path.read_bytes())
    raw = ib.measure_run(settings, folder)
    result = ib.assemble(raw, machine=MACHINE, parameters={"model": settings.embedding_model_ref, "documents": 2},
                         generated=ib.describe_documents(chosen), preparation={"how": "test"})
    return raw, result


def test_tiny_run_result(tiny_result):
    raw, result = tiny_result
    assert raw["documents"] == 2 and not raw["failed"] and raw["statuses"] == {"ingested": 2}
    assert raw["cases"] >= 3 and raw["words"] > 500 and raw["candidate_words"] <= raw["words"]
    assert len(raw["per_document"]) == 2 and all(d["status"] == "ingested" for d in raw["per_document"])
    assert set(ib.STAGE_ROWS[i][0] for i in range(len(ib.STAGE_ROWS))) == set(result["split"]["stages"])
    assert raw["probe_calls"]["spacy_ner"] == raw["cases"]  # one NER call per candidate
    # spaCy is loaded on its own thread from the start of the run; the main thread waits for it once
    assert raw["probe_calls"]["background: spacy_load"] == 1 and raw["probe_calls"]["spacy_wait"] == 1
    assert raw["probe_calls"]["index_update"] == 1 and "spacy_load" not in raw["probe_calls"]
    assert result["split"]["background"]["spacy_load"] > 0 and result["split"]["background"]["embed (ahead)"] > 0
    # the semantic step's passages are embedded ahead, on the embedding thread (coopkg/prefetch.py),
    # and extraction waits for them
    assert {"definitions", "ahead", "index_update"} <= set(raw["embedding_calls"])
    assert "semantic" not in raw["embedding_calls"] and raw["probe_calls"]["prefetch_wait"] >= raw["cases"]
    assert raw["spacy_reference"]["pipeline"] == ["ner"] and raw["spacy_reference"]["words"] == raw["words"]
    # thread CPU time of the parts the ceiling counts (benchmarks/ingest_ceiling.py), not measured by default
    assert raw["probe_calls"]["shacl_check"] == 2 and raw["probe_calls"]["store_write"] >= 1
    assert raw["probes_cpu"]["shacl_check"] > 0 and raw["ceiling"] is None
    assert 0 < raw["run_cpu_seconds"] and raw["run_cores_busy"] == raw["run_cpu_seconds"] / raw["seconds"]
    t = result["throughput"]
    assert t["words"] == raw["words"] and t["seconds"] > 0 and t["words_per_s"] > 0
    assert t["seconds_excluding_model_load"] <= t["seconds"]
    assert t["per_document_ms"]["median"] <= t["per_document_ms"]["p95"]
    assert result["goal"]["words_per_s"] == ib.GOAL_WORDS_PER_S
    assert result["goal"]["met"] == (result["goal"]["measured"] >= ib.GOAL_WORDS_PER_S)
    json.dumps(result)  # serialisable as is


def test_probes_are_removed_after_the_run(tiny_result):
    import ingest.documents.extract as ex
    import ingest.documents.institutions as institutions
    import ingest.documents.ner as ner
    from coopkg.ingesting import Ingestor
    from ingest.documents.gazetteer import Gazetteer
    from search.embedder import HashingEmbedder

    for fn in (ex.extract, ex.ner_mentions, ex.find_institutions, institutions.find_institutions, Gazetteer.find,
               HashingEmbedder.embed_queries, Ingestor.update_index):
        assert not hasattr(fn, "__wrapped__"), fn
    assert not isinstance(ner.load_nlp(), ib.TimedNLP)


def test_summary_and_docs_section(tiny_result, tmp_path):
    _, result = tiny_result
    text = ib.render_summary(result)
    assert "words/s" in text and "| SHACL |" in text and "Goal: ≥ 3,000 words/s" in text
    assert ("**met**" in text) != ("**missed**" in text)
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Search\n\nkept\n", encoding="utf-8")
    ib.write_docs(result, docs)
    ib.write_docs(result, docs)  # refreshes in place
    written = docs.read_text(encoding="utf-8")
    assert written.count("## Ingestion (`coopkg bench ingest`)") == 1 and written.count(ib.START) == 1
    assert written.startswith("# Benchmarks\n\n## Search\n\nkept\n") and text in written
    saved = ib.save(result, tmp_path / "ingest.json")
    assert json.loads(saved.read_text(encoding="utf-8"))["benchmark"] == "ingest"


def test_summary_shows_the_ceiling(tiny_result):
    from benchmarks import ingest_ceiling as ic

    _, result = tiny_result
    c = ic.ceiling(words=1000, cores=2, encoders={"onnx-fp32": {"cpu_seconds": 2.0}}, ner_cpu=0.5,
                   parts=ic.run_parts(result["raw"]["probes_cpu"]), goal=ib.GOAL_WORDS_PER_S)
    text = ib.render_summary({**result, "raw": {**result["raw"], "ceiling": c}})
    assert "Ceiling on this machine" in text and "| `onnx-fp32` | 2.0 s |" in text
    assert "Ceiling on this machine" not in ib.render_summary(result)
    assert "--ceiling" in CliRunner().invoke(ib.ingest_cmd, ["--help"]).output


def test_command_help():
    result = CliRunner().invoke(ib.ingest_cmd, ["--help"])
    assert result.exit_code == 0 and "--documents" in result.output and "--repeat" in result.output
    assert ib.ingest_cmd.name == "ingest"


def test_comparison_of_passage_encoders(tiny_result):
    """`--compare-encoder`: the compared runs' median against the reference runs', in the summary."""
    raw, result = tiny_result

    def scaled(factor: float) -> dict:
        out = json.loads(json.dumps(raw))
        out["seconds"] = raw["seconds"] * factor
        out["probes"] = {k: v * factor for k, v in raw["probes"].items()}
        return out

    cmp = ib.comparison([scaled(0.5), scaled(0.4), scaled(0.6)], [raw, scaled(1.2)], "onnx-int8")
    # medians: 0.5x the seconds against 1.0x (the faster middle run of two)
    assert cmp["passage_encoder"] == "onnx-int8" and len(cmp["runs"]) == 3
    assert cmp["speedup"] == pytest.approx(2.0)
    assert cmp["median"]["embedding_thread_seconds"] == pytest.approx(
        0.5 * raw["probes"][ib.BACKGROUND + "embed (ahead)"])
    text = ib.render_summary({**result, "comparison": cmp})
    assert "passages embedded with `onnx-int8`" in text and "2.00× the runs above" in text
    assert "Same benchmark, passages embedded with" not in ib.render_summary(result)
    help_text = CliRunner().invoke(ib.ingest_cmd, ["--help"]).output
    assert "--compare-encoder" in help_text
