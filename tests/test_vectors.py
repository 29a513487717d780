"""search.vectors: FAISS index (exact and HNSW), candidate filtering (exact up to exact_max
candidates, HNSW with a filter above, never an exact scan of everything), identical vectors stored
once, updates, persistence with metadata checks, and the embedding cache. Fast: random data and the
HashingEmbedder test double."""
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


def _spy(monkeypatch, index, name):
    calls = []
    real = getattr(index, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(index, name, spy)
    return calls


@pytest.mark.parametrize("n_candidates, path", [(40, "exact"), (900, "exact"), (1500, "hnsw")])
def test_candidates_are_scored_exactly_up_to_exact_max(data, monkeypatch, n_candidates, path):
    """Exact scoring whenever the candidates are at most exact_max (here 1000 of 3000 vectors: a
    third of the index, far above selective_fraction); HNSW with a filter only above."""
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL, exact_max=1000)
    assert index.kind == "hnsw"
    exact, hnsw = _spy(monkeypatch, index, "_scores"), _spy(monkeypatch, index, "_hnsw")
    rng = np.random.default_rng(n_candidates)
    cands = {ids[i] for i in rng.choice(len(ids), n_candidates, replace=False)}
    q = clustered(1, seed=4)[0]
    hits = index.search(q, k=10, candidate_ids=cands)
    assert (len(exact), len(hnsw)) == ((1, 0) if path == "exact" else (0, 1))
    want = brute(x, ids, q, 10, cands)
    if path == "exact":
        assert [h[0] for h in hits] == want
        np.testing.assert_allclose([h[1] for h in hits], np.sort(x[[ids.index(w) for w in want]] @ q)[::-1], rtol=1e-5)
    else:
        assert len(set(want) & {h[0] for h in hits}) >= 9 and {h[0] for h in hits} <= cands


def test_exact_and_hnsw_candidate_paths_agree(data):
    """The same candidate sets, once scored exactly (exact_max above them) and once through HNSW
    with an id selector (exact_max and selective_fraction forced down): same top results."""
    x, ids = data
    exact = VectorIndex.build(ids, x, MODEL, exact_max=1000)
    hnsw = VectorIndex.build(ids, x, MODEL, exact_max=100, selective_fraction=0.0)
    assert exact.kind == hnsw.kind == "hnsw"
    rng = np.random.default_rng(5)
    recall, top1 = [], 0
    for i, q in enumerate(clustered(30, seed=21)):
        cands = {ids[j] for j in rng.choice(len(ids), 600, replace=False)}
        labels = exact.labels_of(sorted(cands))
        a = exact.search(q, k=10, candidate_labels=labels)  # 600 ≤ 1000: exact
        b = hnsw.search(q, k=10, candidate_ids=cands)  # 600 > 100: HNSW with a filter
        assert [h[0] for h in a] == brute(x, ids, q, 10, cands)
        assert len(b) == 10 and {h[0] for h in b} <= cands
        recall.append(len({h[0] for h in a} & {h[0] for h in b}) / 10)
        top1 += a[0][0] == b[0][0]
    assert np.mean(recall) >= 0.95 and top1 >= 28
    assert hnsw.short_searches == 0


@pytest.mark.parametrize("exact_max", [100_000, 100])  # candidates scored exactly; HNSW with a filter
def test_candidate_mask_is_the_same_filter_as_ids_and_labels(data, exact_max):
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL, exact_max=exact_max, selective_fraction=0.0)
    rng = np.random.default_rng(9)
    for n in (0, 1, 40, 1500):
        cands = {ids[j] for j in rng.choice(len(ids), n, replace=False)}
        labels = index.labels_of(sorted(cands))
        mask = np.zeros(index.label_bound + 5, dtype=bool)  # longer than needed: the extra is ignored
        mask[labels] = True
        for q in clustered(3, seed=n):
            by_ids = index.search(q, k=20, candidate_ids=cands)
            assert index.search(q, k=20, candidate_mask=mask) == by_ids == index.search(q, k=20, candidate_labels=labels)
            assert len(by_ids) == min(20, n) and {h[0] for h in by_ids} <= cands
    assert index.search(x[0], k=5, candidate_mask=np.zeros(3, dtype=bool)) == []  # shorter: the rest is False


@pytest.mark.parametrize("exact_max, n_candidates", [(100_000, None), (1000, None), (1000, 40), (100, 1500)])
def test_depth_gives_the_first_hits_of_the_deeper_search(data, monkeypatch, exact_max, n_candidates):
    """search(q, k, depth=d) is search(q, d)[:k] (flat, HNSW, candidates scored exactly, HNSW with
    a filter): the same efSearch as for d hits, fewer hits collected."""
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL, exact_max=exact_max, selective_fraction=0.0)
    cands = None if n_candidates is None else set(ids[:n_candidates])
    rng = np.random.default_rng(5)
    for q in x[rng.choice(len(ids), 10, replace=False)]:
        assert index.search(q, k=30, candidate_ids=cands, depth=300) == index.search(q, k=300, candidate_ids=cands)[:30]
    if index.kind == "hnsw" and cands is None:
        calls = _spy(monkeypatch, index, "_faiss_search")
        index.search(x[0], k=30, depth=300)
        (args,) = calls
        assert args[1] == 30 and args[3] == index._ef(300, 1.0)  # k = 30, efSearch of a search for 300


