"""Tune the off-topic check's cross-encoder (studio/semantic/offtopic_cross.py) on the labelled sets.

    python -m tests.bench.offtopic_cross_fit --held-out off_topic_final31.json off_topic_final32.json
    python -m tests.bench.offtopic_cross_fit --write

Needs torch (the ``train`` extra). The sentence model's lower ``SHARED`` layers stay as they are and run
on the context (the lesson's English title and the teacher's question) and the answer apart; their token
states are worked out once. The upper layers start from the sentence model's own and are tuned, with a
learned mark added to the answer's tokens and a logistic head over the means of the answer's and the
context's tokens, on every judged labelled answer (binary cross-entropy, AdamW, three epochs, a short
warm-up and a linear decay; seeded).

``--held-out`` tunes without the named sets and reports the cross-encoder's precision and recall on them
(and keeps its probabilities for the band to be chosen: ``--keep FILE``). ``--write`` tunes on every
labelled set and writes the shipped file (float16).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np

from studio.semantic import offtopic, offtopic_cross
from studio.semantic.backends import tokenizer
from studio.semantic.encoder import ensure_model
from tests.bench.offtopic_fit import DATA, SETS

#: Labelled sets the cross-encoder is tuned on beyond the full model's: each measured once, then among the
#: sets its band (:data:`studio.semantic.offtopic_cross.BAND`) was chosen on, held out of both.
MORE = ("off_topic_final31.json", "off_topic_final32.json", "off_topic_final33.json", "off_topic_final34.json",
        "off_topic_final35.json", "off_topic_final36.json")
EPOCHS, BATCH, LR, HEAD_LR, WARM_UP = 3, 32, 3e-5, 1e-3, 50


def labelled(names: list[str]) -> list[dict]:
    """Every judged labelled answer of ``names``: set, context, answer, off topic."""
    rows = []
    for name in names:
        for g in json.loads((DATA / name).read_text(encoding="utf-8")):
            q, t, _ = offtopic._parts(g["topic"], g["title"], g["teacher"])
            for label in ("on", "loose", "off"):
                for said in g[label]:
                    u = offtopic.unaddressed(said, g["topic"])  # what the check reads of it
                    if offtopic._judged(u, g["topic"], g["title"], g["teacher"]):
                        rows.append({"set": name, "context": offtopic_cross.context(t, q), "answer": u,
                                     "off": label == "off"})
    return rows


def _torch():
    import torch

    torch.set_num_threads(int(os.environ.get("STUDIO_FIT_THREADS", "2")))
    return torch


def _weights(torch) -> dict:
    from safetensors.torch import load_file

    return {k.removeprefix("bert."): v.float() for k, v in load_file(str(ensure_model() / "model.safetensors")).items()}


def _layer(torch, w: dict, i: int):
    """Encoder layer ``i`` of the sentence model, as a torch module (the same arithmetic as bert_numpy)."""
    nn = torch.nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            p = f"encoder.layer.{i}."

            def lin(n: str):
                weight = w[p + n + ".weight"]
                m = nn.Linear(weight.shape[1], weight.shape[0])
                m.weight.data, m.bias.data = weight.clone(), w[p + n + ".bias"].clone()
                return m

            def norm(n: str):
                m = nn.LayerNorm(w[p + n + ".weight"].shape[0], eps=1e-12)
                m.weight.data, m.bias.data = w[p + n + ".weight"].clone(), w[p + n + ".bias"].clone()
                return m

            self.query, self.key, self.value = lin("attention.self.query"), lin("attention.self.key"), lin(
                "attention.self.value")
            self.out, self.out_norm = lin("attention.output.dense"), norm("attention.output.LayerNorm")
            self.up, self.down, self.down_norm = lin("intermediate.dense"), lin("output.dense"), norm("output.LayerNorm")

        def forward(self, x, real):
            b, n, width = x.shape
            heads = 12

            def split(t):
                return t.view(b, n, heads, width // heads).transpose(1, 2)

            a = split(self.query(x)) @ split(self.key(x)).transpose(-1, -2) / math.sqrt(width // heads)
            a = a + torch.where(real, 0.0, -1e9)[:, None, None, :]
            c = (a.softmax(-1) @ split(self.value(x))).transpose(1, 2).reshape(b, n, width)
            x = self.out_norm(self.out(c) + x)
            return self.down_norm(self.down(torch.nn.functional.gelu(self.up(x))) + x)

    return Layer()


def lower_states(torch, w: dict, texts: list[str]) -> dict[str, object]:
    """Each text's token states after the shared lower layers (float32), as offtopic_cross works them out."""
    tok = tokenizer(ensure_model())
    lower = [_layer(torch, w, i).eval() for i in range(offtopic_cross.SHARED)]
    out: dict[str, object] = {}
    texts = list(dict.fromkeys(texts))
    for start in range(0, len(texts), 64):
        chunk = texts[start:start + 64]
        ids = [e.ids for e in tok.encode_batch(chunk)]
        n = max(map(len, ids))
        t = torch.tensor([i + [0] * (n - len(i)) for i in ids])
        real = torch.tensor([[k < len(i) for k in range(n)] for i in ids])
        with torch.no_grad():
            x = w["embeddings.word_embeddings.weight"][t] + w["embeddings.position_embeddings.weight"][:n] + \
                w["embeddings.token_type_embeddings.weight"][0]
            x = torch.nn.functional.layer_norm(x, (x.shape[-1],), w["embeddings.LayerNorm.weight"],
                                               w["embeddings.LayerNorm.bias"], 1e-12)
            for layer in lower:
                x = layer(x, real)
        for text, i, row in zip(chunk, ids, x, strict=True):
            out[text] = row[:len(i)].clone()
    return out


