from __future__ import annotations

from textual.widgets import DataTable, Static

from studio.ui.app import make_app
from tests.ui.conftest import settle, until


def table(app) -> DataTable:
    return app.screen.query_one("#topics-table", DataTable)


async def test_add_edit_toggle_delete(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = workspace.store.topics.count()
        await pilot.press("a")
        await pilot.press(*"两位同学在车站讨论春运。")
        await pilot.press("enter", *"Station talk", "enter", *"travel", "enter")
        await settle(pilot)
        added = [t for t in workspace.store.topics if t.title == "Station talk"]
        assert workspace.store.topics.count() == before + 1 and added[0].tags == ["travel"]
        await pilot.press("slash", *"车站", "enter")
        await settle(pilot)
        assert table(app).row_count == 1
        await pilot.press("e", "tab", "end", "ctrl+u")
        await pilot.press(*"Spring travel", "ctrl+s")
        await settle(pilot)
        assert workspace.store.topics.get(added[0].id).title == "Spring travel"
        await pilot.press("space")
        await settle(pilot)
        assert workspace.store.topics.get(added[0].id).enabled is False
        await pilot.press("d", "n")
        await settle(pilot)
        assert workspace.store.topics.get(added[0].id) is not None
        await pilot.press("d", "y")
        await settle(pilot)
        assert workspace.store.topics.get(added[0].id) is None


async def test_import_errors_are_shown_with_line_numbers(workspace, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"topic": "好"}\n{oops}\n', encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("两位同学讨论新开的书店。\n", encoding="utf-8")
    app = make_app(workspace)
    messages: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify = lambda message, **kw: messages.append(message)  # type: ignore[method-assign]
        await settle(pilot)
        before = workspace.store.topics.count()
        await pilot.press("i", *str(bad), "enter")
        await settle(pilot)
        assert any("bad.jsonl:2: not valid JSON" in m and "nothing added" in m for m in messages)
        assert workspace.store.topics.count() == before
        await pilot.press("i", *str(good), "enter")
        await settle(pilot)
        assert workspace.store.topics.count() == before + 1


async def test_expansion_runs_as_a_worker_and_rejected_can_be_accepted(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = workspace.store.topics.count()
        await pilot.press("x", "ctrl+s")
        await settle(pilot)
        status = str(app.screen.query_one("#topics-status", Static).render())
        assert "expansion done: 20 added" in status
        assert workspace.store.topics.count() == before + 20
        rejected = workspace.store.rejected.count()
        if rejected:
            await pilot.press("r")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert workspace.store.rejected.count() == rejected - 1
            assert workspace.store.topics.count() == before + 21


async def test_source_filter_and_help(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        total = table(app).row_count
        await pilot.press("s")  # seed
        await settle(pilot)
        assert table(app).row_count == total
        await pilot.press("s")  # expanded: none yet
        await settle(pilot)
        assert table(app).row_count == 0 and "source expanded" in table(app).border_title
        await pilot.press("f1")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Help")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.__class__.__name__ == "TopicsScreen")
