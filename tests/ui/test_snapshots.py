"""SVG snapshots of every pane and form at 80×24 and 120×40 (update with: pytest tests/ui --snapshot-update).

Each test has its own workspace, copied from one made once per session (4 dialogues, fixed seed); the
sub-title, which names the workspace folder, is fixed, and no clock or ETA is on these screens."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input

from studio.domain import FaultKind, RunConfig
from studio.synth.service import execute, prepare
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.ui.conftest import settle, until
from tests.workspaces import seeded_workspace

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
SUB_TITLE = "workspace · teacher: offline · student: offline"


@pytest.fixture(scope="session")
def _snapshot_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("snapshot") / "ws"
    ws = seeded_workspace(path)
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=4, seed=5, mix=mix))
    asyncio.run(execute(ws, run))
    for call in ws.store.calls.all():  # measured latencies vary between runs, and with them the Dashboard's
        call.latency_s, call.first_token_s = 0.012, 0.004  # latency line's width and its height behind a form
        ws.store.calls.put(call)
    ws.close()
    return path


@pytest.fixture
def fixed_app(tmp_path, _snapshot_template):
    shutil.copytree(_snapshot_template, tmp_path / "ws", ignore=shutil.ignore_patterns("studio.lock*"))
    ws = open_workspace(tmp_path / "ws")
    yield make_app(ws)
    ws.close()


async def start(pilot, *keys: str) -> None:
    """Settle, fix the sub-title, press ``keys`` (settling after each)."""
    await settle(pilot)
    pilot.app.sub_title = SUB_TITLE
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def is_screen(name: str):
    return lambda pilot: pilot.app.screen.__class__.__name__ == name


async def opened(pilot, *keys: str, screen: str) -> None:
    await start(pilot, *keys)
    await until(pilot, lambda: is_screen(screen)(pilot))
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor is drawn or not by the clock
    await settle(pilot)


@SIZES
def test_topics_pane(snap_compare, fixed_app, size) -> None:
    assert snap_compare(fixed_app, terminal_size=size, run_before=lambda pilot: start(pilot))


@SIZES
def test_samples_list_and_detail(snap_compare, fixed_app, size) -> None:
    assert snap_compare(fixed_app, terminal_size=size, run_before=lambda pilot: start(pilot, "3", "down"))


@SIZES
def test_simulate_pane(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await start(pilot, "2")
        await until(pilot, lambda: pilot.app.screen.sim is not None)
        await pilot.press("g")
        await until(pilot, lambda: pilot.app.screen.sim.finished and pilot.app.screen.busy.done())
        await settle(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)


@SIZES
def test_dashboard_pane(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await start(pilot, "4")
        await until(pilot, lambda: pilot.app.screen.stats is not None)
        await settle(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)


@SIZES
def test_jobs_pane(snap_compare, fixed_app, size) -> None:
    assert snap_compare(fixed_app, terminal_size=size, run_before=lambda pilot: start(pilot, "5"))


@SIZES
def test_eval_pane(snap_compare, fixed_app, size) -> None:
    assert snap_compare(fixed_app, terminal_size=size, run_before=lambda pilot: start(pilot, "6"))


@SIZES
def test_keys_grouped(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await opened(pilot, "3", "question_mark", screen="Help")

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)


FORMS = {"topic": (("a",), "TopicForm"), "expand": (("x",), "ExpandForm"), "simulate": (("2", "c"), "SimulateForm"),
         "generate": (("4", "G"), "GenerateForm"), "export": (("4", "x"), "ExportForm"), "job": (("5", "n"), "JobForm"),
         "eval-make": (("6", "m"), "EvalMakeForm")}


@SIZES
@pytest.mark.parametrize("form", list(FORMS))
def test_form(snap_compare, fixed_app, size, form) -> None:
    keys, screen = FORMS[form]

    async def run_before(pilot) -> None:
        await opened(pilot, *keys, screen=screen)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)
