"""Plumbing of `coopkg bench search` (benchmarks/search_bench.py) on a tiny synthetic base with the
hashing fake embedder: the result document's structure, the derived vectors, and that the baseline
(rdflib + numpy brute force) finds the same candidates and the same dense top 10 as the service.
No timing is asserted: performance is measured by the benchmark, never by tests."""
from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import search_bench as sb
from search.contract import Facets

N_CASES = 60


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from benchmarks.generator import generate_corpus
    from coopkg.settings import load_settings
    from kb.build import build
    from kb.store import open_store
    from search.embedder import HashingEmbedder
    from search.index import SearchIndex, update
    from search.service import SearchService

    root = tmp_path_factory.mktemp("bench-search")
    generate_corpus(root / "corpus", N_CASES, seed=3)
    settings = load_settings(home=root / "home", corpus_dir=root / "corpus", shacl=False)
    build(settings)
    embedder = HashingEmbedder(384)
    store = open_store(settings)
    update(store, settings.search_dir, embedder, root / "cache.sqlite")
    service = SearchService(store, SearchIndex.load(settings.search_dir, model_id=embedder.model_id), embedder)
    yield service
    store.close()


@pytest.fixture(scope="module")
def measured(tiny):
    queries = sb.load_queries(3)
    return sb.measure_base(tiny, queries, repeat=1, baseline=True, baseline_queries=2, warmup=1)


def test_result_document_structure(measured):
    result = sb.assemble("60", N_CASES, measured, {"generate_seconds": 0.0}, {"repeat": 1}, {"commit": "x"})
    json.dumps(result)  # serialisable as is
    configs = result["service"]["configs"]
    assert list(configs) == ["none", *sb.FACET_SETS]
    for name, c in configs.items():
        assert c["facets"] == ({} if name == "none" else sb.FACET_SETS[name])
        for part in ("rank", "search"):
            total = c[part]["total"]
            assert total["n"] == 3 and {"p50_ms", "p95_ms", "mean_ms", "max_ms"} <= set(total)
            assert total["p50_ms"] <= total["p95_ms"] <= total["max_ms"]
        assert "cards" in c["search"]
        if c["candidates"] != 0:  # a filter matching nothing stops before embedding
            assert {"embed", "vector", "lexical", "fusion", "other"} <= set(c["rank"])
    assert configs["none"]["candidates"] is None
    assert result["service"]["caches"] == "cold"  # the query embedding is in every timed call
    assert configs["none"]["rank"]["sparql"]["p50_ms"] >= 0
    for key in ("no_facets", "facets"):
        assert result["service"]["pooled"][key]["rank"]["total"]["n"] == (3 if key == "no_facets" else 3 * len(sb.FACET_SETS))
    assert result["index"]["cases"] == N_CASES and result["index"]["kind"] in ("flat", "hnsw")
    assert result["memory"]["service_rss_bytes"] > 0 and result["memory"]["baseline_rss_bytes"] > 0
    base = result["baseline"]
    assert base["rdflib"] and base["triples"] > 0
    assert list(base["configs"]) == list(configs)
    assert "goal" not in result  # goals exist for 10,000 and 100,000 cases only
    goal = sb.assemble("10000", 10_000, measured, {}, {}, {})["goal"]
    assert goal["p95_ms"] == 50.0 and set(goal["measured_p95_ms"]) == {"no_facets", "facets"}


def test_summary_renders(measured, monkeypatch, tmp_path):
    result = sb.assemble("60", N_CASES, measured, {"store_build": {"seconds": 1.0}, "index_build": {"seconds": 2.0}},
                         {"repeat": 1, "queries": 3}, {"commit": "x", "cpu": "cpu", "cores_used": 2, "cpu_count": 2,
                                                       "python": "3.11"})
    text = sb.render_summary([result])
    assert "| 60 |" in text and "with facets" in text and "lever" in text
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Build\n\nkept\n", encoding="utf-8")
    results = tmp_path / "results"
    results.mkdir()
    (results / "search-60.json").write_text(json.dumps(result), encoding="utf-8")
    monkeypatch.setattr(sb, "DOCS_FILE", docs)
    monkeypatch.setattr(sb, "RESULTS_DIR", results)
    sb.write_docs()
    sb.write_docs()  # idempotent: the section is replaced, not appended twice
    out = docs.read_text(encoding="utf-8")
    assert out.count(sb.START) == 1 and "kept" in out and "## Search" in out and "| 60 |" in out


def test_baseline_finds_the_same_candidates_and_dense_top10(tiny):
    baseline = sb.Baseline(tiny.store, tiny.index, tiny.embedder, tiny.catalog, tiny.params)
    queries = sb.load_queries(4)
    checked = 0
    for name, fs in sb.FACET_SETS.items():
        facets = Facets(**fs)
        expected = tiny.rank(queries[0], mode="dense", facets=facets, k=10).candidates
        assert baseline.candidates(facets) == expected, name  # rdflib runs the catalog's own query
        if not expected:
            continue
        for q in queries:
            served = tiny.rank(q, mode="dense", facets=facets, k=10).ranked
            exact, _ = baseline.rank(q, facets=facets, mode="dense")
            assert [c for c, _ in exact] == [c for c, _ in served], (name, q)
            assert np.allclose([s for _, s in exact], [s for _, s in served], atol=1e-5)
            checked += 1
    assert checked >= 4  # the tiny base has candidates for several filters
    # without facets too, and the hybrid baseline returns k cases of the base
    q = queries[0]
    exact, _ = baseline.rank(q, mode="dense")
    assert [c for c, _ in exact] == [c for c, _ in tiny.rank(q, mode="dense", k=10).ranked]
    ranked, timings = baseline.rank(q)
    assert len(ranked) == 10 and {"sparql", "embed", "vector", "lexical", "fusion", "total"} <= set(timings)


def test_derived_vectors_are_deterministic_and_normalised():
    from search.embedder import HashingEmbedder

    real = HashingEmbedder(64)
    anchors = {"stake": real.embed_passages(["un enjeu réel", "un autre enjeu"]),
               "case": real.embed_passages(["un cas réel"])}
    texts = ["Maintenir des services de proximité", "Pays de Beaumont\nVal de Clairac", "Mobilités douces"]
    emb = sb.DerivedEmbedder(real, anchors, ["Maintenir des services de proximité", "Mobilités douces"],
                             {texts[0]: "stake"}, real_texts={"définition réelle"})
    a = emb.embed_passages([*texts, "définition réelle"])
    b = emb.embed_passages([*texts, "définition réelle"])
    assert a.shape == (4, 64) and np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.allclose(a[3], real.embed_passages(["définition réelle"])[0])  # real texts: the real model
    assert emb.model_id == real.model_id and emb.derived == 6 and emb.embedded_real == 2
    assert len({tuple(np.round(v, 5)) for v in a}) == 4


def test_parse_sizes():
    assert sb.parse_sizes("real,10000,100k") == [("real", None), ("10000", 10_000), ("100000", 100_000)]
    for bad in ("", "0", "ten", "real,-5"):
        with pytest.raises(ValueError):
            sb.parse_sizes(bad)
