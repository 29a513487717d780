"""The example SPARQL queries in README.md and docs/data-model.md run and return rows."""
from __future__ import annotations

import re

import pytest

from kb.queries import with_prefixes
from kb.store import open_store
from tests.conftest import REPO


def examples():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    model = (REPO / "docs" / "data-model.md").read_text(encoding="utf-8")
    found = [("README.md", q) for q in re.findall(r"coopkg sparql '(.*?)'\n", readme, re.S)]
    found += [("docs/data-model.md", q) for q in re.findall(r"```sparql\n(.*?)```", model, re.S)]
    return found


@pytest.mark.parametrize("doc, query", examples(), ids=lambda v: v if v.endswith(".md") else v.split()[1][:20])
def test_example_query_returns_rows(built_settings, doc, query):
    store = open_store(built_settings)
    try:
        result = store.select(with_prefixes(query))
    finally:
        store.close()
    assert result.rows, f"example in {doc} returns no row:\n{query}"


def test_there_are_examples():
    assert len(examples()) >= 8
