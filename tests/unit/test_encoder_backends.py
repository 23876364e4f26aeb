"""The sentence model's backends: the 8-bit onnxruntime graph gives what the float32 numpy reference
gives (within a cosine of 0.997 on average, 0.99 at worst), each text the same vector alone or with others; the graph
is built once per weights, converter and onnxruntime, then read from the cache; without onnxruntime
the model runs in numpy and says why, and a backend named but unable to run is an error naming it."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.semantic import bert_onnx, encoder
from studio.semantic.backends import BACKENDS, Backend, BackendMissing, register
from studio.semantic.bert_numpy import NumpyBert
from studio.semantic.bert_onnx import OnnxBert

DATA = Path(__file__).resolve().parents[1] / "data"


def _sentences() -> list[str]:
    """The answers and questions of two labelled sets, and the topics: a few hundred sentences."""
    texts: list[str] = []
    for name in ("off_topic_cases.json", "off_topic_asides.json"):
        for dialogue in json.loads((DATA / name).read_text(encoding="utf-8")):
            texts += [dialogue["topic"], dialogue["title"], dialogue["teacher"],
                      *dialogue["on"], *dialogue["loose"], *dialogue["off"]]
    return list(dict.fromkeys(texts))


def _onnx() -> OnnxBert:
    return OnnxBert(encoder.ensure_model(), encoder.WEIGHTS_SHA256)


def test_the_onnx_vectors_are_close_to_the_numpy_reference():
    texts = _sentences()
    assert len(texts) > 300
    reference = NumpyBert(encoder.ensure_model(), encoder.WEIGHTS_SHA256).encode(texts)
    vectors = _onnx().encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.mean() >= 0.997, cosine.mean()  # 0.9978 on these 420
    assert cosine.min() >= 0.99, (cosine.min(), texts[int(cosine.argmin())])  # 0.9947


def test_a_text_gives_the_same_onnx_vector_alone_or_with_others():
    texts = _sentences()[:40]
    model = _onnx()
    together = model.encode(texts)
    alone = np.stack([model.encode([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-6


def test_the_graph_is_built_once_and_then_read_from_the_cache(tmp_path, monkeypatch):
    built = _onnx()  # the suite's own graph, in the user cache
    assert built.session is not None
    made = bert_onnx.graph_path(encoder.WEIGHTS_SHA256)
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path))
    builds: list[Path] = []

    def quantised(folder: Path, target: Path) -> Path:  # as the real one, without its minutes under load
        builds.append(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)
        return target

    monkeypatch.setattr(bert_onnx, "quantised", quantised)
    _onnx()
    _onnx()
    assert len(builds) == 1 and builds[0].is_file() and builds[0].is_relative_to(tmp_path)
    assert encoder.WEIGHTS_SHA256[:16] in builds[0].name and f"-c{bert_onnx.CONVERTER}-" in builds[0].name
    monkeypatch.setattr(bert_onnx, "CONVERTER", bert_onnx.CONVERTER + 1)  # a changed converter: built anew
    _onnx()
    assert len(builds) == 2 and builds[1] != builds[0]


def test_a_built_graph_is_read_without_the_onnx_package(tmp_path, monkeypatch):
    _onnx()  # the suite's own graph, in the user cache
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if it were not installed: importing it fails
    assert _onnx().encode(["Did you enjoy it?"]).shape == (1, 384)  # onnxruntime alone reads the graph
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path))  # a graph still to be built needs it
    with pytest.raises(BackendMissing, match="onnx is not installed"):
        _onnx()


def test_without_onnxruntime_the_model_runs_in_numpy_and_says_why(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    monkeypatch.delenv("STUDIO_SENTENCE_BACKEND", raising=False)
    assert not OnnxBert.installed()
    with caplog.at_level(logging.WARNING, logger="studio.semantic"):
        model = encoder.load_backend()
    assert isinstance(model, NumpyBert)
    note = str(encoder.backend_note())
    assert note.startswith("the sentence model runs in numpy") and "onnxruntime is not installed" in note
    assert note in caplog.text
    v = model.encode(["The basketball game was exciting.", "We watched an exciting basketball match."])
    assert v[0] @ v[1] > 0.6


def test_a_graph_that_cannot_be_built_leaves_the_model_in_numpy_saying_why(tmp_path, monkeypatch):
    folder = encoder.ensure_model()  # the model folder from the suite's cache, the graph's cache empty
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path))
    monkeypatch.setenv("STUDIO_SENTENCE_MODEL", str(folder))
    monkeypatch.delenv("STUDIO_SENTENCE_BACKEND", raising=False)

    def full(folder: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bert_onnx, "quantised", full)
    assert isinstance(encoder.load_backend(), NumpyBert)
    assert "onnx: its graph could not be made or read (OSError: [Errno 28] No space left on device)" in str(
        encoder.backend_note())
    assert not list((tmp_path / "sentence-model" / "onnx").glob("*.onnx")), "nothing half-written"


def test_a_backend_named_that_cannot_run_or_does_not_exist_is_an_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setenv("STUDIO_SENTENCE_BACKEND", "onnx")
    with pytest.raises(encoder.EncoderError, match=r"^STUDIO_SENTENCE_BACKEND=onnx: onnxruntime is not installed"):
        encoder.load_backend()
    monkeypatch.setenv("STUDIO_SENTENCE_BACKEND", "tpu")
    with pytest.raises(encoder.EncoderError, match=r"STUDIO_SENTENCE_BACKEND=tpu: no such backend \(one of numpy, onnx"):
        encoder.load_backend()


def test_a_registered_backend_is_tried_in_its_rank_and_keys_the_verdicts(monkeypatch):
    monkeypatch.setattr("studio.semantic.backends.BACKENDS", dict(BACKENDS))

    @register
    class Unavailable(Backend):
        name, rank = "first", 0

        @classmethod
        def installed(cls) -> bool:
            return False

        def __init__(self, folder: Path, weights_sha256: str) -> None:
            raise BackendMissing("its runtime is not here")

    import studio.semantic.backends as backends

    monkeypatch.setattr(encoder, "BACKENDS", backends.BACKENDS)
    monkeypatch.delenv("STUDIO_SENTENCE_BACKEND", raising=False)
    model = encoder.load_backend()
    assert model.name == backends.in_order()[1].name
    assert "first: its runtime is not here" in str(encoder.backend_note())
    # which backend makes the vectors is part of a verdict's key, before any model is loaded
    monkeypatch.setattr(encoder, "_model", encoder.LoadedOnce(encoder.load_backend, "sentence model"))
    from studio.semantic import verdicts

    keys = set()
    for name in ("numpy", "onnx"):
        monkeypatch.setenv("STUDIO_SENTENCE_BACKEND", name)
        assert encoder.vectors_id() == BACKENDS[name].identity()
        keys.add(verdicts.key("v1", "My cat is sleeping."))
    assert len(keys) == 2
