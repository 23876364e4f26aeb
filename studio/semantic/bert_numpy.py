"""The sentence model's forward pass in numpy, float32: the reference backend, and the fallback.

BERT's encoder over the ``model.safetensors`` weights, written out: embeddings, 6 × (self-attention,
feed-forward), each with a residual and LayerNorm (eps 1e-12), then mean pooling over the real
tokens. It matches transformers' ``BertModel`` to within 1e-6 (``tests/unit/test_encoder.py``, where
torch is installed). About 7 ms of CPU a sentence of 20 tokens on one core, in batches.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studio.semantic.backends import Backend, padded, register, unit


@register
class NumpyBert(Backend):
    """BERT's encoder over the safetensors weights, in numpy (float32)."""

    name = "numpy"
    rank = 20

    def __init__(self, folder: Path, weights_sha256: str) -> None:
        from safetensors.numpy import load_file

        super().__init__(folder, weights_sha256)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = [block(w, f"encoder.layer.{i}.") for i in range(self.layers)]

    def embed(self, batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        return embed(batch, self.word, self.position, self.token_type, self.embed_norm, self.eps)

    def encode_batch(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooled, unit-length vectors of tokenised texts, run together: padded to the longest, the
        padding masked out of attention and pooling, so each row is what the text alone gives.

        Written for one core: large temporaries are reused in place, and the GELU works through its
        activations a few rows at a time (over the whole batch at once it cost a third of the pass)."""
        x, mask = self.embed(batch)
        x = run_blocks(x, mask, self.blocks, self.heads, self.eps)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x * weights).sum(1) / weights.sum(1)
        return unit(pooled)


#: One encoder layer's weights as :func:`run_blocks` reads them: (qkv, qkv bias, attention out, its bias,
#: its LayerNorm, up, up bias, down, down bias, the last LayerNorm), the matrices transposed.
Block = tuple


def block(w: dict[str, np.ndarray], p: str) -> Block:
    """The encoder layer named ``p`` (``encoder.layer.3.``) of a BERT weight dict, as :func:`run_blocks` reads it."""
    qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
    qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
    return (np.ascontiguousarray(qkv.T), qkv_b,
            np.ascontiguousarray(w[p + "attention.output.dense.weight"].T), w[p + "attention.output.dense.bias"],
            (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
            np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
            np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
            (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]))


def embed(batch: Sequence[Sequence[int]], word: np.ndarray, position: np.ndarray, token_type: np.ndarray,
          norm: tuple[np.ndarray, np.ndarray], eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(the embedded tokens, (texts, longest, width), the padding mask) of tokenised texts, padded to the
    longest: BERT's word, position and token-type embeddings summed and normalised (``word`` may be a
    memory-mapped table: only the rows of these tokens are read)."""
    ids, mask = padded(batch)
    b, n = ids.shape
    x = np.asarray(word[ids], dtype=np.float32)  # a new array (fancy indexing copies the rows)
    x += position[:n]
    x += token_type
    return layer_norm(x.reshape(b * n, -1), norm, eps).reshape(b, n, -1), mask


def layer_norm(x: np.ndarray, scale_bias: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    """LayerNorm of the rows of ``x``, in place (``x`` is a temporary of the forward pass)."""
    x -= x.mean(-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(eps)
    x /= np.sqrt(var)
    x *= scale_bias[0]
    x += scale_bias[1]
    return x


def run_blocks(x: np.ndarray, mask: np.ndarray, blocks: Sequence[Block], heads: int, eps: float) -> np.ndarray:
    """Token states (texts, tokens, width) through encoder layers ``blocks``, the tokens where ``mask`` is
    false left out of attention."""
    b, n, width = x.shape
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(b * n, width)
    dh = width // heads
    scale = np.float32(1.0 / math.sqrt(dh))
    padding = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
    for qkv, qkv_b, out, out_b, norm1, up, up_b, down, down_b, norm2 in blocks:
        projected = x @ qkv
        projected += qkv_b
        q, k, v = projected.reshape(b, n, 3, heads, dh).transpose(2, 0, 3, 1, 4)
        a = q @ k.transpose(0, 1, 3, 2)
        a *= scale
        a += padding
        a -= a.max(-1, keepdims=True)
        np.exp(a, out=a)
        a /= a.sum(-1, keepdims=True)
        context = (a @ v).transpose(0, 2, 1, 3).reshape(b * n, width)
        y = context @ out
        y += out_b
        y += x
        x = layer_norm(y, norm1, eps)
        h = x @ up
        h += up_b
        _gelu(h)
        y = h @ down
        y += down_b
        y += x
        x = layer_norm(y, norm2, eps)
    return x.reshape(b, n, width)


_ERF = tuple(np.float32(c) for c in (0.3275911, 1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_GELU_ROWS = 16  # rows of the 1536-wide activations the GELU works through at a time (about 100 KB)


def _gelu(h: np.ndarray) -> None:
    """BERT's exact GELU, ``0.5 x (1 + erf(x / sqrt 2))``, in place, a few rows at a time so its
    temporaries stay in the cache. erf is Abramowitz & Stegun 7.1.26 (absolute error under 1.5e-7)."""
    p, a5, a4, a3, a2, a1 = _ERF
    r2 = np.float32(1.0 / math.sqrt(2.0))
    for start in range(0, len(h), _GELU_ROWS):
        x = h[start:start + _GELU_ROWS]
        z = x * r2  # erf's argument, signed
        s = np.abs(z)
        t = s * p
        t += 1
        np.reciprocal(t, out=t)
        np.square(s, out=s)
        np.negative(s, out=s)
        np.exp(s, out=s)
        y = t * a5
        for c in (a4, a3, a2, a1):
            y += c
            y *= t
        y *= s
        np.subtract(1, y, out=y)  # erf(|z|)
        np.copysign(y, z, out=y)
        y += 1
        x *= y
        x *= np.float32(0.5)
