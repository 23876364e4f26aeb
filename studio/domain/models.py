"""Topics, dialogues and their turns. A training sample is a teacher turn in its dialogue."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from studio.domain.check_messages import LITERAL, read_back, render, template_of
from studio.domain.faults import FaultKind
from studio.domain.text import CleanStr

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """A short, time-ordered, collision-resistant id such as ``d-0m3k9w2x7qzp4f1a``."""
    value = (time.time_ns() // 1_000_000) << 40 | int.from_bytes(os.urandom(5), "big")
    chars = []
    while value:
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return f"{prefix}-{''.join(reversed(chars))}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class TopicSource(StrEnum):
    SEED = "seed"
    EXPANDED = "expanded"
    IMPORTED = "imported"
    MANUAL = "manual"


class Topic(Model):
    id: str = Field(default_factory=lambda: new_id("t"))
    text: CleanStr = Field(min_length=1, description="The scenario, in Chinese, as the teacher sees it")
    title: CleanStr = Field(default="", description="A short English title, for tables")
    name_zh: CleanStr = Field(default="", description="A short Chinese name, for the teacher's off-topic redirect")
    tags: list[CleanStr] = Field(default_factory=list)
    source: TopicSource = TopicSource.MANUAL
    parent_ids: list[str] = Field(default_factory=list)
    created: datetime = Field(default_factory=utcnow)
    enabled: bool = True


class RejectedTopic(Model):
    """A topic expansion candidate turned away as a near-duplicate, with the reason."""

    id: str = Field(default_factory=lambda: new_id("x"))
    text: CleanStr
    nearest_id: str | None = None
    nearest_text: CleanStr = ""
    similarity: float = 0.0
    measure: str = Field(default="", description="Which score found the nearest topic: same text, edit or paraphrase")
    reason: str = "near-duplicate"
    title: CleanStr = ""
    name_zh: CleanStr = ""
    parent_ids: list[str] = Field(default_factory=list, description="The pool topics shown when it was proposed")
    count: int = Field(default=1, ge=1, description="How many times expansion proposed it")
    created: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


class TurnKind(StrEnum):
    OPENING = "opening"
    REPLY = "reply"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Injection(Model):
    """What a fault injector changed: the sentence before, and the corrections that undo it."""

    original: CleanStr
    corrections: list[tuple[CleanStr, CleanStr]] = Field(
        default_factory=list, description="(wrong, right) pairs the teacher should point out"
    )
    method: str = ""


class StudentTurn(Model):
    role: Literal["student"] = "student"
    text: CleanStr
    intended_fault: FaultKind = FaultKind.NORMAL
    observed_fault: FaultKind | None = None
    injection: Injection | None = None
    call_id: str | None = None
    topic_pending: bool = Field(default=False, description="Its off-topic judgement is still to come "
                                "(an import judges after reading; a run while the teacher answers)")
    created: datetime = Field(default_factory=utcnow)


class TeacherReply(Model):
    """The parsed teacher answer. ``analysis`` is absent on the opening turn."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    reply: CleanStr = Field(alias="Reply")
    suggestions: list[CleanStr] = Field(alias="Suggestion")
    analysis: CleanStr | None = Field(default=None, alias="Analysis")

    def to_contract(self) -> dict[str, object]:
        """The JSON object exactly as the tuned model must answer."""
        return self.model_dump(by_alias=True, exclude_none=True)


class CheckResult(Model):
    """A check an answer failed: its id, how bad, and what it says as a ``variant`` of the check's
    messages and the ``params`` that fill it (:mod:`studio.domain.check_messages`), so it can be
    shown in any language. ``message`` is the English line (stored and in JSON beside them).

    A result given only its ``message`` (a store written before messages had ids) is read back to
    the variant and parameters it was made from, or kept as text when no template makes it."""

    id: str
    severity: Literal["error", "warning"] = "error"
    variant: str = LITERAL
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_message(cls, data: Any) -> Any:
        if isinstance(data, dict) and "message" in data:
            data = dict(data)
            message = data.pop("message")
            if not data.get("variant"):
                data["variant"], data["params"] = read_back(str(data.get("id", "")), str(message))
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        return render(self.id, self.variant, self.params)

    @classmethod
    def of(cls, id_: str, variant: str, severity: Literal["error", "warning"] = "error", **params: Any) -> CheckResult:
        """The result of check ``id_`` saying its message ``variant`` filled with ``params``."""
        if template_of(id_, variant) is None:
            raise KeyError(f"check '{id_}' has no message '{variant}'")
        return cls(id=id_, severity=severity, variant=variant, params=params)


class Edit(Model):
    author: str
    at: datetime = Field(default_factory=utcnow)
    field: str
    before: str | None = None
    after: str | None = None
    note: str = ""


class TeacherTurn(Model):
    role: Literal["teacher"] = "teacher"
    kind: TurnKind = TurnKind.REPLY
    raw: str
    parsed: TeacherReply | None = None
    parse_error: str | None = None
    checks: list[CheckResult] = Field(default_factory=list)
    review: ReviewStatus = ReviewStatus.PENDING
    edits: list[Edit] = Field(default_factory=list)
    train_weight: Literal[0, 1] = 1
    attempts: int = 1
    call_id: str | None = None
    repair_call_ids: list[str] = Field(default_factory=list,
                                       description="Ledger ids of this turn's other attempts (answers not kept)")
    source_key: str | None = Field(default=None, description="Hash of the imported prompt and response")
    created: datetime = Field(default_factory=utcnow)

    @property
    def passed(self) -> bool:
        return self.parsed is not None and not any(c.severity == "error" for c in self.checks)


Turn = Annotated[TeacherTurn | StudentTurn, Field(discriminator="role")]


class DialogueStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    DISCARDED = "discarded"


class Dialogue(Model):
    id: str = Field(default_factory=lambda: new_id("d"))
    topic_id: str
    run_id: str | None = None
    index: int | None = Field(default=None, description="Position in its run's plan")
    planned_faults: list[FaultKind] = Field(
        default_factory=list, description="The planned kind of each student turn, in order"
    )
    status: DialogueStatus = DialogueStatus.PLANNED
    source: Literal["generated", "manual", "imported"] = "generated"
    turns: list[Turn] = Field(default_factory=list)
    error: str | None = None
    created: datetime = Field(default_factory=utcnow)
    updated: datetime = Field(default_factory=utcnow)
