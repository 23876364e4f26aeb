"""What a fine-tune job asks for, checked before anything starts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

BACKENDS = ("local", "llamafactory", "qianfan", "openai")

#: Qianfan ERNIE-Speed ranges as bce-qianfan-sdk's python/qianfan/trainer/configs.py listed them (2024-06-13).
#: The platform changes them (DescribeFineTuningSupportModels gives the live ones), so a value outside
#: them is a warning, never a refusal: the platform itself says no if it disagrees.
QIANFAN_SOURCE = "bce-qianfan-sdk trainer/configs.py, 2024-06; the live ranges may differ"
QIANFAN_RANGES = {
    "full": {"learning_rate": (1e-5, 4e-5), "epochs": (1, 50)},
    "lora": {"learning_rate": (3e-5, 1e-3), "epochs": (1, 50)},
}
QIANFAN_RANKS = (2, 4, 8)
QIANFAN_SEQ = (4096, 8192)
#: The console's test split is 0–20 % of the data (qianfan-api.md §5.2, console screenshot step4).
QIANFAN_MAX_SPLIT = 0.2
#: saveStep: the platform allows 64…4096 steps between checkpoints.
QIANFAN_SAVE_STEP = (64, 4096)


class SpecError(ValueError):
    """A job that cannot run as asked; the message names the field."""


class Hyper(BaseModel):
    model_config = ConfigDict(extra="forbid")

    epochs: float = Field(default=3, gt=0)
    learning_rate: float = Field(default=3e-5, gt=0, lt=1)
    batch_size: int = Field(default=8, ge=1)
    max_length: int = Field(default=1024, ge=16)
    seed: int = 0
    eval_split: float = Field(default=0.0, ge=0, lt=1, description="Share held out when the snapshot has no eval file")
    eval_rows: int = Field(default=0, ge=0, description="Eval-loss rows at most, a seeded sample (0: all of them)")
    max_steps: int = Field(default=-1, description="Stop after this many steps (-1: as many as the epochs take)")
    logging_steps: int = Field(default=1, ge=1)
    eval_steps: float = Field(default=0.1, gt=0, description="Steps between eval-loss points (with an eval split); "
                                                             "below 1, a share of the run (0.1: ten points)")
    scheduler: Literal["linear", "cosine", "constant"] = "linear"
    warmup: float = Field(default=0.0, ge=0, description="Warm-up: below 1 a share of the steps, else a number of steps")
    group_by_length: bool = Field(default=False, description="Batch rows of similar length together (less padding)")
    trainable_layers: int = Field(default=15, ge=1, description="method freeze: the top layers that learn (the rest, "
                                                              "and the embeddings, stay as they are)")


class Lora(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rank: int = Field(default=8, ge=1)
    alpha: float = Field(default=16, gt=0)
    dropout: float = Field(default=0.05, ge=0, lt=1)


class JobSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["local", "llamafactory", "qianfan", "openai"] = "local"
    base_model: str
    method: Literal["full", "lora", "freeze"] = "lora"
    hyper: Hyper = Field(default_factory=Hyper)
    lora: Lora = Field(default_factory=Lora)
    snapshot_id: str
    options: dict[str, str] = Field(default_factory=dict)

    def check(self) -> JobSpec:
        """The rules every run of the back-end obeys (a refusal names the field)."""
        if not self.base_model.strip():
            raise SpecError("base_model: name a local model folder, a hub id or a platform model")
        if self.backend == "qianfan":
            if self.hyper.epochs != int(self.hyper.epochs):
                raise SpecError(f"epochs: Qianfan takes whole epochs, got {self.hyper.epochs:g}")
            if self.hyper.eval_split > QIANFAN_MAX_SPLIT:
                raise SpecError(f"eval_split: Qianfan holds out at most {QIANFAN_MAX_SPLIT:.0%} (splitRatio 0–20), "
                                f"got {self.hyper.eval_split:g}")
            if "save_step" in self.options:
                low, high = QIANFAN_SAVE_STEP
                if not self.options["save_step"].isdigit() or not low <= int(self.options["save_step"]) <= high:
                    raise SpecError(f"save_step: Qianfan accepts {low}–{high}, got {self.options['save_step']}")
        if self.method == "freeze" and self.backend not in ("local", "llamafactory"):
            raise SpecError(f"method: freeze (only the top layers learn) runs locally or in LLaMA-Factory, not on "
                            f"{self.backend}; use full or lora there")
        if self.backend == "openai" and self.method != "full":
            raise SpecError("method: the OpenAI service trains its own way; use --method full (it is not LoRA)")
        return self

    def warnings(self) -> list[str]:
        """Values outside a platform's last published ranges: sent as asked, with the source named."""
        out: list[str] = []
        if self.backend != "qianfan":
            return out
        low, high = QIANFAN_RANGES[self.method]["learning_rate"]
        if not low <= self.hyper.learning_rate <= high:
            out.append(f"learning_rate {self.hyper.learning_rate:g} is outside {low:g}–{high:g} for {self.method} "
                       f"({QIANFAN_SOURCE})")
        e_low, e_high = QIANFAN_RANGES[self.method]["epochs"]
        if not e_low <= self.hyper.epochs <= e_high:
            out.append(f"epochs {self.hyper.epochs:g} is outside {e_low}–{e_high} ({QIANFAN_SOURCE})")
        if self.method == "lora" and self.lora.rank not in QIANFAN_RANKS:
            out.append(f"lora rank {self.lora.rank} is not one of {', '.join(map(str, QIANFAN_RANKS))} ({QIANFAN_SOURCE})")
        if self.hyper.max_length not in QIANFAN_SEQ:
            out.append(f"max_length {self.hyper.max_length} is not {' or '.join(map(str, QIANFAN_SEQ))} "
                       f"({QIANFAN_SOURCE})")
        return out


def make_spec(**fields: object) -> JobSpec:
    """A checked spec, or a SpecError naming the first bad field."""
    try:
        return JobSpec.model_validate(fields).check()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SpecError(f"{where}: {err['msg']}") from None
