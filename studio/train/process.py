"""Back-ends that train in a process on this machine: the local TRL worker and LLaMA-Factory.

The process runs in its own session (it outlives the studio), writing into the job folder; a
shell wrapper records its exit code, so a studio opened later still learns how it ended.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from studio.domain import Job, JobStatus, MetricPoint
from studio.store.lock import pid_alive
from studio.train.data import Row, has_unlearned, learned_prefixes, without_weights, write_jsonl
from studio.train.distributed import DS_CONFIG, TORCHRUN_OPTIONS, write_deepspeed
from studio.train.files import JobDir, progress_of, read_json, read_metrics, write_json

EXIT_FILE = "exit_code"


@dataclass
class Update:
    status: JobStatus
    metrics: list[MetricPoint] = field(default_factory=list)
    progress: float = 0.0
    result: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def alive(pid: int) -> bool:
    if not pid_alive(pid):
        return False
    try:  # a finished child of ours that nobody waited for yet is a zombie, not alive
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def group_alive(pgid: int) -> bool:
    """Whether any process of the group led by ``pgid`` is still running (a zombie leader of ours is reaped)."""
    if alive(pgid):
        return True
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, first: int = signal.SIGTERM, grace_s: float = 5.0) -> bool:
    """Stop a process group: ``first`` (a clean stop: the trainer saves and exits), then SIGKILL to
    whatever is left after ``grace_s``. Returns whether it had to be killed."""
    try:
        os.killpg(pgid, first)
    except ProcessLookupError:
        return False
    until = time.monotonic() + grace_s
    while time.monotonic() < until:
        if not group_alive(pgid):
            return False
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    until = time.monotonic() + 2.0
    while group_alive(pgid) and time.monotonic() < until:
        time.sleep(0.05)
    return True


def died(code: int | None) -> bool:
    """No exit code (the wrapper itself was killed, or the machine restarted) or death by a signal
    (the shell reports 128 + N): the run was interrupted, not refused."""
    return code is None or code > 128


def interrupted_note(code: int | None, points: list[MetricPoint], folder: JobDir) -> str:
    how = f"killed by signal {code - 128}" if code is not None else "its process is gone (killed, or the machine restarted)"
    where = f" at step {points[-1].step}" if points else " before its first step"
    return f"interrupted: the worker died{where}, {how}; retry queues it again (log: {folder.log})"


class ProcessBackend:
    name = "process"

    def command(self, job: Job, folder: JobDir) -> list[str]:
        raise NotImplementedError

    def environment(self, job: Job, folder: JobDir) -> dict[str, str]:
        return {}

    def prepare(self, job: Job, folder: JobDir, train: list[Row], held: list[Row]) -> None:
        raise NotImplementedError

    def start(self, job: Job, folder: JobDir) -> dict[str, str]:
        (folder.root / EXIT_FILE).unlink(missing_ok=True)
        command = " ".join(shlex.quote(c) for c in self.command(job, folder))
        # The shell ignores the stop signals (the trainer gets them and stops cleanly), so it lives to
        # write the trainer's exit code.
        wrapped = f"trap '' TERM ABRT; {command}; echo $? > {shlex.quote(str(folder.root / EXIT_FILE))}"
        with folder.log.open("ab") as log:
            proc = subprocess.Popen(["/bin/sh", "-c", wrapped], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=folder.root, start_new_session=True,
                                    env={**os.environ, **self.environment(job, folder)})
        return {"pid": str(proc.pid)}

    def exit_code(self, folder: JobDir) -> int | None:
        try:
            return int((folder.root / EXIT_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    def cancel(self, job: Job, folder: JobDir, grace_s: float | None = None) -> None:
        """Stop the job's whole process group: its stop signal, then SIGKILL after ``grace_s`` (the
        trainer's own children, a torchrun's workers, included), so a cancel ends within seconds."""
        folder.cancel_flag.touch()
        pid = int(job.remote.get("pid", "0"))
        if pid and group_alive(pid):
            stop_group(pid, self.stop_signal, self.grace_s if grace_s is None else grace_s)

    stop_signal = signal.SIGTERM
    #: Seconds a cancelled job has to stop cleanly before its processes are killed.
    grace_s = 5.0

    def poll(self, job: Job, folder: JobDir) -> Update:
        raise NotImplementedError


class LocalBackend(ProcessBackend):
    """TRL SFTTrainer in ``python -m studio.train.worker`` (the ``train`` extra)."""

    name = "local"

    def command(self, job: Job, folder: JobDir) -> list[str]:
        python = job.options.get("python") or sys.executable
        return [python, "-m", "studio.train.worker", str(folder.job)]

    def environment(self, job: Job, folder: JobDir) -> dict[str, str]:
        here = str(Path(__file__).resolve().parents[2])  # the studio, importable by the worker
        return {"PYTHONPATH": os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)}

    def prepare(self, job: Job, folder: JobDir, train: list[Row], held: list[Row]) -> None:
        write_jsonl(folder.data / "train.jsonl", train)
        if held:
            write_jsonl(folder.data / "eval.jsonl", held)
        write_json(folder.job, {"id": job.id, "base_model": job.base_model, "method": job.method, "hyper": job.hyper,
                                "lora": job.lora, "train": str(folder.data / "train.jsonl"),
                                "eval": str(folder.data / "eval.jsonl") if held else None})

    def poll(self, job: Job, folder: JobDir) -> Update:
        points = read_metrics(folder.metrics)
        status = read_json(folder.status) or {}
        state = status.get("status", "starting")
        known = {"starting": JobStatus.STARTING, "running": JobStatus.RUNNING, "succeeded": JobStatus.SUCCEEDED,
                 "failed": JobStatus.FAILED, "cancelled": JobStatus.CANCELLED}
        result = {"output_dir": status["output"], "kind": status.get("kind", "")} if status.get("output") else {}
        update = Update(known.get(state, JobStatus.RUNNING), points, progress_of(points), result, status.get("error"))
        if update.status == JobStatus.SUCCEEDED:
            update.progress = 1.0
        if update.status in (JobStatus.STARTING, JobStatus.RUNNING) and not alive(int(job.remote.get("pid", "0") or 0)):
            code = self.exit_code(folder)
            if folder.cancel_flag.exists():
                update.status = JobStatus.CANCELLED
            elif died(code):
                update.status, update.error = JobStatus.INTERRUPTED, interrupted_note(code, points, folder)
            else:
                update.status = JobStatus.FAILED
                update.error = f"the worker stopped without finishing (exit code {code}); see {folder.log}"
        return update


class LlamaFactoryBackend(ProcessBackend):
    """``llamafactory-cli train job.yaml`` in its own environment (configurable command)."""

    name = "llamafactory"
    stop_signal = signal.SIGABRT  # with LLAMABOARD_ENABLED=1 it saves and exits cleanly

    def command(self, job: Job, folder: JobDir) -> list[str]:
        return [*shlex.split(job.options.get("command") or "llamafactory-cli"), "train", str(folder.root / "job.yaml")]

    def environment(self, job: Job, folder: JobDir) -> dict[str, str]:
        # LlamaBoard mode gives a clean stop on SIGABRT; its callback then also needs LLAMABOARD_WORKDIR (it
        # makes that folder; LLaMA-Factory's own web UI sets both, src/llamafactory/webui/runner.py).
        env = {"LLAMABOARD_ENABLED": "1", "LLAMABOARD_WORKDIR": str(folder.output)}
        for key in ("NNODES", "NODE_RANK", "NPROC_PER_NODE", "MASTER_ADDR", "MASTER_PORT"):
            if job.options.get(key.lower()):
                env[key] = job.options[key.lower()]
        if env.keys() & {"NNODES", "NPROC_PER_NODE"}:
            env["FORCE_TORCHRUN"] = "1"
        if Path(job.base_model).is_dir():  # a local model needs no hub: fail fast instead of hanging on one
            env.setdefault("HF_HUB_OFFLINE", os.environ.get("HF_HUB_OFFLINE", "1"))
        return env

    def prepare(self, job: Job, folder: JobDir, train: list[Row], held: list[Row]) -> None:
        # LLaMA-Factory has no per-turn weight: with weight-0 turns, every learned turn becomes its own row
        # ending there, and mask_history puts the loss on that last turn only (weight-0 turns stay context).
        self.masked = has_unlearned(train + held)
        if self.masked:
            train, held = learned_prefixes(train), learned_prefixes(held)
        train, held = without_weights(train), without_weights(held)
        write_jsonl(folder.data / "train.jsonl", train)
        info: dict[str, Any] = {"studio_train": {"file_name": "train.jsonl", "formatting": "openai",
                                                 "columns": {"messages": "messages"},
                                                 "tags": {"role_tag": "role", "content_tag": "content",
                                                          "user_tag": "user", "assistant_tag": "assistant",
                                                          "system_tag": "system"}}}
        if held:
            write_jsonl(folder.data / "eval.jsonl", held)
            info["studio_eval"] = {**info["studio_train"], "file_name": "eval.jsonl"}
        (folder.data / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        if job.options.get("zero") and not job.options.get("deepspeed"):  # LLaMA-Factory's shipped ZeRO config
            write_deepspeed(folder.root, job.options["zero"], job.options.get("zero_offload") == "true")
        (folder.root / "job.yaml").write_text(self.yaml(job, folder, bool(held), self.masked), encoding="utf-8")

    def yaml(self, job: Job, folder: JobDir, has_eval: bool, mask_history: bool = False) -> str:
        h = job.hyper
        lines: dict[str, Any] = {
            "model_name_or_path": job.base_model, "stage": "sft", "do_train": True,
            "finetuning_type": job.method, "template": job.options.get("template", "qwen"),
            "dataset_dir": str(folder.data), "dataset": "studio_train", "cutoff_len": h["max_length"],
            "output_dir": str(folder.output), "overwrite_output_dir": True, "logging_steps": h["logging_steps"],
            "save_strategy": "no", "per_device_train_batch_size": h["batch_size"],
            "learning_rate": float(h["learning_rate"]), "num_train_epochs": float(h["epochs"]),
            "max_steps": h["max_steps"], "seed": h["seed"], "report_to": "none", "plot_loss": True,
            "lr_scheduler_type": str(h.get("scheduler", "linear")), "mask_history": mask_history,
        }
        if lines["template"] == "auto":  # LLaMA-Factory then uses the tokenizer's own chat template
            del lines["template"]
        if job.method == "freeze":  # LLaMA-Factory's own partial tuning: the top layers learn
            lines |= {"freeze_trainable_layers": int(h.get("trainable_layers", 15)), "freeze_trainable_modules": "all"}
        if job.method == "lora":
            lines |= {"lora_rank": int(job.lora.get("rank", 8)), "lora_alpha": job.lora.get("alpha", 16),
                      "lora_dropout": job.lora.get("dropout", 0.05), "lora_target": "all"}
        if has_eval:
            lines |= {"eval_dataset": "studio_eval", "eval_strategy": "steps", "eval_steps": h.get("eval_steps", 0.1),
                      "per_device_eval_batch_size": h["batch_size"]}
        if job.options.get("deepspeed"):
            lines["deepspeed"] = job.options["deepspeed"]
        elif job.options.get("zero"):
            lines["deepspeed"] = str(folder.root / DS_CONFIG)
        if job.options.get("bf16", "true" if any(job.options.get(k) for k in TORCHRUN_OPTIONS) else "") == "true":
            lines["bf16"] = True  # a GPU run (an explicit bf16=false turns it off, for cards without bf16)
        for key, value in job.options.items():  # yaml.KEY=VALUE: any other LLaMA-Factory argument
            if key.startswith("yaml."):
                lines[key.removeprefix("yaml.")] = yaml.safe_load(value)
        return yaml.safe_dump(lines, sort_keys=False, allow_unicode=True)

    def poll(self, job: Job, folder: JobDir) -> Update:
        points = read_metrics(folder.output / "trainer_log.jsonl")
        pid = int(job.remote.get("pid", "0") or 0)
        if pid and alive(pid):
            return Update(JobStatus.RUNNING, points, progress_of(points))
        code = self.exit_code(folder)
        if folder.cancel_flag.exists() and code != 0:  # stopped, or killed when it did not stop in time
            return Update(JobStatus.CANCELLED, points, progress_of(points))
        if code == 0:
            status = JobStatus.CANCELLED if folder.cancel_flag.exists() else JobStatus.SUCCEEDED
            result = {"output_dir": str(folder.output), "kind": "adapter" if job.method == "lora" else "model"}
            return Update(status, points, 1.0 if status == JobStatus.SUCCEEDED else progress_of(points), result)
        if died(code):
            return Update(JobStatus.INTERRUPTED, points, progress_of(points), error=interrupted_note(code, points, folder))
        return Update(JobStatus.FAILED, points, progress_of(points),
                      error=f"llamafactory-cli exited with {code}; see {folder.log}")
