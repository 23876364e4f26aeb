"""An eval run: every item of a set to the model under test, checked, judged, timed and costed.

Results are stored as they come (every few items and at the end), so a stopped run resumes where
it was: ``start_run`` with the same set and model picks the unfinished run up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from studio.domain import EvalItem, EvalResult, EvalRun, FaultKind, RunStatus, TurnKind, utcnow
from studio.domain.contract import Student
from studio.domain.rubric import compliance, limits
from studio.evaluate.judge import judge_turn
from studio.llm.base import ChatRequest, ChatResult, Message, Restart
from studio.llm.client import CallContext, LLMClient
from studio.llm.errors import LLMError
from studio.llm.registry import build_client
from studio.turn.prompts import Prompts
from studio.turn.verdict import judge_answer
from studio.workspace import Workspace

SAVE_EVERY = 10


@dataclass
class EvalProgress:
    run_id: str
    done: int
    total: int
    errors: int
    elapsed_s: float


def lineage_of(ws: Workspace, model: str) -> dict[str, object]:
    """What the model under test is: the provider profile, or the job (and snapshot) that made it."""
    if model.startswith("job:"):
        job = ws.store.jobs.get(model[4:])
        if job is None:
            raise LookupError(f"no job {model[4:]} (see: studio train list)")
        return {"kind": "tuned", "job": job.id, "base_model": job.base_model, "method": job.method,
                "snapshot": job.snapshot_id, "snapshot_hash": job.lineage.get("snapshot_hash"),
                "output": job.result.get("output_dir") or job.result.get("model", "")}
    profile = ws.config.provider(model)
    return {"kind": profile.kind, "model": profile.model or ""}


def start_run(ws: Workspace, set_id: str, model: str, judge: str | None) -> EvalRun:
    if ws.store.eval_sets.get(set_id) is None:
        raise LookupError(f"no eval set {set_id} (see: studio eval sets)")
    lineage = lineage_of(ws, model)
    if judge:
        ws.config.provider(judge)
    for run in ws.store.evals:
        if run.set_id == set_id and run.model == model and run.judge == judge and run.status != RunStatus.SUCCEEDED:
            return run
    run = EvalRun(set_id=set_id, model=model, judge=judge, lineage=lineage)
    ws.store.evals.put(run)
    ws.store.flush()
    return run


def _student(item: EvalItem) -> Student | None:
    if item.kind == "opening" or item.student is None:
        return None
    fault = FaultKind(item.fault) if item.fault in FaultKind._value2member_map_ else None
    return Student(item.student, fault, corrections=[tuple(c) for c in item.corrections],  # type: ignore[misc]
                   off_topic=fault == FaultKind.OFF_TOPIC)


async def evaluate_item(model: LLMClient, judge: LLMClient | None, prompts: Prompts, item: EvalItem,
                        run_id: str) -> EvalResult:
    kind = TurnKind(item.kind)
    ctx = CallContext(f"eval:{run_id}", None, None, "model")
    request = ChatRequest([Message("user", item.prompt)], json_mode=True, temperature=0.1, variant=f"eval:{item.id}")
    start = time.perf_counter()
    first: float | None = None
    result: ChatResult | None = None
    try:
        async for event in model.stream(request, ctx, use_cache=False):
            if isinstance(event, Restart):
                first = None
            elif isinstance(event, ChatResult):
                result = event
            elif first is None:
                first = time.perf_counter() - start
    except LLMError as exc:
        return EvalResult(item_id=item.id, error=str(exc), latency_s=time.perf_counter() - start,
                          scores={"compliance": 1, "reply": 1, "suggestion": 1, "analysis": 1})
    assert result is not None
    latency = time.perf_counter() - start
    check, results = judge_answer(result.text, kind, _student(item))
    failed = sorted({r.id for r in results if r.severity == "error"})
    cap = limits(failed, opening=kind == TurnKind.OPENING)
    out = EvalResult(item_id=item.id, raw=result.text, json_valid=check.parsed.obj is not None and check.parsed.strict,
                     failed=failed, latency_s=latency, first_token_s=result.first_token_s or first,
                     tokens_in=result.usage.tokens_in, tokens_out=result.usage.tokens_out,
                     cost=model.price.cost(result.usage.tokens_in, result.usage.tokens_out))
    scores = cap.model_copy(update={"compliance": compliance(failed)})
    if judge is not None:
        verdict = await judge_turn(judge, prompts, topic=item.topic, history=item.history, answer=result.text,
                                   check=check, kind=kind, ctx=CallContext(f"eval:{run_id}", None, None, "judge"))
        scores, out.reason = verdict.scores, verdict.reason or (verdict.error or "")
        out.judge = verdict.judge.model_dump() if verdict.judge else None
    out.scores = scores.model_dump()
    return out


async def execute(ws: Workspace, run: EvalRun, *, concurrency: int = 8,
                  on_progress: Callable[[EvalProgress], None] | None = None, stop: asyncio.Event | None = None) -> EvalRun:
    eval_set = ws.store.eval_sets.get(run.set_id)
    if eval_set is None:
        raise LookupError(f"no eval set {run.set_id}")
    model = build_client(ws.config, ws.secrets, run.model, store=ws.store, workspace=ws.root)
    judge = build_client(ws.config, ws.secrets, run.judge, store=ws.store, workspace=ws.root) if run.judge else None
    prompts = Prompts(ws.root)
    todo = [i for i in eval_set.items if i.id not in run.results]
    run.status, run.error = RunStatus.RUNNING, None
    ws.store.evals.put(run)
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    unsaved = 0

    async def one(item: EvalItem) -> None:
        nonlocal unsaved
        async with gate:
            if stop is not None and stop.is_set():
                return
            run.results[item.id] = await evaluate_item(model, judge, prompts, item, run.id)
            unsaved += 1
            if unsaved >= SAVE_EVERY:
                unsaved = 0
                ws.store.evals.put(run)
                ws.store.flush()
            if on_progress:
                on_progress(EvalProgress(run.id, len(run.results), len(eval_set.items),
                                         sum(r.error is not None for r in run.results.values()),
                                         time.monotonic() - started))

    try:
        await asyncio.gather(*(one(i) for i in todo))
    finally:
        await model.aclose()
        if judge is not None:
            await judge.aclose()
        complete = len(run.results) == len(eval_set.items)
        run.status = RunStatus.SUCCEEDED if complete else RunStatus.PAUSED
        run.finished = utcnow() if complete else None
        ws.store.evals.put(run)
        ws.store.flush()
    return run
