"""The dataset format registry and the neutral chat every format writes and reads.

A chat is OpenAI-style messages: ``{"role": "system" | "user" | "assistant", "content": text}``, an
assistant message optionally with ``"weight": 0 | 1`` (0: context, not learned). Each format is one
class that writes a chat as one line of its file (:meth:`DatasetFormat.write`) and reads a line of
its own shape back as chats (:meth:`DatasetFormat.read`); reading picks the format by the line's
shape (:func:`format_of`), so a file needs no format name to be read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from studio.domain.messages import N_
from studio.domain.messages import Message as Told

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
                raise ValueError(Told("format.style-unused", N_("--style applies to --format {formats} only"),
                                         formats=users))
            return ""
        if not style:
            return self.styles[0]
        if style not in self.styles:
            raise ValueError(Told("format.style", N_("--style: '{style}' is not one of {format}'s: {styles}"),
                                     style=style, format=self.name, styles=", ".join(self.styles)))
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
        raise UnknownFormat(Told("format.unknown", N_("unknown dataset format '{name}' (known: {known})"), name=name,
                                    known=", ".join(names()))) from None


def format_of(obj: Any) -> DatasetFormat:
    """The format whose line shape ``obj`` has; RecordError listing the known shapes otherwise."""
    for fmt in FORMATS.values():
        if fmt.owns(obj):
            return fmt
    shapes = "; ".join(f"{f.name}: {f.shape}" for f in (FORMATS[n] for n in names()))
    found: Told
    if isinstance(obj, dict) and obj:
        found = Told("record.object-with", N_("an object with {keys}"),
                        keys=", ".join(repr(str(k)) for k in list(obj)[:6]))
    elif isinstance(obj, dict):
        found = Told("record.object-empty", N_("an object with no keys"))
    else:
        found = {list: Told("record.list", N_("a list")), str: Told("record.string", N_("a string")),
                 bool: Told("record.bool", N_("true or false")), type(None): Told("record.null", N_("null"))}.get(
            type(obj), Told("record.number", N_("a number")))
    raise RecordError(Told("record.unknown-format", N_("a record of no known format ({found}); expected {shapes}"),
                              found=found, shapes=shapes))


def read_line(obj: Any) -> tuple[DatasetFormat, list[Chat]]:
    fmt = format_of(obj)
    return fmt, fmt.read(obj)


def only_keys(obj: dict[str, Any], allowed: tuple[str, ...], what: str | Told) -> None:
    """Refuse a field the format does not read: it would be lost without a word."""
    extra = [k for k in obj if k not in allowed]
    if extra:
        raise RecordError(Told("record.unknown-field", N_("unknown field '{field}' in {what} (it reads: {fields})"),
                                  field=extra[0], what=what, fields=", ".join(allowed)))


_MESSAGE_KEYS = frozenset(("role", "content", "weight"))


def checked_chat(messages: Any) -> Chat:
    """Messages checked: roles, text content, a system message only first, ``weight`` 0 or 1 and only
    on an assistant message, no other field. A parsed line's own dicts are kept, not copied."""
    if not isinstance(messages, list) or not messages:
        raise RecordError(Told("record.messages", N_("'messages' must be a non-empty list of {{role, content}}")))
    for k, m in enumerate(messages, 1):
        if type(m) is not dict or not m.keys() <= _MESSAGE_KEYS or m.get("role") not in ROLES \
                or type(m.get("content")) is not str or (k > 1 and m["role"] == "system") \
                or ("weight" in m and (m["role"] != "assistant" or type(m["weight"]) is not int
                                       or m["weight"] not in (0, 1))):
            raise RecordError(Told("record.message", N_("message {n}: {problem}"), n=k,
                                      problem=_message_problem(m, k)))
    return messages


def _message_problem(m: Any, k: int) -> Told:
    if not isinstance(m, dict):
        return Told("record.message-object", N_("expected an object {{role, content}}"))
    extra = [key for key in m if key not in _MESSAGE_KEYS]
    if extra:
        return Told("record.message-field", N_("unknown field '{field}' (it reads: role, content, weight)"),
                       field=extra[0])
    if m.get("role") not in ROLES:
        return Told("record.role", N_("role must be system, user or assistant, got {role}"),
                       role=repr(m.get("role")))
    if not isinstance(m.get("content"), str):
        return Told("record.content", N_("'content' must be text"))
    if m["role"] == "system" and k > 1:
        return Told("record.system-first", N_("a system message may only come first"))
    return Told("record.weight", N_("'weight' must be 0 or 1, and only on an assistant message"))


def pairs(chat: Chat, fmt: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The system text and the (user, assistant) pairs of a chat, for formats that hold a chat as
    prompt/answer pairs with no per-turn weight; RecordError when the chat is not of that form."""
    system = chat[0]["content"] if chat and chat[0]["role"] == "system" else None
    body = chat[1:] if system is not None else chat
    if len(body) % 2 or not body:
        raise RecordError(Told("record.pairs-count", N_("{format} holds user/assistant pairs; this chat has {n} "
                                                           "messages after the system line"), format=fmt, n=len(body)))
    out = []
    for k in range(0, len(body), 2):
        user, answer = body[k], body[k + 1]
        if user["role"] != "user" or answer["role"] != "assistant":
            raise RecordError(Told("record.pairs-order", N_("{format} holds user/assistant pairs; message {n} is "
                                                               "{first}, then {second}"),
                                      format=fmt, n=k + 1 + (system is not None), first=user["role"],
                                      second=answer["role"]))
        if answer.get("weight", 1) == 0:
            raise RecordError(Told("record.no-weight", N_("{format} has no per-turn weight; this chat has a weight-0 "
                                                             "assistant turn"), format=fmt))
        out.append((user["content"], answer["content"]))
    return system, out
