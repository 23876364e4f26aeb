"""A finished local job's model, tried from the Jobs pane: `m` makes it the Simulate teacher (loaded
with transformers, streamed), `E` runs it on the newest eval set. Needs the train extra."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from studio.domain import JobStatus, RunStatus
from studio.evaluate.sets import make_set
from studio.train import service
from studio.train.spec import make_spec
from studio.train.tiny import build_tiny_model, corpus_of
from studio.turn.prompts import Prompts
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.ui.conftest import settle, until

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.train



@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
async def test_try_and_evaluate_a_tuned_model_from_the_jobs_pane(exported, tmp_path) -> None:
    root, snapshot = exported
    model = build_tiny_model(tmp_path / "tiny", corpus_of(Path(next(f for f in snapshot["files"]
                                                                    if f.endswith("train.jsonl")))))
    ws = open_workspace(root)
    try:
        job = service.create_job(ws, make_spec(backend="local", base_model=str(model), method="full",
                                               snapshot_id=snapshot["id"],
                                               hyper={"epochs": 1, "learning_rate": 1e-3, "batch_size": 4,
                                                      "max_length": 512, "max_steps": 10}))
        await asyncio.to_thread(service.run_queue, ws, poll_s=0.3)
        assert ws.store.jobs.get(job.id).status == JobStatus.SUCCEEDED
        eval_set = make_set(ws.store, Prompts(ws.root), n=2, snapshot_id=snapshot["id"])
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            await pilot.press("E")
            ended = {RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.CANCELLED}
            await until(pilot, lambda: any(r.status in ended for r in ws.store.evals.all()),
                        timeout=240)  # a model loaded and run on a shared CPU
            run = ws.store.evals.all()[0]
            assert run.status == RunStatus.SUCCEEDED, (run.status, [r.error for r in run.results if r.error])
            assert run.model == f"job:{job.id}" and run.set_id == eval_set.id and len(run.results) == 2
            await pilot.press("m")
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Simulate", [str(n.message) for n in app._notifications]
            await until(pilot, lambda: app.screen.setup is not None, timeout=60)  # its topics read in a worker
            assert app.screen.setup.teacher == f"job:{job.id}", [str(n.message) for n in app._notifications]
            await pilot.press("s")
            await until(pilot, lambda: app.screen.busy is not None and app.screen.busy.done(), timeout=240)
            await settle(pilot)
            assert len(app.screen.sim.turns) == 1, app.screen.query_one("#sim-status").render()
    finally:
        ws.close()
