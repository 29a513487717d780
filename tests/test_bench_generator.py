"""The synthetic benchmark corpus is valid and deterministic (no timings are checked here)."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generator import generate_corpus
from ingest.corpus import count_sentences, load_corpus


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_corpus_loads_and_is_deterministic(tmp_path: Path) -> None:
    first = generate_corpus(tmp_path / "a", 20, seed=7)
    corpus = load_corpus(first.root)

    cases = corpus.of("case")
    assert len(cases) == 20
    for case in cases.values():
        assert 2 <= len(case["participations"]) <= 6
        assert 1 <= len(case["instruments"]) <= 3
        assert 3 <= count_sentences(case["summary"]) <= 8
    assert len(corpus.of("actor")) > first.actors  # generated actors + the real common.yaml ones
    assert first.sample_title in {c["title"] for c in cases.values()}

    again = generate_corpus(tmp_path / "b", 20, seed=7)
    assert _files(first.root) == _files(again.root)
    other = generate_corpus(tmp_path / "c", 20, seed=8)
    assert _files(other.root) != _files(first.root)


def test_generator_refuses_to_overwrite_a_real_corpus(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    with pytest.raises(FileExistsError):
        generate_corpus(tmp_path / "corpus", 5)
