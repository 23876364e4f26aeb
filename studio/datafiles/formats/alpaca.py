"""Alpaca lines: ``{"instruction", "input", "output"}``, with LLaMA-Factory's optional ``system``
and ``history`` (``[[instruction, output], …]`` of the turns before) for a multi-turn chat."""

from __future__ import annotations

from typing import Any

from studio.datafiles.formats.base import (
    Chat,
    DatasetFormat,
    RecordError,
    only_keys,
    pairs,
    register,
)
from studio.domain.messages import N_, Message

FIELDS = ("instruction", "input", "output", "system", "history")


@register
class Alpaca(DatasetFormat):
    name = "alpaca"
    shape = '{"instruction", "input"?, "output", "system"?, "history"?}'

    def owns(self, obj: Any) -> bool:
        return isinstance(obj, dict) and ("instruction" in obj or "output" in obj)

    def read(self, obj: Any) -> list[Chat]:
        only_keys(obj, FIELDS, Message("record.alpaca", N_("an Alpaca record")))
        for key in ("instruction", "output"):
            if not isinstance(obj.get(key), str):
                raise RecordError(Message("record.not-text", N_("'{field}' must be text"), field=key))
        for key in ("input", "system"):
            if not isinstance(obj.get(key, ""), str):
                raise RecordError(Message("record.not-text", N_("'{field}' must be text"), field=key))
        history = obj.get("history") or []
        if not isinstance(history, list) or not all(
                isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in history):
            raise RecordError(Message("record.history", N_("'history' must be a list of [instruction, output] pairs of "
                                                           "text")))
        chat: Chat = [{"role": "system", "content": obj["system"]}] if obj.get("system") else []
        for user, answer in history:
            chat += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
        prompt = "\n".join(p for p in (obj["instruction"], obj.get("input") or "") if p)
        return [chat + [{"role": "user", "content": prompt}, {"role": "assistant", "content": obj["output"]}]]

    def write(self, chat: Chat, style: str = "") -> Any:
        system, turns = pairs(chat, "Alpaca")
        (prompt, answer), before = turns[-1], turns[:-1]
        out: dict[str, Any] = {"instruction": prompt, "input": "", "output": answer}
        if system:
            out["system"] = system
        if before:
            out["history"] = [list(t) for t in before]
        return out
