"""The repository's own labelled questions (eval/queries.json) stay usable against the repository corpus."""
from __future__ import annotations

import json
import re

import pytest

from ingest.corpus import load_corpus
from search.metrics import load_query_file, matching_ids, relevant_ids
from tests.conftest import CORPUS, REPO

QUERIES = REPO / "eval" / "queries.json"
EXPECTED = REPO / "eval" / "expected_matches.json"

EN_WORDS = {"the", "of", "and", "a", "an", "to", "in", "on", "by", "with", "which", "what", "how", "who", "did",
            "does", "from", "into", "their", "its", "between", "through", "each", "other", "come", "outside"}
FR_WORDS = {"le", "la", "les", "l", "de", "des", "du", "d", "et", "un", "une", "à", "au", "aux", "qui", "que", "qu",
            "pour", "entre", "par", "sur", "dans", "avec", "en", "quels", "quelles", "comment", "ou", "se", "s"}


def is_english(text: str) -> bool:
    tokens = re.findall(r"[a-zà-ÿ]+", text.lower())
    return sum(t in EN_WORDS for t in tokens) > sum(t in FR_WORDS for t in tokens)


@pytest.fixture(scope="module")
def cases() -> dict[str, list[str]]:
    entries = load_corpus(CORPUS).of("case")
    return {cid: [e["title"], *(e.get("alt_labels") or [])] for cid, e in entries.items()}


@pytest.fixture(scope="module")
def qfile():
    return load_query_file(QUERIES)


def test_format_is_the_dev_format():
    data = json.loads(QUERIES.read_text(encoding="utf-8"))
    assert set(data) == {"about", "queries"}
    assert "independent" in data["about"] and "dev" in data["about"]
    for item in data["queries"]:
        assert set(item) == {"id", "q", "relevant"}, item


def test_counts_and_ids(qfile):
    ids = [q.id for q in qfile]
    assert len(ids) >= 45
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"q\d\d", i) for i in ids)
    assert len({q.q.strip().lower() for q in qfile}) == len(ids), "duplicate question text"


def test_enough_english_questions(qfile):
    english = [q.id for q in qfile if is_english(q.q)]
    assert len(english) >= 8, english


def test_language_heuristic():
    assert is_english("Which practices come from outside France?")
    assert is_english("wind turbines financed and governed by local residents through a cooperative")
    assert not is_english("Quels cas reposent sur une convention passée entre deux structures ou plus ?")
    assert not is_english("coopérations intercommunales en Bretagne")


def test_every_query_and_every_regex_matches_a_case(qfile, cases):
    unmatched = [q.id for q in qfile if not relevant_ids(q, cases)]
    assert not unmatched, f"queries matching no case of the corpus: {unmatched}"
    dead = [(q.id, p) for q in qfile for p, rx in zip(q.relevant, q.patterns) if not matching_ids(rx, cases)]
    assert not dead, f"regexes matching no case (typo?): {dead}"


def test_relevant_sets_are_the_reviewed_ones(qfile, cases):
    """Each query's regexes resolve to exactly the cases reviewed in eval/expected_matches.json.

    Fails when a corpus change makes a regex match a new case (or lose one): review with
    `python eval/check_queries.py --expected eval/expected_matches.json`, then fix the regex or the expected file.
    """
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert set(expected) == {q.id for q in qfile}
    diffs = {q.id: {"missing": sorted(set(expected[q.id]) - got), "extra": sorted(got - set(expected[q.id]))}
             for q in qfile if (got := relevant_ids(q, cases)) != set(expected[q.id])}
    assert not diffs, diffs


def test_several_queries_have_several_relevant_cases(qfile, cases):
    multi = [q.id for q in qfile if len(relevant_ids(q, cases)) > 1]
    assert len(multi) >= 10, multi
