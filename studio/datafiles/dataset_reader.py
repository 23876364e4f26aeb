"""Teacher turns read from dataset files: Qianfan prompt/response JSONL (one object per line, or
a list of turns per line; ``response`` as a string or ``[[text]]``) and OpenAI chat JSONL. The
topic and the student's last utterance are recovered from the tutorial's prompt layout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from studio.datafiles.textfile import InputError, check_size, decode_lines
from studio.domain import TurnKind
from studio.domain.layout import OPENING, last_said, read_prompt, sections

#: A JSON array is read whole; JSON Lines files stream with no limit but the line length.
MAX_ARRAY_FILE_BYTES = 64 << 20


@dataclass
class Record:
    line: int
    index: int
    prompt: str
    response: str
    kind: TurnKind
    topic: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)
    system: str | None = None
    source: str = "qianfan"

    @property
    def student(self) -> str | None:
        return last_said(self.history, "student")


@dataclass
class BadLine:
    line: int
    problem: str


def _response_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
        if isinstance(value, str):
            return value
    return None


def _from_prompt(line: int, index: int, prompt: str, response: str, system: str | None = None,
                 source: str = "qianfan") -> Record:
    view = read_prompt(prompt)
    if view.topic or OPENING in sections(prompt):
        kind = TurnKind.OPENING if view.opening else TurnKind.REPLY
        return Record(line, index, prompt, response, kind, view.topic, view.history, system, source)
    # no tutorial layout: the prompt itself is what the student said
    return Record(line, index, prompt, response, TurnKind.REPLY, "", [("student", prompt)], system, source)


def _qianfan(line: int, start: int, obj: Any) -> list[Record | BadLine]:
    items = obj if isinstance(obj, list) else [obj]
    out: list[Record | BadLine] = []
    for k, item in enumerate(items):
        if not isinstance(item, dict) or "prompt" not in item or "response" not in item:
            out.append(BadLine(line, f"item {k + 1}: expected an object with 'prompt' and 'response'"))
            continue
        response = _response_text(item["response"])
        if not isinstance(item["prompt"], str) or response is None:
            out.append(BadLine(line, f"item {k + 1}: 'prompt' must be a string and 'response' a string or [[text]]"))
            continue
        out.append(_from_prompt(line, start + len(out), item["prompt"], response))
    return out


def _openai(line: int, start: int, messages: Any) -> list[Record | BadLine]:
    if not isinstance(messages, list) or not all(isinstance(m, dict) and isinstance(m.get("content"), str)
                                                 and m.get("role") in ("system", "user", "assistant") for m in messages):
        return [BadLine(line, "'messages' must be a list of {role: system|user|assistant, content: text}")]
    system = next((m["content"] for m in messages if m["role"] == "system"), None)
    topic = sections(system).get("主题介绍", "") if system else ""
    out: list[Record | BadLine] = []
    history: list[tuple[str, str]] = []
    for i, m in enumerate(messages):
        if m["role"] == "user":
            if any(role == "teacher" for role, _ in history):  # a kick-off before the opening is no student turn
                history.append(("student", m["content"]))
        elif m["role"] == "assistant":
            prompt = messages[i - 1]["content"] if i and messages[i - 1]["role"] == "user" else ""
            if "[主题介绍]" in prompt:
                out.append(_from_prompt(line, start + len(out), prompt, m["content"], system, "openai"))
            else:
                opening = not history or prompt.rstrip().endswith(f"[{OPENING}]")
                kind = TurnKind.OPENING if opening else TurnKind.REPLY
                out.append(Record(line, start + len(out), prompt, m["content"], kind, topic,
                                  [] if opening else list(history), system, "openai"))
            history.append(("teacher", m["content"]))
    if not out:
        return [BadLine(line, "no assistant message to check")]
    return out


_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def from_sharegpt(obj: dict[str, Any]) -> Any:
    """ShareGPT ``{"conversations": [{"from", "value"}], "system"?}`` as OpenAI-style messages."""
    turns = obj.get("conversations")
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        return None
    messages = [{"role": "system", "content": obj["system"]}] if isinstance(obj.get("system"), str) else []
    messages += [{"role": _SHAREGPT_ROLES.get(str(t.get("from")), str(t.get("from"))), "content": t.get("value")}
                 for t in turns]
    return messages


def _parse_line(number: int, text: str, start: int) -> list[Record | BadLine]:
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return [BadLine(number, f"not valid JSON ({exc})")]
    if isinstance(obj, dict) and "messages" in obj:
        return _openai(number, start, obj["messages"])
    if isinstance(obj, dict) and "conversations" in obj:
        return _openai(number, start, from_sharegpt(obj))
    if isinstance(obj, dict | list):
        return _qianfan(number, start, obj)
    return [BadLine(number, "expected a JSON object or a list of prompt/response objects")]


def read_records(path: Path) -> Iterator[Record | BadLine]:
    """Stream the records of a dataset file; unreadable lines come out as BadLine, never skipped."""
    if not path.is_file():
        raise InputError(path, None, "no such file")
    lines = decode_lines(path)
    index = 0
    for number, text in lines:
        if not text.strip():
            continue
        if text.strip() == "[":  # a pretty-printed JSON array: read the rest whole
            check_size(path, MAX_ARRAY_FILE_BYTES, "a dataset file written as one JSON array")
            rest = "[" + "\n".join(t for _, t in lines)
            try:
                items = orjson.loads(rest)
            except orjson.JSONDecodeError as exc:
                yield BadLine(number, f"the JSON array does not parse ({exc})")
                return
            for k, item in enumerate(items if isinstance(items, list) else []):
                for rec in (_openai(number, index, item["messages"]) if isinstance(item, dict) and "messages" in item
                            else _qianfan(number, index, item)):
                    if isinstance(rec, Record):
                        rec.line, index = number + k, index + 1
                    yield rec
            return
        for rec in _parse_line(number, text, index):
            if isinstance(rec, Record):
                index += 1
            yield rec
