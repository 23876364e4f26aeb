"""Dataset formats as codecs: one class per format writes a chat as a line of its file and reads
the line back (:mod:`.base`); :func:`read_file` reads a file of any of them, line by line.

A new format is a module here with a :class:`DatasetFormat` subclass decorated ``@register``,
added to the first import below: export, lint, import, training and the format choices of the CLI
and the app take it from the registry."""

from studio.datafiles.formats import alpaca, llamafactory, openai, qianfan  # noqa: F401  (they register)
from studio.datafiles.formats.base import (
    FORMATS,
    Chat,
    DatasetFormat,
    Message,
    RecordError,
    UnknownFormat,
    by_name,
    format_of,
    names,
    read_line,
    register,
)
from studio.datafiles.formats.files import ChatLine, read_file

__all__ = ["FORMATS", "Chat", "ChatLine", "DatasetFormat", "Message", "RecordError", "UnknownFormat", "by_name",
           "format_of", "names", "read_file", "read_line", "register"]
