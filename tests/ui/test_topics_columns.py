"""The Topics table at 80×24: the title and on/off always show, the scenario keeps its room, and a topic
without an English title does not widen the Title column."""

from __future__ import annotations

from studio.synth.topics import add_topic
from studio.ui.app import make_app
from studio.ui.safe import DataTable
from tests.ui.conftest import settle

UNTITLED = "两位大学同学在学校附近新开的咖啡馆里讨论下学期选修课程的安排和各自的打算以及暑期实习计划，" * 2


def layout(table) -> dict[str, int]:
    return {str(c.key.value): c.width for c in table.columns.values()}


async def test_topics_columns_at_80_columns_and_an_untitled_topic(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#topics-table", DataTable)
        before = layout(table)
        assert {"title", "on", "text"} <= set(before) and before["text"] >= 16
        assert sum(w + 2 for w in before.values()) <= 80
        topic = add_topic(workspace.store, UNTITLED)
        await settle(pilot)
        after = layout(table)
        assert after["title"] <= 20 and after["text"] >= 16, after
        assert sum(w + 2 for w in after.values()) <= 80
        row = table.get_row(topic.id)
        title, text = str(row[list(after).index("title")]), str(row[list(after).index("text")])
        assert title.endswith("…") and text.endswith("…")
        assert text.startswith("两位大学同学")
