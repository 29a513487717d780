"""search.vectors: FAISS index (exact and HNSW), candidate filtering, updates, persistence with
metadata checks, and the embedding cache. Fast: random data and the HashingEmbedder test double."""
from __future__ import annotations

import json

import numpy as np
import pytest

from search.embedder import HashingEmbedder
from search.vectors import EmbeddingCache, VectorIndex, VectorIndexError, VectorIndexMismatchError

DIM = 32
MODEL = "hashing:32"


def clustered(n: int, dim: int = DIM, clusters: int = 20, seed: int = 0, spread: float = 0.35) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + spread * rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def ids_for(n: int, prefix: str = "p") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def brute(x: np.ndarray, ids: list[str], q: np.ndarray, k: int, allowed=None) -> list[str]:
    scores = x @ q
    order = np.argsort(-scores, kind="stable")
    out = [ids[i] for i in order if allowed is None or ids[i] in allowed]
    return out[:k]


@pytest.fixture(scope="module")
def data():
    x = clustered(3000)
    return x, ids_for(len(x))


def test_exact_index_is_exact(data):
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL)
    assert index.kind == "flat" and len(index) == len(ids)
    q = clustered(1, seed=7)[0]
    hits = index.search(q, k=10)
    assert [h[0] for h in hits] == brute(x, ids, q, 10)
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
    np.testing.assert_allclose([s for _, s in hits], np.sort(x @ q)[::-1][:10], rtol=1e-5)


def test_hnsw_agrees_with_exact_on_clustered_data(data):
    x, ids = data
    exact = VectorIndex.build(ids, x, MODEL)
    hnsw = VectorIndex.build(ids, x, MODEL, exact_max=1000)
    assert hnsw.kind == "hnsw"
    queries = clustered(50, seed=11)
    recall = []
    for q in queries:
        want = {h[0] for h in exact.search(q, k=10)}
        got = {h[0] for h in hnsw.search(q, k=10)}
        recall.append(len(want & got) / 10)
    assert np.mean(recall) >= 0.95
    top1 = sum(exact.search(q, 1)[0][0] == hnsw.search(q, 1)[0][0] for q in queries)
    assert top1 >= 0.95 * len(queries)


def test_index_switches_to_hnsw_when_add_crosses_the_limit():
    x = clustered(300)
    index = VectorIndex(DIM, MODEL, exact_max=200)
    index.add(ids_for(150), x[:150])
    assert index.kind == "flat"
    index.add(ids_for(150, "q"), x[150:])
    assert index.kind == "hnsw" and len(index) == 300
    assert index.search(x[5], k=1)[0][0] == "p5"
    assert index.search(x[200], k=1)[0][0] == "q50"


@pytest.mark.parametrize("exact_max", [100_000, 1000])
@pytest.mark.parametrize("n_candidates", [3, 40, 1500])  # selective (exact numpy) and unselective (FAISS filter)
def test_candidates_only_and_all_when_fewer_than_k(data, exact_max, n_candidates):
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL, exact_max=exact_max)
    rng = np.random.default_rng(n_candidates)
    cands = {ids[i] for i in rng.choice(len(ids), n_candidates, replace=False)}
    q = clustered(1, seed=3)[0]
    k = 10
    hits = index.search(q, k=k, candidate_ids=cands)
    assert len(hits) == min(k, n_candidates)
    assert {h[0] for h in hits} <= cands
    if n_candidates <= 40 or exact_max > len(ids):  # exact paths must be exactly right
        assert [h[0] for h in hits] == brute(x, ids, q, k, cands)
    # k larger than the candidate set: every candidate comes back
    everything = index.search(q, k=n_candidates + 50, candidate_ids=cands)
    assert {h[0] for h in everything} == cands


