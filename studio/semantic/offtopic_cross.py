"""The answer read with the question: a small cross-encoder over the sentence model, asked where the
off-topic check's full model leans on topic but is not sure (:mod:`studio.semantic.offtopic`).

The full model reads an answer and the question apart, as two sentence vectors and their cosines. What it
misses most is a student who talks to someone in the scene about another matter of the same world
("Grandma, did you see the magic show in the Spring Festival Gala?" while rolling tangyuan): every word
belongs to the family's world, and only reading the answer against the question shows it does not answer
it. Here the answer's tokens attend to the question's:

- the sentence model's lower :data:`SHARED` layers run on the context (the lesson's English title and the
  teacher's question) and on the answer apart, with its own weights (the cached sentence model's);
- the two token sequences, the answer's marked by a learned vector, go together through the upper layers,
  fine-tuned on the labelled sets with the teachers' labels (forty-two sets, 9,923 answers); the mean of the
  answer's tokens and of the context's, side by side, give the probability that the answer is off topic
  (a logistic head).

The tuned layers, the mark and the head are :data:`CROSS_FILE` (float16, about 7 MB), written by
``tests/bench/offtopic_cross_fit.py`` (torch, the ``train`` extra); they run here in numpy
(:func:`studio.semantic.bert_numpy.run_blocks`), loaded the first time an answer is read (the lower layers copied out of the memory-mapped model, about 60 MB).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studio.semantic import bert_numpy
from studio.semantic.backends import tokenizer

#: The tuned upper layers, the answer's mark and the head (float16).
CROSS_FILE = Path(__file__).with_name("offtopic_cross.npz")
#: Layers of the sentence model run on the context and the answer apart; the rest run on both together.
SHARED = 4
#: Where the off-topic check's full model is not sure (its probability in this range), the answer is read
#: with the question too (:func:`asked`): the two probabilities are mixed, :data:`WEIGHT` of
#: the cross-encoder's log-odds and the rest of the full model's, and the answer is off topic from
#: :data:`AT` on. Chosen on six labelled sets held out of both (final27 to final32, 1,560 answers, 600
#: off topic): 0.889 / 0.840 without it, 0.903 / 0.885 with it, the cross-encoder asked for 19 % of them; on
#: ten (final27 to final36, 2,592 answers) 0.880 / 0.866 and 0.895 / 0.890, the best of the grid 0.891 / 0.891.
BAND = (0.05, 0.9)
WEIGHT = 0.5
AT = 0.4
#: Probabilities remembered, by (context, answer).
CACHE_SIZE = 4096
#: Pairs run together.
BATCH = 32

_LOCK = threading.Lock()
_MODEL: list[_Cross | None] = [None]
_CACHE: OrderedDict[tuple[str, str], float] = OrderedDict()


def shipped() -> bool:
    """Whether a tuned cross-encoder ships with this release."""
    return CROSS_FILE.is_file()


def digest() -> str:
    """The shipped file's digest (part of the check's version), or "" where none ships."""
    if not _DIGEST:
        _DIGEST.append(hashlib.sha256(CROSS_FILE.read_bytes()).hexdigest()[:16] if shipped() else "")
    return _DIGEST[0]


_DIGEST: list[str] = []


def asked(p: float) -> bool:
    """Whether an answer the full model gives ``p`` is read with the question too (a cross-encoder ships)."""
    return BAND[0] <= p < BAND[1] and shipped()


def mixed(p: float, cross: float) -> float:
    """The full model's probability and the cross-encoder's, mixed in log-odds (:data:`WEIGHT`)."""
    def log_odds(x: float) -> float:
        x = min(max(x, 1e-3), 1 - 1e-3)
        return math.log(x / (1 - x))
    return 1 / (1 + math.exp(-(WEIGHT * log_odds(cross) + (1 - WEIGHT) * log_odds(p))))


def settings() -> tuple:
    """What its verdicts depend on (part of the check's version): the shipped file, the layers, the band, the mix."""
    return digest(), SHARED, BAND, WEIGHT, AT


def context(title: str, question: str) -> str:
    """What the answer is read against: the lesson's English title and the teacher's question."""
    return f"{title}. {question}" if title and question else title or question


def probability(context_text: str, answer: str) -> float:
    """The probability that ``answer`` is off topic after ``context_text`` (:func:`context`)."""
    key = (context_text, answer)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    return _remember([key], probabilities([key]))[0]


def prepare(pairs: Sequence[tuple[str, str]]) -> None:
    """Work out :func:`probability` for these (context, answer) pairs together, in batches (an import's
    answers), so each is then found remembered."""
    with _LOCK:
        todo = list(dict.fromkeys(k for k in pairs if k not in _CACHE))
    todo.sort(key=lambda k: len(k[0]) + len(k[1]))  # like lengths together: less padding
    _remember(todo, probabilities(todo))


def _remember(pairs: Sequence[tuple[str, str]], found: np.ndarray) -> list[float]:
    """Keep each pair's probability (the oldest forgotten past :data:`CACHE_SIZE`); the probabilities."""
    out = [float(p) for p in found]
    with _LOCK:
        _CACHE.update(zip(pairs, out, strict=True))
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


def probabilities(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """:func:`probability` of each (context, answer), run together."""
    if not pairs:
        return np.zeros(0)
    model = _model()
    return np.concatenate([model.read(pairs[i:i + BATCH]) for i in range(0, len(pairs), BATCH)])


def forget() -> None:
    """Drop the loaded model and the remembered probabilities (tests, a new shipped file)."""
    with _LOCK:
        _MODEL[0] = None
        _CACHE.clear()
        _DIGEST.clear()


def load() -> None:
    """Load the cross-encoder now (a run does this before its first dialogue, as it loads the sentence model)."""
    if shipped():
        _model()


def _tensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(the word embeddings memory-mapped, every other float32 tensor read into memory) of a safetensors file
    (an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte offsets,
    then the data): only the rows of the tokens read are paged in, and no page of the file stays mapped for
    the layers, whose weights are copied out once."""
    with path.open("rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        mapped: dict[str, np.ndarray] = {}
        read: dict[str, np.ndarray] = {}
        for name, t in header.items():
            if name == "__metadata__" or t["dtype"] != "F32":
                continue
            begin, end = t["data_offsets"]
            short = name.removeprefix("bert.")
            if short == "embeddings.word_embeddings.weight":
                mapped[short] = np.memmap(path, dtype=np.float32, mode="r", offset=8 + size + begin,
                                          shape=tuple(t["shape"]))
            elif short.startswith("embeddings.") or any(short.startswith(f"encoder.layer.{i}.") for i in range(SHARED)):
                f.seek(8 + size + begin)
                read[short] = np.fromfile(f, dtype=np.float32, count=(end - begin) // 4).reshape(t["shape"])
    return mapped, read


def _model() -> _Cross:
    with _LOCK:
        model = _MODEL[0]
        if model is None:
            from studio.semantic.encoder import ensure_model

            model = _MODEL[0] = _Cross(ensure_model(), CROSS_FILE)
        return model


class _Cross:
    """The lower layers of the sentence model and the tuned upper ones, in numpy."""

    def __init__(self, folder: Path, tuned: Path) -> None:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        mapped, w = _tensors(folder / "model.safetensors")
        self.word = mapped["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.lower = [bert_numpy.block(w, f"encoder.layer.{i}.") for i in range(SHARED)]
        with np.load(tuned, allow_pickle=False) as kept:
            t = {k: kept[k].astype(np.float32) for k in kept.files}
        upper = sorted({k.split(".")[2] for k in t if k.startswith("encoder.layer.")}, key=int)
        self.upper = [bert_numpy.block(t, f"encoder.layer.{i}.") for i in upper]
        self.mark, self.head_w, self.head_b = t["mark"], t["head.weight"].reshape(-1), float(t["head.bias"].reshape(-1)[0])
        self.tokenizer = tokenizer(folder)

    def _lower(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's token states after the shared lower layers."""
        batch = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        x, mask = bert_numpy.embed(batch, self.word, self.position, self.token_type, self.embed_norm, self.eps)
        x = bert_numpy.run_blocks(x, mask, self.lower, self.heads, self.eps)
        return [x[i, :len(t)] for i, t in enumerate(batch)]

    def read(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        contexts = self._lower([c for c, _ in pairs])
        answers = self._lower([a for _, a in pairs])
        n = max(len(c) + len(a) for c, a in zip(contexts, answers, strict=True))
        width = contexts[0].shape[1]
        x = np.zeros((len(pairs), n, width), dtype=np.float32)
        mask = np.zeros((len(pairs), n), dtype=bool)
        said = np.zeros((len(pairs), n), dtype=np.float32)
        for i, (c, a) in enumerate(zip(contexts, answers, strict=True)):
            x[i, :len(c)] = c
            x[i, len(c):len(c) + len(a)] = a + self.mark
            mask[i, :len(c) + len(a)] = True
            said[i, len(c):len(c) + len(a)] = 1.0
        x = bert_numpy.run_blocks(x, mask, self.upper, self.heads, self.eps)
        asked = mask.astype(np.float32) - said
        pooled = np.concatenate([(x * said[..., None]).sum(1) / said.sum(1, keepdims=True),
                                 (x * asked[..., None]).sum(1) / asked.sum(1, keepdims=True)], axis=1)
        z = pooled @ self.head_w + self.head_b
        return 1.0 / (1.0 + np.exp(-z))
