"""The Samples pane's filters and sort orders as plain functions over sample rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.synth.review import SampleRow


def matcher(fault: str, check: str, review: str, queue: bool, query: str,
            topics: dict[str, str], reviewer: str = "all",
            decided: dict[str, dict[str, str]] | None = None) -> Callable[[SampleRow], bool]:
    """One predicate for the current filters, built once per view (it runs on 40,000 rows). ``reviewer``:
    only the samples that reviewer decided (``decided``: sample key -> {reviewer: decision})."""
    tests: list[Callable[[SampleRow], bool]] = []
    if reviewer != "all":
        by = decided or {}
        tests.append(lambda r: reviewer in by.get(r.key, ()))
    if fault != "all":
        tests.append(lambda r: r.intended == fault)
    if check == "failing":
        tests.append(lambda r: bool(r.failed))
    elif check != "all":
        tests.append(lambda r: check in r.failed)
    if review != "all":
        tests.append(lambda r: r.review == review)
    if queue:
        tests.append(lambda r: r.needs_review)
    if query:
        tests.append(lambda r: query in f"{topics.get(r.topic_id, '')} {r.provider} {r.run_id} {r.key} "
                                        f"{' '.join(r.failed)}".lower())
    if not tests:
        return lambda r: True
    if len(tests) == 1:
        return tests[0]
    return lambda r: all(t(r) for t in tests)


def sort_key(sort: str, topics: dict[str, str]) -> Callable[[SampleRow], Any]:
    return {"order": lambda r: r.order, "topic": lambda r: topics.get(r.topic_id, ""),
            "turn": lambda r: r.turn_no, "fault": lambda r: r.intended,
            "checks": lambda r: (-len(r.failed), r.failed), "review": lambda r: r.review,
            "words": lambda r: -r.words}[sort]
