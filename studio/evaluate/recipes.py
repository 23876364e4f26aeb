"""The experiment's recipes: what data, base model, grid of runs and eval an experiment uses, and what
each step is expected to cost on the machine at hand.

``cpu`` teaches SmolLM2-135M-Instruct the teacher contract on two CPU cores within an hour: compact
prompts (the rules are learned from the data, so a sample is a quarter of the tokens), one epoch, a
full update at a learning rate that suits a small model, cosine schedule with warm-up, batches of
similar length, the output layer computed only where a token is learned. The figures it was chosen by
are in the README (Fine-tuning → the tutorial's experiment).

``tiny`` runs the same pipeline on a tiny model built from the data, in a minute (a smoke test).

``gpu`` is the tutorial's grid on its full prompts: full and LoRA × two learning rates × two epoch
counts, through the local worker or LLaMA-Factory (``--gpus N`` launches LLaMA-Factory's own
torchrun, with a DeepSpeed ZeRO config it ships).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: SmolLM2 tokens per sample of an offline-made dataset, by prompt style (measured: 475 samples of
#: 120 dialogues; answers 153 tokens on average). Used for an estimate before the data exists.
TOKENS_PER_SAMPLE = {"compact": 372, "full": 1227}
ANSWER_TOKENS = 160
#: Teacher turns a dialogue gives (an opening and three replies).
SAMPLES_PER_DIALOGUE = 4.0
#: Training throughput in tokens per second on the reference machine (2 cores, AVX2, idle), and what
#: a matrix product reaches there (``machine_gflops``): other machines are scaled by the ratio.
REFERENCE_GFLOPS = 174.0
TRAIN_TOKENS_PER_S = {"full": 160.0, "lora": 200.0, "freeze": 280.0}
#: A worker's start (imports, model load, tokenising) and each eval-loss point, in seconds.
TRAIN_START_S = 25.0
#: Greedy generation of a batch of 8 on the reference machine: seconds per new token (a step of the
#: batch; longer contexts make each step slower) and per prompt token (the prefill).
GEN_STEP_S = 0.15
GEN_STEP_PER_CONTEXT_S = 0.00006
GEN_PREFILL_S = 0.0012
GEN_BATCH = 8
#: Answers of a model that has not learned to stop run to the cap.
MAX_NEW_TOKENS = 320


@dataclass(frozen=True)
class GridRun:
    method: str  # full | lora
    learning_rate: float
    epochs: float

    @property
    def key(self) -> str:
        return f"{self.method}-lr{self.learning_rate:g}-e{self.epochs:g}"


@dataclass(frozen=True)
class Recipe:
    name: str
    prompt: str  # the training prompt style: compact | full
    dialogues: int
    split: float
    grid: tuple[GridRun, ...]
    batch_size: int
    max_length: int
    scheduler: str
    warmup: float
    eval_items: int
    eval_rows: int  # rows for each run's eval loss
    eval_steps: float
    lora_rank: int = 16
    lora_alpha: float = 32
    group_by_length: bool = True
    backend: str = "local"
    compute: float = 1.0  # the base model's cost per token relative to SmolLM2-135M
    base: str = "smollm2"  # smollm2: SmolLM2-135M-Instruct from its package; tiny: a tiny model built from the data
    mix: dict[str, float] | None = None  # the generated data's fault mix (None: the workspace's target mix)
    trainable_layers: int = 15  # method freeze: the top layers that learn
    notes: tuple[str, ...] = field(default_factory=tuple)


RECIPES = {
    "cpu": Recipe(
        name="cpu", prompt="compact", dialogues=120, split=0.8,
        grid=(GridRun("freeze", 3e-4, 2), GridRun("full", 2e-4, 1)),
        mix={"normal": 30, "short": 20, "off_topic": 12.5, "chinese": 12.5, "spelling": 12.5, "grammar": 12.5},
        batch_size=4, max_length=640, scheduler="cosine", warmup=0.05, eval_items=24, eval_rows=8, eval_steps=0.25,
        notes=("SmolLM2-135M-Instruct on 2 CPU cores: compact prompts; the top 15 of 30 layers for two epochs "
               "against a full update for one (the same compute); every fault kind well represented",)),
    "gpu": Recipe(
        name="gpu", prompt="full", dialogues=500, split=0.9,
        grid=tuple(GridRun(m, lr, e) for m, rates in (("full", (1e-5, 3e-5)), ("lora", (1e-4, 3e-4)))
                   for lr in rates for e in (2, 3)),
        batch_size=8, max_length=2048, scheduler="cosine", warmup=0.05, eval_items=60, eval_rows=32,
        eval_steps=0.1, notes=("the tutorial's grid on its full prompts: full and LoRA × learning rate × epochs",)),
    "tiny": Recipe(
        name="tiny", prompt="compact", dialogues=12, split=0.7, grid=(GridRun("freeze", 1e-3, 1), GridRun("full", 1e-3, 1)),
        trainable_layers=1,
        batch_size=4, max_length=1024, scheduler="cosine", warmup=0.05, eval_items=6, eval_rows=2, eval_steps=0.5,
        base="tiny", compute=0.02, notes=("a tiny model the studio builds from the data: the whole pipeline in a minute; it learns "
                            "the JSON's shape, not the teaching",)),
}


def machine_gflops(seconds: float = 0.5) -> float:
    """What a float32 matrix product reaches here, with the threads training uses (torch's, else numpy's)."""
    a: Any
    b: Any
    mm: Callable[[Any, Any], Any]
    try:
        import torch

        a, b = torch.rand(512, 1024), torch.rand(1024, 1024)
        mm = torch.mm
    except ImportError:
        import numpy as np

        a, b = np.random.rand(512, 1024).astype("float32"), np.random.rand(1024, 1024).astype("float32")
        mm = np.matmul
    mm(a, b)
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        mm(a, b)
        done += 1
    return done * 2 * 512 * 1024 * 1024 / (time.perf_counter() - t0) / 1e9


def machine_text() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} × {torch.cuda.device_count()}, {os.cpu_count()} CPU cores"
        return f"{os.cpu_count()} CPU cores, no GPU (torch {torch.__version__}, {torch.get_num_threads()} threads)"
    except ImportError:
        return f"{os.cpu_count()} CPU cores (no torch: the train extra is missing)"


@dataclass
class Costs:
    """Seconds per step of a plan on this machine (``scale`` = reference speed / this machine's)."""

    scale: float = 1.0

    def train(self, method: str, tokens: float, recipe: Recipe) -> float:
        evals = round(1 / recipe.eval_steps) if recipe.eval_steps < 1 else 1
        eval_tokens = evals * recipe.eval_rows * TOKENS_PER_SAMPLE[recipe.prompt]
        rate = TRAIN_TOKENS_PER_S[method]
        return TRAIN_START_S + self.scale * (tokens + eval_tokens / 3) / rate

    def generate(self, items: int, prompt_tokens: float, new_tokens: float) -> float:
        batches = -(-items // GEN_BATCH)
        step = GEN_STEP_S + GEN_STEP_PER_CONTEXT_S * (prompt_tokens + new_tokens / 2)
        per_batch = GEN_BATCH * prompt_tokens * GEN_PREFILL_S + new_tokens * step
        return 10.0 + self.scale * batches * per_batch
