"""The search index: built after `build`, incremental (only changed cases re-embedded), saved with
its model and refusing another."""
from __future__ import annotations

import numpy as np
import pytest

from kb.build import build
from kb.store import open_store
from search.embedder import HashingEmbedder
from search.fusion import FusionParams, fuse, minmax, ranks
from search.index import SearchIndex, SearchIndexError, update


def _update(settings, embedder):
    store = open_store(settings)
    try:
        return update(store, settings.search_dir, embedder, settings.home / "cache" / "e.sqlite")
    finally:
        store.close()


def test_incremental_update_embeds_only_changed_passages(make_settings, corpus_copy):
    settings = make_settings(corpus_copy)
    build(settings)
    emb = HashingEmbedder(64)  # counts the texts it embeds
    first = _update(settings, emb)
    assert first.changed and first.cases_added == 31 and emb.embedded == first.embedded > 200
    # nothing changed: no-op
    assert not _update(settings, emb).changed
    # change one case's summary
    path = corpus_copy / "cases" / "contrat-reciprocite-brest-cob.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip() + "\nLe contrat a inspiré d'autres métropoles bretonnes.\n", encoding="utf-8")
    build(settings)
    before = emb.embedded
    rep = _update(settings, emb)
    assert rep.changed and rep.cases_updated == 1 and rep.cases_added == rep.cases_removed == 0
    assert 0 < emb.embedded - before <= 2  # the summary passage and the case-level vector
    index = SearchIndex.load(settings.search_dir, model_id=emb.model_id)
    assert "inspiré" in index.lexical.passage("contrat-reciprocite-brest-cob#abstract").text
    # remove a case (one no other case refers to)
    (corpus_copy / "cases" / "entente-interterritoriale-tridan.md").unlink()
    build(settings)
    rep = _update(settings, emb)
    assert rep.cases_removed == 1
    index = SearchIndex.load(settings.search_dir, model_id=emb.model_id)
    assert "entente-interterritoriale-tridan" not in index.lexical.case_ids
    assert not any(v.startswith("entente-interterritoriale-tridan#") for v in index.dense.ids)


def test_incremental_index_equals_a_fresh_one(make_settings, corpus_copy, tmp_path):
    settings = make_settings(corpus_copy)
    build(settings)
    _update(settings, HashingEmbedder(64))
    path = corpus_copy / "cases" / "contrat-reciprocite-brest-cob.md"
    path.write_text(path.read_text(encoding="utf-8").replace("santé", "santé publique"), encoding="utf-8")
    build(settings)
    _update(settings, HashingEmbedder(64))
    inc = SearchIndex.load(settings.search_dir, model_id=HashingEmbedder(64).model_id)
    store = open_store(settings)
    try:
        update(store, tmp_path / "fresh", HashingEmbedder(64), tmp_path / "c.sqlite")
    finally:
        store.close()
    fresh = SearchIndex.load(tmp_path / "fresh", model_id=HashingEmbedder(64).model_id)
    assert inc.corpus_hash == fresh.corpus_hash
    assert sorted(inc.dense.ids) == sorted(fresh.dense.ids)
    ids = sorted(fresh.dense.ids)
    np.testing.assert_allclose(inc.dense.vectors(ids), fresh.dense.vectors(ids), atol=1e-6)
    q = "santé publique en Bretagne"
    assert [h.case_id for h in inc.lexical.search(q, 10)] == [h.case_id for h in fresh.lexical.search(q, 10)]


def test_index_refuses_another_model(make_settings):
    settings = make_settings()
    build(settings)
    _update(settings, HashingEmbedder(64))
    with pytest.raises(SearchIndexError, match="model"):
        SearchIndex.load(settings.search_dir, model_id=HashingEmbedder(32).model_id)
    # the next update with the new model rebuilds it
    rep = _update(settings, HashingEmbedder(32))
    assert rep.changed and rep.cases_added == 31
    assert SearchIndex.load(settings.search_dir, model_id=HashingEmbedder(32).model_id).dense.dimension == 32


def test_missing_or_corrupt_index_says_what_to_run(tmp_path):
    with pytest.raises(SearchIndexError, match="coopkg build"):
        SearchIndex.load(tmp_path / "nowhere", model_id=None)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SearchIndexError, match="cannot read"):
        SearchIndex.load(tmp_path / "bad", model_id=None)


# -- fusion (pure) -----------------------------------------------------------------------------


def test_minmax_and_ranks():
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"a": 0.7, "b": 0.7}) == {"a": 1.0, "b": 1.0}
    assert ranks({"a": 1.0, "b": 3.0, "c": 3.0}) == {"b": 1, "c": 2, "a": 3}


def test_convex_fusion_by_hand():
    p = FusionParams(method="convex", dense_weight=0.25)
    fused = fuse({"a": 0.9, "b": 0.5, "c": 0.7}, {"b": 10.0, "c": 5.0}, {"c": 0.1}, p)
    # dense normalised: a 1, b 0, c .5 ; lexical / max: b 1, c .5, a 0
    assert fused == pytest.approx({"a": 0.25, "b": 0.75, "c": 0.25 * 0.5 + 0.75 * 0.5 + 0.1})


def test_convex_fusion_without_lexical_match_is_dense_only():
    fused = fuse({"a": 0.9, "b": 0.5}, {}, {}, FusionParams(dense_weight=0.3))
    assert fused == pytest.approx({"a": 1.0, "b": 0.0})


def test_rrf_by_hand():
    p = FusionParams(method="rrf", rrf_k=10)
    fused = fuse({"a": 0.9, "b": 0.5}, {"b": 3.0}, {}, p)
    # a: dense rank 1, lexical missing → rank 3 (worst = |ids| + 1); b: dense 2, lexical 1
    assert fused["a"] == pytest.approx(11 * (1 / 11 + 1 / 13))
    assert fused["b"] == pytest.approx(11 * (1 / 12 + 1 / 11))


def test_fusion_params_are_checked():
    with pytest.raises(ValueError):
        FusionParams(method="max")
    with pytest.raises(ValueError):
        FusionParams(dense_weight=1.5)
