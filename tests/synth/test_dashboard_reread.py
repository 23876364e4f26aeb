"""The Dashboard's figures re-read only the dialogues that changed, and never show a stale one."""

from __future__ import annotations

import random

from studio.synth import dashboard, review
from studio.workspace import open_workspace
from tests.store.helpers import make_dialogue


def test_a_refresh_after_an_edit_counts_the_edit(tmp_path) -> None:
    ws = open_workspace(tmp_path / "ws", create_missing=True)
    try:
        rng = random.Random(3)
        ws.store.dialogues.put_many([make_dialogue(rng, index=i, run_id="r") for i in range(20)])
        before = dashboard.compute(ws.store)
        assert before.review["approved"] == 0 and before.samples == 80
        first = review.all_rows(ws.store)[0]
        review.set_review(ws.store, [first.key], review.ReviewStatus.APPROVED, "me")
        review.edit_answer(ws.store, review.all_rows(ws.store)[1].key,
                           '{"Reply": "Hi", "Suggestion": ["a"], "Analysis": "好"}', "me")
        after = dashboard.compute(ws.store)
        assert after.review["approved"] == 1 and after.review["edited"] == 1
        assert after.failed["suggestion.count"] == before.failed["suggestion.count"] + 1
        ws.store.dialogues.delete(ws.store.dialogues.all()[0].id)
        assert dashboard.compute(ws.store).samples == 76
    finally:
        ws.close()
