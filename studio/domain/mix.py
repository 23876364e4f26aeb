"""Target fault mix: relative weights, normalised shares and exact quotas for N slots."""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from studio.domain import fault_kinds  # noqa: F401  (registers the shipped kinds, whose weights make the default)
from studio.domain.faults import STUDENT_FAULTS, FaultKind, default_weights
from studio.domain.messages import N_, Message


class MixError(ValueError):
    """A mix that cannot be used (negative, unknown kind, all zero)."""


class Mix(BaseModel):
    """Relative weights per student fault kind.

    Weights need not sum to 100: the default (each kind's spec's weight) is normalised.
    """

    model_config = ConfigDict(frozen=True)

    weights: dict[FaultKind, float]

    @field_validator("weights")
    @classmethod
    def _check(cls, weights: dict[FaultKind, float]) -> dict[FaultKind, float]:
        for kind, weight in weights.items():
            if kind not in STUDENT_FAULTS:
                raise MixError(Message("mix.not-a-student-fault", N_("'{kind}' is not a student fault kind"),
                                       kind=kind.value))
            if not math.isfinite(weight) or weight < 0:
                raise MixError(Message("mix.negative-weight", N_("weight for '{kind}' must be a number >= 0, got {weight}"),
                                       kind=kind.value, weight=weight))
        if not any(w > 0 for w in weights.values()):
            raise MixError(Message("mix.all-zero", N_("at least one fault kind needs a weight above 0")))
        return {k: float(weights.get(k, 0.0)) for k in STUDENT_FAULTS}

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> Mix:
        unknown = [k for k in weights if k not in {f.value for f in STUDENT_FAULTS}]
        if unknown:
            names = ", ".join(f.value for f in STUDENT_FAULTS)
            raise MixError(Message("mix.unknown-kind", N_("unknown fault kind '{kind}' (known: {known})"),
                                   kind=unknown[0], known=names))
        try:
            return cls(weights={FaultKind(k): v for k, v in weights.items()})
        except ValidationError as exc:
            error = exc.errors()[0]
            if isinstance(cause := error.get("ctx", {}).get("error"), MixError):
                raise cause from None
            raise MixError(str(error["msg"]).removeprefix("Value error, ")) from None

    @classmethod
    def parse(cls, text: str) -> Mix:
        """The one reader of a typed mix, for the CLI's ``--mix`` and the UI's forms.

        Either ``KIND=WEIGHT`` pairs (``normal=55,short=40``; kinds left out weigh 0) or one weight
        per kind in fault order, separated by ``:`` or ``,`` (what :meth:`text` writes).
        """
        parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
        kinds = [f.value for f in STUDENT_FAULTS]
        if parts and all("=" in p for p in parts):
            weights: dict[str, float] = {}
            for part in parts:
                name, _, value = part.partition("=")
                weights[name.strip()] = _weight(name.strip(), value)
            return cls.of(weights)
        if any("=" in p for p in parts):
            bad = next(p for p in parts if "=" not in p)
            raise MixError(Message("mix.not-a-pair", N_("'{part}' should be KIND=WEIGHT"), part=bad))
        values = [p.strip() for p in text.replace(",", ":").replace("，", ":").split(":") if p.strip()]
        if len(values) != len(kinds):
            raise MixError(Message("mix.weight-count", N_("give {n} weights separated by ':' ({kinds}) or KIND=WEIGHT "
                                                          "pairs; got '{text}'"),
                                   n=len(kinds), kinds=":".join(kinds), text=text))
        return cls.of({k: _weight(k, v) for k, v in zip(kinds, values, strict=True)})

    def text(self) -> str:
        """The weights in fault order, ``55:40:5:…`` (what :meth:`parse` reads back)."""
        return ":".join(f"{w:g}" for w in self.weights.values())

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    @property
    def is_normalised(self) -> bool:
        return math.isclose(self.total, 100.0) or math.isclose(self.total, 1.0)

    def shares(self) -> dict[FaultKind, float]:
        """Each kind's share of the whole, summing to 1."""
        total = self.total
        return {k: w / total for k, w in self.weights.items()}

    def quotas(self, slots: int) -> dict[FaultKind, int]:
        """Split ``slots`` into whole counts by the largest-remainder (Hamilton) method.

        The counts sum to ``slots`` exactly; ties in the remainder go to the kind listed first.
        """
        if slots < 0:
            raise MixError(Message("mix.negative-slots", N_("slots must be >= 0, got {slots}"), slots=slots))
        exact = {k: s * slots for k, s in self.shares().items()}
        counts = {k: math.floor(v) for k, v in exact.items()}
        left = slots - sum(counts.values())
        order = sorted(STUDENT_FAULTS, key=lambda k: (-(exact[k] - counts[k]), STUDENT_FAULTS.index(k)))
        for kind in order[:left]:
            counts[kind] += 1
        return counts

    def describe(self) -> str:
        """One line for the UI and CLI, saying when the weights were normalised."""
        parts = " : ".join(f"{w:g}" for w in self.weights.values())
        shares = ", ".join(f"{k.label} {s:.1%}" for k, s in self.shares().items())
        note = "" if self.is_normalised else f" (weights sum to {self.total:g}; normalised)"
        return f"{parts}{note} → {shares}"


def _weight(kind: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise MixError(Message("mix.not-a-number", N_("weight of '{kind}' is not a number: '{value}'"),
                               kind=kind, value=value.strip())) from None


#: The default target mix: each kind's :attr:`~studio.domain.faults.FaultSpec.weight`, its one source.
DEFAULT_MIX = Mix.of(default_weights())
