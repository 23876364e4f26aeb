"""OpenAI chat fine-tuning lines: ``{"messages": [{role, content, weight?}, …]}``; a whole dialogue
is one line whose assistant turns carry ``weight`` 1 (learned) or 0 (context only)."""

from __future__ import annotations

from typing import Any

from studio.datafiles.formats.base import Chat, DatasetFormat, checked_chat, only_keys, register
from studio.domain.messages import N_, Message


@register
class OpenAIChat(DatasetFormat):
    name = "openai"
    shape = '{"messages": [{"role", "content", "weight"?}]}'
    weights = True

    def owns(self, obj: Any) -> bool:
        return isinstance(obj, dict) and "messages" in obj

    def read(self, obj: Any) -> list[Chat]:
        only_keys(obj, ("messages",), Message("record.openai", N_("an OpenAI chat record")))
        return [checked_chat(obj["messages"])]

    def write(self, chat: Chat, style: str = "") -> Any:
        return {"messages": chat}


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
