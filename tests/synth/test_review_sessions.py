"""Reviewing from two studios at once: an answer edited from a version another reviewer has changed
since is refused with both versions, and nothing is overwritten."""

from __future__ import annotations

import asyncio
import json

import pytest

from studio.domain import FaultKind, ReviewStatus, RunConfig
from studio.store import Store
from studio.synth import review
from studio.synth.service import execute, prepare
from tests.workspaces import seeded_workspace


@pytest.fixture
def ws(tmp_path):
    w = seeded_workspace(tmp_path / "w")
    mix = {FaultKind(k): v for k, v in w.config.mix.items()}
    run, _ = prepare(w, RunConfig(dialogues=2, seed=3, mix=mix))
    asyncio.run(execute(w, run))
    yield w
    w.close()


def test_an_edit_from_a_version_changed_since_is_refused_with_both(ws) -> None:
    key = next(r.key for r in review.all_rows(ws.store) if r.kind == "reply")
    opened = review.load_sample(ws.store, key)[2].raw  # what this reviewer's editor shows
    theirs = json.dumps({**json.loads(opened), "Reply": "Theirs: a shorter reply."})
    mine = json.dumps({**json.loads(opened), "Reply": "Mine: another reply."})
    with Store(ws.root) as other:  # a second studio on the same workspace
        review.edit_answer(other, key, theirs, "bo", based_on=opened)
        review.set_review(other, [key], ReviewStatus.APPROVED, "bo")
    with pytest.raises(review.ConflictError) as refused:
        review.edit_answer(ws.store, key, mine, "ana", based_on=opened)
    assert refused.value.theirs == theirs and refused.value.yours == mine and refused.value.by == "bo"
    assert "Theirs: a shorter reply." in str(refused.value) and "Mine: another reply." in str(refused.value)
    stored = review.load_sample(ws.store, key)[2]
    assert stored.raw == theirs and stored.review == ReviewStatus.APPROVED  # nothing of theirs overwritten
    edited = review.edit_answer(ws.store, key, mine, "ana", based_on=theirs)  # made on the current version
    assert edited.raw == mine and edited.review == ReviewStatus.APPROVED
