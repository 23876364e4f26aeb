"""Qianfan prompt/response lines: ``[{"prompt": …, "response": [[text]]}, …]`` (the SDK's
recommended shape; a list of turns is one multi-turn chat). Read also as one object per line and
with ``response`` as plain text."""

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


def _response_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
        if isinstance(value, str):
            return value
    return None


@register
class Qianfan(DatasetFormat):
    name = "qianfan"
    shape = '[{"prompt", "response"}] or one {"prompt", "response"}'

    def owns(self, obj: Any) -> bool:
        return isinstance(obj, list) or isinstance(obj, dict) and ("prompt" in obj or "response" in obj)

    def read(self, obj: Any) -> list[Chat]:
        chat: Chat = []
        for k, item in enumerate(obj if isinstance(obj, list) else [obj], 1):
            if not isinstance(item, dict) or "prompt" not in item or "response" not in item:
                raise RecordError(Message("record.item-object", N_("item {n}: expected an object with 'prompt' and "
                                                                   "'response'"), n=k))
            only_keys(item, ("prompt", "response"), Message("record.item", N_("item {n}"), n=k))
            response = _response_text(item["response"])
            if not isinstance(item["prompt"], str) or response is None:
                raise RecordError(Message("record.item-text", N_("item {n}: 'prompt' must be a string and 'response' a "
                                                                 "string or [[text]]"), n=k))
            chat += [{"role": "user", "content": item["prompt"]}, {"role": "assistant", "content": response}]
        if not chat:
            raise RecordError(Message("record.empty-list", N_("an empty list: no prompt/response turns")))
        return [chat]

    def write(self, chat: Chat, style: str = "") -> Any:
        # Qianfan has no system field: the system text opens the first prompt.
        system, turns = pairs(chat, "Qianfan")
        return [{"prompt": (f"{system}\n" if system and k == 0 else "") + prompt, "response": [[answer]]}
                for k, (prompt, answer) in enumerate(turns)]
