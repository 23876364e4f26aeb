"""The sentence model as an ONNX graph with 8-bit weights, run by onnxruntime on one thread.

The graph is BERT's forward pass as :mod:`studio.semantic.bert_numpy` writes it (embeddings, 6 ×
(self-attention, feed-forward) with residuals and LayerNorm, mean pooling over the real tokens),
built here from the same ``model.safetensors`` with the ``onnx`` package's helpers (no torch). Its
24 weight products run in 8-bit integers (:func:`per_row`: int8 weights with a scale per output
column, each token's activations with a scale of its own), after each product's input channels are
scaled against its weights (:func:`smoothed`), or a few large channels would crush the rest. The
file is made once and kept in the cache beside the model (:func:`graph_path`, keyed by the weights,
:data:`CONVERTER` and the onnxruntime version). Its vectors are within a cosine of 0.998 of the
float32 pass on average, 0.99 at worst (``tests/unit/test_encoder_backends.py``), for about 0.55
of its CPU time: on these AVX2 cores without 8-bit dot-product instructions an 8-bit product is not
much cheaper than a float32 one, and the products are most of the pass.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from studio.semantic.backends import Backend, BackendMissing, padded, register, tokenizer, unit
from studio.wheels import cache_dir

#: Bumped when the graph this module builds changes (:data:`SMOOTHING`, :data:`CALIBRATION` and
#: :data:`WEIGHT_LEVELS` included): a new file is made, the old one left unused.
CONVERTER = 4
OPSET = 17  # LayerNormalization's first opset; onnxruntime 1.20 runs up to 21
IR_VERSION = 8  # what onnxruntime 1.20 reads (the onnx package writes newer by default)


def _runtime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise BackendMissing(f"onnxruntime is not installed ({exc})") from None
    return onnxruntime


@lru_cache(maxsize=1)
def _runtime_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onnxruntime")
    except PackageNotFoundError:
        return "none"


def graph_path(weights_sha256: str) -> Path:
    """Where the quantised graph of these weights is kept, for this converter and onnxruntime."""
    _runtime()
    name = f"minilm-{weights_sha256[:16]}-c{CONVERTER}-ort{_runtime_version()}.int8.onnx"
    return cache_dir() / "sentence-model" / "onnx" / name


def build_graph(folder: Path) -> Any:
    """The float32 ONNX model of the BERT encoder in ``folder`` (inputs ``ids`` int64 [b, n] and
    ``mask`` float32 [b, n], 1 on real tokens; output ``pooled`` float32 [b, width], not normalised)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    heads, layers = int(config["num_attention_heads"]), int(config["num_hidden_layers"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
    width = w["embeddings.word_embeddings.weight"].shape[1]
    dh = width // heads
    nodes: list = []
    inits: list = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value.copy(order="C"), name))
        return name

    def node(op: str, inputs: Sequence[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, list(inputs), [name], name=name, **attrs))
        return name

    def norm(x: str, prefix: str, out: str) -> str:
        scale, bias = const(prefix + ".weight", w[prefix + ".weight"]), const(prefix + ".bias", w[prefix + ".bias"])
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=eps)

    def dense(x: str, prefix: str, out: str, weight: np.ndarray | None = None, bias: np.ndarray | None = None) -> str:
        weight = w[prefix + ".weight"].T if weight is None else weight
        bias = w[prefix + ".bias"] if bias is None else bias
        product = node("MatMul", [x, const(prefix + ".weight_t", weight)], out + "_matmul")
        return node("Add", [product, const(prefix + ".bias", bias)], out)

    const("axis0", np.array([0], dtype=np.int64))
    const("axis1", np.array([1], dtype=np.int64))
    const("axes12", np.array([1, 2], dtype=np.int64))
    const("axis2", np.array([2], dtype=np.int64))
    const("one", np.array(1.0, dtype=np.float32))
    const("minus_big", np.array(-1e9, dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("root_two", np.array(math.sqrt(2.0), dtype=np.float32))
    const("scale", np.array(1.0 / math.sqrt(dh), dtype=np.float32))
    const("split_heads", np.array([0, 0, 3, heads, dh], dtype=np.int64))
    const("join_heads", np.array([0, 0, width], dtype=np.int64))
    for i in range(3):
        const(f"part{i}", np.array(i, dtype=np.int64))

    # embeddings: word + position (the first n rows) + token type 0, then LayerNorm
    length = node("Gather", [node("Shape", ["ids"], "ids_shape"), "part1"], "length")
    positions = node("Slice", [const("embeddings.position", w["embeddings.position_embeddings.weight"]), "axis0",
                               node("Unsqueeze", [length, "axis0"], "length_1d"), "axis0"], "positions")
    words = node("Gather", [const("embeddings.word", w["embeddings.word_embeddings.weight"]), "ids"], "words")
    typed = node("Add", [positions, const("embeddings.type", w["embeddings.token_type_embeddings.weight"][0])], "typed")
    x = norm(node("Add", [words, typed], "embedded"), "embeddings.LayerNorm", "x_embed")
    # padding kept out of attention: -1e9 added to its scores, as [b, 1, 1, n]
    padding = node("Unsqueeze", [node("Mul", [node("Sub", ["one", "mask"], "unmask"), "minus_big"], "padding_2d"),
                                 "axes12"], "padding")
    for i in range(layers):
        p = f"encoder.layer.{i}."
        qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T
        qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
        qkv = dense(x, p + "attention.self.qkv", f"l{i}_qkv", qkv_w, qkv_b)
        split = node("Transpose", [node("Reshape", [qkv, "split_heads"], f"l{i}_qkv5")], f"l{i}_heads",
                     perm=[2, 0, 3, 1, 4])  # [3, b, heads, n, dh]
        q, k, v = (node("Gather", [split, f"part{j}"], f"l{i}_{n}", axis=0) for j, n in enumerate("qkv"))
        scores = node("MatMul", [q, node("Transpose", [k], f"l{i}_kt", perm=[0, 1, 3, 2])], f"l{i}_scores")
        scores = node("Add", [node("Mul", [scores, "scale"], f"l{i}_scaled"), padding], f"l{i}_masked")
        attention = node("Softmax", [scores], f"l{i}_attention", axis=-1)
        context = node("Transpose", [node("MatMul", [attention, v], f"l{i}_context4")], f"l{i}_context_t",
                       perm=[0, 2, 1, 3])
        context = node("Reshape", [context, "join_heads"], f"l{i}_context")
        out = dense(context, p + "attention.output.dense", f"l{i}_attn_out")
        x = norm(node("Add", [out, x], f"l{i}_res1"), p + "attention.output.LayerNorm", f"l{i}_x1")
        up = dense(x, p + "intermediate.dense", f"l{i}_up")
        # GELU, 0.5 x (1 + erf(x / sqrt 2)), in the form onnxruntime fuses into one Gelu
        erf = node("Erf", [node("Div", [up, "root_two"], f"l{i}_up_scaled")], f"l{i}_erf")
        gelu = node("Mul", [node("Mul", [up, node("Add", [erf, "one"], f"l{i}_erf1")], f"l{i}_up_erf"), "half"],
                    f"l{i}_gelu")
        down = dense(gelu, p + "output.dense", f"l{i}_down")
        x = norm(node("Add", [down, x], f"l{i}_res2"), p + "output.LayerNorm", f"l{i}_x2")
    # mean pooling over the real tokens
    weights = node("Unsqueeze", ["mask", "axis2"], "mask_3d")
    summed = node("ReduceSum", [node("Mul", [x, weights], "masked_x"), "axis1"], "summed", keepdims=0)
    counted = node("ReduceSum", ["mask", "axis1"], "counted", keepdims=1)
    node("Div", [summed, counted], "pooled")
    graph = helper.make_graph(
        nodes, "minilm",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["b", "n"]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["b", "n"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["b", width])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="kouyu-studio")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


#: How much of each input channel's range moves into the weights before they are made 8-bit
#: (SmoothQuant's alpha): a few channels of BERT's activations are far larger than the rest, and one
#: 8-bit step for a whole row would crush the others. Of 0, 0.3, 0.5, 0.65 and 0.8, 0.5 came closest
#: to float32 (cosine over 359 sentences: mean 0.9979, least 0.994; unsmoothed 0.9953, 0.986).
SMOOTHING = 0.5
#: Sentences whose activations give each channel's range: answers, questions and topics as the
#: off-topic check reads them.
CALIBRATION = (
    "I liked the last three seconds when our team scored the winning basket.",
    "What a game last night! Which moment did you like best?",
    "My grandmother grows tomatoes and peppers in her small garden every summer.",
    "I played video games on my new console all weekend and reached level ten.",
    "Teacher, how old are you? Do you have any children?",
    "Sorry, my internet is bad, I can't hear you clearly.",
    "Two classmates talk about their plans for the weekend and what they will do.",
    "We went to the science museum and saw a robot that could draw pictures.",
    "Have you ever used the clothes recycling bins in your neighbourhood?",
    "I think the most difficult part is cutting the small lines without tearing the paper.",
    "My mum is making braised pork for dinner, I can smell it now.",
    "The school radio station plays songs and reads news every lunch break.",
    "Learning to skate was hard at first, but my coach held my hand.",
    "Which work impressed you the most at the art exhibition, and why?",
    "Food meal lunch dinner breakfast noodles rice dumplings pizza restaurant",
    "By the way, my cousin is getting married next month in Hangzhou.",
    "It is important, because it is good for our future and our health.",
    "Yes, I do. Last term we visited a farm and fed the goats.",
    "两位同学对一场激动人心的篮球比赛进行回顾和分析。",
    "We watched the lunar eclipse from the roof, and my dad took photos with his camera.",
)


def _ranges(model: Any, folder: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The largest magnitude of each channel of each named tensor over :data:`CALIBRATION`, the
    float32 graph run by onnxruntime."""
    import onnx

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in names:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    runtime = _runtime()
    options = runtime.SessionOptions()
    options.intra_op_num_threads = 1
    session = runtime.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    ranges = {name: np.zeros(0, dtype=np.float32) for name in names}
    for encoding in tokenizer(folder).encode_batch(list(CALIBRATION)):
        ids = np.asarray([encoding.ids], dtype=np.int64)
        for name, value in zip(names, session.run(list(names), {"ids": ids, "mask": np.ones(ids.shape, np.float32)}),
                               strict=True):
            top = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            ranges[name] = top if not len(ranges[name]) else np.maximum(ranges[name], top)
    return ranges


def smoothed(model: Any, folder: Path) -> list[str]:
    """Divide each weight product's input channels by ``s`` and multiply the weights' rows by it (the
    same product), ``s`` from the channel's range and the weights' (:data:`SMOOTHING`); returns the
    names of the products, the nodes to quantise."""
    from onnx import helper, numpy_helper

    products = [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1].endswith(".weight_t")]
    ranges = _ranges(model, folder, [n.input[0] for n in products])
    initialisers = {i.name: i for i in model.graph.initializer}
    nodes = []
    for n in model.graph.node:
        if n.op_type == "MatMul" and n.input[1].endswith(".weight_t"):
            weight = numpy_helper.to_array(initialisers[n.input[1]])
            scale = (np.maximum(ranges[n.input[0]], 1e-5) ** SMOOTHING
                     / np.maximum(np.abs(weight).max(axis=1), 1e-5) ** (1 - SMOOTHING)).astype(np.float32)
            initialisers[n.input[1]].CopyFrom(numpy_helper.from_array(weight * scale[:, None], n.input[1]))
            model.graph.initializer.append(numpy_helper.from_array((1 / scale).astype(np.float32), n.name + "_inv"))
            nodes.append(helper.make_node("Mul", [n.input[0], n.name + "_inv"], [n.name + "_in"], name=n.name + "_in"))
            n.input[0] = n.name + "_in"
        nodes.append(n)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return [n.name for n in products]


#: The weights' levels either side of 0: 7 bits, so that a product of an 8-bit activation and a
#: weight, summed in pairs, stays within the 16 bits AVX2's 8-bit multiply-add keeps (it saturates).
WEIGHT_LEVELS = 63


def per_row(model: Any, products: Sequence[str]) -> None:
    """Each named product ``x @ W`` as 8-bit arithmetic: ``W`` to int8 with a scale per output column
    (:data:`WEIGHT_LEVELS`), each row of ``x`` (a token) to uint8 with its own scale, symmetric about
    128, as it runs; the integer product (``MatMulInteger``) scaled back. A scale per row keeps a
    text's vector independent of the texts run with it (onnxruntime's dynamic quantisation has one
    scale for the whole input) and of the other tokens' outliers."""
    from onnx import TensorProto, helper, numpy_helper

    initialisers = {i.name: i for i in model.graph.initializer}
    model.graph.initializer.extend([numpy_helper.from_array(np.array(v, dtype=t), n) for n, v, t in (
        ("q_step", 1 / 127, np.float32), ("q_least", 1e-10, np.float32), ("q_zero", 128, np.uint8))])
    wanted = set(products)
    nodes = []
    for n in model.graph.node:
        if n.name not in wanted:
            nodes.append(n)
            continue
        float32 = initialisers[n.input[1]]
        weight = numpy_helper.to_array(float32)
        step = np.maximum(np.abs(weight).max(axis=0), 1e-8) / WEIGHT_LEVELS
        levels = np.clip(np.round(weight / step), -WEIGHT_LEVELS, WEIGHT_LEVELS).astype(np.int8)
        model.graph.initializer.remove(float32)
        model.graph.initializer.extend([numpy_helper.from_array(levels, n.name + "_levels"),
                                        numpy_helper.from_array(step.astype(np.float32), n.name + "_step")])
        x, p = n.input[0], n.name

        def op(kind: str, inputs: list[str], out: str, **attrs: Any) -> str:
            nodes.append(helper.make_node(kind, inputs, [out], name=out, **attrs))
            return out

        def op_abs(x: str) -> str:
            return op("Abs", [x], x + "_abs")

        def op_shape(x: str) -> str:
            return op("Shape", [x], x + "_shape")

        def op_col(x: str) -> str:
            return op("Unsqueeze", [x, "axis1"], x + "_col")

        def op_concat(p: str) -> str:
            return op("Concat", ["ids_shape", p + "_out"], p + "_back", axis=0)

        width, out = weight.shape
        model.graph.initializer.extend([numpy_helper.from_array(np.array([-1, width], np.int64), p + "_rows_shape"),
                                        numpy_helper.from_array(np.array([out], np.int64), p + "_out")])
        op("Reshape", [x, p + "_rows_shape"], p + "_x2")  # [tokens, width]
        op("ReduceMax", [op_abs(p + "_x2")], p + "_top", axes=[1], keepdims=0)
        op("Mul", [p + "_top", "q_step"], p + "_row_step_raw")
        op("Max", [p + "_row_step_raw", "q_least"], p + "_row_step")  # each row's step: its largest magnitude / 127
        op("Expand", ["q_zero", op_shape(p + "_row_step")], p + "_zeros")
        op("QuantizeLinear", [p + "_x2", p + "_row_step", p + "_zeros"], p + "_u8", axis=0)
        op("MatMulInteger", [p + "_u8", p + "_levels", "q_zero"], p + "_int")
        op("Cast", [p + "_int"], p + "_float", to=TensorProto.FLOAT)
        op("Mul", [p + "_float", op_col(p + "_row_step")], p + "_rows")
        op("Mul", [p + "_rows", p + "_step"], p + "_y2")
        op("Reshape", [p + "_y2", op_concat(p)], n.output[0])  # back to [b, n, out]
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def quantised(folder: Path, target: Path) -> Path:
    """Build the graph of ``folder``'s model, smooth it (:func:`smoothed`), make its products 8-bit
    (:func:`per_row`) and write it to ``target`` (through a temporary file beside it: no reader sees
    half a file)."""
    import onnx

    model = build_graph(folder)
    per_row(model, smoothed(model, folder))
    onnx.checker.check_model(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        onnx.save(model, str(work / "int8.onnx"))
        (work / "int8.onnx").replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def ensure_graph(folder: Path, weights_sha256: str) -> Path:
    """The quantised graph of the model in ``folder``: the cache's, or built once (one process at a
    time builds it; the others wait and read it)."""
    target = graph_path(weights_sha256)
    if target.is_file():
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / ".build.lock"), timeout=600):
        if not target.is_file():
            quantised(folder, target)
    return target


@register
class OnnxBert(Backend):
    """The model as an 8-bit ONNX graph in onnxruntime, on one thread, texts of about one length run
    together (each row of the activations has its own scale: a text's vector is what it alone gives)."""

    name = "onnx"
    rank = 10
    batch = 16

    @classmethod
    def installed(cls) -> bool:
        import importlib.util

        return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))

    @classmethod
    def identity(cls) -> str:
        return f"onnx-int8-c{CONVERTER}-{_runtime_version()}"

    def __init__(self, folder: Path, weights_sha256: str) -> None:
        runtime = _runtime()
        if not graph_path(weights_sha256).is_file():  # built once; read back with onnxruntime alone
            try:
                import onnx  # noqa: F401 - the graph is built with it (0.8 CPU-s to import)
            except ImportError as exc:
                raise BackendMissing(f"onnx is not installed ({exc})") from None
        super().__init__(folder, weights_sha256)
        options = runtime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = runtime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self.session = runtime.InferenceSession(str(ensure_graph(folder, weights_sha256)), options,
                                                    providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - a graph not made or not read: the next backend runs, saying why
            raise BackendMissing(f"its graph could not be made or read ({type(exc).__name__}: {exc})") from None

    def encode_batch(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        ids, mask = padded(batch)
        return unit(self.session.run(["pooled"], {"ids": ids, "mask": mask.astype(np.float32)})[0])
