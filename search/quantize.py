"""Int8 copy of a sentence-transformers model for embedding *queries* on CPU.

A query is one short sequence (10-30 tokens): its cost on this hardware is the 72 fp32
matrix products of the 12 transformer layers (~25-30 ms on one core for multilingual-e5-small).
Dynamic int8 quantisation of those ``nn.Linear`` layers (weights per output channel, activations
quantised on the fly) runs them with VNNI/AVX-512 integer kernels, ~2x faster, at a cosine of
~0.99 to the fp32 vector. Passages stay fp32: only the query side changes, so an index built
before is still valid (the model id does not change) and ranking quality is checked with
``coopkg eval`` (see docs/search.md, "Query encoder").

The copy shares the (large, unquantised) token embedding matrix and the tokenizer with the
original model, so it costs about the int8 weights (~21 MB for e5-small), not a second
250k x 384 float matrix and a second 250k-piece tokenizer.
"""
from __future__ import annotations

import copy
import warnings


def int8_copy(model):
    """A copy of ``model`` (a torch module) whose Linear layers are dynamically quantised to int8
    (per-channel weights); embedding tables are shared with ``model``, not copied."""
    import torch
    from torch import nn
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    shared = [m for m in model.modules() if isinstance(m, nn.Embedding)]
    shared += [p for m in shared for p in m.parameters()]
    # the tokenizer (XLM-R: a 250k-piece unigram model, ~250 MB once copied) is read-only too
    shared += [m.tokenizer for m in model.modules() if getattr(m, "tokenizer", None) is not None]
    memo = {id(obj): obj for obj in shared}
    clone = copy.deepcopy(model, memo)
    with warnings.catch_warnings():
        # torch 2.13 flags torch.ao eager quantisation for a future move to torchao; the API is
        # the supported one of the pinned torch and its kernels (fbgemm) ship in the CPU wheel.
        warnings.simplefilter("ignore")
        quantize_dynamic(clone, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)
    clone.eval()
    return clone
