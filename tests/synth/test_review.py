from __future__ import annotations

import asyncio
import json

import pytest

from studio.domain import FaultKind, ReviewStatus, RunConfig, TeacherTurn
from studio.llm.base import Delta
from studio.llm.registry import build_client
from studio.synth import review
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from tests.workspaces import seeded_workspace


@pytest.fixture
def ws(tmp_path):
    w = seeded_workspace(tmp_path / "w")
    mix = {FaultKind(k): v for k, v in w.config.mix.items()}
    run, _ = prepare(w, RunConfig(dialogues=5, seed=2, mix=mix))
    asyncio.run(execute(w, run))
    yield w
    w.close()


def test_rows_are_every_sample(ws) -> None:
    rows = review.all_rows(ws.store)
    assert len(rows) == 20 and {r.turn_no for r in rows} == {1, 2, 3, 4}
    opening = [r for r in rows if r.kind == "opening"]
    assert len(opening) == 5 and all(r.intended == "opening" for r in opening)
    assert all(r.provider == "offline" and r.review == "pending" for r in rows)


def test_bulk_review_is_one_change_with_history(ws) -> None:
    keys = [r.key for r in review.all_rows(ws.store)][:7]
    assert review.set_review(ws.store, keys, ReviewStatus.APPROVED, "ana") == 7
    assert review.set_review(ws.store, keys, ReviewStatus.APPROVED, "ana") == 0
    d, i, turn = review.load_sample(ws.store, keys[0])
    assert turn.review == ReviewStatus.APPROVED and turn.edits[-1].author == "ana"
    review.undo(ws.store, keys[0], "ana")
    assert review.load_sample(ws.store, keys[0])[2].review == ReviewStatus.PENDING


def test_edit_rechecks_records_history_and_undoes(ws) -> None:
    # a reply that passes every check (the first one may be a slip the offline teacher left for review)
    key = next(r.key for r in review.all_rows(ws.store) if r.kind == "reply" and not r.failed)
    _, _, before = review.load_sample(ws.store, key)
    bad = json.dumps({**before.parsed.to_contract(), "Reply": " ".join(["word"] * 35)})
    edited = review.edit_answer(ws.store, key, bad, "ana")
    assert "reply.words" in {c.id for c in edited.checks} and not edited.passed
    assert edited.edits[-1].before == before.raw and edited.edits[-1].after == bad and edited.edits[-1].author == "ana"
    restored = review.undo(ws.store, key, "ana")
    assert restored.raw == before.raw and restored.passed and not restored.edits[len(before.edits):]


def test_weight_toggle_and_undo(ws) -> None:
    key = review.all_rows(ws.store)[0].key
    assert review.toggle_weight(ws.store, key, "ana") == 0
    assert review.load_sample(ws.store, key)[2].train_weight == 0
    review.undo(ws.store, key, "ana")
    assert review.load_sample(ws.store, key)[2].train_weight == 1


def test_needs_review_queue(ws) -> None:
    already = {r.key for r in review.all_rows(ws.store) if r.needs_review}  # e.g. turns the offline teacher repaired
    key = next(r.key for r in review.all_rows(ws.store) if r.kind == "reply" and r.key not in already)
    _, _, turn = review.load_sample(ws.store, key)
    review.edit_answer(ws.store, key, json.dumps({**turn.parsed.to_contract(), "Analysis": "Good."}), "ana")
    queue = [r for r in review.all_rows(ws.store) if r.needs_review and r.key not in already]
    assert [r.key for r in queue] == [key] and queue[0].floor == 1


def test_regenerate_streams_and_replaces_the_turn(ws) -> None:
    key = next(r.key for r in review.all_rows(ws.store) if r.kind == "reply")
    client = build_client(ws.config, ws.secrets, "offline", store=ws.store)

    async def run():
        pieces, final = [], None
        async for event in review.regenerate(ws.store, client, Prompts(ws.root), key, "ana"):
            if isinstance(event, Delta):
                pieces.append(event.text)
            elif isinstance(event, TeacherTurn):
                final = event
        return pieces, final

    pieces, final = asyncio.run(run())
    assert len(pieces) > 3 and final.raw == "".join(pieces) and final.edits[-1].note == "regenerated"
    assert review.load_sample(ws.store, key)[2].raw == final.raw


def test_unknown_sample() -> None:
    assert review.split_key("d-abc:3") == ("d-abc", 3)
