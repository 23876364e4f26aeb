"""An eval's per-check pass rates: the format checks over every answer, the others only over answers
that parsed — a model that never writes JSON does not pass the Reply checks it never reached."""

from __future__ import annotations

from studio.domain import EvalResult
from studio.evaluate.report import check_rates


def result(n: int, *, json_valid: bool, failed: list[str], error: str | None = None) -> EvalResult:
    return EvalResult(item_id=f"i{n}", raw="x", json_valid=json_valid, failed=failed, error=error)


def test_junk_answers_leave_the_content_checks_unmeasured() -> None:
    junk = [result(n, json_valid=False, failed=["format.json"]) for n in range(4)]
    rates = check_rates(junk)
    assert rates["format.json"] == 0.0
    assert rates["reply.words"] is None and rates["suggestion.count"] is None


def test_content_checks_count_parsed_answers_and_errors_fail_the_format() -> None:
    answers = [result(0, json_valid=True, failed=[]), result(1, json_valid=True, failed=["reply.words"]),
               result(2, json_valid=False, failed=["format.json"]), result(3, json_valid=False, failed=[], error="timeout")]
    rates = check_rates(answers)
    assert rates["format.json"] == 0.5, "the unparsed answer and the failed call fail the format"
    assert rates["reply.words"] == 0.5, "one of the two parsed answers"
    assert rates["suggestion.count"] == 1.0
