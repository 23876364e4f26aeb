"""The Topics pane keeps the near-duplicate guard: add and edit refuse with the nearest topic, a near-duplicate
can be kept after a question, and the review of rejected candidates is readable at 80 columns."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Static

from studio.domain import RejectedTopic
from studio.ui.app import make_app
from tests.ui.conftest import settle, until


def first_topic(workspace):
    return sorted(workspace.store.topics.all(), key=lambda t: (t.created, t.id))[0]


async def test_add_and_edit_refuse_near_duplicates_naming_the_nearest(workspace) -> None:
    seed = first_topic(workspace)
    app = make_app(workspace)
    messages: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
        await settle(pilot)
        before = workspace.store.topics.count()
        copy = seed.text.replace("，", ",").replace("。", ".")
        await pilot.press("a", *copy, "ctrl+s")
        await until(pilot, lambda: any(seed.text in m for m in messages))
        assert any("same text" in m for m in messages) and workspace.store.topics.count() == before

        edited = seed.text[:-2] + "吧。"  # one character changed
        await pilot.press("a", *edited, "ctrl+s")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        question = str(app.screen.query_one("Label").render())
        assert seed.text in question and "similarity" in question
        await pilot.press("n")
        await settle(pilot)
        assert workspace.store.topics.count() == before
        await pilot.press("a", *edited, "ctrl+s")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("y")
        await settle(pilot)
        assert workspace.store.topics.count() == before + 1


async def test_review_shows_each_candidate_in_full_at_80_columns_and_keeps_lineage(workspace) -> None:
    seed = first_topic(workspace)
    long_text = "在一个下雨的午后，两位高二学生在学校图书馆的自习室里讨论如何合理安排周末的学习计划和体育锻炼时间。"
    workspace.store.rejected.put_many([
        RejectedTopic(text=long_text, nearest_id=seed.id, nearest_text=seed.text, similarity=0.71,
                      measure="paraphrase", title="Weekend study plans", name_zh="周末学习计划", parent_ids=[seed.id]),
        RejectedTopic(text=long_text.replace("，", ",")),  # proposed again: shown once, counted twice
    ])
    workspace.store.flush()
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await until(pilot, lambda: app.screen.__class__.__name__ == "RejectedReview")
        await pilot.pause(0.1)
        detail = app.screen.query_one("#rejected-detail", Static)
        console = Console(width=detail.content_region.width, record=True, file=io.StringIO())
        console.print(detail.content)
        lines = console.export_text().splitlines()
        shown = "".join(line.split("  ", 1)[-1].strip() for line in lines)  # the values, unwrapped
        assert long_text in shown and seed.text in shown and "0.71 by paraphrase" in shown
        assert "2 times" in shown
        assert detail.region.right <= 80 and len(lines) >= 6  # wrapped inside the screen, not cut
        await pilot.press("enter")
        await settle(pilot)
    accepted = [t for t in workspace.store.topics if t.text == long_text]
    assert accepted and accepted[0].parent_ids == [seed.id] and accepted[0].title == "Weekend study plans"
    assert accepted[0].name_zh == "周末学习计划" and workspace.store.rejected.count() == 0


async def test_import_names_the_near_duplicates_it_skipped(workspace, tmp_path) -> None:
    seed = first_topic(workspace)
    path = tmp_path / "more.txt"
    path.write_text(seed.text.replace("，", ",").replace("。", ".") + "\n两位同学在车站讨论春运的见闻。\n", encoding="utf-8")
    app = make_app(workspace)
    messages: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
        await settle(pilot)
        before = workspace.store.topics.count()
        await pilot.press("i", *str(path), "enter")
        await until(pilot, lambda: any("imported" in m for m in messages))
        done = next(m for m in messages if "imported" in m)
        assert "imported 1 topic;" in done and "line 1" in done and seed.text in done
        assert workspace.store.topics.count() == before + 1
