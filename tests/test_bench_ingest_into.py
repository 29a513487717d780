"""`coopkg bench ingest-into` (benchmarks/ingest_into.py) on a tiny base: the structure of its
result and summary, both modes, real spaCy, the hashing embedder."""
from __future__ import annotations

import click
import pytest

from benchmarks import ingest_into
from coopkg.ingesting import Ingestor
from kb.build import build


def test_one_document_into_a_base_in_both_modes(make_settings, tmp_path):
    settings = make_settings()
    build(settings)
    Ingestor(settings).update_index()
    messages = []
    result = ingest_into.run_benchmark(size="tiny", n_documents=1, model=settings.embedding_model_ref,
                                       base=settings.home, work=tmp_path / "work", echo=messages.append)
    assert set(result["modes"]) == {"incremental", "full"}
    for mode, x in result["modes"].items():
        (doc,) = x["documents"]
        assert doc["statuses"] == ["ingested"] and doc["words"] > 100
        assert doc["index"]["cases_added"] >= 1 and doc["store"] > 0 and doc["index_update"] > 0
        assert x["latency_s"]["median"] == doc["seconds"]
    text = ingest_into.render(result)
    assert "| incremental |" in text and "| full |" in text
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n", encoding="utf-8")
    ingest_into.write_docs(result, docs)
    ingest_into.write_docs(result, docs)  # refreshed between its markers, not appended twice
    assert docs.read_text(encoding="utf-8").count(ingest_into.START) == 1


def test_a_missing_base_says_how_to_build_it(tmp_path):
    with pytest.raises(click.UsageError, match="coopkg bench search --sizes 10000"):
        ingest_into.run_benchmark(size="10000", n_documents=1, model="hashing:384", base=tmp_path / "nothing",
                                  work=tmp_path / "work", echo=print)
