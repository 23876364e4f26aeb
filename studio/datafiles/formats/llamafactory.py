"""LLaMA-Factory: OpenAI-style ``messages`` lines (``--style openai``) or ShareGPT
``{"conversations": [{"from", "value"}], "system"?}`` lines (``--style sharegpt``), with the
``dataset_info.json`` that registers the files (entries ``kouyu_train``, ``kouyu_eval``)."""

from __future__ import annotations

import json
from typing import Any

from studio.datafiles.formats.base import (
    Chat,
    DatasetFormat,
    RecordError,
    checked_chat,
    only_keys,
    register,
)
from studio.domain.messages import N_, Message

FROM = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}
TO = {"user": "human", "assistant": "gpt"}


@register
class LlamaFactory(DatasetFormat):
    name = "llamafactory"
    shape = '{"conversations": [{"from", "value"}], "system"?} (ShareGPT)'
    styles = ("openai", "sharegpt")

    def owns(self, obj: Any) -> bool:
        return isinstance(obj, dict) and "conversations" in obj

    def read(self, obj: Any) -> list[Chat]:
        only_keys(obj, ("conversations", "system"), Message("record.sharegpt", N_("a ShareGPT record")))
        turns, system = obj["conversations"], obj.get("system")
        if not isinstance(turns, list) or not turns:
            raise RecordError(Message("record.conversations", N_("'conversations' must be a non-empty list of "
                                                                 "{{from, value}}")))
        if system is not None and not isinstance(system, str):
            raise RecordError(Message("record.not-text", N_("'{field}' must be text"), field="system"))
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        for k, t in enumerate(turns, 1):
            if not isinstance(t, dict):
                raise RecordError(Message("record.turn-object", N_("conversation turn {n}: expected an object "
                                                                   "{{from, value}}"), n=k))
            only_keys(t, ("from", "value"), Message("record.turn", N_("conversation turn {n}"), n=k))
            if not isinstance(t.get("from"), str) or t["from"] not in FROM:
                raise RecordError(Message("record.turn-from", N_("conversation turn {n}: 'from' must be human, gpt or "
                                                                 "system, got {got}"), n=k, got=repr(t.get("from"))))
            messages.append({"role": FROM[t["from"]], "content": t.get("value")})
        return [checked_chat(messages)]

    def write(self, chat: Chat, style: str = "") -> Any:
        if any(m.get("weight", 1) == 0 for m in chat):
            raise RecordError(Message("record.no-weight", N_("{format} has no per-turn weight; this chat has a "
                                                             "weight-0 assistant turn"), format="LLaMA-Factory"))
        messages = [{"role": m["role"], "content": m["content"]} for m in chat]
        if self.style_of(style) == "openai":
            return {"messages": messages}
        out: dict[str, Any] = {"conversations": [{"from": TO[m["role"]], "value": m["content"]}
                                                 for m in messages if m["role"] != "system"]}
        if messages and messages[0]["role"] == "system":
            out["system"] = messages[0]["content"]
        return out

    def extra_files(self, files: dict[str, str], rows: list[Any], style: str = "") -> dict[str, str]:
        info = dataset_info(files, self.style_of(style), has_system=any(isinstance(r, dict) and "system" in r
                                                                         for r in rows))
        return {"dataset_info.json": json.dumps(info, ensure_ascii=False, indent=2) + "\n"}


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