def test_hnsw_short_result_is_never_an_exact_scan_of_everything(data, monkeypatch, caplog):
    """A graph that reaches fewer vectors than asked: the search returns what it found (a
    filtered one after one retry with a larger efSearch), logs it, and never scores the whole
    index exactly (the 5 s fallback measured at 100,000 cases)."""
    x, ids = data
    index = VectorIndex.build(ids, x, MODEL, exact_max=1000, selective_fraction=0.0)
    calls = []

    def short(q, k, sel, ef=None):
        calls.append(ef)
        return np.asarray([index._labels["p0"]], dtype=np.int64), np.asarray([0.5], dtype=np.float32)

    def no_exact(*args, **kwargs):
        raise AssertionError("exact scan")

    monkeypatch.setattr(index, "_faiss_search", short)
    monkeypatch.setattr(index, "_scores", no_exact)
    q = x[1]
    with caplog.at_level("WARNING", logger="search.vectors"):
        assert index.search(q, k=7) == [("p0", 0.5)]
    assert len(calls) == 1 and index.short_searches == 1
    assert any("no exact scan" in r.getMessage() for r in caplog.records)
    calls.clear()
    cands = set(ids[:2000])  # above exact_max: HNSW with a filter, retried once with a larger ef
    assert index.search(q, k=7, candidate_ids=cands) == [("p0", 0.5)]
    assert len(calls) == 2 and calls[1] > calls[0] and index.short_searches == 2


def test_identical_vectors_are_stored_once(tmp_path):
    """Many ids with the same vector (same text) share one stored vector: every one of them is
    found, removal keeps the others, and it survives save/load and later additions."""
    base = clustered(50, seed=8)
    x = np.concatenate([base, np.repeat(base[:3], 40, axis=0)])  # 3 vectors with 41 copies each
    ids = ids_for(len(x))
    index = VectorIndex.build(ids, x, MODEL)
    assert len(index) == 170 and index.stored == 50
    hits = index.search(base[0], k=41)
    assert {h[0] for h in hits} == {"p0"} | {f"p{50 + i}" for i in range(40)}
    assert all(abs(h[1] - hits[0][1]) < 1e-6 for h in hits) and [h[0] for h in hits] == sorted(h[0] for h in hits)
    assert [h[0] for h in index.search(base[0], k=3)] == sorted({h[0] for h in hits})[:3]
    np.testing.assert_array_equal(index.vectors(["p51", "p0"]), base[[0, 0]])
    # removing the first id of a group keeps the others; removing the whole group drops the vector
    index.remove(["p0"])
    assert index.stored == 50 and len(index.search(base[0], k=100, candidate_ids=["p0", "p50", "p51"])) == 2
    index.remove([f"p{50 + i}" for i in range(40)])
    assert index.stored == 49 and "p50" not in {h[0] for h in index.search(base[0], k=200)}
    # a vector added again joins the stored copy of its twins
    index.add(["again"], base[1:2])
    assert index.stored == 49
    index.save(tmp_path / "dense")
    loaded = VectorIndex.load(tmp_path / "dense", expected_model_id=MODEL, expected_dimension=DIM,
                              expected_corpus_hash=None)
    assert len(loaded) == len(index) and loaded.stored == 49
    assert {h[0] for h in loaded.search(base[1], k=42)} == {h[0] for h in index.search(base[1], k=42)}
    assert "again" in {h[0] for h in loaded.search(base[1], k=42)}
    loaded.add(["again2", "new"], np.stack([base[1], clustered(1, seed=99)[0]]))
    assert loaded.stored == 50 and len(loaded.search(base[1], k=43, candidate_ids=["again", "again2", "p1"])) == 3


def test_hnsw_with_many_identical_vectors_returns_every_hit():
    """Groups of identical vectors larger than the HNSW degree used to become islands that a
    search could not leave (fewer hits than asked, then an exact scan of everything)."""
    rng = np.random.default_rng(3)
    distinct = clustered(600, seed=13)
    x = np.concatenate([distinct, np.repeat(distinct[:10], rng.integers(100, 300, 10), axis=0)])
    ids = ids_for(len(x))
    index = VectorIndex.build(ids, x, MODEL, exact_max=500)
    assert index.kind == "hnsw" and index.stored == 600
    for q in clustered(20, seed=17):
        hits = index.search(q, k=900)
        assert len(hits) == 900
        np.testing.assert_allclose([h[1] for h in hits], np.sort(x @ q)[::-1][:900], atol=1e-5)
    assert index.short_searches == 0


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
