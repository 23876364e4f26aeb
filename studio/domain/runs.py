"""Runs, model calls, fine-tune jobs, evaluations and dataset snapshots."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from studio.domain.faults import FaultKind
from studio.domain.models import Model, new_id, utcnow


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PARTIAL = "partial"  # stopped short of its quota (a budget, say); resumable
    INTERRUPTED = "interrupted"  # its process died (killed, crashed); resumable


class RunConfig(Model):
    dialogues: int = Field(ge=1, le=1_000_000)
    teacher_turns: int = Field(default=4, ge=1, le=20)
    teacher_provider: str = "offline"
    student_provider: str = "offline"
    mix: dict[FaultKind, float] = Field(default_factory=dict)
    concurrency: int = Field(default=8, ge=1)
    seed: int = 0
    use_cache: bool = True
    topic_ids: list[str] = Field(default_factory=list)
    repairs: int = Field(default=2, ge=0, le=10, description="Repair attempts per failing teacher turn")
    rewrite: str = Field(default="injector", description="injector | llm: how spelling/grammar faults are made")
    chinese: str = Field(default="answer", description="answer | translate: how Chinese answers are made")
    off_topic: str = Field(default="bank", description="bank | llm: where off-topic answers come from")
    max_cost: float | None = None
    max_calls: int | None = None


class Run(Model):
    id: str = Field(default_factory=lambda: new_id("r"))
    kind: Literal["generation", "manual", "import"] = "generation"
    config: RunConfig | None = None
    status: RunStatus = RunStatus.QUEUED
    planned: int = 0
    completed: int = 0
    failed: int = 0
    counts: dict[str, int] = Field(default_factory=dict, description="Student turns per fault kind")
    quotas: dict[str, int] = Field(default_factory=dict, description="Planned student turns per fault kind")
    mismatches: int = 0
    topped_up: int = 0
    unrepaired: int = Field(default=0, description="Teacher turns that still fail a check after every repair")
    cached: int = Field(default=0, description="Answers reused from the response cache (not bought again)")
    source: str | None = Field(default=None, description="Imported file")
    source_hash: str | None = None
    error: str | None = None
    created: datetime = Field(default_factory=utcnow)
    started: datetime | None = None
    finished: datetime | None = None


class CallRecord(Model):
    id: str = Field(default_factory=lambda: new_id("c"))
    run_id: str | None = None
    dialogue_id: str | None = None
    turn_index: int | None = None
    role: str = ""
    purpose: str = Field(default="", description="Why it was asked: first answer, repair, judge, student, expand…")
    provider: str
    model: str
    request_hash: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    currency: str = ""
    latency_s: float = 0.0
    first_token_s: float | None = None
    attempts: int = Field(default=1, description="Requests sent for this call (retries included)")
    outcome: Literal["ok", "error", "cached", "pending"] = Field(
        default="ok", description="pending: written before sending; still pending after a crash = outcome unknown")
    finish_reason: str | None = None
    error_kind: str | None = None
    error: str | None = None
    created: datetime = Field(default_factory=utcnow)


class CachedResponse(Model):
    """A completed model answer, keyed by the request hash, so a repeated request is free."""

    id: str
    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    finish_reason: str = "stop"
    model: str = ""
    run_id: str | None = Field(default=None, description="The run that paid for it")
    created: datetime = Field(default_factory=utcnow)


class JobStatus(StrEnum):
    QUEUED = "queued"
    STARTING = "starting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # its worker died (killed, the machine restarted); retry queues it again


class MetricPoint(Model):
    step: int
    total_steps: int | None = None
    epoch: float | None = None
    loss: float | None = None
    eval_loss: float | None = None
    learning_rate: float | None = None
    elapsed_s: float | None = None
    remaining_s: float | None = None


class Job(Model):
    """A fine-tune job: what it trains (a snapshot), how, where, and what came of it."""

    id: str = Field(default_factory=lambda: new_id("j"))
    backend: Literal["local", "llamafactory", "qianfan", "openai"] = "local"
    base_model: str = ""
    method: Literal["full", "lora", "freeze"] = "lora"
    lora: dict[str, float] = Field(default_factory=dict, description="rank, alpha, dropout")
    hyper: dict[str, float | int | str] = Field(default_factory=dict)
    options: dict[str, str] = Field(default_factory=dict, description="Back-end settings (command, nodes, bucket, …)")
    snapshot_id: str | None = None
    lineage: dict[str, object] = Field(default_factory=dict, description="Snapshot hash and counts at start")
    status: JobStatus = JobStatus.QUEUED
    progress: float = 0.0
    metrics: list[MetricPoint] = Field(default_factory=list)
    log_path: str | None = None
    remote: dict[str, str] = Field(default_factory=dict, description="Ids on the platform, the worker's pid")
    result: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    sweep_id: str | None = None
    best: bool = False
    created: datetime = Field(default_factory=utcnow)
    started: datetime | None = None
    finished: datetime | None = None

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)

    def last_loss(self) -> float | None:
        return next((m.loss for m in reversed(self.metrics) if m.loss is not None), None)

    def best_eval_loss(self) -> float | None:
        losses = [m.eval_loss for m in self.metrics if m.eval_loss is not None]
        return min(losses) if losses else None


class DatasetSnapshot(Model):
    id: str = Field(default_factory=lambda: new_id("s"))
    format: str = ""
    content_hash: str = ""
    filters: dict[str, object] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    token_estimate: int = 0
    files: list[str] = Field(default_factory=list)
    created: datetime = Field(default_factory=utcnow)
