"""Topic files: plain text (one per line), JSONL with a ``topic`` field, CSV/TSV with a ``topic`` column.

Optional: ``title`` (English), ``name_zh`` (a short Chinese name) and ``tags``, as fields or columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from studio.datafiles.textfile import InputError, check_size, decode_lines, too_deep
from studio.domain import Topic
from studio.domain.jsondepth import TooDeep, loads
from studio.domain.messages import N_, Message, said

#: Topics are short: 16 MB is ~100,000 of them. A bigger file is refused before it is read.
MAX_TOPIC_FILE_BYTES = 16 << 20


@dataclass
class TopicRow:
    line: int
    text: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    name_zh: str = ""


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return suffix[1:]
    return "text"


def _tags(value: object, path: Path, line: int) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return [t.strip() for t in value if t.strip()]
    raise InputError(path, line, Message("topics.tags", N_("field 'tags' must be a list of strings or a comma-separated "
                                                           "string")))


def _jsonl(path: Path) -> list[TopicRow]:
    rows = []
    for number, text in decode_lines(path):
        if not text.strip():
            continue
        try:
            obj = loads(text)
        except TooDeep as exc:
            raise InputError(path, number, too_deep(exc)) from None
        except orjson.JSONDecodeError as exc:
            raise InputError(path, number, Message("topics.json", N_("not valid JSON ({problem})"), problem=said(exc))) from None
        if not isinstance(obj, dict):
            raise InputError(path, number, Message("topics.object", N_("expected a JSON object with a 'topic' field")))
        topic = obj.get("topic")
        if not isinstance(topic, str) or not topic.strip():
            raise InputError(path, number, Message("topics.no-topic", N_("missing field 'topic' (a non-empty string)")))
        names = {}
        for key in ("title", "name_zh"):
            value = obj.get(key) or ""
            if not isinstance(value, str):
                raise InputError(path, number, Message("topics.not-text", N_("field '{field}' must be a string"),
                                                       field=key))
            names[key] = value.strip()
        rows.append(TopicRow(number, topic.strip(), names["title"], _tags(obj.get("tags"), path, number),
                             names["name_zh"]))
    return rows


def _table(path: Path, delimiter: str) -> list[TopicRow]:
    lines = list(decode_lines(path))
    reader = csv.reader(io.StringIO("\n".join(text for _, text in lines)), delimiter=delimiter, strict=True)
    numbers = [n for n, _ in lines]
    rows: list[TopicRow] = []
    header: list[str] | None = None
    try:
        for record in reader:
            number = numbers[min(reader.line_num - 1, len(numbers) - 1)]
            if header is None:
                header = [h.strip().lower() for h in record]
                if "topic" not in header:
                    raise InputError(path, number, Message("topics.no-column", N_("no 'topic' column (columns: "
                                                                                  "{columns})"),
                                                           columns=", ".join(header) or "none"))
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise InputError(path, number, Message("topics.columns", N_("expected {expected} columns, found "
                                                                            "{found}"),
                                                       expected=len(header), found=len(record)))
            cells = dict(zip(header, record, strict=True))
            topic = cells["topic"].strip()
            if not topic:
                raise InputError(path, number, Message("topics.empty-cell", N_("empty 'topic' cell")))
            rows.append(TopicRow(number, topic, cells.get("title", "").strip(), _tags(cells.get("tags"), path, number),
                                 cells.get("name_zh", "").strip()))
    except csv.Error as exc:
        raise InputError(path, numbers[min(reader.line_num, len(numbers)) - 1] if numbers else None,
                         Message("topics.csv", N_("bad CSV: {problem}"), problem=said(exc))) from None
    if header is None:
        raise InputError(path, None, Message("topics.no-header", N_("empty file: no header row with a 'topic' column")))
    return rows


def _text(path: Path) -> list[TopicRow]:
    return [TopicRow(n, t.strip()) for n, t in decode_lines(path) if t.strip()]


def read_topic_file(path: Path) -> list[TopicRow]:
    """Parse a whole topic file; raises InputError (file:line: problem) on the first bad line."""
    check_size(path, MAX_TOPIC_FILE_BYTES, Message("topics.file", N_("the topic file")))
    kind = file_kind(path)
    if kind == "jsonl":
        return _jsonl(path)
    if kind in ("csv", "tsv"):
        return _table(path, "," if kind == "csv" else "\t")
    return _text(path)


def write_topic_file(path: Path, topics: list[Topic]) -> None:
    """Write topics in the format the suffix names; what it writes, ``read_topic_file`` reads."""
    kind = file_kind(path)
    out = io.StringIO()
    if kind == "jsonl":
        for t in topics:
            record = {"topic": t.text, "title": t.title, "name_zh": t.name_zh, "tags": t.tags, "id": t.id,
                      "source": t.source.value, "enabled": t.enabled, "parent_ids": t.parent_ids}
            out.write(orjson.dumps(record).decode() + "\n")
    elif kind in ("csv", "tsv"):
        writer = csv.writer(out, delimiter="," if kind == "csv" else "\t", lineterminator="\n")
        writer.writerow(["title", "name_zh", "tags", "topic"])
        for t in topics:
            writer.writerow([t.title, t.name_zh, ",".join(t.tags), t.text])
    else:
        for t in topics:
            out.write(" ".join(t.text.split()) + "\n")
    path.write_text(out.getvalue(), encoding="utf-8")
