from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable

from studio.synth.topics import add_topic
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.ui.conftest import settle, until


def palette_options(app) -> int:
    return app.screen.query_one(CommandList).option_count if isinstance(app.screen, CommandPalette) else 0


def first_option(app) -> str:
    """The palette's first (highlighted) hit; hits arrive and re-sort while the search runs."""
    if not palette_options(app):
        return ""
    prompt = app.screen.query_one(CommandList).get_option_at_index(0).prompt
    return getattr(prompt, "plain", str(prompt))


async def test_app_opens_on_topics_and_lists_them(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == workspace.store.topics.count()
        assert str(workspace.root) in app.sub_title and "teacher: offline" in app.sub_title


async def test_a_store_change_refreshes_the_open_pane(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.screen.query_one(DataTable).row_count
        topic = add_topic(workspace.store, "两位同学在公交车上聊天。")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == before + 1 and topic.id in table.rows


async def test_panes_switch_with_numbers_and_function_keys(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.current_mode == "samples"
        await pilot.press("f2")
        await settle(pilot)
        assert app.current_mode == "topics"
        await pilot.press("f4")
        assert app.current_mode == "samples"


async def test_palette_reaches_actions_and_jumps(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Go to Samples")
        await until(pilot, lambda: "Samples" in first_option(app))
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "samples"
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Weekend hiking")
        await until(pilot, lambda: "hiking" in first_option(app).lower())
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "topics"
        assert app.screen.query_one("#topic-search").value.startswith("两位朋友计划周末去郊外徒步")
        assert app.screen.query_one(DataTable).row_count == 1


async def test_keys_list_and_quit(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Help")
        assert app.screen.__class__.__name__ == "Help"
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code in (0, None)


async def test_keymap_and_theme_come_from_config(tmp_path) -> None:
    path = tmp_path / "ws"
    ws = open_workspace(path, create_missing=True)
    ws.close()
    config = (path / "config.toml").read_text().replace('theme = "textual-dark"', 'theme = "textual-light"')
    (path / "config.toml").write_text(config + '\n[keys]\n"pane.samples" = "9"\n')
    ws = open_workspace(path)
    try:
        app = make_app(ws)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.theme == "textual-light"
            await pilot.press("9")
            await settle(pilot)
            assert app.current_mode == "samples"
    finally:
        ws.close()
