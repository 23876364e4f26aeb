"""The Samples pane as a fast keyboard user meets it: nothing dropped, nothing mistyped, nothing stale."""

from __future__ import annotations

import asyncio

import pytest
from rich.cells import cell_len
from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input
from textual.widgets.data_table import ColumnKey

from studio.domain import FaultKind, RunConfig, TeacherTurn
from studio.synth import review
from studio.synth.service import execute, prepare
from studio.synth.topics import add_topic
from studio.ui.app import make_app
from tests.ui.conftest import settle, until

LONG_UNTITLED = ("两位同学在学校图书馆门口讨论下个月的英语演讲比赛应该选什么题目，一个想讲环境保护，另一个想讲人工智能对"
                 "未来工作的影响，他们还要决定谁先上台以及怎样准备幻灯片和练习时间")


def table(app) -> DataTable:
    return app.screen.query_one("#samples-table", DataTable)


def current_key(app) -> str:
    t = table(app)
    return t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value


def palette_options(app) -> int:
    return app.screen.query_one(CommandList).option_count if isinstance(app.screen, CommandPalette) else 0


def mix_of(ws) -> dict:
    return {FaultKind(k): v for k, v in ws.config.mix.items()}


def stored_samples(ws) -> int:
    return sum(isinstance(t, TeacherTurn) for d in ws.store.dialogues.all() for t in d.turns)


async def open_samples(pilot) -> None:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await until(pilot, lambda: table(pilot.app).row_count > 0)


async def test_a_run_made_while_samples_is_open_loses_no_sample(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("4")
        control = app.studio.generation
        app.studio.start_generation(RunConfig(dialogues=16, seed=11, concurrency=8, mix=mix_of(generated)))
        await until(pilot, lambda: control.run is not None and not control.active, timeout=120)
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        samples = app.screen
        assert len(samples.rows) == stored_samples(generated) > 24
        assert table(app).border_title.endswith(f"{stored_samples(generated)} of {stored_samples(generated)}")


async def test_slash_takes_every_key_until_escape(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        before = [r.review for r in review.all_rows(generated.store)]
        await pilot.press("slash", *"zz1zz", *"axrwu", "slash")
        assert app.current_mode == "samples"
        search = app.screen.query_one("#sample-search", Input)
        assert search.value == "zz1zzaxrwu/" and app.focused is search, "a / in the search is typed"
        await pilot.press("escape")
        assert app.focused is table(app)
        await pilot.press("1")
        assert app.current_mode == "topics", "after Escape the keys are commands again"
        await settle(pilot)
        assert [r.review for r in review.all_rows(generated.store)] == before, "no review key ran from the search"


async def test_enter_leaves_the_search_and_keys_are_commands_again(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("slash", *"offline", "enter", "a")
        await settle(pilot)
        if app.screen.__class__.__name__ == "Confirm":  # the sample fails an error check: approve it anyway
            await pilot.press("y")
            await settle(pilot)
        assert app.screen.query_one("#sample-search", Input).value == "offline"
        approved = [r for r in review.all_rows(generated.store) if r.review == "approved"]
        assert len(approved) == 1


async def test_detail_follows_every_change_without_moving(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        view = app.screen.query_one("#sample-view")
        await until(pilot, lambda: "review pending" in view.plain)
        await pilot.press("a")
        await settle(pilot)
        if app.screen.__class__.__name__ == "Confirm":  # the sample fails an error check: approve it anyway
            await pilot.press("y")
            await settle(pilot)
        await until(pilot, lambda: "review approved" in view.plain, timeout=10)
        await pilot.press("x")
        await settle(pilot)
        await until(pilot, lambda: "review rejected" in view.plain, timeout=10)
        await pilot.press("u")
        await settle(pilot)
        await until(pilot, lambda: "review approved" in view.plain, timeout=10)


async def test_palette_jump_to_a_sample_clears_the_filters(generated) -> None:
    rows = review.all_rows(generated.store)
    target = next(r for r in rows if r.intended != "normal")
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("f", "q")  # fault: normal, and the (empty) queue: nothing shows
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*target.key)
        await until(pilot, lambda: palette_options(app) > 0)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert screen.fault == "all" and not screen.queue
        assert current_key(app) == target.key
        assert table(app).border_title.startswith("Samples · 1 of")
        view = screen.query_one("#sample-view")
        await until(pilot, lambda: f"turn {target.index}" in view.plain, timeout=10)


async def test_an_empty_queue_says_so(generated) -> None:
    waiting = [r.key for r in review.all_rows(generated.store) if r.needs_review]
    review.set_review(generated.store, waiting, review.ReviewStatus.APPROVED, "me")
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert table(app).row_count == 0
        assert "empty" in str(app.screen.query_one("#sample-filters").render())
        assert any("queue is empty" in str(n.message) for n in app._notifications)
        assert "Nothing needs review" in app.screen.query_one("#sample-view").plain
        await pilot.press("a")
        await settle(pilot)
        assert any("nothing to approve" in str(n.message) for n in app._notifications)


@pytest.fixture
def with_long_topic(generated):
    topic = add_topic(generated.store, LONG_UNTITLED)
    run, _ = prepare(generated, RunConfig(dialogues=2, seed=3, topic_ids=[topic.id], mix=mix_of(generated)))
    asyncio.run(execute(generated, run))
    return generated


async def test_key_columns_stay_at_80x24_with_a_long_untitled_topic(with_long_topic) -> None:
    app = make_app(with_long_topic)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        t = table(app)
        labels = [str(c.label) for c in t.columns.values()]
        assert {"#", "Fault", "Checks", "Review"} <= set(labels), labels
        assert sum(c.get_render_width(t) for c in t.columns.values()) <= t.size.width
        assert t.size.height - 1 >= 3, "at least 3 rows of samples at 80×24 (the detail takes the rest)"
        topics = [str(t.get_cell(k, "topic")) for k in t.rows] if "Topic" in labels else []
        assert all(cell_len(name) <= t.columns[ColumnKey("topic")].width for name in topics)
        assert any(name.endswith("…") for name in topics) or not topics


async def test_key_columns_and_words_at_120x40(with_long_topic) -> None:
    app = make_app(with_long_topic)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        t = table(app)
        labels = [str(c.label) for c in t.columns.values()]
        assert {"#", "Fault", "Checks", "Review", "Words", "Topic"} <= set(labels), labels
        assert sum(c.get_render_width(t) for c in t.columns.values()) <= t.size.width


async def test_keys_read_in_one_burst_after_slash_go_into_the_search(generated) -> None:
    """A terminal delivers `/zz1zz` typed fast as one read: every key is queued before `/` has run."""
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        for ch in "/zz1zz":
            app.post_message(events.Key("slash" if ch == "/" else ch, ch))
        await settle(pilot)
        assert app.current_mode == "samples"
        assert app.screen.query_one("#sample-search", Input).value == "zz1zz"
        assert table(app).row_count == 0 and table(app).border_title.startswith("Samples · 0 of")
