"""An eval run: every item of a set to the model under test, checked, judged, timed and costed.

Results are stored as they come (every few items and at the end), so a stopped run resumes where
it was: ``start_run`` with the same set and model picks the unfinished run up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from studio.domain import (
    EvalItem,
    EvalResult,
    EvalRun,
    FaultKind,
    RunStatus,
    Topic,
    TurnKind,
    utcnow,
)
from studio.domain.contract import Student
from studio.domain.messages import N_
from studio.domain.messages import Message as Told
from studio.evaluate.judge import capped, judge_turn
from studio.llm.base import ChatRequest, ChatResult, Message
from studio.llm.client import CallContext, LLMClient
from studio.llm.collect import StreamEnded, collect
from studio.llm.errors import LLMError
from studio.llm.registry import build_client, local_profile
from studio.llm.tasks import TeacherTask
from studio.turn.context import TurnContext, render_teacher_prompt
from studio.turn.prompts import Prompts
from studio.turn.verdict import answer_verdict, failed_call
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
            raise LookupError(Told("job.unknown", N_("no job {id} (see: studio train list)"), id=model[4:]))
        return {"kind": "tuned", "job": job.id, "base_model": job.base_model, "method": job.method,
                "snapshot": job.snapshot_id, "snapshot_hash": job.lineage.get("snapshot_hash"),
                "output": job.result.get("output_dir") or job.result.get("model", "")}
    if model.startswith("local:"):
        return {"kind": "transformers", "model": local_profile(model).model}
    profile = ws.config.provider(model)
    return {"kind": profile.kind, "model": profile.model or ""}


def prompt_style_of(ws: Workspace, model: str) -> str:
    """The prompt a model is asked with: a tuned job's, the style of the snapshot it was trained on
    (``compact`` teaches the rules through the data); a profile's, its ``prompt`` setting (``full``,
    the tutorial's prompt with every rule, unless the profile serves a model tuned on compact data)."""
    if model.startswith("job:"):
        job = ws.store.jobs.get(model[4:])
        snapshot = ws.store.snapshots.get(job.snapshot_id or "") if job is not None else None
        return str(snapshot.filters.get("prompt", "full")) if snapshot is not None else "full"
    if model.startswith("local:"):
        return "full"
    return ws.config.provider(model).prompt


def item_prompt(ws: Workspace, prompts: Prompts, item: EvalItem, style: str) -> str:
    """The item's prompt in ``style``: the stored one (full), or rendered again from its topic and
    dialogue, exactly as an export in that style renders a training sample."""
    if style == "full":
        return item.prompt
    return render_teacher_prompt(prompts, item_context(item, ws.store.topics.get(item.topic_id)), style)


def item_context(item: EvalItem, topic: Topic | None = None) -> TurnContext:
    """The item's teacher turn: its topic (the stored one when given), kind and dialogue so far."""
    return TurnContext(topic=topic or Topic(id=item.topic_id, text=item.topic), kind=TurnKind(item.kind),
                       history=[(r, t) for r, t in item.history])


def start_run(ws: Workspace, set_id: str, model: str, judge: str | None) -> EvalRun:
    if ws.store.eval_sets.get(set_id) is None:
        raise LookupError(Told("eval.unknown-set", N_("no eval set {id} (see: studio eval sets)"), id=set_id))
    lineage = {**lineage_of(ws, model), "prompt": prompt_style_of(ws, model)}
    if judge:
        ws.config.provider(judge)
    for run in ws.store.evals:
        if run.set_id == set_id and run.model == model and run.judge == judge and run.status != RunStatus.SUCCEEDED:
            return run
    run = EvalRun(set_id=set_id, model=model, judge=judge, lineage=lineage)
    ws.store.evals.put(run)
    ws.store.flush()
    return run


def _student(item: EvalItem, off_topic: bool | None = None) -> Student | None:
    """The student turn the answer is checked against: off topic as the offline check (the set's
    label) says, unless ``off_topic`` (the judge's verdict) says otherwise."""
    if item.kind == "opening" or item.student is None:
        return None
    fault = FaultKind(item.fault) if item.fault in FaultKind._value2member_map_ else None
    return Student(item.student, fault, corrections=[tuple(c) for c in item.corrections],  # type: ignore[misc]
                   off_topic=fault == FaultKind.OFF_TOPIC if off_topic is None else off_topic)


def offline_off_topic(item: EvalItem) -> bool | None:
    """The offline check's verdict on the item's student turn (None: an opening, no student turn)."""
    student = _student(item)
    return None if student is None else bool(student.off_topic)


