"""Background work belongs to the studio's services, not to a pane: the job queue runs whichever pane is
open, model clients have one owner that closes them, and a failure of background work reaches the user
(and the workspace log) by one route."""

from __future__ import annotations

import json
import socket

import pytest

from studio.domain import DatasetSnapshot, JobStatus
from studio.train import service
from studio.train.spec import make_spec
from studio.ui.app import make_app
from studio.ui.job_queue import JobQueue
from studio.ui.screens.jobs import JobsScreen
from studio.workspace import open_workspace
from tests.train.fakeplatform import Platform
from tests.ui.conftest import _copy, settle, until
from tests.workspaces import openai_profiles, seeded_workspace


def dead_port() -> int:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def messages(app, severity: str | None = None) -> list[str]:
    return [str(n.message) for n in app._notifications if severity is None or n.severity == severity]


def log_text(ws) -> str:
    path = ws.logs_dir / "studio.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai-key")
    monkeypatch.setattr(JobQueue, "INTERVAL_S", 0.05)
    w = seeded_workspace(tmp_path / "ws")
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "{}"}]}
    (tmp_path / "train.jsonl").write_text(json.dumps(row) + "\n")
    w.store.snapshots.put(DatasetSnapshot(format="openai", content_hash="bg1", files=[str(tmp_path / "train.jsonl")]))
    yield w
    w.close()


def queue_job(ws, base_url: str):  # type: ignore[no-untyped-def]
    snapshot = ws.store.snapshots.all()[0]
    return service.create_job(ws, make_spec(backend="openai", base_model="gpt-4o-mini", method="full",
                                            snapshot_id=snapshot.id, options={"base_url": base_url + "/v1", "api_key_env": "OPENAI_API_KEY"}))


async def test_a_queued_job_runs_while_another_pane_is_open(ws) -> None:
    platform = Platform(polls_to_finish=2)
    try:
        job = queue_job(ws, platform.base)
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("3")  # Samples; the Jobs pane is never opened
            await until(pilot, lambda: ws.store.jobs.get(job.id).status == JobStatus.SUCCEEDED)
            await until(pilot, lambda: any(f"job {job.id} succeeded" in m for m in messages(app)))
            assert app.current_mode == "samples"
            assert not any(isinstance(p, JobsScreen) for p in app.studio.panes), "no Jobs pane was mounted"
            assert len(platform.jobs) == 1
    finally:
        platform.stop()


async def test_a_failed_job_reaches_the_user_and_the_log(ws) -> None:
    port = dead_port()
    job = queue_job(ws, f"http://127.0.0.1:{port}")
    app = make_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: ws.store.jobs.get(job.id).status == JobStatus.FAILED)
        await until(pilot, lambda: any(f"job {job.id} failed" in m for m in messages(app, "error")))
        shown = next(m for m in messages(app, "error") if f"job {job.id} failed" in m)
        assert f"could not reach 127.0.0.1:{port}" in shown
    assert f"job {job.id} failed: could not reach 127.0.0.1:{port}" in log_text(ws)


async def test_a_failed_model_call_reaches_the_user_and_the_log_and_clients_are_closed(
        tmp_path, _generated_template) -> None:
    """Regenerate with a teacher nobody answers: the runner's failure goes the one route; the client the
    Samples pane was lent is given back, and the Simulate pane's are closed when the studio closes."""
    ws = _copy(_generated_template, tmp_path / "ws")
    ws.close()
    config = tmp_path / "ws" / "config.toml"
    text = config.read_text().replace('teacher = "offline"', 'teacher = "dead"', 1)
    config.write_text(text + openai_profiles(f"http://127.0.0.1:{dead_port()}", dead="nobody"))
    ws = open_workspace(tmp_path / "ws")
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("down")
            await settle(pilot)
            await pilot.press("r")
            await until(pilot, lambda: any(m.startswith("regenerate failed:") for m in messages(app, "error")))
            await until(pilot, lambda: app.studio.models.open_count == 0)
            await pilot.press("2")  # Simulate sets up a dialogue: its teacher and student clients are open
            await until(pilot, lambda: app.screen.sim is not None)
            models, lent = app.studio.models, list(app.screen.clients)
            assert models.open_count == 2
            pools = [c.provider.client for c in lent if hasattr(c.provider, "client")]
            assert pools and not any(pool.is_closed for pool in pools)
        assert models.open_count == 0 and all(pool.is_closed for pool in pools), "the studio closed what it lent"
        assert "regenerate failed:" in log_text(ws)
    finally:
        ws.close()
