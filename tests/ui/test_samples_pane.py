from __future__ import annotations

import json

from textual.widgets import DataTable, TextArea

from studio.domain import ReviewStatus
from studio.synth import review
from studio.ui.app import make_app
from tests.ui.conftest import settle, until


def table(app) -> DataTable:
    return app.screen.query_one("#samples-table", DataTable)


def current_key(app) -> str:
    t = table(app)
    return t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value


async def open_samples(pilot) -> None:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


async def approve(pilot) -> None:
    """``a``, and Yes when the sample fails an error check (the studio asks first then)."""
    failing = bool(pilot.app.screen.rows[current_key(pilot.app)].failed)
    await pilot.press("a")
    if failing:
        await until(pilot, lambda: pilot.app.screen.__class__.__name__ == "Confirm")
        await pilot.press("y")
    await settle(pilot)


async def test_lists_every_sample_with_detail(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        assert table(app).row_count == 24 and table(app).border_title == "Samples · 24 of 24"
        await pilot.press("down")
        await settle(pilot)
        body = app.screen.query_one("#sample-view").plain
        assert "teacher answer" in body and "rubric limits" in body


async def test_approve_reject_weight_and_undo(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        key = current_key(app)
        await approve(pilot)
        assert review.load_sample(generated.store, key)[2].review == ReviewStatus.APPROVED
        assert "approved" in str(table(app).get_cell(key, "review"))
        await pilot.press("x")
        await settle(pilot)
        assert review.load_sample(generated.store, key)[2].review == ReviewStatus.REJECTED
        await pilot.press("w")
        await settle(pilot)
        assert review.load_sample(generated.store, key)[2].train_weight == 0
        await pilot.press("u")
        await settle(pilot)
        assert review.load_sample(generated.store, key)[2].train_weight == 1


async def test_edit_with_live_checks_then_undo(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("down")
        await settle(pilot)
        key = current_key(app)
        _, _, before = review.load_sample(generated.store, key)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#field-reply", TextArea).text = " ".join(["long"] * 35)
        await until(pilot, lambda: "reply.words" in str(app.screen.query_one("#checks-reply").render()))
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = review.load_sample(generated.store, key)[2]
        assert not after.passed and after.edits[-1].before == before.raw
        assert "words" in str(table(app).get_cell(key, "checks"))
        await pilot.press("u")
        await settle(pilot)
        assert review.load_sample(generated.store, key)[2].raw == before.raw


async def test_bulk_approve_states_the_count_and_needs_confirm(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("f")  # fault: normal
        await settle(pilot)
        shown = table(app).row_count
        assert 0 < shown < 24
        await pilot.press("A")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        assert f"Approve all {shown} samples" in str(app.screen.query_one(".question").render())
        await pilot.press("n")
        await settle(pilot)
        assert not [r for r in review.all_rows(generated.store) if r.review == "approved"]
        await pilot.press("A", "y")
        await settle(pilot)
        approved = [r for r in review.all_rows(generated.store) if r.review == "approved"]
        assert len(approved) == shown and all(r.intended == "normal" for r in approved)


async def test_needs_review_queue_and_next(generated) -> None:
    rows = [r for r in review.all_rows(generated.store) if r.kind == "reply" and not r.needs_review]
    for r in rows[:2]:
        _, _, turn = review.load_sample(generated.store, r.key)
        review.edit_answer(generated.store, r.key, json.dumps({**turn.parsed.to_contract(), "Analysis": "Good."}), "t")
    waiting = [r.key for r in review.all_rows(generated.store) if r.needs_review]
    assert {r.key for r in rows[:2]} <= set(waiting)
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert current_key(app) in waiting
        await pilot.press("q")
        await settle(pilot)
        assert table(app).row_count == len(waiting)
        await approve(pilot)
        assert table(app).row_count == len(waiting) - 1, "an approved sample leaves the queue"
        for _ in waiting[1:]:
            await approve(pilot)
        assert table(app).row_count == 0


async def test_regenerate_streams_into_the_detail(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await pilot.press("down")
        await settle(pilot)
        key = current_key(app)
        before = review.load_sample(generated.store, key)[2]
        await pilot.press("r")
        await settle(pilot)
        after = review.load_sample(generated.store, key)[2]
        assert after.edits[-1].note == "regenerated" and len(after.edits) == len(before.edits) + 1


async def test_narrow_terminal_stacks_the_detail(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        assert app.screen.has_class("-narrow")
        assert table(app).row_count == 24
