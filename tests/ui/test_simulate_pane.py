"""The Simulate pane driven with keys: streaming, step/run/stop, the student's seat, fork, keep."""

from __future__ import annotations

from textual.widgets import Input, ListView, TextArea

from studio.domain import StudentTurn, TeacherTurn
from studio.ui.app import make_app
from studio.ui.screens.simulate import SimulateScreen
from tests.llm.fakeserver import Fault, simulated
from tests.ui.conftest import settle, until
from tests.workspaces import seeded_workspace

REMOTE = """
[providers.slow]
kind = "openai"
model = "sim-over-http"
base_url = "{base}/v1"
backoff = 0.01
retries = 1
"""


def remote_workspace(path, base):
    ws = seeded_workspace(path, REMOTE.format(base=base))
    ws.close()
    config = path / "config.toml"
    config.write_text(config.read_text().replace('teacher = "offline"', 'teacher = "slow"')
                      .replace('student = "offline"', 'student = "slow"'))
    from studio.workspace import open_workspace

    return open_workspace(path)



def idle(app) -> bool:
    return app.screen.busy is None or app.screen.busy.done()


async def open_simulate(pilot) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    await until(pilot, lambda: pilot.app.screen.sim is not None)


async def test_streamed_text_shows_as_it_arrives_then_renders_with_badges(tmp_path, monkeypatch) -> None:
    server = simulated(piece_delay=0.03)
    ws = remote_workspace(tmp_path / "ws", server.base)
    seen: list[int] = []  # the length of the text in each frame the pane draws (not what a poll happens to see)
    stream = SimulateScreen._stream
    monkeypatch.setattr(SimulateScreen, "_stream", lambda self, role, text: seen.append(len(text)) or stream(self, role, text))
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_simulate(pilot)
            await pilot.press("s")
            await until(pilot, lambda: idle(app))
            await settle(pilot)
            assert len(seen) >= 3 and seen == sorted(seen), f"pieces shown one after another: {seen}"
            turn = app.screen.sim.turns[0]
            assert isinstance(turn, TeacherTurn) and turn.passed
            assert "checks pass" in app.screen.query_one("#sim-status").render().plain
    finally:
        ws.close()
        server.stop()


async def test_errors_show_in_the_pane_and_the_conversation_stays(tmp_path) -> None:
    server = simulated()
    ws = remote_workspace(tmp_path / "ws", server.base)
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_simulate(pilot)
            await pilot.press("s")
            await until(pilot, lambda: idle(app) and len(app.screen.sim.turns) == 1)
            server.fail(Fault("status", 401, {"error": {"code": "invalid_api_key", "message": "bad key"}}))
            await pilot.press("s")
            await until(pilot, lambda: idle(app))
            await settle(pilot)
            assert "✗" in app.screen.query_one("#sim-status").render().plain
            assert len(app.screen.sim.turns) == 1
    finally:
        ws.close()
        server.stop()


