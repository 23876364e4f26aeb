"""Messages the user reads, as an id and parameters: the layer that shows one translates it.

The domain imports nothing of the studio's, so it cannot translate; it says what went wrong as a
:class:`Message`: a stable ``code`` (``"mix.unknown-kind"``), the English ``template`` with
``{name}`` fields (marked with :func:`N_` so the catalogue holds it) and the ``params`` that fill
it. ``str(message)`` is the English line. An exception carries one as its only argument::

    raise MixError(Message("mix.unknown-kind", N_("unknown fault kind '{kind}' (known: {known})"),
                           kind=name, known=", ".join(kinds)))

``str(exc)`` stays the English line (logs, the ledger, tests); ``studio.i18n.told(exc)`` is the
line in the current language: the template translated, then filled, a parameter that is itself a
message (or an exception carrying one) translated the same way. Every layer may raise messages
this way; only the layers above the domain may translate them. An exception that says itself
otherwise than by its argument (a model call's error: the provider's words and the studio's
advice) defines ``told_as()``, returning its message (or text).
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import Any


def N_(message: str) -> str:
    """Marks ``message`` for the studio's catalogue (pybabel extracts ``N_``); returns it as it is."""
    return message


class Message:
    """A line for the user: ``code`` names it, ``template`` is its English text, ``params`` fill it."""

    __slots__ = ("code", "params", "template")

    def __init__(self, code: str, template: str, /, **params: Any) -> None:
        self.code, self.template, self.params = code, template, params

    def __str__(self) -> str:
        return self.template.format(**self.params)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.code, self.template, self.params) == (other.code, other.template, other.params)

    def __hash__(self) -> int:
        return hash((self.code, self.template))

    def __reduce__(self) -> tuple[Any, ...]:  # a message crosses processes (a job's worker) intact
        return (_rebuild, (self.code, self.template, dict(self.params)))


def _rebuild(code: str, template: str, params: Mapping[str, Any]) -> Message:
    return Message(code, template, **params)


#: pydantic's commonest validation messages, as messages (the English exactly pydantic's).
VALIDATION = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "literal_error": N_("Input should be {expected}"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} character"),
    "dict_type": N_("Input should be a valid dictionary"),
    "list_type": N_("Input should be a valid list"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
}


def validation_problem(error: Mapping[str, Any]) -> Message | str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a message: a known kind as a
    message whose English is pydantic's own; a validator's error that carries a message, that
    message; anything else pydantic's text."""
    ctx = error.get("ctx") or {}
    cause = message_of(ctx.get("error"))
    if cause is not None:
        return cause
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    template = VALIDATION.get(str(error.get("type")))
    if template is None:
        return text
    try:
        message = Message(f"validation.{error['type']}", template, **ctx)
        if str(message) == text:
            return message
    except (KeyError, IndexError, ValueError):
        pass
    return text


#: What the system says of the commonest file problems (``os.strerror``'s English), as messages.
SYSTEM_SAYS = {
    errno.ENOENT: N_("No such file or directory"),
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EEXIST: N_("File exists"),
    errno.EROFS: N_("Read-only file system"),
}


def system_says(exc: OSError) -> Message | str:
    """Why a file operation failed: a common reason as a message (its English the system's own
    words), any other as the system said it."""
    said = str(exc.strerror or exc)
    if exc.errno is None or SYSTEM_SAYS.get(exc.errno) != said:
        return said
    return Message(f"os.{errno.errorcode.get(exc.errno, exc.errno)}", SYSTEM_SAYS[exc.errno])


def message_of(value: object) -> Message | None:
    """The message ``value`` is, or the one an exception carries as its only argument; else None."""
    if isinstance(value, Message):
        return value
    if isinstance(value, BaseException) and len(value.args) == 1 and isinstance(value.args[0], Message):
        return value.args[0]
    return None


def said(exc: BaseException) -> Message | str:
    """What an exception says, as a parameter of another message: the message it carries (or says
    itself as, ``told_as``), else its text; never the exception itself, so messages compare by value."""
    told_as = getattr(exc, "told_as", None)
    if callable(told_as):
        shown = told_as()
        return shown if isinstance(shown, Message) else str(shown)
    return message_of(exc) or str(exc)


def code_of(value: object) -> str:
    """The code of the message ``value`` is or carries ("" when it has none)."""
    message = message_of(value)
    return message.code if message else ""


__all__ = ["SYSTEM_SAYS", "VALIDATION", "Message", "N_", "code_of", "message_of", "said", "system_says", "validation_problem"]