async def evaluate_item(model: LLMClient, judge: LLMClient | None, prompts: Prompts, item: EvalItem,
                        run_id: str, prompt: str | None = None, task: TeacherTask | None = None) -> EvalResult:
    """One item: the model's answer through the one stream collector, judged strictly as text.

    A call that fails, times out or returns nothing is an error: it fails every check and scores 1
    on every dimension. Latency is the call's own (``ChatResult.latency_s``, the figure the ledger
    records and ``studio calls`` shows), never the time spent queueing for a slot here.

    Whether the student went off topic is the offline check's verdict (the set's label) unless a
    judge gave its own: then the judge's is used, and when the two differ the answer is checked
    again against a student with the judge's verdict (the ``fault.off_topic`` check and the caps
    follow it). Both verdicts and which one was used are kept on the result.
    """
    kind = TurnKind(item.kind)
    ctx = CallContext(f"eval:{run_id}", None, None, "model", purpose="eval answer")
    request = ChatRequest([Message("user", prompt or item.prompt)], json_mode=True, temperature=0.1, variant=f"eval:{item.id}",
                          task=task or TeacherTask.of(item_context(item)))
    result: ChatResult | None = None
    try:
        answer = await collect(model, request, ctx, use_cache=False)
    except (LLMError, StreamEnded) as exc:
        verdict = failed_call(str(exc) or type(exc).__name__)
    else:
        result, verdict = answer, answer_verdict(answer.text, kind, _student(item))
    caps = verdict.caps(kind)
    offline = offline_off_topic(item)
    out = EvalResult(item_id=item.id, raw=result.text if result else "", json_valid=verdict.json_valid,
                     failed=verdict.failed, error=verdict.error, caps=caps.model_dump(),
                     scores={"compliance": verdict.compliance}, off_topic_offline=offline,
                     off_topic_by=None if offline is None else "offline")
    if result is not None:
        out.latency_s = None if result.cached else result.latency_s
        out.first_token_s = None if result.cached else result.first_token_s
        out.tokens_in, out.tokens_out = result.usage.tokens_in, result.usage.tokens_out
        out.cost = 0.0 if result.cached else model.price.cost(result.usage.tokens_in, result.usage.tokens_out)
    if verdict.error is not None:
        out.scores = caps.model_dump()  # the floor on every dimension: an error is judged, at 1
        if judge is not None and offline is not None:
            out.off_topic_note = "the judge was not asked: the model's call is an error"
        return out
    if judge is not None and verdict.check is not None:
        judged = await judge_turn(judge, prompts, topic=item.topic, history=item.history, answer=result.text,  # type: ignore[union-attr]
                                  check=verdict.check, kind=kind, ctx=CallContext(f"eval:{run_id}", None, None, "judge", purpose="judge"))
        out.reason = judged.reason
        scores = judged.scores
        if offline is not None:
            out.off_topic_judge = judged.student_off_topic
            out.off_topic_note = judged.off_topic_note or None
            if judged.student_off_topic is not None:
                out.off_topic_by = "judge"
                if judged.student_off_topic != offline:
                    verdict = answer_verdict(result.text, kind, _student(item, judged.student_off_topic))  # type: ignore[union-attr]
                    caps = verdict.caps(kind)
                    out.failed, out.caps = verdict.failed, caps.model_dump()
                    out.scores = {"compliance": verdict.compliance}
                    if judged.judge is not None and verdict.check is not None:
                        scores = capped(judged.judge, verdict.check, kind)
                        judged.judge.compliance = scores.compliance  # the checks' own, as judge_turn sets it
        if judged.judge is not None:
            out.scores = scores.model_dump()
            out.judge = judged.judge.model_dump()
        else:
            out.judge_error = judged.error or "the judge gave no scores"
    return out


def final_status(run: EvalRun, total: int) -> RunStatus:
    """Succeeded only when every item has an answer that was checked; ``partial`` when some calls
    failed (a re-run retries just those), ``failed`` when all did; ``paused`` when stopped short."""
    if len(run.results) < total:
        return RunStatus.PAUSED
    errors = sum(r.error is not None for r in run.results.values())
    if errors == 0:
        return RunStatus.SUCCEEDED
    return RunStatus.FAILED if errors == len(run.results) else RunStatus.PARTIAL


async def execute(ws: Workspace, run: EvalRun, *, concurrency: int = 8,
                  on_progress: Callable[[EvalProgress], None] | None = None, stop: asyncio.Event | None = None) -> EvalRun:
    eval_set = ws.store.eval_sets.get(run.set_id)
    if eval_set is None:
        raise LookupError(Told("eval.unknown-set", N_("no eval set {id} (see: studio eval sets)"), id=run.set_id))
    model = build_client(ws.config, ws.secrets, run.model, store=ws.store, workspace=ws.root)
    judge = build_client(ws.config, ws.secrets, run.judge, store=ws.store, workspace=ws.root) if run.judge else None
    prompts = Prompts(ws.root)
    style = str(run.lineage.get("prompt") or prompt_style_of(ws, run.model))
    todo = [i for i in eval_set.items if i.id not in run.results or run.results[i.id].error is not None]
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
            task = TeacherTask.of(item_context(item, ws.store.topics.get(item.topic_id)))
            run.results[item.id] = await evaluate_item(model, judge, prompts, item, run.id,
                                                       item_prompt(ws, prompts, item, style), task)
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
        run.status = final_status(run, len(eval_set.items))
        errors = sum(r.error is not None for r in run.results.values())
        run.error = f"{errors} of {len(run.results)} calls failed" if errors else None
        run.finished = utcnow() if run.status != RunStatus.PAUSED else None
        ws.store.evals.put(run)
        ws.store.flush()
    return run
