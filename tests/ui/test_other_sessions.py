"""The studio open while other processes use the same workspace: a `studio review approve` from a
terminal shows in the Samples pane without any key pressed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable

from studio.ui.app import make_app
from tests.ui.conftest import settle, until

REPO = Path(__file__).resolve().parents[2]


def table(app) -> DataTable:
    return app.screen.query_one("#samples-table", DataTable)


async def test_an_approval_from_another_process_shows_in_the_samples_pane(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        t = table(app)
        key = t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value
        assert "approved" not in str(t.get_cell(key, "review"))
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "studio", "--workspace", str(generated.root), "review", "approve",
                             key, "--force", "--reviewer", "other"], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        await until(pilot, lambda: "approved" in str(table(app).get_cell(key, "review")))
