"""The Export form offers the registered dataset formats: an unknown name is one line listing the
known ones, and a known one writes a snapshot in that format."""

from __future__ import annotations

import json
from pathlib import Path

from studio.ui.app import make_app
from tests.ui.conftest import settle, until


async def test_the_export_form_takes_its_formats_from_the_registry(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ExportForm")
        app.screen.query_one("#format").value = "csv"
        await pilot.press("ctrl+s")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert "unknown dataset format 'csv' (known: alpaca, llamafactory, openai, qianfan)" in messages, messages
        app.screen.query_one("#format").value = "alpaca"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(s.format == "alpaca" for s in generated.store.snapshots))
        await settle(pilot)
    (snap,) = generated.store.snapshots
    train = Path(next(f for f in snap.files if f.endswith("train.jsonl")))
    assert all(set(json.loads(t)) == {"instruction", "input", "output"} for t in train.read_text().splitlines())
