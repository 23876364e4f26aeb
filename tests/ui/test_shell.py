from __future__ import annotations

import pytest
from textual.widgets import DataTable

from studio.synth.topics import add_topic, seed_topics
from studio.ui.app import make_app
from studio.workspace import open_workspace


@pytest.fixture
def workspace(tmp_path):
    ws = open_workspace(tmp_path / "ws", create_missing=True)
    seed_topics(ws.store)
    yield ws
    ws.close()


async def test_app_opens_on_topics_and_lists_them(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == workspace.store.topics.count()
        assert str(workspace.root) in app.sub_title


async def test_a_store_change_refreshes_the_open_pane(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        before = app.screen.query_one(DataTable).row_count
        topic = add_topic(workspace.store, "两位同学在公交车上聊天。")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == before + 1 and topic.id in table.rows


async def test_quit_key(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0 or app.return_code is None