def _model(torch, w: dict):
    nn = torch.nn
    width = w["embeddings.LayerNorm.weight"].shape[0]
    layers = nn.ModuleList(_layer(torch, w, i) for i in range(offtopic_cross.SHARED, 6))

    class Cross(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = layers
            self.mark = nn.Parameter(torch.zeros(width))
            self.head = nn.Linear(2 * width, 1)

        def forward(self, contexts, answers):
            n = max(len(c) + len(a) for c, a in zip(contexts, answers, strict=True))
            x = torch.zeros(len(contexts), n, width)
            real = torch.zeros(len(contexts), n, dtype=torch.bool)
            said = torch.zeros(len(contexts), n)
            for i, (c, a) in enumerate(zip(contexts, answers, strict=True)):
                x[i, :len(c)] = c
                x[i, len(c):len(c) + len(a)] = a + self.mark
                real[i, :len(c) + len(a)] = True
                said[i, len(c):len(c) + len(a)] = 1.0
            for layer in self.layers:
                x = layer(x, real)
            asked = real.float() - said
            pooled = torch.cat([(x * said[..., None]).sum(1) / said.sum(1, keepdim=True),
                                (x * asked[..., None]).sum(1) / asked.sum(1, keepdim=True)], -1)
            return self.head(pooled).squeeze(-1)

    return Cross()


def tune(rows: list[dict], states: dict, torch, w: dict, *, seed: int = 0, say=print):
    """The cross-encoder tuned on ``rows``."""
    torch.manual_seed(seed)
    order = random.Random(seed)
    model = _model(torch, w)
    rows = list(rows)
    opt = torch.optim.AdamW([{"params": model.layers.parameters(), "lr": LR},
                             {"params": [model.mark, *model.head.parameters()], "lr": HEAD_LR}], weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(rows) / BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / WARM_UP) * max(0.0, 1 - s / steps))
    started = time.process_time()
    for epoch in range(EPOCHS):
        order.shuffle(rows)
        model.train()
        total = 0.0
        for start in range(0, len(rows), BATCH):
            b = rows[start:start + BATCH]
            logits = model([states[r["context"]] for r in b], [states[r["answer"]] for r in b])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([float(r["off"]) for r in b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        say(f"  epoch {epoch + 1}: loss {total / len(rows):.3f} ({time.process_time() - started:.0f} CPU-s)")
    return model.eval()


def read(model, rows: list[dict], states: dict, torch) -> np.ndarray:
    out = []
    with torch.no_grad():
        for start in range(0, len(rows), 64):
            b = rows[start:start + 64]
            out += torch.sigmoid(model([states[r["context"]] for r in b], [states[r["answer"]] for r in b])).tolist()
    return np.array(out)


def write(model, path: Path) -> None:
    """The tuned layers (named as the sentence model's), the mark and the head, float16."""
    kept = {}
    for k, layer in enumerate(model.layers):
        i = offtopic_cross.SHARED + k
        p = f"encoder.layer.{i}."
        for name, m in (("attention.self.query", layer.query), ("attention.self.key", layer.key),
                        ("attention.self.value", layer.value), ("attention.output.dense", layer.out),
                        ("attention.output.LayerNorm", layer.out_norm), ("intermediate.dense", layer.up),
                        ("output.dense", layer.down), ("output.LayerNorm", layer.down_norm)):
            kept[p + name + ".weight"] = m.weight.detach().numpy().astype(np.float16)
            kept[p + name + ".bias"] = m.bias.detach().numpy().astype(np.float16)
    kept["mark"] = model.mark.detach().numpy().astype(np.float16)
    kept["head.weight"] = model.head.weight.detach().numpy().astype(np.float16)
    kept["head.bias"] = model.head.bias.detach().numpy().astype(np.float16)
    np.savez_compressed(path, **kept)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--held-out", nargs="*", default=[], help="labelled sets left out of the tuning and read")
    ap.add_argument("--keep", type=Path, help="where to keep the held-out probabilities (pickle: answer -> p)")
    ap.add_argument("--write", action="store_true", help="write the tuned file (tuned on every labelled set but the held-out ones)")
    args = ap.parse_args(argv)
    torch = _torch()
    names = list(dict.fromkeys([n for n, _ in SETS] + list(MORE)))  # a set in both is read once
    rows = labelled(names + [n for n in args.held_out if n not in names])
    w = _weights(torch)
    states = lower_states(torch, w, [r["context"] for r in rows] + [r["answer"] for r in rows])
    kept = [r for r in rows if r["set"] not in args.held_out]
    print(f"{len(kept)} labelled answers of {len({r['set'] for r in kept})} sets "
          f"({sum(r['off'] for r in kept)} off topic)")
    model = tune(kept, states, torch, w)
    if args.held_out:
        test = [r for r in rows if r["set"] in args.held_out]
        p = read(model, test, states, torch)
        y = np.array([r["off"] for r in test])
        for at in (0.3, 0.4, 0.5, 0.6, 0.7):
            f = p >= at
            print(f"  held out, from {at}: precision {(f & y).sum() / max(1, f.sum()):.3f}, "
                  f"recall {(f & y).sum() / max(1, y.sum()):.3f}")
        if args.keep:
            args.keep.write_bytes(pickle.dumps({(r["context"], r["answer"]): float(x) for r, x in zip(test, p, strict=True)}))
    if args.write:
        write(model, offtopic_cross.CROSS_FILE)
        print(f"wrote {offtopic_cross.CROSS_FILE} ({offtopic_cross.CROSS_FILE.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
