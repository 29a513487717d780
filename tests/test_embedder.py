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

    with pytest.raises(ValueError, match="passage_encoder must be one of torch, onnx-fp32, onnx-int8"):
        make_embedder("some-org/some-model", passage_encoder="int4")
    with pytest.raises(ValueError, match="passage_encoder 'onnx-int8' with a model name needs query_encoder_dir"):
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


# --------------------------------------------------------------------------- int8 passages (fast)


def _stamped_model(folder: Path) -> Path:
    """A model folder with a coopkg conversion stamp and no weights: enough for model ids."""
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text("[]")
    (folder / "coopkg-model.json").write_text('{"model": "m", "source_sha256": "abcdef0123456789ff", '
                                              '"converter_version": 1}')
    (folder / "config_sentence_transformers.json").write_text('{"prompts": {"query": "query: ", "passage": "passage: "}}')
    return folder


class _HashingAs(HashingEmbedder):
    """The hashing double under the model id of a real embedder configuration."""

    def __init__(self, model_id: str, dimension: int = 32):
        super().__init__(dimension)
        self._as = model_id

    @property
    def model_id(self) -> str:
        return self._as


def test_int8_passages_have_their_own_model_id(tmp_path):
    from search.embedder import PASSAGE_ENCODERS

    folder = _stamped_model(tmp_path / "model")
    ids = {e: make_embedder(folder, passage_encoder=e).model_id for e in PASSAGE_ENCODERS}
    assert ids == {"torch": "m@abcdef0123456789/c1", "onnx-fp32": "m@abcdef0123456789/c1",  # the same vectors
                   "onnx-int8": "m@abcdef0123456789/c1+passage-int8"}
    # the query encoder never changes it (questions are not stored)
    for query_encoder in ("onnx-int8", "torch-int8", "torch", "onnx-fp32"):
        assert make_embedder(folder, passage_encoder="onnx-int8", query_encoder=query_encoder).model_id == ids["onnx-int8"]
        assert make_embedder(folder, query_encoder=query_encoder).model_id == ids["torch"]
    named = make_embedder("some-org/some-model", passage_encoder="onnx-int8", query_encoder_dir=tmp_path)
    assert named.model_id == "some-org/some-model+passage-int8"
    assert named._onnx_dir == tmp_path / "some-org_some-model" / "onnx-query-int8"  # the query encoder's export


def test_int8_passages_reuse_the_query_encoder_export(tmp_path, monkeypatch):
    """One int8 export (stamped with the model's own id) serves questions and passages; passages run
    one window per core, questions of a search process on its threads."""
    import search.embedder as embedder_module
    from search.onnx_query import FOLDER, QUANTIZATION

    loaded, prompts = [], []

    class FakeEncoder:
        dimension = 4

        def __init__(self, folder, **options):
            loaded.append((folder, options))

        def encode(self, texts, prompt=None):
            prompts.append(prompt)
            return np.tile(np.asarray([[1.0, 0, 0, 0]], dtype=np.float32), (len(texts), 1))

    monkeypatch.setattr(embedder_module, "OnnxQueryEncoder", FakeEncoder)
    monkeypatch.setattr(embedder_module, "_available_cores", lambda: 3)
    folder = _stamped_model(tmp_path / "model")
    int8 = make_embedder(folder, passage_encoder="onnx-int8", query_encoder="onnx-int8")
    assert int8.dimension == 4 and int8.embed_passages(["un passage"]).shape == (1, 4)
    int8.embed_queries(["une question"])
    assert int8.passage_onnx_encoder() is int8.onnx_query_encoder() and int8._onnx_fp32 is None
    assert len(loaded) == 1 and int8._model is None  # one session for both, torch never loaded
    assert prompts == ["passage: ", None]  # (None: the export's own query prompt)
    where, options = loaded[0]
    assert where == folder / FOLDER and options["model_id"] == "m@abcdef0123456789/c1"
    assert options["quantization"] == QUANTIZATION[True] and options["workers"] == 3
    # a search process (threads given): its questions keep their threads
    make_embedder(folder, threads=1, passage_encoder="onnx-int8", query_encoder="onnx-int8").onnx_query_encoder()
    assert loaded[1][1]["workers"] == 1 and loaded[1][1]["threads"] == 1
    # fp32 passages: the int8 query encoder is loaded as before (no workers), stamped alike
    make_embedder(folder, threads=1, query_encoder="onnx-int8").onnx_query_encoder()
    assert "workers" not in loaded[2][1] and loaded[2][0] == where and loaded[2][1]["model_id"] == options["model_id"]
    assert make_embedder(folder, passage_encoder="torch").passage_onnx_encoder() is None


