"""The Export form offers the registered dataset formats: it lists exactly the registry's names, a
format the form was given that is not one of them is one line naming the known ones, and a format
picked with the keys writes a snapshot in that format."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Select

from studio.datafiles.formats import names
from studio.ui.app import make_app
from studio.ui.modals.command_forms import ExportForm
from tests.ui.conftest import settle, until


async def test_the_export_form_takes_its_formats_from_the_registry(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        app.push_screen(ExportForm({"format": "csv"}))
        await until(pilot, lambda: app.screen.__class__.__name__ == "ExportForm")
        await pilot.press("ctrl+s")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        known = ", ".join(names())
        assert f"--format: unknown dataset format 'csv' (choose from: {known})" in messages, messages
        await pilot.press("escape")  # nothing was changed: no question
        await until(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
        await pilot.press("x")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ExportForm")
        field = app.screen.query_one("#format", Select)
        assert [str(v) for _, v in field._options if v is not Select.NULL] == names()
        assert app.focused is field
        await pilot.press("enter", *"alpaca", "enter")  # open the list, type to find, pick
        await until(pilot, lambda: field.value == "alpaca")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(s.format == "alpaca" for s in generated.store.snapshots))
        await settle(pilot)
    (snap,) = generated.store.snapshots
    train = Path(next(f for f in snap.files if f.endswith("train.jsonl")))
    assert all(set(json.loads(t)) == {"instruction", "input", "output"} for t in train.read_text().splitlines())
