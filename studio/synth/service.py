"""Starting, resuming and executing generation runs for a workspace."""

from __future__ import annotations

from collections.abc import Callable

from studio.domain import Mix, Run, RunConfig, RunStatus
from studio.domain.messages import N_, Message
from studio.llm.registry import build_client
from studio.synth.run import Generator, Progress, create_run, load_off_topic
from studio.turn.prompts import Prompts
from studio.workspace import Workspace

RESUMABLE = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.PARTIAL, RunStatus.INTERRUPTED)
SAME = ("dialogues", "teacher_turns", "teacher_provider", "student_provider", "mix", "seed", "topic_ids")


def _same(a: RunConfig, b: RunConfig) -> bool:
    return all(getattr(a, k) == getattr(b, k) for k in SAME if not (k == "topic_ids" and not b.topic_ids))


def find_resumable(ws: Workspace, config: RunConfig) -> Run | None:
    runs = sorted((r for r in ws.store.runs if r.kind == "generation" and r.status in RESUMABLE and r.config),
                  key=lambda r: r.created, reverse=True)
    return next((r for r in runs if _same(r.config, config)), None)  # type: ignore[arg-type]


def prepare(ws: Workspace, config: RunConfig, *, resume: str | None = None) -> tuple[Run, bool]:
    """The run to execute, and whether it is a resumed one."""
    if resume:
        run = ws.store.runs.get(resume)
        if run is None or run.config is None:
            raise LookupError(Message("run.unknown", N_("no generation run with id {id} (see: studio runs)"), id=resume))
        if run.status == RunStatus.SUCCEEDED:
            raise ValueError(Message("run.finished", N_("run {id} already finished"), id=resume))
        return run, True
    ws.config.provider(config.teacher_provider)
    ws.config.provider(config.student_provider)
    Mix(weights=config.mix)
    same = find_resumable(ws, config)
    if same is not None:
        return same, True
    return create_run(ws.store, config), False


async def execute(ws: Workspace, run: Run, on_progress: Callable[[Progress], None] | None = None,
                  hold: Callable[[Generator], None] | None = None) -> Run:
    assert run.config is not None
    c = run.config
    teacher = build_client(ws.config, ws.secrets, c.teacher_provider, store=ws.store, workspace=ws.root, seed=c.seed)
    student = teacher if c.student_provider == c.teacher_provider else build_client(
        ws.config, ws.secrets, c.student_provider, store=ws.store, workspace=ws.root, seed=c.seed + 1)
    generator = Generator(ws.store, teacher, student, Prompts(ws.root), run,
                          off_topic_lines=load_off_topic(ws.root), on_progress=on_progress)
    if hold:
        hold(generator)
    try:
        return await generator.execute()
    finally:
        await teacher.aclose()
        if student is not teacher:
            await student.aclose()
