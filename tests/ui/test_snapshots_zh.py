"""The studio in Simplified Chinese: SVG snapshots of every pane, the `?` keys, the F1 help, the forms
and the modals at 80×24 and 120×40 (update with: pytest tests/ui/test_snapshots_zh.py --snapshot-update).

The same workspace and keys as ``test_snapshots``; the app is imported in Chinese (``chinese_ui``).
CJK characters take two cells, so these show whether the tab bar, footer, tables, forms and dialogs
fit in Chinese."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import TextArea

from studio.workspace import open_workspace
from tests.ui.conftest import settle, until
from tests.ui.language import chinese_ui  # noqa: F401 - a fixture
from tests.ui.test_snapshots import FORMS, SIZES, _snapshot_template, opened, start  # noqa: F401 - a fixture

SUB_TITLE = "workspace · 教师：offline · 学生：offline"


@pytest.fixture
def zh_app(tmp_path, _snapshot_template, chinese_ui):  # noqa: F811 - the fixtures imported above
    shutil.copytree(_snapshot_template, tmp_path / "ws", ignore=shutil.ignore_patterns("studio.lock*"))
    ws = open_workspace(tmp_path / "ws")
    yield chinese_ui.make_app(ws)
    ws.close()


async def begin(pilot, *keys: str) -> None:
    await start(pilot, *keys)
    pilot.app.sub_title = SUB_TITLE
    await settle(pilot)


async def open_zh(pilot, *keys: str, screen: str) -> None:
    """``opened`` with the Chinese sub-title."""
    await opened(pilot, *keys, screen=screen)
    pilot.app.sub_title = SUB_TITLE
    for field in pilot.app.screen.query(TextArea):
        field.cursor_blink = False
    await settle(pilot)


@SIZES
def test_topics_pane(snap_compare, zh_app, size) -> None:
    assert snap_compare(zh_app, terminal_size=size, run_before=lambda pilot: begin(pilot))


@SIZES
def test_samples_list_and_detail(snap_compare, zh_app, size) -> None:
    assert snap_compare(zh_app, terminal_size=size, run_before=lambda pilot: begin(pilot, "3", "down"))


@SIZES
def test_simulate_pane(snap_compare, zh_app, size) -> None:
    async def run_before(pilot) -> None:
        await begin(pilot, "2")
        await until(pilot, lambda: pilot.app.screen.sim is not None)
        await pilot.press("g")
        await until(pilot, lambda: pilot.app.screen.sim.finished and pilot.app.screen.busy.done())
        await settle(pilot)

    assert snap_compare(zh_app, terminal_size=size, run_before=run_before)


@SIZES
def test_dashboard_pane(snap_compare, zh_app, size) -> None:
    async def run_before(pilot) -> None:
        await begin(pilot, "4")
        await until(pilot, lambda: pilot.app.screen.stats is not None)
        await settle(pilot)

    assert snap_compare(zh_app, terminal_size=size, run_before=run_before)


@SIZES
def test_jobs_pane(snap_compare, zh_app, size) -> None:
    assert snap_compare(zh_app, terminal_size=size, run_before=lambda pilot: begin(pilot, "5"))


@SIZES
def test_eval_pane(snap_compare, zh_app, size) -> None:
    assert snap_compare(zh_app, terminal_size=size, run_before=lambda pilot: begin(pilot, "6"))


HELP = {"keys": (("3", "question_mark"), "Help"), "help": (("3", "f1"), "Help"),
        "help-dashboard": (("4", "f1"), "Help")}


@SIZES
@pytest.mark.parametrize("shown", list(HELP))
def test_help(snap_compare, zh_app, size, shown) -> None:
    keys, screen = HELP[shown]

    async def run_before(pilot) -> None:
        await open_zh(pilot, *keys, screen=screen)

    assert snap_compare(zh_app, terminal_size=size, run_before=run_before)


MODALS = {**FORMS, "delete-topic": (("d",), "Confirm"), "import-topics": (("i",), "Ask"),
          "edit-answer": (("3", "e"), "AnswerEditor")}


@SIZES
@pytest.mark.parametrize("modal", list(MODALS))
def test_modal(snap_compare, zh_app, size, modal) -> None:
    keys, screen = MODALS[modal]

    async def run_before(pilot) -> None:
        await open_zh(pilot, *keys, screen=screen)

    assert snap_compare(zh_app, terminal_size=size, run_before=run_before)
