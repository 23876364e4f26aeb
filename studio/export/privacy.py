"""Personal data out of imported records and exported rows (the detectors: :mod:`studio.domain.pii`).

An import replaces each finding with its placeholder as the file is read, before anything is
checked or stored, unless it is told to keep them (``studio import --keep-pii``); an export
replaces whatever is still found in its rows, always. Both count what they replaced."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from studio.datafiles.dataset_reader import BadLine, Record
from studio.domain import pii
from studio.domain.pii import Tally, redact_value


def redact_record(record: Record, tally: Tally) -> Record:
    """``record`` with its prompt, answer, system line, topic and history redacted (``record`` itself when
    nothing was). The answer and the history are ruled out together by one search of the gate when none
    of them holds a cue (most records); the prompt, system line and topic, whose rules and topic lines
    repeat from record to record, are looked up as :func:`pii.redact_lines` does."""
    if not pii.could_hold("\n".join([record.response, *(part for turn in record.history for part in turn)])):
        line = record.line
        prompt = redact_value(record.prompt, tally, line)
        system = redact_value(record.system, tally, line) if record.system is not None else None
        topic = redact_value(record.topic, tally, line)
        if prompt is record.prompt and system is record.system and topic is record.topic:
            return record
        return dataclasses.replace(record, prompt=prompt, system=system, topic=topic)
    return dataclasses.replace(
        record, prompt=redact_value(record.prompt, tally, record.line),
        response=redact_value(record.response, tally, record.line),
        system=redact_value(record.system, tally, record.line) if record.system is not None else None,
        topic=redact_value(record.topic, tally, record.line),
        history=redact_value(record.history, tally, record.line))


def redact_records(items: Iterable[Record | BadLine], tally: Tally, *, keep: bool = False
                   ) -> Iterator[Record | BadLine]:
    """What a dataset reader yields, each record redacted (``keep``: as it is, nothing counted)."""
    for item in items:
        yield item if keep or isinstance(item, BadLine) else redact_record(item, tally)


def redact_rows(rows: list[Any], tally: Tally) -> list[Any]:
    """Rows about to be written (dicts of strings and lists), redacted."""
    return redact_value(rows, tally)


def findings(record: Record) -> list[tuple[str, pii.Found]]:
    """Personal data in a record, each (kind, words) once, with the field it was first found in:
    ``prompt``, ``system``, ``history`` (a chat's earlier turns) or ``answer``."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, pii.Found]] = []
    texts = [("prompt", record.prompt), ("system", record.system or ""),
             *(("history", text) for _, text in record.history), ("answer", record.response)]
    for where, text in texts:
        for f in pii.find(text):
            if (f.kind, f.text) not in seen:
                seen.add((f.kind, f.text))
                out.append((where, f))
    return out
