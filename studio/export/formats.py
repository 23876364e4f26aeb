"""Writing samples as Qianfan, OpenAI chat, LLaMA-Factory and Alpaca files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from studio.domain import Dialogue, StudentTurn, TeacherTurn
from studio.export.samples import Sample, canonical
from studio.turn.context import topic_name_zh
from studio.turn.prompts import Prompts

FORMATS = ("qianfan", "openai", "llamafactory", "alpaca")
OPENING_CUE = "[开场白]"


def line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def qianfan(s: Sample) -> dict[str, Any] | list[Any]:
    # The SDK's recommended shape: a list of turns per line, the response as [[text]].
    return [{"prompt": s.prompt, "response": [[s.answer]]}]


def chat_turn(s: Sample) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": s.prompt}, {"role": "assistant", "content": s.answer}]}


def system_text(prompts: Prompts, s: Sample) -> str:
    """The teacher's instructions and topic, for whole-dialogue chat samples."""
    head = prompts.template("teacher_reply").split("[主题介绍]\n{topic}", 1)[0].rstrip()
    name = topic_name_zh(s.topic)
    return head.replace("{topic_name}", name).replace("{title}", name) + f"\n[主题介绍]\n{s.topic.text}"


def chat_dialogue(prompts: Prompts, d: Dialogue, chosen: set[int], first: Sample) -> dict[str, Any]:
    """A whole dialogue; assistant turns that are not chosen samples carry ``weight: 0``."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_text(prompts, first)},
                                      {"role": "user", "content": OPENING_CUE}]
    last_assistant = max(chosen)
    for i, t in enumerate(d.turns[: last_assistant + 1]):
        if isinstance(t, StudentTurn):
            messages.append({"role": "user", "content": t.text})
        elif isinstance(t, TeacherTurn):
            content = canonical(t) if t.parsed else t.raw
            messages.append({"role": "assistant", "content": content, "weight": 1 if i in chosen else 0})
    return {"messages": messages}


def sharegpt(record: dict[str, Any]) -> dict[str, Any]:
    names = {"user": "human", "assistant": "gpt"}
    out: dict[str, Any] = {"conversations": [{"from": names[m["role"]], "value": m["content"]}
                                             for m in record["messages"] if m["role"] != "system"]}
    system = next((m["content"] for m in record["messages"] if m["role"] == "system"), None)
    if system:
        out["system"] = system
    return out


def alpaca(s: Sample) -> dict[str, Any]:
    return {"instruction": s.prompt, "input": "", "output": s.answer}


def records(fmt: str, samples: list[Sample], prompts: Prompts, *, dialogues: bool, style: str) -> Iterable[Any]:
    if fmt == "qianfan":
        return (qianfan(s) for s in samples)
    if fmt == "alpaca":
        return (alpaca(s) for s in samples)
    if dialogues and fmt == "openai":
        return _by_dialogue(samples, prompts)
    chats = (chat_turn(s) for s in samples)
    if fmt == "llamafactory" and style == "sharegpt":
        return (sharegpt(c) for c in chats)
    return chats


def _by_dialogue(samples: list[Sample], prompts: Prompts) -> Iterable[dict[str, Any]]:
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        groups.setdefault(s.dialogue.id, []).append(s)
    for group in groups.values():
        yield chat_dialogue(prompts, group[0].dialogue, {s.index for s in group}, group[0])


def dataset_info(files: dict[str, str], style: str, *, has_system: bool = False) -> dict[str, Any]:
    """LLaMA-Factory's registry for the written files (names: kouyu_train, kouyu_eval).

    A sharegpt entry names a ``system`` column only when the rows have one: LLaMA-Factory reads every
    declared column of every row, and a missing one stops it with ``KeyError: 'system'``."""
    info: dict[str, Any] = {}
    for split, name in files.items():
        if style == "sharegpt":
            columns = {"messages": "conversations"} | ({"system": "system"} if has_system else {})
            entry = {"file_name": name, "formatting": "sharegpt", "columns": columns}
        else:
            entry = {"file_name": name, "formatting": "sharegpt", "columns": {"messages": "messages"},
                     "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                              "assistant_tag": "assistant", "system_tag": "system"}}
        info[f"kouyu_{split}"] = entry
    return info


def validate_chat(record: dict[str, Any]) -> list[str]:
    """OpenAI's documented rules for a chat fine-tuning line; returns the problems found."""
    problems = []
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return ["'messages' must be a non-empty list"]
    roles = [m.get("role") for m in messages]
    if any(r not in ("system", "user", "assistant") for r in roles):
        problems.append(f"unknown role in {roles}")
    body = roles[1:] if roles[0] == "system" else roles
    if "system" in body:
        problems.append("a system message may only come first")
    if not body or body[0] != "user":
        problems.append("the conversation must start with a user message")
    if any(a == b for a, b in zip(body, body[1:], strict=False)):
        problems.append("user and assistant messages must alternate")
    if not any(r == "assistant" for r in roles):
        problems.append("no assistant message to learn from")
    for m in messages:
        if not isinstance(m.get("content"), str) or not m["content"]:
            problems.append("every message needs non-empty text content")
        if "weight" in m and (m["role"] != "assistant" or m["weight"] not in (0, 1)):
            problems.append("'weight' must be 0 or 1, and only on assistant messages")
    if not any(m["role"] == "assistant" and m.get("weight", 1) == 1 for m in messages):
        problems.append("every assistant message has weight 0: nothing to learn")
    return problems
