"""Evaluation records: frozen test sets, a model's run over one, and people's blind judgements."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from studio.domain.models import Model, new_id, utcnow
from studio.domain.runs import RunStatus


class EvalItem(Model):
    """One teacher turn to answer: the prompt a model gets, and what the checks need to judge it."""

    id: str
    prompt: str
    kind: Literal["opening", "reply"] = "reply"
    fault: str = "normal"  # the student's fault (opening for the first turn)
    position: int = 1  # teacher turn number in its dialogue
    topic_id: str = ""
    topic: str = ""
    history: list[tuple[str, str]] = Field(default_factory=list)  # (teacher|student, text) before this turn
    student: str | None = None
    corrections: list[tuple[str, str]] = Field(default_factory=list)
    reference: str = ""  # the dataset's answer, for side-by-side reading (not scored)


class EvalSet(Model):
    id: str = Field(default_factory=lambda: new_id("es"))
    name: str = ""
    source: str = ""  # "held-out topics of snapshot s-…", "file …"
    snapshot_id: str | None = None
    content_hash: str = ""
    items: list[EvalItem] = Field(default_factory=list)
    created: datetime = Field(default_factory=utcnow)


class EvalResult(Model):
    item_id: str
    raw: str = ""
    json_valid: bool = False
    failed: list[str] = Field(default_factory=list)
    scores: dict[str, int] = Field(default_factory=dict)  # compliance, and the dimensions a judge scored (capped)
    caps: dict[str, int] = Field(default_factory=dict)  # the most each dimension may score given the failed checks
    judge: dict[str, int] | None = None  # the judge's own scores before capping
    judge_error: str | None = None  # the judge was asked but gave no scores (its dimensions stay unjudged)
    reason: str = ""
    latency_s: float | None = None  # the call's own latency, as the ledger records it (None: replayed or failed)
    first_token_s: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    error: str | None = None
    # Whether the student's last utterance left the dialogue's topic (None: an opening, no student turn):
    off_topic_offline: bool | None = None  # the offline check's verdict (the eval set's label)
    off_topic_judge: bool | None = None  # the judge's verdict (None: no judge, or it gave none)
    off_topic_by: Literal["judge", "offline"] | None = None  # whose verdict the checks used: "judge" | "offline"
    off_topic_note: str | None = None  # why a judge that was asked gave no verdict


class EvalRun(Model):
    id: str = Field(default_factory=lambda: new_id("e"))
    set_id: str = ""
    model: str = ""  # the provider profile (or job:<id>) under test
    judge: str | None = None
    status: RunStatus = RunStatus.QUEUED
    results: dict[str, EvalResult] = Field(default_factory=dict)
    lineage: dict[str, object] = Field(default_factory=dict)  # provider kind/model; job and snapshot for tuned ones
    error: str | None = None
    created: datetime = Field(default_factory=utcnow)
    finished: datetime | None = None


class HumanVote(Model):
    """A person's blind judgement of two runs' answers to one item."""

    id: str = Field(default_factory=lambda: new_id("h"))
    set_id: str
    item_id: str
    runs: tuple[str, str]  # (run shown as answer 1, run shown as answer 2)
    preferred: Literal["1", "2", "="]
    scores: dict[str, dict[str, int]] = Field(default_factory=dict)  # run id -> reply/suggestion/analysis
    reviewer: str = ""
    created: datetime = Field(default_factory=utcnow)
