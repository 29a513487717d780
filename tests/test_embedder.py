"""search.embedder: the Embedder interface, the HashingEmbedder test double, the factory, and
(slow) the real multilingual-e5-small folder ranking a French paraphrase."""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from search.embedder import (Embedder, EmbedderError, HashingEmbedder, SentenceTransformerEmbedder, check_texts,
                             make_embedder)


def test_hashing_embedder_is_deterministic_normalised_float32():
    e = HashingEmbedder(64)
    assert isinstance(e, Embedder)
    assert e.model_id == "hashing:64" and e.dimension == 64
    texts = ["Coopération ville-campagne", "santé des jeunes", "Brest métropole"]
    a, b = e.embed_passages(texts), HashingEmbedder(64).embed_queries(texts)
    assert a.dtype == np.float32 and a.shape == (3, 64)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, b)


def test_hashing_embedder_shared_words_score_higher():
    e = HashingEmbedder(256)
    q = e.embed_queries(["coopération santé jeunes"])[0]
    p = e.embed_passages(["une coopération sur la santé des jeunes", "gestion des déchets ménagers"])
    assert p[0] @ q > p[1] @ q


def test_nfc_normalisation_makes_composed_and_decomposed_equal():
    composed = "coopération intercommunalité"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert check_texts([decomposed]) == [composed]
    e = HashingEmbedder(32)
    np.testing.assert_array_equal(e.embed_passages([composed]), e.embed_passages([decomposed]))


@pytest.mark.parametrize("bad, exc", [([], ValueError), (["ok", "  "], ValueError), ("a string", TypeError),
                                      ([1], TypeError), (None, TypeError)])
def test_bad_input_is_refused_clearly(bad, exc):
    with pytest.raises(exc):
        HashingEmbedder(16).embed_passages(bad)


def test_make_embedder_specs(tmp_path):
    assert make_embedder("hashing:128").dimension == 128
    assert make_embedder("hashing").dimension == 384
    for bad in ("hashing:x", "hashing:1", ""):
        with pytest.raises(ValueError):
            make_embedder(bad)
    with pytest.raises(EmbedderError, match="model prepare"):
        make_embedder(tmp_path / "missing-model")
    lazy = make_embedder("some-org/some-model")  # a name: nothing is loaded until used
    assert isinstance(lazy, SentenceTransformerEmbedder) and lazy._model is None
    assert lazy.model_id == "some-org/some-model"


def test_unknown_query_encoder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="query_encoder must be one of onnx-int8, torch-int8, torch"):
        make_embedder("some-org/some-model", query_encoder="int4")


def test_onnx_encoder_of_a_model_name_needs_a_folder_to_export_to(tmp_path):
    with pytest.raises(ValueError, match="needs query_encoder_dir"):
        make_embedder("some-org/some-model", query_encoder="onnx-int8")
    named = make_embedder("some-org/some-model", query_encoder="onnx-int8", query_encoder_dir=tmp_path)
    assert named._onnx_dir == tmp_path / "some-org_some-model" / "onnx-query-int8"
    folder = tmp_path / "m"
    folder.mkdir()
    assert make_embedder(folder, query_encoder="onnx-int8")._onnx_dir == folder / "onnx-query-int8"


def test_settings_refuse_an_unknown_query_encoder(monkeypatch):
    from pydantic import ValidationError

    from coopkg.settings import Settings

    assert Settings().query_encoder == "onnx-int8"
    monkeypatch.setenv("COOPKG_QUERY_ENCODER", "fp8")
    with pytest.raises(ValidationError, match="query_encoder"):
        Settings()


