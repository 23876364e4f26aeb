"""Reading a dataset file of any registered format: JSON Lines, or one pretty-printed JSON array."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from studio.datafiles.formats.base import Chat, RecordError, read_line
from studio.datafiles.textfile import InputError, check_size, each_line, too_deep
from studio.domain.jsondepth import TooDeep, loads
from studio.domain.messages import N_, Message, message_of, said

#: A JSON array is read whole; JSON Lines files stream with no limit but the line length.
MAX_ARRAY_FILE_BYTES = 64 << 20


@dataclass
class ChatLine:
    """One line's chats, or the problem that kept it from being read (never skipped)."""

    line: int
    chats: list[Chat] = field(default_factory=list)
    format: str = ""
    problem: str | Message | None = None  # str(): the English line


def _item(number: int, obj: Any) -> ChatLine:
    try:
        fmt, chats = read_line(obj)
    except RecordError as exc:
        return ChatLine(number, problem=message_of(exc) or str(exc))
    return ChatLine(number, chats, fmt.name)


def read_file(path: Path) -> Iterator[ChatLine]:
    """Stream a dataset file line by line; a file-level problem (missing, not UTF-8, a line too long)
    raises InputError naming the file and line."""
    if not path.is_file():
        raise InputError(path, None, Message("file.missing", N_("no such file")))
    lines = each_line(path)
    for number, text in lines:
        if isinstance(text, Message):  # too long, or not UTF-8: named, and the reading goes on
            yield ChatLine(number, problem=text)
            continue
        if not text.strip():
            continue
        if text.strip() == "[":  # a pretty-printed JSON array: read the rest whole
            check_size(path, MAX_ARRAY_FILE_BYTES, Message("format.array-file", N_("a dataset file written as one JSON "
                                                                                   "array")))
            rest = []
            for k, t in lines:
                if isinstance(t, Message):
                    raise InputError(path, k, t)
                rest.append(t)
            try:
                items = loads("[" + "\n".join(rest))
            except TooDeep as exc:
                yield ChatLine(number, problem=too_deep(exc))
                return
            except orjson.JSONDecodeError as exc:
                yield ChatLine(number, problem=Message("format.array", N_("the JSON array does not parse ({problem})"),
                                                       problem=said(exc)))
                return
            for k, item in enumerate(items):
                yield _item(number + k, item)
            return
        try:
            obj = loads(text)
        except TooDeep as exc:
            yield ChatLine(number, problem=too_deep(exc))
            continue
        except orjson.JSONDecodeError as exc:
            yield ChatLine(number, problem=Message("topics.json", N_("not valid JSON ({problem})"), problem=said(exc)))
            continue
        yield _item(number, obj)
