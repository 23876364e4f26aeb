"""SVG snapshots of the panes at 80×24 and 120×40 (update with: pytest tests/ui --snapshot-update)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from studio.domain import FaultKind, RunConfig
from studio.synth.service import execute, prepare
from studio.ui.app import make_app
from tests.ui.conftest import settle
from tests.workspaces import seeded_workspace

# A fixed path: the header shows the workspace folder.
SNAPSHOT_WS = Path("/tmp/kouyu-snapshot-ws")


@pytest.fixture
def fixed_app():
    shutil.rmtree(SNAPSHOT_WS, ignore_errors=True)
    ws = seeded_workspace(SNAPSHOT_WS)
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=4, seed=5, mix=mix))
    asyncio.run(execute(ws, run))
    yield make_app(ws)
    ws.close()
    shutil.rmtree(SNAPSHOT_WS, ignore_errors=True)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_topics_pane(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_samples_list_and_detail(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)


def test_help_overlay(snap_compare, fixed_app) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause(0.3)

    assert snap_compare(fixed_app, terminal_size=(100, 30), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_simulate_pane(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("g")
        for _ in range(100):
            screen = pilot.app.screen
            if screen.sim is not None and screen.sim.finished and screen.busy.done():
                break
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_dashboard_pane(snap_compare, fixed_app, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=run_before)
