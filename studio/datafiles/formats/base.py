"""The dataset format registry and the neutral chat every format writes and reads.

A chat is OpenAI-style messages: ``{"role": "system" | "user" | "assistant", "content": text}``, an
assistant message optionally with ``"weight": 0 | 1`` (0: context, not learned). Each format is one
class that writes a chat as one line of its file (:meth:`DatasetFormat.write`) and reads a line of
its own shape back as chats (:meth:`DatasetFormat.read`); reading picks the format by the line's
shape (:func:`format_of`), so a file needs no format name to be read.
"""

from __future__ import annotations

from typing import Any, ClassVar

Message = dict[str, Any]
Chat = list[Message]
ROLES = ("system", "user", "assistant")


class RecordError(ValueError):
    """A line its format cannot read or a chat it cannot write; the message names the problem
    (the caller adds the file and line)."""


class UnknownFormat(ValueError):
    """A format name that is not registered; the message lists the known ones."""


class DatasetFormat:
    """One dataset format. Subclasses set the class attributes and register with :func:`register`."""

    name: ClassVar[str]
    #: The shape of one line, for help texts and for the error on a line no format reads.
    shape: ClassVar[str]
    #: Ways of writing the lines (``--style``); the first is the default. Empty: one way.
    styles: ClassVar[tuple[str, ...]] = ()
    #: Whether a line can carry a whole dialogue with a per-turn weight (``--dialogues``).
    weights: ClassVar[bool] = False

    def owns(self, obj: Any) -> bool:
        """Whether a parsed line has this format's shape (at most one format owns a shape)."""
        raise NotImplementedError

    def read(self, obj: Any) -> list[Chat]:
        """The chats of one line of this format's shape; RecordError names what is wrong."""
        raise NotImplementedError

    def write(self, chat: Chat, style: str = "") -> Any:
        """One line (a JSON value) holding ``chat``; RecordError when the format cannot carry it."""
        raise NotImplementedError

    def extra_files(self, files: dict[str, str], rows: list[Any], style: str = "") -> dict[str, str]:
        """Files written beside the data (name → text): ``files`` maps a split (train, eval) to its file
        name, ``rows`` are every line written."""
        return {}

    def style_of(self, style: str) -> str:
        """``style`` checked against :attr:`styles` (empty: the default)."""
        if not self.styles:
            if style:
                users = ", ".join(f.name for f in FORMATS.values() if f.styles)
                raise ValueError(f"--style applies to --format {users} only")
            return ""
        if not style:
            return self.styles[0]
        if style not in self.styles:
            raise ValueError(f"--style: '{style}' is not one of {self.name}'s: {', '.join(self.styles)}")
        return style


FORMATS: dict[str, DatasetFormat] = {}


def register(cls: type[DatasetFormat]) -> type[DatasetFormat]:
    """Class decorator: make the format known by its ``name``."""
    if cls.name in FORMATS:
        raise ValueError(f"dataset format '{cls.name}' is registered twice")
    FORMATS[cls.name] = cls()
    return cls


def names() -> list[str]:
    return sorted(FORMATS)


def by_name(name: str) -> DatasetFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormat(f"unknown dataset format '{name}' (known: {', '.join(names())})") from None


def format_of(obj: Any) -> DatasetFormat:
    """The format whose line shape ``obj`` has; RecordError listing the known shapes otherwise."""
    for fmt in FORMATS.values():
        if fmt.owns(obj):
            return fmt
    shapes = "; ".join(f"{f.name}: {f.shape}" for f in (FORMATS[n] for n in names()))
    if isinstance(obj, dict):
        found = f"an object with {', '.join(repr(str(k)) for k in list(obj)[:6]) or 'no keys'}"
    else:
        found = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(type(obj), "a number")
    raise RecordError(f"a record of no known format ({found}); expected {shapes}")


def read_line(obj: Any) -> tuple[DatasetFormat, list[Chat]]:
    fmt = format_of(obj)
    return fmt, fmt.read(obj)


def only_keys(obj: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """Refuse a field the format does not read: it would be lost without a word."""
    extra = [k for k in obj if k not in allowed]
    if extra:
        raise RecordError(f"unknown field '{extra[0]}' in {what} (it reads: {', '.join(allowed)})")


_MESSAGE_KEYS = frozenset(("role", "content", "weight"))


def checked_chat(messages: Any) -> Chat:
    """Messages checked: roles, text content, a system message only first, ``weight`` 0 or 1 and only
    on an assistant message, no other field. A parsed line's own dicts are kept, not copied."""
    if not isinstance(messages, list) or not messages:
        raise RecordError("'messages' must be a non-empty list of {role, content}")
    for k, m in enumerate(messages, 1):
        if type(m) is not dict or not m.keys() <= _MESSAGE_KEYS or m.get("role") not in ROLES \
                or type(m.get("content")) is not str or (k > 1 and m["role"] == "system") \
                or ("weight" in m and (m["role"] != "assistant" or type(m["weight"]) is not int
                                       or m["weight"] not in (0, 1))):
            raise RecordError(f"message {k}: {_message_problem(m, k)}")
    return messages


def _message_problem(m: Any, k: int) -> str:
    if not isinstance(m, dict):
        return "expected an object {role, content}"
    extra = [key for key in m if key not in _MESSAGE_KEYS]
    if extra:
        return f"unknown field '{extra[0]}' (it reads: role, content, weight)"
    if m.get("role") not in ROLES:
        return f"role must be system, user or assistant, got {m.get('role')!r}"
    if not isinstance(m.get("content"), str):
        return "'content' must be text"
    if m["role"] == "system" and k > 1:
        return "a system message may only come first"
    return "'weight' must be 0 or 1, and only on an assistant message"


def pairs(chat: Chat, fmt: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The system text and the (user, assistant) pairs of a chat, for formats that hold a chat as
    prompt/answer pairs with no per-turn weight; RecordError when the chat is not of that form."""
    system = chat[0]["content"] if chat and chat[0]["role"] == "system" else None
    body = chat[1:] if system is not None else chat
    if len(body) % 2 or not body:
        raise RecordError(f"{fmt} holds user/assistant pairs; this chat has {len(body)} messages after the system line")
    out = []
    for k in range(0, len(body), 2):
        user, answer = body[k], body[k + 1]
        if user["role"] != "user" or answer["role"] != "assistant":
            raise RecordError(f"{fmt} holds user/assistant pairs; message {k + 1 + (system is not None)} is "
                              f"{user['role']}, then {answer['role']}")
        if answer.get("weight", 1) == 0:
            raise RecordError(f"{fmt} has no per-turn weight; this chat has a weight-0 assistant turn")
        out.append((user["content"], answer["content"]))
    return system, out
