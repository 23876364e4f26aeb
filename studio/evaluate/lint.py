"""Lint a dataset file: every teacher turn against the contract, without importing anything.

A turn whose topic or dialogue cannot be found (its prompt in a layout the studio does not read) is
said to be so (``prompt layout not recognised (line N): …``) and counted apart: its answer is checked
only for what needs no dialogue, so no fault is claimed of words that were never the student's."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.datafiles.dataset_reader import BadLine, Record, read_records
from studio.domain import TurnKind
from studio.domain.contract import CHECK_IDS, TurnCheck
from studio.domain.faults import FaultKind
from studio.domain.layout import layout_problem
from studio.domain.pii import Found
from studio.domain.rubric import compliance
from studio.evaluate.judge import judge_turn
from studio.export.privacy import findings
from studio.semantic.offtopic import READ_AHEAD, prepare
from studio.synth.detect import student_of
from studio.turn.verdict import judge_answer


@dataclass
class Linted:
    record: Record
    check: TurnCheck
    judge: dict[str, Any] | None = None
    fault: str = FaultKind.OPENING.value  # the student turn's observed fault kind; opening when it answers none
    layout: str | None = None  # "prompt layout not recognised (line N): …" when the topic or dialogue was not found
    pii: list[tuple[str, Found]] = field(default_factory=list)  # personal data found: (field, finding)

    @property
    def passed(self) -> bool:
        return self.check.passed and self.layout is None

    @property
    def compliance(self) -> int:
        return compliance(self.check.error_ids)  # as eval counts it: a warning caps nothing

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.record.index, "line": self.record.line, "kind": self.record.kind.value,
            "checks": [{"id": r.id, "severity": r.severity, "message": r.message, "variant": r.variant,
                        "params": r.params} for r in self.check.results],
            "compliance": self.compliance, "fault": self.fault,
        }
        if self.layout is not None:
            out["layout"] = self.layout
        if self.pii:
            out["pii"] = [{"kind": f.kind, "field": where, "start": f.start, "end": f.end} for where, f in self.pii]
        if self.judge is not None:
            out["judge"] = self.judge
        return out


@dataclass
class Summary:
    records: int = 0
    passed: int = 0
    unreadable: int = 0
    unrecognised: int = 0  # records whose prompt layout was not recognised
    by_check: Counter[str] = field(default_factory=Counter)
    by_compliance: Counter[int] = field(default_factory=Counter)
    by_fault: dict[str, Counter[str]] = field(default_factory=dict)  # fault kind -> records, passed
    pii_records: int = 0  # records with personal data in them
    by_pii: Counter[str] = field(default_factory=Counter)  # kind -> findings

    def add(self, item: Linted) -> None:
        self.records += 1
        self.pii_records += bool(item.pii)
        self.by_pii.update(f.kind for _, f in item.pii)
        self.passed += item.passed
        self.by_check.update(item.check.failed_ids)
        self.by_compliance[item.compliance] += 1
        if item.layout is not None:
            self.unrecognised += 1
            return  # its student turn was not found: no fault kind to count it under
        stratum = self.by_fault.setdefault(item.fault, Counter())
        stratum["records"] += 1
        stratum["passed"] += item.check.passed

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "passed": self.passed, "failed": self.records - self.passed,
                "unreadable": self.unreadable, "unrecognised": self.unrecognised,
                "by_check": {id_: self.by_check.get(id_, 0) for id_ in CHECK_IDS},
                "by_compliance": {str(k): self.by_compliance.get(k, 0) for k in (1, 2, 3)},
                "by_fault": {k.value: {"records": self.by_fault[k]["records"], "passed": self.by_fault[k]["passed"]}
                             for k in FaultKind if k in self.by_fault},
                "pii": {"records": self.pii_records, "by_kind": dict(sorted(self.by_pii.items()))}}


def lint_record(record: Record) -> TurnCheck:
    """The record's answer judged as text, through the one verdict an eval run uses too."""
    return lint_turn(record)[0]


def lint_turn(record: Record) -> tuple[TurnCheck, str]:
    """:func:`lint_record`, and the fault kind the student turn it answers is observed as. A record whose
    layout was not recognised (:func:`layout_of`) is checked as answering no known student turn."""
    text = record.student if layout_of(record) is None else None
    student = student_of(text, topic=record.topic, history=record.history[:-1]) if text is not None else None
    check, results = judge_answer(record.response, record.kind, student, strict=True)
    fault = student.fault.value if student is not None and student.fault is not None else FaultKind.OPENING.value
    return TurnCheck(check.parsed, results), fault


def layout_of(record: Record) -> str | None:
    """``prompt layout not recognised (line N): …`` when the record's topic, or the student turn a reply
    answers, was not found in its prompt, system message or chat (None: both were)."""
    problem = layout_problem(record.topic, record.history, opening=record.kind == TurnKind.OPENING,
                             texts=[t for t in (record.system, record.prompt) if t])
    return None if problem is None else f"prompt layout not recognised (line {record.line}): {problem}"


def lint_file(path: Path) -> Iterator[Linted | BadLine]:
    """Each line's verdict, in order. The student turns of :data:`READ_AHEAD` records at a time are
    readied for the off-topic check together first (:func:`prepare`), as an import does."""
    chunk: list[Record | BadLine] = []
    for item in read_records(path):
        chunk.append(item)
        if len(chunk) == READ_AHEAD:
            yield from _lint_chunk(chunk)
            chunk = []
    yield from _lint_chunk(chunk)


def _lint_chunk(chunk: list[Record | BadLine]) -> Iterator[Linted | BadLine]:
    prepare((r.student, r.topic, "", r.history[:-1]) for r in chunk
            if isinstance(r, Record) and r.student and layout_of(r) is None)
    for item in chunk:
        if isinstance(item, BadLine):
            yield item
        else:
            check, fault = lint_turn(item)
            yield Linted(item, check, fault=fault, layout=layout_of(item), pii=findings(item))


async def judge_all(items: list[Linted], client, prompts, concurrency: int = 8) -> None:
    """The judge's scores on each item whose layout was read (the others have no dialogue to judge against)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Linted) -> None:
        async with gate:
            r = item.record
            verdict = await judge_turn(client, prompts, topic=r.topic, history=r.history, answer=r.response,
                                       check=item.check, kind=r.kind)
        item.judge = {**verdict.scores.model_dump(), "reason": verdict.reason}
        if verdict.error:
            item.judge["error"] = verdict.error

    await asyncio.gather(*(one(i) for i in items if i.layout is None))
