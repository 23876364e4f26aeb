from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from studio.domain import FaultKind, RunConfig
from studio.synth.service import execute, prepare
from studio.ui.screens.base import Pane
from studio.workspace import Workspace, open_workspace
from tests.workspaces import seeded_workspace


def quiet(app) -> bool:
    """Nothing is left to show: no worker running, no store write queued, no model call of the UI's own
    going (a generation run may go on), no pane waiting on a store change."""
    studio = app.studio
    return (not any(w.is_running for w in app.workers) and not studio.writes.busy and not studio.runner.busy
            and all(pane.settled for pane in studio.panes))


async def settle(pilot, timeout: float = 30.0) -> None:
    """Wait until the app is quiet twice in a row (a store write's change message lands between the two)."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    calm = 0
    while calm < 2:
        assert loop.time() < deadline, "the app never settled"
        await pilot.pause(0.02)
        calm = calm + 1 if quiet(app) else 0


async def until(pilot, predicate, timeout: float = 30.0) -> None:
    """Wait (letting the app run) until ``predicate()`` holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.05)


def fill(screen, **values: str) -> None:
    """Type values into a form's inputs, by input id."""
    for field, value in values.items():
        screen.query_one(f"#{field}").value = value


@pytest.fixture(autouse=True)
def quick_refresh(monkeypatch):
    """Panes coalesce store changes for 0.3 s; in tests 0.05 s does the same job and waits less."""
    monkeypatch.setattr(Pane, "REFRESH_DELAY", 0.05)


def _copy(template: Path, path: Path) -> Workspace:
    shutil.copytree(template, path, ignore=shutil.ignore_patterns("studio.lock*"))
    return open_workspace(path)


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ws"
    seeded_workspace(path).close()
    return path


@pytest.fixture(scope="session")
def _generated_template(tmp_path_factory) -> Path:
    """Six dialogues made once per session; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "ws"
    ws = seeded_workspace(path)
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=6, seed=2, mix=mix))
    asyncio.run(execute(ws, run))
    ws.close()
    return path


@pytest.fixture
def workspace(tmp_path, _seeded_template):
    ws = _copy(_seeded_template, tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def generated(tmp_path, _generated_template):
    ws = _copy(_generated_template, tmp_path / "ws")
    yield ws
    ws.close()