async def test_run_to_end_stop_seat_fork_and_keep(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_simulate(pilot)
        sim = app.screen.sim
        await pilot.press("g")
        await until(pilot, lambda: sim.finished and idle(app))
        assert len(sim.turns) == 7
        await pilot.press("N")  # a fresh dialogue on the same settings: this one was not kept, so it asks
        await settle(pilot)
        assert app.screen.__class__.__name__ == "Confirm"
        await pilot.press("y")
        await settle(pilot)
        sim = app.screen.sim
        await pilot.press("s")
        await until(pilot, lambda: idle(app) and len(sim.turns) == 1)
        await pilot.press("t")
        assert isinstance(app.focused, Input)
        await pilot.press(*"我喜欢爬山", "enter")
        await until(pilot, lambda: idle(app) and len(sim.turns) == 3)
        said = sim.turns[1]
        assert isinstance(said, StudentTurn) and said.intended_fault.value == "chinese"
        assert "英语" in (sim.turns[2].parsed.analysis or "") or "English" in (sim.turns[2].parsed.analysis or "")
        # fork at the student's turn: edit it, and the original branch is kept
        app.screen.query_one("#sim-turns").focus()
        await pilot.press("up")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        answer = app.screen.query_one("#answer", Input)
        answer.value = "I goed hiking with my freind last weekend and it was great fun."
        await pilot.press("enter")
        await settle(pilot)
        assert len(sim.turns) == 2 and sim.turns[1].text.startswith("I goed") and len(sim.branches) == 1
        await pilot.press("s")
        await until(pilot, lambda: idle(app) and len(sim.turns) == 3)
        assert sim.turns[2].passed
        await pilot.press("b")
        await settle(pilot)
        assert sim.turns[1].text == "我喜欢爬山"
        await pilot.press("b")
        await pilot.press("k")
        await settle(pilot)
        runs = [r for r in workspace.store.runs.all() if r.kind == "manual"]
        assert len(runs) == 1
        kept = [d for d in workspace.store.dialogues.all() if d.run_id == runs[0].id]
        assert len(kept) == 1 and kept[0].turns[1].text.startswith("I goed")


async def test_fork_a_teacher_turn_with_live_checks_and_stop(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_simulate(pilot)
        sim = app.screen.sim
        await pilot.press("s")
        await until(pilot, lambda: idle(app) and len(sim.turns) == 1)
        app.screen.query_one("#sim-turns").focus()
        await pilot.press("f")
        await settle(pilot)
        fields = {"reply": "Hi", "suggestion1": "a", "suggestion2": "", "suggestion3": ""}
        for name, text in fields.items():
            app.screen.query_one(f"#field-{name}", TextArea).text = text
        await settle(pilot)
        assert "✗" in app.screen.query_one("#live-checks").render().plain
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(sim.turns) == 1 and not sim.turns[0].passed and len(sim.branches) == 1
        await pilot.press("g")
        await pilot.press("z")
        await until(pilot, lambda: idle(app))
        assert not app.screen.running


async def test_typed_answer_hands_the_keys_back_and_keep_twice_keeps_once(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_simulate(pilot)
        sim = app.screen.sim
        await pilot.press("s")
        await until(pilot, lambda: idle(app) and len(sim.turns) == 1)
        await pilot.press("t", *"I like hiking", "enter")
        assert app.focused is app.screen.query_one("#sim-turns"), "after Enter the keys are commands again"
        await until(pilot, lambda: idle(app) and len(sim.turns) == 3)
        await settle(pilot)
        turns = app.screen.query_one("#sim-turns")
        last = turns.children[-1]
        # the teacher's answer is in view, not below the fold
        await until(pilot, lambda: last.virtual_region.bottom <= turns.scroll_y + turns.scrollable_content_region.height)
        await pilot.press("t", *"at", "escape")
        assert app.screen.query_one("#sim-say", Input).value == "at" and app.focused is turns
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        manual = [r for r in workspace.store.runs.all() if r.kind == "manual"]
        assert len(manual) == 1 and "already kept" in app.screen.query_one("#sim-status").render().plain
        assert len([d for d in workspace.store.dialogues.all() if d.run_id == manual[0].id]) == 1


async def test_discarding_work_asks_first(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_simulate(pilot)
        sim = app.screen.sim
        await pilot.press("s")
        await until(pilot, lambda: idle(app) and len(sim.turns) == 1)
        app.screen.query_one("#sim-turns").focus()
        await pilot.press("f")
        await until(pilot, lambda: app.screen.__class__.__name__ == "AnswerEditor")
        app.screen.query_one(TextArea).text = '{"Reply": "changed"}'
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("n")  # keep editing
        await until(pilot, lambda: app.screen.__class__.__name__ == "AnswerEditor")
        assert app.screen.query_one(TextArea).text == '{"Reply": "changed"}'
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(sim.branches) == 1)
        await pilot.press("D")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("n")
        await settle(pilot)
        assert len(sim.branches) == 1, "a no keeps the branches"
        await pilot.press("D", "y")
        await until(pilot, lambda: not sim.branches)
        await pilot.press("N")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.sim is sim, "the unkept dialogue stays"


async def test_settling_waits_until_a_finished_turn_is_drawn(workspace, monkeypatch) -> None:
    """A turn's future is done on the model thread before the pane hears of it, and on a loaded machine
    the pane hears of it late (here: held until the test lets it through). Until the turn is drawn the
    pane is not settled, so a test or a snapshot never catches the stream's last frame in place of the turn."""
    drawn = SimulateScreen._turn_done
    held: list = []

    def late(self, future, stream) -> None:
        held.append(lambda: drawn(self, future, stream))

    monkeypatch.setattr(SimulateScreen, "_turn_done", late)
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_simulate(pilot)
        await pilot.press("s")
        await until(pilot, lambda: held)
        await pilot.pause(0.1)
        assert app.screen.busy.done() and not app.screen.settled, "the finished turn is not drawn yet"
        held.pop()()
        await settle(pilot)
        assert "turn done" in app.screen.query_one("#sim-status").render().plain
        view = app.screen.query_one("#sim-turns", ListView)
        assert len(view) == len(app.screen.sim.turns) == 1 and not app.screen.query(".streaming")
        assert view.scroll_y == view.max_scroll_y, "scrolled to the last turn"