def test_hnsw_filter_falls_back_to_exact_when_short(data, monkeypatch):
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL, exact_max=1000, selective_fraction=0.0)
    cands = set(ids[:600])
    monkeypatch.setattr(index, "_faiss_search", lambda *a, **kw: [])  # a graph that reaches nothing
    q = x[0]
    hits = index.search(q, k=15, candidate_ids=cands)
    assert [h[0] for h in hits] == brute(x, ids, q, 15, cands)
    assert len(index.search(q, k=7)) == 7


def test_unknown_and_empty_candidates(data):
    x, ids = data
    index = VectorIndex.build(ids[:100], x[:100], MODEL)
    assert index.search(x[0], k=5, candidate_ids=[]) == []
    assert index.search(x[0], k=5, candidate_ids=["nope"]) == []
    assert [h[0] for h in index.search(x[0], k=5, candidate_ids=["nope", "p3"])] == ["p3"]
    with pytest.raises(TypeError):
        index.search(x[0], k=5, candidate_ids="p3")


@pytest.mark.parametrize("exact_max", [100_000, 50])
def test_remove_and_add(exact_max):
    x = clustered(200, seed=5)
    ids = ids_for(200)
    index = VectorIndex.build(ids, x, MODEL, exact_max=exact_max)
    assert index.search(x[10], k=1)[0][0] == "p10"
    assert index.remove(["p10", "p11", "unknown"]) == 2
    assert len(index) == 198 and "p10" not in index
    hits = index.search(x[10], k=198)
    assert len(hits) == 198 and "p10" not in {h[0] for h in hits} and "p11" not in {h[0] for h in hits}
    assert index.search(x[10], k=5, candidate_ids=["p10", "p12"])[0][0] == "p12"
    with pytest.raises(ValueError, match="already indexed"):
        index.add(["p12"], x[12:13])
    index.add(["p10"], x[10:11])
    assert index.search(x[10], k=1)[0][0] == "p10"
    # many removals compact an HNSW index (tombstones dropped) and everything stays consistent
    index.remove(ids[20:])
    assert len(index) == 19  # p0…p19 without p11
    if exact_max == 50:
        assert not index._tombstones  # compacted
    hits = index.search(x[0], k=100)
    assert len(hits) == 19 and {h[0] for h in hits} == set(index.ids)


def test_bad_input_is_refused(data):
    x, ids = data
    index = VectorIndex.build(ids[:10], x[:10], MODEL)
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.zeros(DIM + 1, np.float32), k=3)
    with pytest.raises(ValueError, match="dimension"):
        index.add(["z"], np.zeros((1, DIM - 1), np.float32))
    with pytest.raises(ValueError, match="ids for"):
        index.add(["z", "y"], x[:1])
    with pytest.raises(ValueError, match="k must"):
        index.search(x[0], k=0)
    with pytest.raises(ValueError, match="NaN"):
        index.add(["z"], np.full((1, DIM), np.nan, np.float32))
    with pytest.raises(ValueError, match="duplicate"):
        index.add(["z", "z"], x[:2])
    assert VectorIndex(DIM, MODEL).search(x[0], k=3) == []


@pytest.mark.parametrize("exact_max", [100_000, 100])
def test_save_load_round_trip(tmp_path, exact_max):
    x = clustered(400, seed=2)
    ids = ids_for(400)
    index = VectorIndex.build(ids, x, MODEL, exact_max=exact_max, corpus_hash="c" * 64)
    index.remove(["p7"])
    q = clustered(1, seed=9)[0]
    before = index.search(q, k=10)
    index.save(tmp_path / "dense")
    meta = json.loads((tmp_path / "dense" / "meta.json").read_text())
    assert meta["model_id"] == MODEL and meta["dimension"] == DIM and meta["count"] == 399
    assert meta["index_kind"] == index.kind and meta["corpus_hash"] == "c" * 64 and meta["format"] == 1
    loaded = VectorIndex.load(tmp_path / "dense", expected_model_id=MODEL, expected_dimension=DIM,
                              expected_corpus_hash="c" * 64)
    assert loaded.kind == index.kind and len(loaded) == 399 and "p7" not in loaded
    after = loaded.search(q, k=10)
    assert [h[0] for h in after] == [h[0] for h in before]
    np.testing.assert_allclose([h[1] for h in after], [h[1] for h in before], rtol=1e-5)
    loaded.add(["new"], x[7:8])  # labels continue after the saved ones
    assert loaded.search(x[7], k=1)[0][0] == "new"