def test_passage_encoder_choices(tmp_path, monkeypatch):
    from pydantic import ValidationError

    from coopkg.ingesting import Ingestor
    from coopkg.settings import Settings, load_settings

    with pytest.raises(ValueError, match="passage_encoder must be one of torch, onnx-fp32"):
        make_embedder("some-org/some-model", passage_encoder="onnx-int8")
    with pytest.raises(ValueError, match="passage_encoder 'onnx-fp32' with a model name needs query_encoder_dir"):
        make_embedder("some-org/some-model", passage_encoder="onnx-fp32")
    named = make_embedder("some-org/some-model", passage_encoder="onnx-fp32", query_encoder_dir=tmp_path)
    assert named._onnx_fp32_dir == tmp_path / "some-org_some-model" / "onnx-fp32"
    assert named.model_id == "some-org/some-model"  # the same computation: the same model id, index and cache
    assert Settings().passage_encoder == "onnx-fp32"
    monkeypatch.setenv("COOPKG_PASSAGE_ENCODER", "int8")
    with pytest.raises(ValidationError, match="passage_encoder"):
        Settings()
    monkeypatch.delenv("COOPKG_PASSAGE_ENCODER")
    # ingestion embeds passages and definitions with the encoder the settings name
    settings = load_settings(home=tmp_path, embedding_model=str(tmp_path))
    assert Ingestor(settings).embedder_options() == {"passage_encoder": "onnx-fp32", "query_encoder": "onnx-fp32",
                                                     "query_encoder_dir": settings.query_encoder_dir}
    settings = load_settings(home=tmp_path, embedding_model=str(tmp_path), passage_encoder="torch")
    assert Ingestor(settings).embedder_options()["query_encoder"] == "torch"
    assert Ingestor(load_settings(home=tmp_path, embedding_model="hashing:8")).embedder_options() == {}


def test_folder_model_id_does_not_depend_on_location(tmp_path):
    for name in ("a", "b"):
        d = tmp_path / name / "model"
        d.mkdir(parents=True)
        (d / "modules.json").write_text("[]")
        (d / "coopkg-model.json").write_text('{"model": "m", "source_sha256": "abcdef0123456789ff", "converter_version": 1}')
    ids = {SentenceTransformerEmbedder(tmp_path / n / "model").model_id for n in ("a", "b")}
    assert ids == {"m@abcdef0123456789/c1"}


# --------------------------------------------------------------------------- real model (slow)


@pytest.mark.slow
def test_real_model_ranks_french_paraphrase(e5_model_dir, built_settings, tmp_path):
    from kb.store import open_store
    from search.lexical import passages_from_store
    from search.vectors import EmbeddingCache, VectorIndex

    embedder = make_embedder(e5_model_dir, threads=2)
    assert embedder.dimension == 384 and embedder.prompt("query") == "query: "
    store = open_store(built_settings)
    try:
        passages = passages_from_store(store)
    finally:
        store.close()
    assert passages
    with EmbeddingCache(tmp_path / "emb.sqlite") as cache:
        vecs = cache.embed(embedder, [p.text for p in passages])
        assert cache.misses == len(passages)
        again = cache.embed(embedder, [p.text for p in passages[:5]])
        assert cache.hits == 5
        np.testing.assert_allclose(again, vecs[:5], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    index = VectorIndex.build([p.id for p in passages], vecs, embedder.model_id)
    case_of = {p.id: p.case_id for p in passages}
    q = embedder.embed_queries(["coopération entre une grande ville et un territoire rural sur la santé "
                                "et les séjours de jeunes"])[0]
    best: dict[str, float] = {}
    for pid, score in index.search(q, k=len(passages)):
        best[case_of[pid]] = max(best.get(case_of[pid], -1.0), score)
    ranking = sorted(best, key=best.get, reverse=True)
    assert any("brest-cob" in c for c in ranking[:3]), ranking[:5]


@pytest.mark.slow
def test_int8_query_encoder_agrees_with_fp32_and_shares_the_big_tables(e5_model_dir):
    fp32 = make_embedder(e5_model_dir, threads=1)
    int8 = make_embedder(e5_model_dir, threads=1, query_encoder="torch-int8")
    queries = ["qui a déjà fait une coopération ville-campagne ?", "l’ingénierie « partagée » entre EPCI ruraux",
               "how did a city and a rural area share health services?", "PETR et PNR : quelles conventions ?"]
    cos = (fp32.embed_queries(queries) * int8.embed_queries(queries)).sum(axis=1)
    assert cos.min() >= 0.97, cos
    assert cos.max() < 0.99999, "the int8 copy must differ from fp32 (else it is not quantised)"
    np.testing.assert_array_equal(fp32.embed_passages(queries), int8.embed_passages(queries))
    assert int8.model_id == fp32.model_id  # an index built before stays valid
    quantised, original = int8.query_model[0], int8.model[0]
    assert quantised.auto_model.embeddings.word_embeddings is original.auto_model.embeddings.word_embeddings
    assert quantised.tokenizer is original.tokenizer
    assert "quantized" in type(quantised.auto_model.encoder.layer[0].intermediate.dense).__module__
