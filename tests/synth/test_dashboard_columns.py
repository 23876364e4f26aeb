"""The Dashboard's columnar summary gives every figure a count over the dialogues' models gives, in
each scope (the whole dataset, a run, a set of sample keys), and stays so after reviews, edits,
deletes, an import and a restart; the words of Replies and Suggestions counted together are those
the one word counter counts."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from studio.domain import (
    CheckResult,
    FaultKind,
    StudentTurn,
    TeacherReply,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.domain.rubric import limits
from studio.domain.text import MAX_WORDS, word_count
from studio.export.importer import Importer
from studio.synth import dashboard, review
from studio.synth.dashboard import BUCKETS, bucket, word_counts
from studio.workspace import open_workspace
from tests.store.helpers import make_dialogue

FIGURES = ("samples", "dialogues", "actual", "position", "confusion", "failed", "floors", "lengths", "over_limit",
           "per_topic", "review")


def _reference(store, run_id: str | None = None, keys: set[str] | None = None) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Every figure counted one sample at a time over the validated dialogues."""
    out: dict = {"samples": 0, "dialogues": 0, "actual": Counter(), "position": {}, "confusion": Counter(),  # type: ignore[type-arg]
                 "failed": Counter(), "floors": Counter(), "lengths": {f: Counter() for f in BUCKETS},
                 "over_limit": Counter(), "per_topic": Counter(), "review": Counter()}
    for d in store.dialogues:
        if run_id and d.run_id != run_id:
            continue
        counted, student_no = False, 0
        for i, t in enumerate(d.turns):
            if isinstance(t, StudentTurn):
                student_no += 1
                continue
            if (t.train_weight == 0 and t.parsed is None) or (keys is not None and f"{d.id}:{i}" not in keys):
                continue
            counted = True
            out["samples"] += 1
            before = d.turns[i - 1] if i else None
            if isinstance(before, StudentTurn):
                intended = before.intended_fault.value
                observed = (before.observed_fault or before.intended_fault).value
                out["actual"][intended] += 1
                out["position"].setdefault(student_no, Counter())[intended] += 1
                out["confusion"][(intended, observed)] += 1
            failed = sorted({c.id for c in t.checks if c.severity == "error"})
            out["failed"].update(failed)
            cap = limits(failed, opening=t.kind == TurnKind.OPENING)
            out["floors"][min(cap.reply, cap.suggestion, cap.analysis) if failed else 3] += 1
            reply = word_count(t.parsed.reply) if t.parsed else 0
            suggestion = max((word_count(s) for s in t.parsed.suggestions), default=0) if t.parsed else 0
            out["lengths"]["reply"][bucket("reply", reply)] += 1
            out["lengths"]["suggestion"][bucket("suggestion", suggestion)] += 1
            if t.parsed and t.parsed.analysis:
                out["lengths"]["analysis"][bucket("analysis", len(t.parsed.analysis))] += 1
            out["over_limit"]["reply"] += reply > MAX_WORDS
            out["over_limit"]["suggestion"] += suggestion > MAX_WORDS
            out["per_topic"][d.topic_id] += 1
            out["review"]["edited" if t.edits and t.review.value == "pending" else t.review.value] += 1
        out["dialogues"] += counted
    return out


def _same(store, **scope) -> None:  # type: ignore[no-untyped-def]
    stats = dashboard.compute(store, **scope)
    expected = _reference(store, **scope)
    for name in FIGURES:
        assert getattr(stats, name) == expected[name], name


def _varied(rng: random.Random, topic_id: str, i: int):  # type: ignore[no-untyped-def]
    """Generated dialogues with failing checks, Chinese and apostrophes in the answers, long replies,
    unparsed turns and imported faults."""
    d = make_dialogue(rng, topic_id=topic_id, index=i, run_id=f"r-{i % 3}")
    teacher = [t for t in d.turns if isinstance(t, TeacherTurn)]
    if i % 4 == 1:
        teacher[1].checks.append(CheckResult(id="reply.words", message="long"))
        teacher[2].checks += [CheckResult(id="fault.uncorrected", message="x"), CheckResult(id="reply.english", message="y")]
        teacher[1].parsed = TeacherReply(Reply="I don't think it's rock'n'roll, ''odd'' 你好 ok " * 8,
                                         Suggestion=["Can't stop!", "中文 words", ""], Analysis="很好")
    if i % 5 == 2:
        d.source = "imported"
        for t in d.turns:
            if isinstance(t, StudentTurn):
                t.observed_fault = FaultKind.OFF_TOPIC
        d.turns.insert(0, StudentTurn(text="Hi there", intended_fault=FaultKind.NORMAL))
        d.turns.insert(1, TeacherTurn(raw="not json", train_weight=0))
    if i % 7 == 3:
        d.turns.append(StudentTurn(text="Ok", intended_fault=FaultKind.SHORT))
        d.turns.append(TeacherTurn(raw="{", parse_error="not valid JSON"))
    return d


def test_every_figure_in_every_scope_through_edits_deletes_an_import_and_a_restart(tmp_path: Path) -> None:
    rng = random.Random(11)
    ws = open_workspace(tmp_path / "ws", create_missing=True)
    try:
        topics = [Topic(text=f"关于第{i}个话题的对话") for i in range(3)]
        ws.store.topics.put_many(topics)
        ws.store.dialogues.put_many([_varied(rng, topics[i % 3].id, i) for i in range(40)])
        rows = review.all_rows(ws.store)
        keys = {r.key for r in rows[::3]}
        for scope in ({}, {"run_id": "r-1"}, {"keys": keys}, {"run_id": "r-missing"}):
            _same(ws.store, **scope)

        review.set_review(ws.store, [rows[0].key, rows[5].key], review.ReviewStatus.APPROVED, "me")
        review.set_review(ws.store, [rows[7].key], review.ReviewStatus.REJECTED, "me")
        review.edit_answer(ws.store, rows[9].key, '{"Reply": "Hi", "Suggestion": ["a"], "Analysis": "好"}', "me")
        ws.store.dialogues.delete(rows[20].key.split(":")[0])
        for scope in ({}, {"run_id": "r-0"}, {"keys": keys}):
            _same(ws.store, **scope)

        answer = json.dumps({"Reply": "Nice! What did you eat?", "Suggestion": ["I ate noodles.", "Rice."],
                             "Analysis": "你的句子很好。"}, ensure_ascii=False)
        data = tmp_path / "data.jsonl"
        data.write_text("".join(json.dumps({"prompt": f"[主题介绍]\n关于午饭的对话\n[对话历史]\nstudent: I eat {k} apples.",
                                            "response": answer}, ensure_ascii=False) + "\n" for k in range(5)),
                        encoding="utf-8")
        Importer(ws.store, data).run()
        _same(ws.store)
        before = dashboard.compute(ws.store)
        assert before.samples == _reference(ws.store)["samples"] > 150
    finally:
        ws.close()
    ws = open_workspace(tmp_path / "ws")  # a new process would read every document afresh
    try:
        dashboard._READ.clear()
        for scope in ({}, {"run_id": "r-2"}):
            _same(ws.store, **scope)
        assert dashboard.compute(ws.store).samples == before.samples
    finally:
        ws.close()


def test_words_counted_together_are_those_counted_one_by_one() -> None:
    rng = random.Random(2)
    alphabet = ["a", "Bc", "'", " ", "\n", "-", "z", "''", "中", "x'y", "don't", "1", "\t", "é", "rock'n'roll"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    assert word_counts(texts) == [word_count(t) for t in texts]
    assert word_counts([]) == [] and word_counts(["", "'", "a"]) == [0, 0, 1]
