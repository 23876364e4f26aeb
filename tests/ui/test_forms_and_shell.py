"""Forms people can read, the tab bar, grouped keys, remapped keys, and pause/stop with a fast provider."""

from __future__ import annotations

from textual.color import Color
from textual.widget import Widget
from textual.widgets import Input, Label

from studio.domain import FaultKind, RunConfig, RunStatus
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.ui.conftest import settle, until

FORMS = {"TopicForm": ("1", "a"), "ExpandForm": ("1", "x"), "SimulateForm": ("2", "c"), "GenerateForm": ("4", "G"),
         "ExportForm": ("4", "x"), "JobForm": ("5", "n"), "EvalMakeForm": ("6", "m")}


def fields_of(form) -> list[Widget]:
    """A form's fields: what takes the keys in its grid of labels and fields."""
    return [w for w in form.query_one(".fields").children if w.can_focus]


async def test_every_form_labels_its_fields_focuses_the_first_and_dims_the_pane(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name, keys in FORMS.items():
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            await until(pilot, lambda n=name: app.screen.__class__.__name__ == n)
            form = app.screen
            inputs = fields_of(form)
            labels = [str(label.render()) for label in form.query(".field-label").results(Label)]
            assert len([text for text in labels if text.strip()]) == len(inputs), f"{name}: a label per field"
            assert app.focused is inputs[0], f"{name}: the first field has the keys"
            assert all(i.outer_size.height == 1 for i in inputs), f"{name}: every field is one line high"
            assert all(i.region.right <= 80 and i.region.y < 24 for i in inputs), f"{name}: every field on screen"
            backdrop = form.styles.background
            assert isinstance(backdrop, Color) and backdrop.a < 1, f"{name}: the pane behind is dimmed, not hidden"
            await pilot.press("escape")
            await until(pilot, lambda n=name: app.screen.__class__.__name__ != n)


async def test_typed_keys_go_into_the_focused_field_at_once(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a", *"两位同学讨论周末的计划")
        assert app.screen.query_one("#text", Input).value == "两位同学讨论周末的计划"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("y")
        await until(pilot, lambda: app.screen.__class__.__name__ == "TopicsScreen")


async def test_tab_bar_and_keys_follow_the_keymap(tmp_path) -> None:
    path = tmp_path / "ws"
    open_workspace(path, create_missing=True).close()
    (path / "config.toml").write_text((path / "config.toml").read_text()
                                      + '\n[keys]\n"pane.samples" = "9"\n"samples.approve" = "y"\n')
    ws = open_workspace(path)
    try:
        app = make_app(ws)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            tabs = str(app.screen.query_one("#pane-tabs").render())
            assert " 9 Samples " in tabs and " 1 Topics " in tabs
            await pilot.press("9")
            await settle(pilot)
            assert app.current_mode == "samples"
            footer_keys = {key for key, b in app.screen.active_bindings.items() if b.binding.show}
            assert "y" in footer_keys and "a" not in footer_keys
            groups = app.screen.key_groups()
            assert groups[0][0] == "Samples" and ("y", "Approve") in groups[0][1]
    finally:
        ws.close()


async def test_pause_and_stop_hold_with_the_fast_offline_provider(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        control = app.studio.generation
        mix = {FaultKind(k): v for k, v in workspace.config.mix.items()}
        app.studio.start_generation(RunConfig(dialogues=300, seed=4, concurrency=8, mix=mix))
        await until(pilot, lambda: control.last is not None and control.last.completed >= 1, timeout=60)
        await pilot.press("P")
        await until(pilot, lambda: not control.active, timeout=60)
        run = workspace.store.runs.get(control.run.id)
        assert run.status == RunStatus.PAUSED and run.completed < 300
        await pilot.press("P")
        await until(pilot, lambda: control.last is not None and control.active, timeout=30)
        await pilot.press("S")
        await until(pilot, lambda: not control.active, timeout=60)
        await settle(pilot)
        run = workspace.store.runs.get(control.run.id)
        assert run.status == RunStatus.CANCELLED and run.completed < 300
