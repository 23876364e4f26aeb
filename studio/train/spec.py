"""What a fine-tune job asks for, checked before anything starts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.domain.messages import N_, Message, validation_problem

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
            raise SpecError(Message("spec.base-model", N_("base_model: name a local model folder, a hub id or a "
                                                          "platform model")))
        if self.backend == "qianfan":
            if self.hyper.epochs != int(self.hyper.epochs):
                raise SpecError(Message("spec.qianfan-epochs", N_("epochs: Qianfan takes whole epochs, got {epochs}"),
                                        epochs=f"{self.hyper.epochs:g}"))
            if self.hyper.eval_split > QIANFAN_MAX_SPLIT:
                raise SpecError(Message("spec.qianfan-split", N_("eval_split: Qianfan holds out at most {most} "
                                                                 "(splitRatio 0–20), got {split}"),
                                        most=f"{QIANFAN_MAX_SPLIT:.0%}", split=f"{self.hyper.eval_split:g}"))
            if "save_step" in self.options:
                low, high = QIANFAN_SAVE_STEP
                if not self.options["save_step"].isdigit() or not low <= int(self.options["save_step"]) <= high:
                    raise SpecError(Message("spec.qianfan-save-step", N_("save_step: Qianfan accepts {low}–{high}, "
                                                                         "got {value}"),
                                            low=low, high=high, value=self.options["save_step"]))
        if self.method == "freeze" and self.backend not in ("local", "llamafactory"):
            raise SpecError(Message("spec.freeze", N_("method: freeze (only the top layers learn) runs locally or in "
                                                      "LLaMA-Factory, not on {backend}; use full or lora there"),
                                    backend=self.backend))
        if self.backend == "openai" and self.method != "full":
            raise SpecError(Message("spec.openai-method", N_("method: the OpenAI service trains its own way; use "
                                                             "--method full (it is not LoRA)")))
        return self

    def warnings(self) -> list[str]:
        """Values outside a platform's last published ranges (English lines; see :meth:`warning_messages`)."""
        return [str(m) for m in self.warning_messages()]

    def warning_messages(self) -> list[Message]:
        """Values outside a platform's last published ranges: sent as asked, with the source named."""
        out: list[Message] = []
        if self.backend != "qianfan":
            return out
        low, high = QIANFAN_RANGES[self.method]["learning_rate"]
        if not low <= self.hyper.learning_rate <= high:
            out.append(Message("spec.qianfan-lr", N_("learning_rate {lr} is outside {low}–{high} for {method} ({source})"),
                               lr=f"{self.hyper.learning_rate:g}", low=f"{low:g}", high=f"{high:g}", method=self.method,
                               source=QIANFAN_SOURCE))
        e_low, e_high = QIANFAN_RANGES[self.method]["epochs"]
        if not e_low <= self.hyper.epochs <= e_high:
            out.append(Message("spec.qianfan-epoch-range", N_("epochs {epochs} is outside {low}–{high} ({source})"),
                               epochs=f"{self.hyper.epochs:g}", low=e_low, high=e_high, source=QIANFAN_SOURCE))
        if self.method == "lora" and self.lora.rank not in QIANFAN_RANKS:
            out.append(Message("spec.qianfan-rank", N_("lora rank {rank} is not one of {ranks} ({source})"),
                               rank=self.lora.rank, ranks=", ".join(map(str, QIANFAN_RANKS)), source=QIANFAN_SOURCE))
        if self.hyper.max_length not in QIANFAN_SEQ:
            out.append(Message("spec.qianfan-length", N_("max_length {length} is not {lengths} ({source})"),
                               length=self.hyper.max_length, lengths=" or ".join(map(str, QIANFAN_SEQ)),
                               source=QIANFAN_SOURCE))
        return out


def make_spec(**fields: object) -> JobSpec:
    """A checked spec, or a SpecError naming the first bad field."""
    try:
        return JobSpec.model_validate(fields).check()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SpecError(Message("spec.invalid", N_("{field}: {problem}"), field=where,
                                problem=validation_problem(err))) from None
