"""With the studio speaking Chinese, a sample's failing checks and its student's fault are shown in
Chinese in the Samples pane: a sample stored before check results had ids too."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import DataTable

from studio.synth.review import sample_key
from studio.workspace import open_workspace
from tests.store.old_store import DIALOGUE_ID, write_old_store
from tests.ui.conftest import settle, until
from tests.ui.language import chinese_ui  # noqa: F401  (a fixture)


@pytest.fixture
def old_workspace(tmp_path, _seeded_template):
    path = tmp_path / "ws"
    shutil.copytree(_seeded_template, path, ignore=shutil.ignore_patterns("studio.lock*"))
    write_old_store(path)
    ws = open_workspace(path)
    yield ws
    ws.close()


async def test_a_failing_samples_checks_in_chinese(chinese_ui, old_workspace) -> None:  # noqa: F811
    app = chinese_ui.make_app(old_workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        view = app.screen.query_one("#sample-view")
        await until(pilot, lambda: "fault.uncorrected" in view.plain)
        body = view.plain
        assert "✗ fault.uncorrected: 分析（Analysis）没有纠正学生的错误（'goed' → 'went'）" in body
        assert "✗ fault.praised_error: 分析（Analysis）把有错误的回答说成是正确的：'完全正确'" in body
        assert "! suggestion.distinct: a line no template makes" in body  # a line no template makes: as it is
        assert "语法错误" in body and "not corrected" not in body  # the student's fault badge
        table = app.screen.query_one("#samples-table", DataTable)
        assert str(table.get_cell(sample_key(DIALOGUE_ID, 2), "fault")) == "语法错误"
