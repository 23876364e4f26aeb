"""A job's folder (``jobs/<id>/``): its spec, data, metrics, status and log, written and read back.

The worker process and the studio share nothing but these files, so a job survives the studio
being closed: reopening reads where it got to.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.domain import MetricPoint

JOB_FILE = "job.json"
STATUS_FILE = "status.json"
METRICS_FILE = "metrics.jsonl"
LOG_FILE = "log.txt"


@dataclass(frozen=True)
class JobDir:
    root: Path

    @property
    def job(self) -> Path:
        return self.root / JOB_FILE

    @property
    def status(self) -> Path:
        return self.root / STATUS_FILE

    @property
    def metrics(self) -> Path:
        return self.root / METRICS_FILE

    @property
    def log(self) -> Path:
        return self.root / LOG_FILE

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def cancel_flag(self) -> Path:
        return self.root / "cancel"


def write_json(path: Path, data: Any) -> None:
    """Atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()


def _seconds(value: Any) -> float | None:
    """LLaMA-Factory writes times as ``H:MM:SS``; ours are numbers."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        parts = [float(p) for p in str(value).split(":")]
    except ValueError:
        return None
    total = 0.0
    for p in parts:
        total = total * 60 + p
    return total


def metric_point(raw: dict[str, Any]) -> MetricPoint | None:
    """One metrics line in any of the shapes we read: our worker's, LLaMA-Factory's trainer_log.jsonl,
    OpenAI's metrics events (``data``), Qianfan's checkpoints."""
    inner = raw.get("data")
    data: dict[str, Any] = inner if isinstance(inner, dict) else raw
    step = data.get("step", data.get("current_steps"))
    if step is None:
        return None
    try:
        return MetricPoint(
            step=int(step), total_steps=data.get("total_steps", data.get("max_steps")), epoch=data.get("epoch"),
            loss=data.get("loss", data.get("train_loss", data.get("trainingLoss"))),
            eval_loss=data.get("eval_loss", data.get("valid_loss")),
            learning_rate=data.get("learning_rate", data.get("lr")),
            elapsed_s=_seconds(data.get("elapsed_s", data.get("elapsed_time"))),
            remaining_s=_seconds(data.get("remaining_s", data.get("remaining_time"))))
    except (TypeError, ValueError):
        return None


def read_metrics(path: Path) -> list[MetricPoint]:
    """Every readable point; a torn last line (the writer mid-write) is skipped."""
    points: list[MetricPoint] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return points
    for text in lines:
        try:
            raw = json.loads(text)
        except ValueError:
            continue
        if isinstance(raw, dict) and (point := metric_point(raw)) is not None:
            points.append(point)
    return merge_points(points)


def merge_points(points: list[MetricPoint]) -> list[MetricPoint]:
    """Train and eval lines for one step become one point."""
    by_step: dict[int, MetricPoint] = {}
    for p in points:
        old = by_step.get(p.step)
        if old is None:
            by_step[p.step] = p
        else:
            by_step[p.step] = old.model_copy(update={k: v for k, v in p.model_dump().items() if v is not None})
    return [by_step[k] for k in sorted(by_step)]


def progress_of(points: list[MetricPoint]) -> float:
    """The share of the run done, from the newest point that knows the total."""
    last = points[-1] if points else None
    return min(1.0, last.step / last.total_steps) if last and last.total_steps else 0.0


def tail(path: Path, lines: int = 40) -> list[str]:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16_384))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]
