"""What a fine-tune job asks for, checked before anything starts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

BACKENDS = ("local", "llamafactory", "qianfan", "openai")

#: Qianfan ERNIE-Speed ranges (SDK trainer configs; the platform's live ranges may differ).
QIANFAN_RANGES = {
    "full": {"learning_rate": (1e-5, 4e-5), "epochs": (1, 50)},
    "lora": {"learning_rate": (3e-5, 1e-3), "epochs": (1, 50)},
}
QIANFAN_RANKS = (2, 4, 8)
QIANFAN_SEQ = (4096, 8192)


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
    max_steps: int = Field(default=-1, description="Stop after this many steps (-1: as many as the epochs take)")
    logging_steps: int = Field(default=1, ge=1)
    eval_steps: float = Field(default=0.1, gt=0, description="Steps between eval-loss points (with an eval split); "
                                                             "below 1, a share of the run (0.1: ten points)")
    scheduler: Literal["linear", "cosine", "constant"] = "linear"


class Lora(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rank: int = Field(default=8, ge=1)
    alpha: float = Field(default=16, gt=0)
    dropout: float = Field(default=0.05, ge=0, lt=1)


class JobSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["local", "llamafactory", "qianfan", "openai"] = "local"
    base_model: str
    method: Literal["full", "lora"] = "lora"
    hyper: Hyper = Field(default_factory=Hyper)
    lora: Lora = Field(default_factory=Lora)
    snapshot_id: str
    options: dict[str, str] = Field(default_factory=dict)

    def check(self) -> JobSpec:
        """The back-end's own rules (the platform's ranges for Qianfan)."""
        if not self.base_model.strip():
            raise SpecError("base_model: name a local model folder, a hub id or a platform model")
        if self.backend == "qianfan":
            low, high = QIANFAN_RANGES[self.method]["learning_rate"]
            if not low <= self.hyper.learning_rate <= high:
                raise SpecError(f"learning_rate: Qianfan accepts {low:g}–{high:g} for {self.method}, "
                                f"got {self.hyper.learning_rate:g}")
            e_low, e_high = QIANFAN_RANGES[self.method]["epochs"]
            if not e_low <= self.hyper.epochs <= e_high or self.hyper.epochs != int(self.hyper.epochs):
                raise SpecError(f"epochs: Qianfan accepts whole numbers {e_low}–{e_high}, got {self.hyper.epochs:g}")
            if self.method == "lora" and self.lora.rank not in QIANFAN_RANKS:
                raise SpecError(f"lora rank: Qianfan accepts {', '.join(map(str, QIANFAN_RANKS))}, got {self.lora.rank}")
            if self.hyper.max_length not in QIANFAN_SEQ:
                raise SpecError(f"max_length: Qianfan accepts {' or '.join(map(str, QIANFAN_SEQ))}, "
                                f"got {self.hyper.max_length}")
        if self.backend == "openai" and self.method != "full":
            raise SpecError("method: the OpenAI service trains its own way; use --method full (it is not LoRA)")
        return self


def make_spec(**fields: object) -> JobSpec:
    """A checked spec, or a SpecError naming the first bad field."""
    try:
        return JobSpec.model_validate(fields).check()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SpecError(f"{where}: {err['msg']}") from None
