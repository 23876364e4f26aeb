"""One spec per fault kind: generation, detection, the contract and the default mix all read it."""

from __future__ import annotations

import json
import random

import pytest

from studio.domain import DEFAULT_MIX, STUDENT_FAULTS, FaultKind, Injection
from studio.domain.contract import Student, check_turn
from studio.domain.faults import SPECS, Evidence, FaultSpec, register, spec_of
from studio.synth.detect import holds, observe

CLEAN = [
    "Last weekend I went hiking with my cousin, and it was really fun.",
    "I think online classes are convenient, but it is hard to focus at home.",
    "I would like to visit Yunnan because the mountains are beautiful.",
    "My favourite part was the final shot, because it was so exciting.",
    "I usually review my notes every evening before the exams.",
]

#: An utterance of each kind as a student says it (the injected kinds are made below).
SAID = {
    FaultKind.NORMAL: "Last weekend I went hiking with my cousin, and it was really fun.",
    FaultKind.SHORT: "Hiking with my cousin.",
    FaultKind.CHINESE: "我上周末和表哥去爬山了，很好玩。",
}


def test_every_student_kind_has_one_spec_with_a_label_and_a_weight() -> None:
    assert list(SPECS) == list(STUDENT_FAULTS)
    for kind in STUDENT_FAULTS:
        spec = spec_of(kind)
        assert spec.kind is kind and kind.label == spec.label and spec.weight > 0
    assert DEFAULT_MIX.weights == {k: spec_of(k).weight for k in STUDENT_FAULTS}
    assert FaultKind.OPENING.label == "opening"
    with pytest.raises(KeyError, match="'opening' is not a student fault kind"):
        spec_of(FaultKind.OPENING)


def test_a_kind_is_registered_once() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        @register
        class Again(FaultSpec):
            kind = FaultKind.NORMAL
            label = "again"
            weight = 1


@pytest.mark.parametrize("kind", [k for k in STUDENT_FAULTS if spec_of(k).made == "rewrite"])
def test_each_injected_kind_is_detected_back_by_the_same_spec(kind: FaultKind) -> None:
    spec = spec_of(kind)
    for i, sentence in enumerate(CLEAN):
        wrong, fixes = spec.inject(sentence, random.Random(i))
        assert wrong != sentence and fixes, (kind, sentence)
        injection = Injection(original=sentence, corrections=[(c.wrong, c.right) for c in fixes])
        assert holds(kind, wrong, injection, frozenset(), False)
        assert observe(wrong, kind, injection) is kind  # as generation labels it
        assert observe(wrong) is kind  # and unlabelled, as an import reads it
        assert spec.holds(wrong, Evidence()) or spec.language is not None  # by its words alone


@pytest.mark.parametrize("kind", list(SAID))
def test_each_said_kind_is_recognised(kind: FaultKind) -> None:
    assert observe(SAID[kind]) is kind and observe(SAID[kind], kind) is kind


def test_off_topic_is_recognised_by_its_evidence() -> None:
    line = "My cat is sleeping on my bed now."
    assert observe(line, FaultKind.OFF_TOPIC, off_topic_bank=frozenset({"my cat is sleeping on my bed now"})) \
        is FaultKind.OFF_TOPIC
    assert observe(line, FaultKind.OFF_TOPIC, off_topic=True) is FaultKind.OFF_TOPIC
    assert observe(line) is FaultKind.SHORT  # its words alone, without the topic: not off topic


def test_the_teacher_owes_each_kind_what_its_spec_says() -> None:
    silent = '{"Reply": "Nice. What else do you like?", "Suggestion": ["I like tea.", "I like maps.", "I like hills."], ' \
             '"Analysis": "回答切题，句子完整，表达清楚。"}'
    owed = {
        FaultKind.CHINESE: Student(SAID[FaultKind.CHINESE], FaultKind.CHINESE),
        FaultKind.OFF_TOPIC: Student("My cat is sleeping.", FaultKind.OFF_TOPIC),
        FaultKind.SPELLING: Student("I realy like it.", FaultKind.SPELLING, corrections=[("realy", "really")]),
    }
    expected = {FaultKind.CHINESE: "fault.language", FaultKind.OFF_TOPIC: "fault.off_topic",
                FaultKind.SPELLING: "fault.uncorrected"}
    for kind, student in owed.items():
        assert expected[kind] in check_turn(silent, student=student).error_ids, kind
    assert not {"fault.language", "fault.off_topic", "fault.uncorrected"} & set(
        check_turn(silent, student=Student(SAID[FaultKind.NORMAL], FaultKind.NORMAL)).error_ids)


# -- mixed Chinese-English ---------------------------------------------------------------------
MIXED = "I think this movie is very 有意思, and my 朋友 like it too."


def test_a_mixed_answer_is_made_from_an_english_one_with_the_english_words_as_corrections() -> None:
    from studio.domain.codeswitch import english_for, inject_mixed

    sentence = "My friend Li Ming and I went to the museum last weekend, and it was really interesting."
    for seed in range(20):
        wrong, fixes = inject_mixed(sentence, random.Random(seed))
        assert 1 <= len(fixes) <= 2 and observe(wrong) is FaultKind.MIXED
        undone = wrong
        for c in fixes:
            assert c.right in sentence and c.wrong in wrong
            undone = undone.replace(c.wrong, c.right, 1)
        assert undone == sentence  # the corrections give exactly the English back
        assert [c.wrong for c in english_for(wrong)] == [c.wrong for c in fixes]  # read back from its words alone
    plain = "We sat by the lake and watched the ducks."  # no word a learner switches: a Chinese opening word
    wrong, (fix,) = inject_mixed(plain, random.Random(0))
    assert wrong == f"{fix.wrong} {plain}" and fix.right == "actually" and observe(wrong) is FaultKind.MIXED


def test_the_teacher_asks_a_mixed_answer_for_english_and_should_give_the_words() -> None:
    def answer(reply: str, analysis: str) -> str:
        return json.dumps({"Reply": reply, "Suggestion": ["I think it is interesting.", "My friends like it.",
                                                          "It is a good film."], "Analysis": analysis})

    for student in (Student(MIXED, FaultKind.MIXED, corrections=[("有意思", "interesting"), ("朋友", "friends")]),
                    Student(MIXED)):  # labelled by the injector, or read from its words alone (an import)
        silent = check_turn(answer("Nice! Why?", "回答切题，表达清楚。"), student=student)
        assert "fault.language" in silent.error_ids
        asked = check_turn(answer("Please try that in English.", "请尝试使用英语回答。"), student=student)
        assert asked.passed and [(r.id, r.severity) for r in asked.results if r.id.startswith("fault.")] == [
            ("fault.uncorrected", "warning")]  # the English words are owed, as a warning
        given = check_turn(answer("Please try that in English.",
                                  "请尝试使用英语回答。'有意思' 用英语说是 'interesting'，'朋友' 是 'friends'。"), student=student)
        assert given.passed and not [r for r in given.results if r.id.startswith("fault.")]
        praised = check_turn(answer("Great!", "请尝试使用英语回答。表达非常地道，interesting, friends。"), student=student)
        assert "fault.praised_error" in praised.error_ids
