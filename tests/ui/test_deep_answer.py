"""A model answer nested thousands of levels deep is a failed turn in Simulate, not a crash."""

from __future__ import annotations

from studio.domain import TeacherTurn
from studio.ui.app import make_app
from tests.llm.fakeserver import Fault, simulated
from tests.ui.conftest import settle, until
from tests.ui.test_simulate_pane import idle, open_simulate, remote_workspace

DEEP = '{"Reply": ' + "[" * 3000 + "]" * 3000 + "}"


async def test_a_deeply_nested_answer_is_a_failed_turn_and_the_next_step_works(tmp_path) -> None:
    server = simulated()
    ws = remote_workspace(tmp_path / "ws", server.base)
    try:
        app = make_app(ws)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_simulate(pilot)
            server.fail(*[Fault("answer", body={"text": DEEP})] * 4)
            await pilot.press("s")
            await until(pilot, lambda: idle(app) and len(app.screen.sim.turns) == 1)
            await settle(pilot)
            turn = app.screen.sim.turns[0]
            assert isinstance(turn, TeacherTurn) and not turn.passed
            status = app.screen.query_one("#sim-status").render().plain
            assert "fail" in status and "3001 levels deep" in " ".join(c.message for c in turn.checks), status
            server.faults.clear()  # the server is fixed
            await pilot.press("s")  # the student's turn, then the teacher's
            await until(pilot, lambda: idle(app) and len(app.screen.sim.turns) == 2)
            await pilot.press("s")
            await until(pilot, lambda: idle(app) and len(app.screen.sim.turns) == 3)
            await settle(pilot)
            assert isinstance(app.screen.sim.turns[-1], TeacherTurn) and app.screen.sim.turns[-1].passed
            assert app.is_running
    finally:
        ws.close()
        server.stop()
