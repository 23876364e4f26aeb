"""The Dashboard pane: its numbers against the store, scopes, the jump to failing samples, and
generation runs started, paused, resumed and stopped from the UI."""

from __future__ import annotations

from collections import Counter

from textual.widgets import Select

from studio.domain import RunStatus, StudentTurn, TeacherTurn
from studio.synth import review
from studio.ui.app import make_app
from studio.ui.modals.command_forms import GenerateForm
from studio.ui.screens.base import Pane
from tests.ui.conftest import fill, settle, until
from tests.workspaces import seeded_workspace

SLOW = """
[providers.slowsim]
kind = "offline"
latency = 0.1
concurrency = 2
"""



async def open_dashboard(pilot) -> None:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await until(pilot, lambda: pilot.app.screen.stats is not None)


async def test_numbers_match_the_store(generated) -> None:
    store = generated.store
    dialogues = store.dialogues.all()
    students = [t for d in dialogues for t in d.turns if isinstance(t, StudentTurn)]
    teachers = [t for d in dialogues for t in d.turns if isinstance(t, TeacherTurn)]
    first, second = review.all_rows(store)[:2]
    review.set_review(store, [first.key], review.ReviewStatus.APPROVED, "me")
    review.edit_answer(store, second.key, '{"Reply": "Hi", "Suggestion": ["a"], "Analysis": "好"}', "me")
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(pilot)
        s = app.screen.stats
        assert s.samples == len(teachers) == 24 and s.dialogues == 6
        assert dict(s.actual) == dict(Counter(t.intended_fault.value for t in students))
        assert sum(s.confusion.values()) == len(students)
        assert s.review["approved"] == 1 and s.review["edited"] == 1 and s.review["pending"] == 22
        failing = {c.id for c in review.load_sample(store, second.key)[2].checks if c.severity == "error"}
        assert failing and all(s.failed[c] >= 1 for c in failing)
        assert s.ledger["total"]["calls"] == len(store.calls.all())
        shown = app.screen.query_one("#mix-numbers").render()
        assert shown is not None
        assert "24 samples" in app.screen.query_one("#dash-scope").render().plain
        # one run as the scope
        await pilot.press("s")
        await settle(pilot)
        await until(pilot, lambda: app.screen.stats.scope.startswith("run "))
        run_id = app.screen.stats.scope.split()[1]
        assert app.screen.stats.samples == sum(1 for r in review.all_rows(store) if r.run_id == run_id)
        # Enter on a check jumps to the samples failing it
        table = app.screen.query_one("#checks-table")
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.TITLE_TEXT == "Samples"
        worst = app.screen.check
        assert worst != "all" and app.screen.view and all(worst in r.failed for r in app.screen.view)


async def test_start_pause_resume_and_stop_a_run_from_the_ui(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(Pane, "REFRESH_DELAY", 0.3)  # the studio's own pace of refreshes while a run writes
    ws = seeded_workspace(tmp_path / "ws", SLOW)
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_dashboard(pilot)
            await pilot.press("G")
            await settle(pilot)
            fill(app.screen, dialogues="12", teacher="slowsim", student="slowsim", concurrency="2")
            await pilot.press("ctrl+s")
            control = app.studio.generation
            await until(pilot, lambda: control.active)
            await pilot.press("P")
            await until(pilot, lambda: not control.active)
            assert "run " in app.screen.query_one("#run-panel").render().plain
            run = ws.store.runs.get(control.run.id)
            assert run.status == RunStatus.PAUSED and run.completed < 12
            await pilot.press("P")
            await until(pilot, lambda: control.active)
            await pilot.press("down", "up")  # the UI answers keys while the run goes on
            await until(pilot, lambda: not control.active and control.run.status == RunStatus.SUCCEEDED)
            assert ws.store.runs.get(control.run.id).completed == 12
            await settle(pilot)
            assert app.screen.stats.samples == 48
            # a second run, stopped for good
            await pilot.press("G")
            await settle(pilot)
            fill(app.screen, dialogues="40", teacher="slowsim", student="slowsim")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: control.last is not None and control.last.completed >= 1)
            await pilot.press("S")
            await until(pilot, lambda: not control.active)
            await settle(pilot)
            assert ws.store.runs.get(control.run.id).status == RunStatus.CANCELLED
    finally:
        ws.close()


async def test_bad_form_values_are_named(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("G")
        await settle(pilot)
        app.screen.query_one("#mix").value = "55:40:5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("give 7 weights" in str(n.message) for n in app._notifications)
        teacher = app.screen.query_one("#teacher", Select)
        assert [v for _, v in teacher._options if v is not Select.NULL] == sorted(workspace.config.providers)
        # a profile the form is given that the workspace lacks is kept, marked, and named when submitted
        app.screen.dismiss(None)
        await settle(pilot)
        app.push_screen(GenerateForm({"teacher": "nosuch"}, {"teacher": sorted(workspace.config.providers)}))
        await until(pilot, lambda: app.screen.__class__.__name__ == "GenerateForm")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("--teacher: unknown provider profile 'nosuch'" in str(n.message) for n in app._notifications)


async def test_imported_turns_are_judged_in_the_background_with_their_progress_shown(tmp_path, monkeypatch) -> None:
    """An import left its off-topic judgements pending: the studio judges them behind the panes, the
    Dashboard and Samples say how far it is, and once it is done nothing is pending and the line goes."""
    import threading

    from studio.export.importer import Importer
    from studio.synth import pending
    from tests.export.test_import_judging import _file

    ws = seeded_workspace(tmp_path / "ws")
    Importer(ws.store, _file(tmp_path, 3), ws.root).run()
    assert pending.pending_count(ws.store) == 3
    go, ready = threading.Event(), pending.prepare

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]  # the first chunk waits: nothing is judged yet
        assert go.wait(30)
        return ready(*args, **kwargs)

    monkeypatch.setattr(pending, "prepare", held)
    app = make_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: "judging the off-topic check: 0 / 3" in str(app.screen.query_one("#judging").render()))
        await pilot.press("3")
        await until(pilot, lambda: "0 / 3" in str(app.screen.query_one("#judging").render()))
        go.set()
        await until(pilot, lambda: not app.screen.query_one("#judging").display)
        assert pending.pending_count(ws.store) == 0
    ws.close()