def test_load_refuses_every_mismatch(tmp_path):
    x = clustered(20)
    VectorIndex.build(ids_for(20), x, MODEL, corpus_hash="a" * 64).save(tmp_path / "dense")
    ok = dict(expected_model_id=MODEL, expected_dimension=DIM, expected_corpus_hash="a" * 64)
    VectorIndex.load(tmp_path / "dense", **ok)
    for key, value, message in [("expected_model_id", "other-model", "model"),
                                ("expected_dimension", 384, "dimension"),
                                ("expected_corpus_hash", "b" * 64, "another corpus")]:
        with pytest.raises(VectorIndexMismatchError, match=message) as err:
            VectorIndex.load(tmp_path / "dense", **{**ok, key: value})
        assert "rebuild" in str(err.value)
    meta_path = tmp_path / "dense" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(VectorIndexMismatchError, match="format"):
        VectorIndex.load(tmp_path / "dense", **ok)
    meta_path.write_text(json.dumps({**meta, "count": 21}))
    with pytest.raises(VectorIndexError, match="inconsistent"):
        VectorIndex.load(tmp_path / "dense", **ok)
    meta_path.write_text(json.dumps(meta))
    (tmp_path / "dense" / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(VectorIndexError, match="corrupt"):
        VectorIndex.load(tmp_path / "dense", **ok)
    with pytest.raises(VectorIndexError, match="build it first"):
        VectorIndex.load(tmp_path / "nothing", **ok)


def test_embedding_cache_embeds_only_new_texts(tmp_path):
    emb = HashingEmbedder(DIM)
    texts = ["coopération santé", "séjours de jeunes", "mobilité rurale"]
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first = cache.embed(emb, texts)
        assert (emb.calls, emb.embedded, cache.hits, cache.misses) == (1, 3, 0, 3)
        again = cache.embed(emb, texts + ["alimentation"])
        assert (emb.calls, emb.embedded, cache.hits, cache.misses) == (2, 4, 3, 4)
        np.testing.assert_array_equal(again[:3], first)
        cache.embed(emb, texts[:2])
        assert emb.calls == 2  # all hits: the embedder is not called
        cache.embed(emb, ["mobilité rurale"], kind="query")  # queries are cached apart from passages
        assert emb.embedded == 5
    # persisted on disk, and keyed by model: another model misses
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        fresh = HashingEmbedder(DIM)
        np.testing.assert_array_equal(cache.embed(fresh, texts), first)
        assert fresh.calls == 0 and cache.hits == 3
        other = HashingEmbedder(DIM * 2)
        assert cache.embed(other, texts).shape == (3, DIM * 2) and other.embedded == 3
        assert cache.prune(other.model_id) == 5 and len(cache) == 3  # 4 passages + 1 query of hashing:32
        with pytest.raises(ValueError):
            cache.embed(fresh, [])
        with pytest.raises(ValueError):
            cache.embed(fresh, texts, kind="document")


def test_hashing_embedder_end_to_end(tmp_path):
    emb = HashingEmbedder(128)
    passages = {"a#1": "coopération ville campagne alimentation", "b#1": "santé des jeunes en milieu rural",
                "c#1": "transition énergétique et mobilité"}
    vecs = emb.embed_passages(list(passages.values()))
    index = VectorIndex.build(list(passages), vecs, emb.model_id)
    assert index.search(emb.embed_queries(["santé jeunes"])[0], k=1)[0][0] == "b#1"
