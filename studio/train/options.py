"""The options of a fine-tune job and of a sweep, declared once: ``studio train start`` and ``studio
train sweep``'s flags, the Jobs pane's form (a sweep's fields: one value each makes one job)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.i18n import _l
from studio.options import (
    ChoiceOption,
    FlagOption,
    ListOption,
    NumberOption,
    Option,
    OptionSet,
    PairsOption,
    choices,
)
from studio.train.spec import BACKENDS, JobSpec, make_spec

METHODS = choices(("full", _l("full: every weight learns")), ("lora", _l("lora: small adapters learn")),
                  ("freeze", _l("freeze: only the top layers learn")))

_EPOCHS = NumberOption(name="epochs", label=_l("epochs"), whole=False, default=3, low=0, low_open=True,
                       help=_l("passes over the data (default 3)"))
_LR = NumberOption(name="lr", label=_l("learning rate"), whole=False, default=3e-5, low=0, high=1, low_open=True,
                   high_open=True, help=_l("the learning rate (default 3e-5)"))
_METHOD = ChoiceOption(name="method", label=_l("method"), default="lora", choices=METHODS, noun=_l("method"),
                       help=_l("full, lora or freeze (freeze: only the top --trainable-layers learn)"))

_COMMON = (
    Option(name="snapshot", label=_l("snapshot"), required=True,
           help=_l("the export snapshot to train on (see: studio export)")),
    Option(name="base_model", label=_l("base model"), required=True,
           help=_l("local model folder, hub id, or platform model name")),
    ChoiceOption(name="backend", label=_l("back-end"), default="local", choices=choices(*BACKENDS), noun=_l("back-end"),
                 help=_l("where the job runs: local, llamafactory (multi-GPU), qianfan or openai (platforms)")),
    _METHOD, _EPOCHS, _LR,
    NumberOption(name="batch_size", label=_l("batch size"), default=8, low=1, help=_l("samples per step")),
    NumberOption(name="max_length", label=_l("max length"), default=1024, low=16,
                 help=_l("tokens per sample at most (Qianfan: 4096 or 8192)")),
    NumberOption(name="max_steps", label=_l("max steps"), default=-1, low=-1,
                 help=_l("stop after this many steps (-1: the epochs decide); a sweep over several epochs refuses "
                         "it")),
    PairsOption(name="option", label=_l("options"),
                help=_l("back-end setting, KEY=VALUE (again for each; a form separates them with ';'): command=…, "
                        "nproc_per_node=…, nnodes=…, master_addr=…, deepspeed=… (llamafactory); bos_uri=…, "
                        "dataset_version=…, base_url=… (qianfan); base_url=… (openai)")),
    NumberOption(name="eval_split", label=_l("eval share"), whole=False, default=0.0, low=0, high=1, high_open=True,
                 form=False, help=_l("share held out when the snapshot has no eval file")),
    NumberOption(name="eval_rows", label=_l("eval rows"), default=0, low=0, form=False,
                 help=_l("eval loss on at most this many held-out rows (0: all)")),
    NumberOption(name="seed", label=_l("seed"), default=0, form=False, help=_l("seed of the run")),
    ChoiceOption(name="scheduler", label=_l("scheduler"), default="linear", form=False,
                 choices=choices("linear", "cosine", "constant"), help=_l("how the learning rate falls over the run")),
    NumberOption(name="warmup", label=_l("warm-up"), whole=False, default=0.0, low=0, form=False,
                 help=_l("learning-rate warm-up: below 1 a share of the steps (0.05), else a number of steps")),
    FlagOption(name="group_by_length", label=_l("group by length"), form=False,
               help=_l("batch rows of similar length together, so less compute goes to padding")),
    NumberOption(name="trainable_layers", label=_l("trainable layers"), default=15, low=1, form=False,
                 help=_l("--method freeze: how many of the top layers learn (SmolLM2-135M has 30)")),
    NumberOption(name="lora_rank", label=_l("LoRA rank"), default=8, low=1, form=False, help=_l("LoRA rank")),
    NumberOption(name="lora_alpha", label=_l("LoRA alpha"), whole=False, default=16, low=0, low_open=True,
                 form=False, help=_l("LoRA alpha")),
    NumberOption(name="lora_dropout", label=_l("LoRA dropout"), whole=False, default=0.05, low=0, high=1,
                 high_open=True, form=False, help=_l("LoRA dropout")),
    FlagOption(name="detach", label=_l("detach"), form=False,
               help=_l("queue, start if there is room, and return; `studio train queue` runs the rest")),
    FlagOption(name="json", label="json", form=False, help=_l("print the job(s) as JSON")),
)

#: ``studio train start``: one job.
START = OptionSet(_COMMON)

#: ``studio train sweep`` and the Jobs form: several epochs, learning rates or methods make a grid.
SWEEP = START.extended(
    ListOption(name="method", label=_l("method"), item=_METHOD, default=["lora"], metavar="METHODS",
               help=_l("comma list of full, lora and/or freeze (freeze: only the top --trainable-layers learn)")),
    ListOption(name="epochs", label=_l("epochs"), item=_EPOCHS, default=[3.0], metavar="LIST",
               help=_l("passes over the data: a comma list (3,6) makes a sweep")),
    ListOption(name="lr", label=_l("learning rate"), item=_LR, default=[3e-5], metavar="LIST",
               help=_l("the learning rate: a comma list (3e-5,6e-5) makes a sweep")),
    NumberOption(name="parallel", label=_l("at once"), default=1, low=1, form=False,
                 help=_l("remote jobs at once (local ones run one by one)")),
)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def grid(values: Mapping[str, Any]) -> tuple[list[float], list[float], list[str]]:
    """The epochs, learning rates and methods of a start's or a sweep's values (one of each: one job)."""
    return _as_list(values["epochs"]), _as_list(values["lr"]), _as_list(values["method"])


def spec_of(values: Mapping[str, Any], epochs: float, lr: float, method: str) -> JobSpec:
    """The checked job spec of one point of the grid (SpecError names the first bad field)."""
    v = values
    return make_spec(
        backend=v["backend"], base_model=v["base_model"], snapshot_id=v["snapshot"], options=dict(v["option"] or {}),
        hyper={"epochs": epochs, "batch_size": v["batch_size"], "learning_rate": lr, "max_length": v["max_length"],
               "max_steps": v["max_steps"], "eval_split": v["eval_split"], "eval_rows": v["eval_rows"],
               "seed": v["seed"], "scheduler": v["scheduler"], "warmup": v["warmup"],
               "group_by_length": v["group_by_length"], "trainable_layers": v["trainable_layers"]},
        lora={"rank": v["lora_rank"], "alpha": v["lora_alpha"], "dropout": v["lora_dropout"]}, method=method)


def specs(values: Mapping[str, Any]) -> list[JobSpec]:
    """Every point of the grid checked, methods × epochs × rates (nothing is queued while one is bad)."""
    epochs, rates, methods = grid(values)
    return [spec_of(values, e, lr, m) for m in methods for e in epochs for lr in rates]
