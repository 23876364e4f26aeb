"""The ``studio`` argument parser class: argparse in the current language, wrapped to the
terminal by display width (a Chinese character takes two cells)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len

from studio.i18n import _, text

OPENING = set("（《「『“‘【〈")
CLOSING = set("，。、；：！？）》」』”’】〉…")


def _wide(char: str) -> bool:
    return cell_len(char) == 2


def _pieces(word: str) -> list[str]:
    """``word`` cut where a line may break inside it: beside a wide (CJK) character, but never
    before closing punctuation or after opening punctuation."""
    pieces, start = [], 0
    for i in range(1, len(word)):
        before, here = word[i - 1], word[i]
        if (_wide(before) or _wide(here)) and here not in CLOSING and before not in OPENING:
            pieces.append(word[start:i])
            start = i
    pieces.append(word[start:])
    return pieces


def wrap(words: str, width: int) -> list[str]:
    """``words`` in lines of at most ``width`` cells (a longer unbreakable run keeps its own line)."""
    lines: list[str] = []
    line = ""
    for word in words.split():
        for n, piece in enumerate(_pieces(word)):
            joined = line + (" " if line and n == 0 else "") + piece
            if line and cell_len(joined) > width:
                lines.append(line)
                joined = piece
            line = joined
    if line:
        lines.append(line)
    return lines


class Formatter(argparse.HelpFormatter):
    """argparse's help in the current language: its own words from the studio's catalogue, lazy
    texts (``i18n._l``) made text when the help is shown, lines wrapped by display width."""

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(None if heading is None else text(heading))

    def add_text(self, words: str | None) -> None:
        super().add_text(None if words is None else text(words))

    def _get_help_string(self, action: argparse.Action) -> str:
        return text(action.help)

    def _split_lines(self, words: str, width: int) -> list[str]:
        return wrap(re.sub(r"\s+", " ", words), width)

    def _fill_text(self, words: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(re.sub(r"\s+", " ", words), width))


class Parser(argparse.ArgumentParser):
    """Usage errors exit 1 (2 means a workspace problem), naming the flag and what it accepts.
    Every subcommand's parser is one too, so each one's usage line and headings are translated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        add_help = kwargs.get("add_help", True)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        if add_help:
            self.add_argument("-h", "--help", action="help", help=_("show this help and exit"))

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, _("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")
