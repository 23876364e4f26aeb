"""An export reads its samples from the stored documents as they are, without validating a model
per dialogue: every sample it reads (prompt, answer, fault, failed checks, review, token estimate)
is the one the dialogue's model gives, for generated, imported, reviewed and edited dialogues, in
both prompt styles and with a workspace's own templates; a document written by an older studio
(fields missing) is read through its model, and a broken one is refused naming the field."""

from __future__ import annotations

import json
import random
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from studio.domain import (
    CheckResult,
    Dialogue,
    FaultKind,
    ReviewStatus,
    StudentTurn,
    TeacherReply,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.export.samples import answer_json, iter_samples, samples_of_model
from studio.llm.base import estimate_tokens
from studio.store import Store
from studio.turn.prompts import Prompts
from tests.store.helpers import make_dialogue


def _odd_dialogues(topic_id: str) -> list[Dialogue]:
    """Dialogues beyond the generated shape: imported (observed faults), an unparsed turn, a context
    turn of weight 0, a reply with no Analysis, reviews, failed checks, Chinese and quotes in the text."""
    reply = TeacherReply(Reply='Say "hi" \\ 你好, okay?', Suggestion=["I’d say: “hi”.", "Tab\there.", "é ü 😀"],
                         Analysis="你说得很好，注意 'a' 的用法。\n第二行")
    opening = TeacherReply(Reply="Hello! What did you do?", Suggestion=["I went hiking.", "I read."])
    imported = Dialogue(topic_id=topic_id, source="imported", status="complete", run_id="r-imp", index=0, turns=[
        TeacherTurn(kind=TurnKind.OPENING, raw="{…}", parsed=opening, train_weight=0),
        StudentTurn(text="我去  爬山了。", intended_fault=FaultKind.NORMAL, observed_fault=FaultKind.CHINESE),
        TeacherTurn(raw="{}", parsed=reply, review=ReviewStatus.APPROVED,
                    checks=[CheckResult(id="reply.words", message="long"),
                            CheckResult(id="analysis.chinese", severity="warning", message="w")]),
        StudentTurn(text="I goed there.", intended_fault=FaultKind.GRAMMAR),
        TeacherTurn(raw="not json at all " * 40, parse_error="not valid JSON"),
        StudentTurn(text="Yes\nreally", intended_fault=FaultKind.SHORT, observed_fault=FaultKind.SHORT),
        TeacherTurn(raw="{}", parsed=TeacherReply(Reply="Good.", Suggestion=["Yes."], Analysis="好"),
                    review=ReviewStatus.REJECTED),
        StudentTurn(text="Okay.", intended_fault=FaultKind.SHORT),
        TeacherTurn(raw="{}", parsed=reply.model_copy(), review=ReviewStatus.PENDING,
                    checks=[CheckResult(id="fault.uncorrected", message="x"), CheckResult(id="reply.words", message="y")]),
    ])
    student_first = Dialogue(topic_id=topic_id, source="manual", status="running", run_id="r-imp", index=1, turns=[
        StudentTurn(text="Can we talk about food?", intended_fault=FaultKind.OFF_TOPIC),
        TeacherTurn(raw="{}", parsed=reply.model_copy()),
        StudentTurn(text="Pizza!", intended_fault=FaultKind.SHORT),
        TeacherTurn(raw="{}", parsed=TeacherReply(Reply="Yum.", Suggestion=["I like pizza."])),  # no Analysis: none
    ])
    planned = Dialogue(topic_id=topic_id, status="planned", turns=[TeacherTurn(raw="{}", parsed=opening)])
    return [imported, student_first, planned]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    rng = random.Random(5)
    s = Store(tmp_path / "ws")
    topics = [Topic(text="两位同学讨论周末计划，聊起各自的安排。", title="Weekend"),
              Topic(text="关于学校运动会的对话", name_zh="运动会")]
    s.topics.put_many(topics)
    dialogues = [make_dialogue(rng, topic_id=topics[i % 2].id, index=i, run_id=f"r-{i % 3}") for i in range(12)]
    dialogues += _odd_dialogues(topics[1].id)
    dialogues.append(make_dialogue(rng, topic_id="t-deleted", index=99, run_id="r-0"))
    s.dialogues.put_many(dialogues)
    yield s
    s.close()


def _by_model(store: Store, prompts: Prompts, style: str) -> list[tuple]:  # type: ignore[type-arg]
    topics = {t.id: t for t in store.topics}
    docs = sorted((Dialogue.model_validate(raw) for _, raw in store.dialogues.raw()),
                  key=lambda d: (d.run_id or "", d.index if d.index is not None else -1, d.id))
    out = []
    for d in docs:
        if d.status.value in ("complete", "running"):
            topic = topics.get(d.topic_id) or Topic(id=d.topic_id, text="(deleted topic)")
            out += [_fields(s) for s in samples_of_model(d, topic, prompts, style)]
    return out


def _fields(s) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    return (s.key, s.topic.id, s.prompt, s.answer, s.fault, s.failed, s.review, s.reply, s.tokens, s.passed,
            s.run_id, s.dialogue_id)


@pytest.mark.parametrize("style", ["full", "compact"])
def test_samples_read_from_documents_are_those_of_the_models(store, style) -> None:
    prompts = Prompts()
    read = list(iter_samples(store, prompts, style))
    assert [_fields(s) for s in read] == _by_model(store, prompts, style)
    assert len(read) == 13 * 4 + 3 + 1  # 4 a generated dialogue; the weight-0 and unparsed turns are no samples
    for s in read:
        assert s.tokens == estimate_tokens(s.prompt) + estimate_tokens(s.answer)
        assert s.answer == json.dumps(s.turn.parsed.to_contract(), ensure_ascii=False)
        assert s.dialogue.id == s.dialogue_id and s.turn is s.dialogue.turns[s.index]
    imported = [s for s in read if s.run_id == "r-imp"]
    assert [s.fault for s in imported] == [FaultKind.CHINESE, FaultKind.SHORT, FaultKind.SHORT, FaultKind.OFF_TOPIC]
    assert [s.failed for s in imported] == [["reply.words"], [], ["fault.uncorrected", "reply.words"], []]
    assert [s.review for s in imported][:3] == [ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.PENDING]
    assert "student: 我去 爬山了。" in imported[0].prompt and "student: Yes really" in imported[1].prompt


def test_a_workspace_template_with_the_dialogue_twice_and_the_old_title(store, tmp_path) -> None:
    folder = tmp_path / "own"
    (folder / "prompts").mkdir(parents=True)
    (folder / "prompts" / "teacher_reply.txt").write_text("{title} / {topic}\n{chat}\n---\n{chat}\n[{topic_name}]",
                                                          encoding="utf-8")
    prompts = Prompts(folder)
    read = list(iter_samples(store, prompts))
    assert [_fields(s) for s in read] == _by_model(store, prompts, "full")
    second = next(s for s in read if s.index == 2 and s.topic.title == "Weekend")
    assert second.prompt.count("student: ") == 2 and second.prompt.startswith("周末计划 / 两位同学")


def test_a_document_written_by_an_older_studio_is_read_through_its_model(tmp_path) -> None:
    folder = tmp_path / "old"
    with Store(folder) as s:
        topic = Topic(text="关于周末的对话")
        s.topics.put(topic)
    data = orjson.loads((folder / "studio.json").read_bytes())
    opening = {"role": "teacher", "kind": "opening", "raw": "{}",
               "parsed": {"Reply": "Hi! What did you do?", "Suggestion": ["I swam.", "I read."]}}  # by its aliases
    student = {"role": "student", "text": "I swimmed."}  # no fault fields: their defaults
    reply = {"role": "teacher", "raw": "{}", "parsed": {"reply": "Nice.", "suggestions": ["I swam."], "analysis": "好"},
             "checks": [{"id": "reply.words", "message": "x"}]}
    data["dialogues"] = {"d-old": {"id": "d-old", "topic_id": topic.id, "status": "complete", "index": "3",
                                   "turns": [opening, student, reply]}}
    (folder / "studio.json").write_bytes(orjson.dumps(data))
    with Store(folder) as s:
        read = list(iter_samples(s, Prompts()))
        assert [_fields(x) for x in read] == _by_model(s, Prompts(), "full")
        assert [(x.index, x.fault, x.failed) for x in read] == [(0, FaultKind.OPENING, []),
                                                               (2, FaultKind.NORMAL, ["reply.words"])]


def test_a_broken_document_is_refused_naming_its_field(tmp_path) -> None:
    folder = tmp_path / "broken"
    with Store(folder) as s:
        s.topics.put(Topic(text="关于周末的对话"))
    data = orjson.loads((folder / "studio.json").read_bytes())
    data["dialogues"] = {"d-bad": {"id": "d-bad", "topic_id": "t-x", "status": "complete",
                                   "turns": [{"role": "student", "text": "Hi", "intended_fault": "shouting"}]}}
    (folder / "studio.json").write_bytes(orjson.dumps(data))
    with Store(folder) as s, pytest.raises(ValidationError, match="intended_fault"):
        list(iter_samples(s, Prompts()))


@pytest.mark.parametrize("text", ['plain', 'quote " and \\ backslash', "new\nline\ttab\r\x01\x1f", "中文，全角！",
                                  "\u2028\u2029 \x7f \ud7ff \U0001f600", "", "/ slash </script>"])
def test_the_answer_is_json_dumps_of_the_contract_object(text) -> None:
    for analysis in (None, text):
        contract = {"Reply": text, "Suggestion": [text, "b"]} | ({"Analysis": analysis} if analysis is not None else {})
        assert answer_json(text, [text, "b"], analysis) == json.dumps(contract, ensure_ascii=False)
    assert answer_json("a", [], None) == json.dumps({"Reply": "a", "Suggestion": []}, ensure_ascii=False)
