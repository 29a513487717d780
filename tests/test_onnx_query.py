"""The ONNX Runtime int8 query encoder (search/onnx_query.py): staleness checks without a model,
agreement with the fp32 model, loading without torch, and re-export of a stale folder (slow)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from search.embedder import make_embedder
from search.onnx_query import (FOLDER, FOLDER_FP32, META_FILE, QUANTIZATION, OnnxQueryEncoder, QueryEncoderStale,
                               _versions, weights_signature)

TEXTS = [
    "qui a déjà fait une coopération ville-campagne ?",
    "l’ingénierie « partagée » entre EPCI ruraux et la métropole",
    "how did a city and a rural area share health services?",
    "PETR et PNR : quelles conventions, quels contrats de réciprocité ?",
    "Coopération interterritoriale — Pays de Brest, Centre Ouest Bretagne (COB) ; santé, mobilité…",
    "œuvre, cœur, Île-de-France, façade, naïveté, Noël",
]


def _meta(**changes) -> dict:
    meta = {"format": 1, "model_id": "m@1/c1", "weights": {}, "prompt": "query: ", "window": 510, "bos": 0,
            "eos": 2, "dimension": 384, "versions": _versions()}
    return {**meta, **changes}


def test_a_missing_or_unreadable_export_is_stale(tmp_path):
    with pytest.raises(QueryEncoderStale, match="no ONNX query encoder"):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={})
    (tmp_path / META_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(QueryEncoderStale, match="unreadable"):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={})
    (tmp_path / META_FILE).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(QueryEncoderStale, match="not a JSON object"):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={})


@pytest.mark.parametrize("changes", [{"model_id": "other@2/c1"}, {"weights": {"model.safetensors": [1, 2]}},
                                     {"format": 0}, {"versions": {"onnxruntime": "0.1"}}])
def test_an_export_for_other_weights_or_runtime_is_stale(tmp_path, changes):
    (tmp_path / META_FILE).write_text(json.dumps(_meta(**changes)), encoding="utf-8")
    with pytest.raises(QueryEncoderStale):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={})


def test_an_export_of_the_other_precision_is_stale(tmp_path):
    (tmp_path / META_FILE).write_text(json.dumps(_meta(quantization=QUANTIZATION[False])), encoding="utf-8")
    with pytest.raises(QueryEncoderStale, match="other weights"):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={}, quantization=QUANTIZATION[True])


def test_a_damaged_model_file_is_stale(tmp_path):
    (tmp_path / META_FILE).write_text(json.dumps(_meta()), encoding="utf-8")
    (tmp_path / "model.onnx").write_bytes(b"\x00not an onnx model")
    with pytest.raises(QueryEncoderStale, match="cannot be loaded"):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={})


def test_weights_signature_changes_with_the_weights(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"abc")
    first = weights_signature(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"abcd")
    assert weights_signature(tmp_path) != first and weights_signature(None) == {}


# --------------------------------------------------------------------------- real model (slow)


@pytest.fixture(scope="session")
def onnx_e5(e5_model_dir):
    """The ONNX encoder of the real model, exported once next to it (kept in the pytest cache)."""
    embedder = make_embedder(e5_model_dir, threads=1, query_encoder="onnx-int8")
    embedder.embed_queries(["préchauffage"])
    return embedder


@pytest.mark.slow
def test_onnx_query_encoder_agrees_with_fp32(e5_model_dir, onnx_e5):
    fp32 = make_embedder(e5_model_dir, threads=1, query_encoder="torch")
    long_text = " ".join(TEXTS) * 30  # several windows of the model
    texts = [*TEXTS, long_text]
    cos = (fp32.embed_queries(texts) * onnx_e5.embed_queries(texts)).sum(axis=1)
    assert cos.min() >= 0.985 and cos.mean() >= 0.99, cos
    assert cos.max() < 0.99999, "the ONNX encoder must be the int8 one (else it is not quantised)"
    assert onnx_e5.model_id == fp32.model_id  # the index built with fp32 passages stays valid
    np.testing.assert_allclose(np.linalg.norm(onnx_e5.embed_queries(texts), axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_onnx_query_encoder_loads_without_torch_and_is_batch_independent(e5_model_dir, onnx_e5):
    fresh = make_embedder(e5_model_dir, threads=1, query_encoder="onnx-int8")
    one = fresh.embed_queries([TEXTS[0]])
    assert fresh._model is None and not fresh.onnx_exported  # the torch model was never loaded
    assert fresh.dimension == 384 and fresh._model is None
    np.testing.assert_array_equal(fresh.embed_queries([TEXTS[0], TEXTS[1]])[0], one[0])
    np.testing.assert_array_equal(onnx_e5.embed_queries([TEXTS[0]]), one)
    with pytest.raises(ValueError):
        fresh.embed_queries(["  "])


@pytest.mark.slow
def test_a_stale_export_is_replaced(e5_model_dir, onnx_e5, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    for f in e5_model_dir.iterdir():  # the same model, without copying its weights
        if f.name != FOLDER:
            (model / f.name).symlink_to(f)
    shutil.copytree(e5_model_dir / FOLDER, model / FOLDER)
    meta_path = model / FOLDER / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "weights": {"model.safetensors": [1, 1]}}), encoding="utf-8")
    embedder = make_embedder(model, threads=1, query_encoder="onnx-int8")
    vec = embedder.embed_queries(TEXTS)
    assert embedder.onnx_exported
    assert json.loads(meta_path.read_text(encoding="utf-8"))["weights"] == weights_signature(model)
    np.testing.assert_allclose(vec, onnx_e5.embed_queries(TEXTS), atol=1e-5)  # the export is deterministic
    assert not [p for p in model.iterdir() if p.name.startswith(".")]  # no temporary folder left


@pytest.mark.slow
def test_fp32_passage_encoder_gives_the_torch_vectors_without_loading_torch(e5_model_dir):
    reference = make_embedder(e5_model_dir, threads=1)  # sentence-transformers, fp32
    onnx = make_embedder(e5_model_dir, threads=1, passage_encoder="onnx-fp32", query_encoder="onnx-fp32")
    long_text = " ".join(TEXTS) * 30  # several windows of the model
    texts = [*TEXTS, long_text]
    np.testing.assert_allclose(onnx.embed_passages(texts), reference.embed_passages(texts), atol=2e-5)
    np.testing.assert_allclose(onnx.embed_queries(texts), reference.embed_queries(texts), atol=2e-5)
    assert onnx.model_id == reference.model_id  # an index and a cache shared with `coopkg build`
    assert (e5_model_dir / FOLDER_FP32 / "model.onnx").is_file()
    fresh = make_embedder(e5_model_dir, threads=1, passage_encoder="onnx-fp32")
    one = fresh.embed_passages([TEXTS[0]])
    assert fresh.dimension == 384 and fresh._model is None and not fresh.onnx_exported  # torch never loaded
    np.testing.assert_array_equal(fresh.embed_passages([TEXTS[1], TEXTS[0]])[1], one[0])  # batch independent
    parallel = make_embedder(e5_model_dir, passage_encoder="onnx-fp32")  # one window per core at a time
    assert parallel.onnx_fp32_encoder().workers >= 1 and fresh.onnx_fp32_encoder().workers == 1
    np.testing.assert_array_equal(parallel.embed_passages(texts), fresh.embed_passages(texts))


# French passages and, for each question, the passage it is about (top-1 must not move).
PASSAGES = [
    "Le contrat de réciprocité entre Brest métropole et le Pays du Centre Ouest Bretagne organise des "
    "coopérations sur la santé, l’énergie, l’alimentation et la culture.",
    "La communauté de communes a mutualisé un service d’ingénierie avec la métropole voisine pour monter "
    "ses dossiers de financement européens.",
    "Un réseau de bus à la demande relie les villages du plateau à la gare de la ville-centre, cofinancé par "
    "les deux intercommunalités.",
    "Le projet alimentaire territorial approvisionne les cantines scolaires de l’agglomération avec les "
    "productions des exploitations agricoles du parc naturel régional.",
    "Les deux territoires partagent un médecin coordinateur et ont ouvert une maison de santé "
    "pluriprofessionnelle dans le bourg rural.",
    "Une convention entre le PETR et le PNR confie l’animation de la filière bois-énergie à une société "
    "coopérative d’intérêt collectif.",
]
QUESTIONS = {
    "quelles coopérations sur les transports entre villes et campagnes ?": 2,
    "cantines approvisionnées par les agriculteurs locaux": 3,
    "accès aux soins : partager un médecin entre territoires": 4,
    "ingénierie partagée pour les subventions européennes": 1,
    "chaufferies bois et SCIC": 5,
}


@pytest.mark.slow
def test_int8_passage_encoder_agrees_with_fp32_and_keeps_the_ranking(e5_model_dir, onnx_e5):
    fp32 = make_embedder(e5_model_dir, threads=1, passage_encoder="onnx-fp32", query_encoder="onnx-int8")
    int8 = make_embedder(e5_model_dir, passage_encoder="onnx-int8", query_encoder="onnx-int8")
    long_text = " ".join(PASSAGES) * 12  # several windows of the model
    texts = [*PASSAGES, long_text]
    a, b = fp32.embed_passages(texts), int8.embed_passages(texts)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.99, cos
    assert cos.max() < 0.99999, "the int8 passage encoder must be the quantised one"
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    # the same export as the query encoder: nothing exported again, torch never loaded
    assert not int8.onnx_exported and int8._model is None and int8.passage_onnx_encoder() is int8.onnx_query_encoder()
    assert int8.onnx_query_encoder().workers >= 1
    # another model id (index and cache kept apart), and the same top-1 on a tiny French set
    assert int8.model_id == fp32.model_id + "+passage-int8"
    questions = list(QUESTIONS)
    q = onnx_e5.embed_queries(questions)
    top_fp32 = (q @ a[:len(PASSAGES)].T).argmax(axis=1).tolist()
    top_int8 = (q @ b[:len(PASSAGES)].T).argmax(axis=1).tolist()
    assert top_fp32 == list(QUESTIONS.values()), top_fp32
    assert top_int8 == top_fp32
    # batch independent: a passage's vector does not depend on its neighbours
    np.testing.assert_array_equal(int8.embed_passages([PASSAGES[1], PASSAGES[0]])[1], b[0])


def test_workers_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="workers must be at least 1"):
        OnnxQueryEncoder(tmp_path, model_id="m@1/c1", weights={}, workers=0)
