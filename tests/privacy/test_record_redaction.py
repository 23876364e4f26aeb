"""An imported record is redacted as each of its texts is on its own, whichever of them holds the personal
data (the answer and the history are ruled out together by one search when none holds a cue), and a
record with nothing to replace comes back as it was."""

from __future__ import annotations

import itertools

import pytest

from studio.datafiles.dataset_reader import Record
from studio.domain import TurnKind, pii
from studio.export.privacy import redact_record

RULES = "## 规则\n不超过30个单词，用高中水平的词汇\n\n[主题介绍]\n两位同学聊周末的计划。\n\n[对话历史]\n"
PLAIN = "We talked about the weekend trip to the mountains."
SAID = ["My name is Emily Chen.", "call me at 138-1111-2222", "我叫王小明，QQ是382910475", "家住朝阳区建国路88号"]
FIELDS = ("prompt", "response", "system", "topic", "history")


def record(**texts: str) -> Record:
    history = [("teacher", texts.get("teacher", PLAIN)), ("student", texts.get("student", PLAIN))]
    prompt = RULES + "\n".join(f"{role}: {text}" for role, text in history) + "\n" + texts.get("prompt", "")
    return Record(7, 0, prompt, texts.get("response", f'{{"Reply": "{PLAIN}"}}'), TurnKind.REPLY,
                  texts.get("topic", "两位同学聊周末的计划。"), history, texts.get("system"))


def by_field(rec: Record) -> tuple[dict[str, object], list[str]]:
    """Each text redacted on its own, in the record's order, and the kinds found."""
    tally = pii.Tally()
    done = {name: pii.redact_value(getattr(rec, name), tally, rec.line) if getattr(rec, name) is not None else None
            for name in FIELDS}
    return done, list(tally.by_kind.elements())


PLACES = ["response", "teacher", "student", "prompt", "topic", "system"]


@pytest.mark.parametrize(("where", "said"), [(None, None), *itertools.product(PLACES, SAID)])
def test_a_record_is_redacted_as_each_of_its_texts(where, said) -> None:
    rec = record(**({where: said} if where else {}))
    tally = pii.Tally()
    done = redact_record(rec, tally)
    want, kinds = by_field(rec)
    assert {name: getattr(done, name) for name in FIELDS} == want
    assert list(tally.by_kind.elements()) == kinds and (tally.lines == ({7: tally.by_kind} if kinds else {}))
    if where is None:
        assert done is rec and not kinds  # nothing replaced: the record itself
    else:
        assert kinds and said not in str([getattr(done, name) for name in FIELDS])


def test_the_role_words_of_a_history_are_searched_too() -> None:
    rec = record()
    rec.history = [("138-1111-2222", PLAIN), ("student", PLAIN)]  # not what a reader makes; redacted all the same
    tally = pii.Tally()
    assert redact_record(rec, tally).history == by_field(rec)[0]["history"] == [("[电话]", PLAIN), ("student", PLAIN)]
