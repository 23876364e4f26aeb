"""The Jobs pane driven with keys: a sweep from the form, the queue running, curves, cancel, retry."""

from __future__ import annotations

import json

import pytest

from studio.domain import DatasetSnapshot, JobStatus
from studio.ui.app import make_app
from tests.train.fakeplatform import Platform
from tests.ui.conftest import fill, settle, until
from tests.workspaces import seeded_workspace


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai-key")
    w = seeded_workspace(tmp_path / "ws")
    rows = [{"messages": [{"role": "user", "content": f"hi {i}"}, {"role": "assistant", "content": "{}"}]}
            for i in range(6)]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    w.store.snapshots.put(DatasetSnapshot(format="openai", content_hash="feedbeef", files=[str(tmp_path / "train.jsonl")]))
    yield w
    w.close()



async def test_sweep_from_the_form_runs_and_shows_curves(ws) -> None:
    platform = Platform(polls_to_finish=2)
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            assert "no jobs yet" in app.screen.query_one("#job-settings").render().plain
            await pilot.press("n")
            await settle(pilot)
            form = app.screen
            fill(form, base_model="gpt-4o-mini", backend="openai", method="full", epochs="3,6", lr="3e-5",
                 option=f"base_url={platform.base}/v1;api_key_env=OPENAI_API_KEY")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: len(ws.store.jobs.all()) == 2)
            await until(pilot, lambda: all(j.status == JobStatus.SUCCEEDED for j in ws.store.jobs.all()))
            await settle(pilot)
            await until(pilot, lambda: "★" in app.screen.query_one("#curve-numbers").render().plain)
            table = app.screen.query_one("#jobs-table")
            assert table.row_count == 2 and "Jobs · 2" in str(table.border_title)
            assert "feedbeef" in app.screen.query_one("#job-settings").render().plain
            # retry queues the same job again
            await pilot.press("R")
            await until(pilot, lambda: len(ws.store.jobs.all()) == 3)
    finally:
        platform.stop()


async def test_form_errors_are_named_and_a_failing_job_says_why(ws) -> None:
    app = make_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        fill(app.screen, base_model="ERNIE-Speed-8K", backend="qianfan", method="full", epochs="2.5", max_length="4096")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("epochs: Qianfan takes whole epochs" in str(n.message) for n in app._notifications), \
            [str(n.message) for n in app._notifications]
        fill(app.screen, epochs="3", option="dataset_version=ds-1;base_url=http://127.0.0.1:9;"
                                              "access_key_env=QIANFAN_ACCESS_KEY;secret_key_env=QIANFAN_SECRET_KEY")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(ws.store.jobs.all()) == 1)
        await settle(pilot)
        job = ws.store.jobs.all()[0]
        # no keys: the platform call fails and the job says why
        await until(pilot, lambda: ws.store.jobs.get(job.id).status == JobStatus.FAILED)
        assert "QIANFAN_ACCESS_KEY" in (ws.store.jobs.get(job.id).error or "")


async def test_cancel_a_running_job_with_confirm(ws) -> None:
    from studio.train import service
    from studio.train.spec import make_spec

    platform = Platform(polls_to_finish=10_000)
    try:
        snapshot = ws.store.snapshots.all()[0]
        job = service.create_job(ws, make_spec(backend="openai", base_model="gpt-4o-mini", method="full",
                                               snapshot_id=snapshot.id, options={"base_url": platform.base + "/v1", "api_key_env": "OPENAI_API_KEY"}))
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await until(pilot, lambda: ws.store.jobs.get(job.id).status == JobStatus.RUNNING)
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("y")
            await until(pilot, lambda: ws.store.jobs.get(job.id).status == JobStatus.CANCELLED)
            assert any(path.endswith("/cancel") for _, path, _ in platform.seen)
    finally:
        platform.stop()