def test_the_embedding_cache_never_serves_fp32_vectors_to_int8_passages(tmp_path):
    from search.vectors import EmbeddingCache

    folder = _stamped_model(tmp_path / "model")
    fp32 = _HashingAs(make_embedder(folder, passage_encoder="onnx-fp32").model_id)
    int8 = _HashingAs(make_embedder(folder, passage_encoder="onnx-int8").model_id)
    texts = ["Coopération ville-campagne", "santé des jeunes"]
    with EmbeddingCache(tmp_path / "emb.sqlite") as cache:
        cache.embed(fp32, texts)
        assert int8.embedded == 0 and cache.uncached(int8, texts) == texts
        cache.embed(int8, texts)
        assert int8.embedded == 2 and len(cache) == 4  # kept apart, both kept
        cache.embed(fp32, texts)
        cache.embed(int8, texts)
        assert fp32.embedded == 2 and int8.embedded == 2  # each served its own


def test_an_index_of_fp32_passages_is_refused_under_int8_and_rebuilt(built_settings, tmp_path):
    from coopkg.settings import load_settings
    from kb.store import open_store
    from search.embedder import embedder_from_settings
    from search.index import SearchIndex, SearchIndexError, update
    from search.service import SearchService

    folder = _stamped_model(tmp_path / "model")
    fp32_settings = load_settings(home=tmp_path / "data", embedding_model=str(folder))
    int8_settings = load_settings(home=tmp_path / "data", embedding_model=str(folder), passage_encoder="onnx-int8")
    ids = {name: embedder_from_settings(settings, search=True).model_id
           for name, settings in (("fp32", fp32_settings), ("int8", int8_settings))}
    assert ids["int8"] == ids["fp32"] + "+passage-int8"
    directory = int8_settings.search_dir
    store = open_store(built_settings)
    try:
        first = update(store, directory, _HashingAs(ids["fp32"]), tmp_path / "c.sqlite")
        assert first.changed and first.cases_added > 0
        for built, configured in (("fp32", "int8"), ("int8", "fp32")):
            with pytest.raises(SearchIndexError, match=r"another COOPKG_PASSAGE_ENCODER.*coopkg build"):
                SearchIndex.load(directory, model_id=ids[configured])
            with pytest.raises(SearchIndexError, match="coopkg build"):  # what a server or `coopkg search` says
                SearchService.open(int8_settings if configured == "int8" else fp32_settings)
            # `coopkg build` (the index update) rebuilds it for the configured encoder
            rebuilt = update(store, directory, _HashingAs(ids[configured]), tmp_path / "c.sqlite")
            assert rebuilt.changed and rebuilt.cases_added == first.cases_added
            if configured == "int8":  # no fp32 vector from the cache: every text embedded again
                assert rebuilt.embedded == first.embedded and rebuilt.cached == first.cached
            else:  # back to fp32: its vectors are still in the cache
                assert rebuilt.embedded == 0
            assert SearchIndex.load(directory, model_id=ids[configured]).model_id == ids[configured]
    finally:
        store.close()


def test_every_process_of_a_base_embeds_passages_alike(tmp_path):
    """`coopkg build`, ingestion and the search service take their encoders from the settings."""
    from coopkg.ingesting import Ingestor
    from coopkg.settings import load_settings
    from search.embedder import embedder_from_settings, settings_options

    folder = _stamped_model(tmp_path / "model")
    settings = load_settings(home=tmp_path, embedding_model=str(folder), passage_encoder="onnx-int8",
                             search_threads=2)
    bulk = settings_options(settings)
    assert bulk == {"passage_encoder": "onnx-int8", "query_encoder": "onnx-int8",  # definitions: the same session
                    "query_encoder_dir": settings.query_encoder_dir}
    assert Ingestor(settings).embedder_options() == bulk
    search = settings_options(settings, search=True)
    assert search == {**bulk, "threads": 2, "query_encoder": settings.query_encoder}
    ids = {embedder_from_settings(settings).model_id, embedder_from_settings(settings, search=True).model_id,
           Ingestor(settings).embedder.model_id}
    assert ids == {"m@abcdef0123456789/c1+passage-int8"}
    assert settings_options(load_settings(home=tmp_path, embedding_model="hashing:8", passage_encoder="onnx-int8")) == {}


def test_settings_accept_int8_passages_and_refuse_unknown_encoders(monkeypatch):
    from coopkg.settings import SettingsError, load_settings

    monkeypatch.setenv("COOPKG_PASSAGE_ENCODER", "onnx-int8")
    assert load_settings().passage_encoder == "onnx-int8"
    monkeypatch.setenv("COOPKG_PASSAGE_ENCODER", "int8")
    with pytest.raises(SettingsError, match="COOPKG_PASSAGE_ENCODER: .*'onnx-int8'"):
        load_settings()


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
