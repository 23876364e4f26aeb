"""A recovered answer (prose around its JSON, two objects, a repaired object, text after its code fence) is a sample
with a ``format.json`` warning and the content checks its object gets as an answer of its own: the
checks an answer of exactly that object gets, with no error for how it was read."""

from __future__ import annotations

import json

import pytest

from studio.domain import FaultKind, TurnKind
from studio.domain.contract import Student, check_turn
from studio.domain.parse import Parsed, parse_answer
from studio.turn.verdict import judge_answer

OBJ = {"Reply": "Great! What did you eat there, and who did you go with?",
       "Suggestion": ["I ate noodles.", "What about you?", "I ate noodles."],
       "Analysis": "Your sentence is good."}
OPENING = {"Reply": "Hi! Let's talk about your weekend. What did you do?",
           "Suggestion": ["I went hiking.", "I stayed at home.", "I visited my grandma."]}
STUDENTS = [None, Student("I goed to the park yesterday with my freind.", FaultKind.GRAMMAR),
            Student("我喜欢吃苹果。", FaultKind.CHINESE), Student("I like cats.", FaultKind.OFF_TOPIC, off_topic=True)]


def _wrapped(obj: dict[str, object]) -> list[str]:
    text = json.dumps(obj, ensure_ascii=False)
    return [f"Sure! Here is my answer:\n{text}\nHope it helps.", f"{text}\n{text}", text[:-1],
            f"```\n{text}\n```\nThanks", f"```json\n{text}"]


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize(("obj", "kind"), [(OBJ, TurnKind.REPLY), (OPENING, TurnKind.OPENING)])
def test_a_recovered_answer_gets_its_objects_content_checks(obj: dict[str, object], kind: TurnKind,
                                                           student: Student | None) -> None:
    for raw in _wrapped(obj):
        parsed = parse_answer(raw)
        assert parsed.obj is not None and not parsed.strict, raw
        check, results = judge_answer(raw, kind, student)
        alone = check_turn(raw, kind, student, parsed=Parsed(obj=parsed.obj)).results
        _, strict = judge_answer(raw, kind, student, strict=True)
        meaning = [r for r in strict if r.id in ("suggestion.answers", "suggestion.repeat")]  # the meaning checks
        assert results[0].id == "format.json" and results[0].variant == "recovered" and results[0].severity == "warning"
        assert [r.model_dump() for r in results[1:]] == [r.model_dump() for r in [*alone, *meaning]]
        assert check.parsed.obj == parsed.obj and "format.json" in {r.id for r in strict}
