"""The ceiling of `coopkg bench ingest` (benchmarks/ingest_ceiling.py): the floor of CPU time from
its parts, the summary lines, the run's CPU probes, and the passages re-embedded by the real
encoders (slow). No timing is asserted."""
from __future__ import annotations

import pytest

from benchmarks import ingest_bench as ib
from benchmarks import ingest_ceiling as ic

ENCODERS = {"onnx-fp32": {"cpu_seconds": 30.0}, "onnx-int8": {"cpu_seconds": 15.0}}
PARTS = {"model loading": 6.0, "SHACL": 8.0, "store write": 3.0}


def test_floor_and_ceiling_per_encoder():
    c = ic.ceiling(words=45_000, cores=2, encoders=ENCODERS, ner_cpu=4.0, parts=PARTS, goal=3000.0)
    fp32, int8 = c["per_encoder"]["onnx-fp32"], c["per_encoder"]["onnx-int8"]
    assert fp32["floor_cpu_seconds"] == pytest.approx(30 + 4 + 6 + 8 + 3)
    assert fp32["floor_wall_seconds"] == pytest.approx(51 / 2)
    assert fp32["ceiling_words_per_s"] == pytest.approx(45_000 / 25.5)
    assert int8["ceiling_words_per_s"] == pytest.approx(45_000 / 18.0)
    assert int8["ceiling_words_per_s_excluding_model_load"] == pytest.approx(45_000 / 15.0)
    assert not fp32["goal_reachable"] and not int8["goal_reachable"]
    assert c["parts_cpu_seconds"] == {"spaCy NER": 4.0, **PARTS}
    fast = ic.ceiling(words=45_000, cores=2, encoders={"onnx-int8": {"cpu_seconds": 1.0}}, ner_cpu=1.0,
                      parts={"SHACL": 1.0}, goal=3000.0)
    assert fast["per_encoder"]["onnx-int8"]["goal_reachable"]  # 45,000 / 1.5 s


def test_run_parts_sum_the_probes_of_each_part():
    cpu = {"spacy_load": 0.1, "background: spacy_load": 4.0, "embedder_load": 1.5, "shacl_check": 7.0,
           "shacl_context": 0.5, "store_write": 2.0, "institutions": 9.0}
    assert ic.run_parts(cpu) == pytest.approx({"model loading": 5.6, "SHACL": 7.5, "store write": 2.0})
    assert ic.run_parts({}) == {"model loading": 0.0, "SHACL": 0.0, "store write": 0.0}


def test_render_names_every_encoder_and_the_verdict():
    c = ic.ceiling(words=45_000, cores=2, encoders=ENCODERS, ner_cpu=4.0, parts=PARTS, goal=3000.0)
    text = "\n".join(ic.render(c))
    assert "| `onnx-fp32` | 30.0 s | 51.0 s | 25.5 s | **1,765 words/s** | 2,000 words/s | out of reach |" in text
    assert "| `onnx-int8` | 15.0 s | 36.0 s | 18.0 s | **2,500 words/s** | 3,000 words/s | out of reach |" in text
    assert "goal (3,000 words/s)" in text
    assert "spaCy NER 4.0 s" in text and "SHACL 8.0 s" in text


def test_probes_keep_exclusive_cpu_times():
    p = ib.Probes()
    inner = p.timed("inner", lambda: sum(range(300_000)))
    p.timed("outer", lambda: inner() + inner())()
    assert p.cpu["inner"] > p.cpu["outer"] >= 0  # the inner calls' CPU is not the outer probe's


@pytest.mark.slow
def test_passages_embedded_again_by_the_real_encoders(e5_model_dir):
    texts = ["Le syndicat mixte porte un service commun d'instruction du droit des sols.",
             "Les deux communautés de communes signent une entente pour l'ingénierie partagée."] * 3
    for name in ic.ENCODERS:
        out = ic.encoder_cpu(str(e5_model_dir), name, texts, batch=4)
        assert out["texts"] == 6 and out["words"] == sum(len(t.split()) for t in texts)
        assert out["cpu_seconds"] > 0 and out["words_per_cpu_second"] > 0
