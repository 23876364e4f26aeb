from __future__ import annotations

import asyncio

import pytest

from studio.domain import FaultKind, RunConfig
from studio.synth.service import execute, prepare
from tests.workspaces import seeded_workspace


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and the coalesced store refresh land."""
    for _ in range(rounds):
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.45)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.05)


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


@pytest.fixture
def workspace(tmp_path):
    ws = seeded_workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def generated(workspace):
    mix = {FaultKind(k): v for k, v in workspace.config.mix.items()}
    run, _ = prepare(workspace, RunConfig(dialogues=6, seed=2, mix=mix))
    asyncio.run(execute(workspace, run))
    return workspace
