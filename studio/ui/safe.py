"""The one sanitiser of the studio's screen: no model, platform or imported text drives the terminal.

``shown`` is THE function: every character that could drive a terminal (C0 and C1 controls, ESC and
so every CSI, OSC and DCS sequence, bidirectional overrides, line separators) is written out as an
escape (``\\x1b``, through ``studio.domain.text.visible``, the CLI's sanitiser too) and a carriage
return becomes a line break; ``one_line`` also folds line breaks and tabs into spaces, for table
cells, titles, status lines and a notification's title. Every surface of the app shows text through
them, by way of the widgets and helpers here, whose text is plain (never markup: a bracket in data
is shown as typed):

- ``Static``, ``Label``: Textual's, sanitising what they are given (a string, a Rich text, a group);
- ``Text``, ``Table``: Rich's, sanitising every string put in them;
- ``DataTable``: Textual's, sanitising column labels and cells (``cell``);
- ``heading``: a border title or sub-title; ``notify``, ``notify_markup``: a notification.

``tests/ui/test_safe_surfaces.py`` reads every module of ``studio.ui`` and fails when one builds such a
surface from Textual or Rich directly, calls ``notify`` itself or sets a title without ``heading``.
At the terminal's edge ``guard_terminal`` drops any control character still in a segment's text (a
widget of Textual's own: an input, a text area, the command palette), so whatever is drawn, nothing
written to the terminal retitles it, clears it or fills the clipboard.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar, cast

import rich.table
import rich.text
import textual.widgets
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.segment import Segment
from textual.app import App
from textual.coordinate import Coordinate
from textual.markup import escape as escape_content
from textual.notifications import SeverityLevel
from textual.strip import Strip
from textual.widget import Widget

from studio.domain.text import CONTROL, visible

_CR = re.compile(r"\r\n?")
_BREAKS = re.compile(r"[\t\n]+")
_DRIVES = re.compile(f"{CONTROL.pattern}|\r")
#: What no segment's text may hold at the terminal's edge: every C0 control (a segment never holds a
#: line break or a tab), DEL, the C1 controls, bidi overrides and isolates, line separators.
_AT_THE_EDGE = re.compile(r"[\x00-\x1f" + CONTROL.pattern[1:])
CellType = TypeVar("CellType")


def shown(value: object) -> str:
    """``value`` as the screen may show it: characters that could drive the terminal as escapes."""
    text = value if isinstance(value, str) else str(value)
    if "\r" in text:
        text = _CR.sub("\n", text)
    return visible(text)


def one_line(value: object) -> str:
    """:func:`shown` on one line: line breaks and tabs become a space."""
    text = shown(value)
    return _BREAKS.sub(" ", text) if "\n" in text or "\t" in text else text


def clean(text: rich.text.Text) -> rich.text.Text:
    """A Rich text with :func:`shown` applied to its characters, its styles kept."""
    plain = text.plain
    if not _DRIVES.search(plain):
        return text
    cuts = sorted({at for m in _DRIVES.finditer(plain) for at in (m.start(), m.end())})
    out = text.blank_copy()
    for piece in text.divide(cuts):
        if _DRIVES.fullmatch(piece.plain):
            out.append(shown(piece.plain), style=piece.spans[0].style if piece.spans else None)
        else:
            out.append_text(piece)
    return out


class Text(rich.text.Text):
    """Rich's text, every string in it through :func:`shown`."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(shown(text), *args, **kwargs)

    def append(self, text: str | rich.text.Text, style: str | Any = None) -> Text:
        return super().append(clean(text) if isinstance(text, rich.text.Text) else shown(text), style)  # type: ignore[return-value]

    def append_text(self, text: rich.text.Text) -> Text:
        return super().append_text(clean(text))  # type: ignore[return-value]


def safe(content: Any) -> Any:
    """What a Static shows: a string as plain text, a Rich text or group cleaned, anything else as it is
    (a :class:`Table` here cleans its own cells)."""
    if isinstance(content, str):
        return Text(content)
    if isinstance(content, rich.text.Text):
        return clean(content)
    if isinstance(content, Group):
        return Group(*(safe(part) for part in content.renderables), fit=content.fit)
    return content


def heading(value: object) -> Text:
    """A border title, a table's column label, a sub-title: one plain line."""
    return value if isinstance(value, Text) else Text(one_line(value))


def cell(value: object) -> Any:
    """A DataTable cell: a string stays a string (sorting and comparing keep working) on one line, its
    markup escaped; a Rich text is cleaned; a number is left as it is."""
    if isinstance(value, str):
        return escape(one_line(value))
    if isinstance(value, rich.text.Text):
        return clean(value)
    return value


class _Plain:
    """A string is shown as the plain text it is (never read as markup), sanitised; a Rich text or group
    is cleaned (:func:`safe`)."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(_plain(content), **kwargs)  # type: ignore[call-arg]

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(_plain(content), layout=layout)  # type: ignore[misc]


def _plain(content: Any) -> Any:
    return shown(content) if isinstance(content, str) else safe(content)


class Static(_Plain, textual.widgets.Static):
    """Textual's Static, showing only sanitised plain text."""


class Label(_Plain, textual.widgets.Label):
    """Textual's Label, showing only sanitised plain text."""


class Table(rich.table.Table):
    """Rich's table: the title, the headers and every string cell through :func:`shown`."""

    def __init__(self, *headers: Any, title: Any = None, caption: Any = None, **kwargs: Any) -> None:
        super().__init__(*headers, title=None if title is None else safe(title),
                         caption=None if caption is None else safe(caption), **kwargs)

    @classmethod
    def grid(cls, *headers: Any, **kwargs: Any) -> Table:
        return cast(Table, super().grid(*headers, **kwargs))

    def add_column(self, header: RenderableType = "", footer: RenderableType = "", **kwargs: Any) -> None:
        super().add_column(safe(header), safe(footer), **kwargs)

    def add_row(self, *renderables: RenderableType | None, **kwargs: Any) -> None:
        super().add_row(*(None if r is None else safe(r) for r in renderables), **kwargs)


class DataTable(textual.widgets.DataTable[CellType]):
    """Textual's DataTable: column labels through :func:`heading`, cells through :func:`cell`."""

    def add_column(self, label: Any, *, width: int | None = None, key: str | None = None,
                   default: CellType | None = None) -> Any:
        return super().add_column(heading(label), width=width, key=key, default=default)

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: Any = None) -> Any:
        return super().add_row(*(cell(c) for c in cells), height=height, key=key,
                               label=None if label is None else heading(label))

    def update_cell(self, row_key: Any, column_key: Any, value: CellType, *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, cell(value), update_width=update_width)

    def update_cell_at(self, coordinate: Coordinate, value: CellType, *, update_width: bool = False) -> None:
        super().update_cell_at(coordinate, cell(value), update_width=update_width)


def notify(target: App[Any] | Widget, message: object, *, title: object = "",
           severity: SeverityLevel = "information", timeout: float | None = None) -> None:
    """A notification (toast) on ``target``'s app: the message as plain text, the title on one line."""
    target.notify(shown(message), title=one_line(title), severity=severity, timeout=timeout, markup=False)


def notify_markup(target: App[Any] | Widget, template: str, *, title: object = "",
                  severity: SeverityLevel = "information", timeout: float | None = None, **values: object) -> None:
    """A notification whose own words carry markup (``[b]{key}[/b]``): only ``template`` is read as
    markup; each of ``values`` is sanitised and escaped before it is put in."""
    message = template.format(**{k: escape_content(one_line(v)) for k, v in values.items()})
    target.notify(message, title=one_line(title), severity=severity, timeout=timeout, markup=True)


def _at_the_edge(render: Any) -> Any:
    def guarded(self: Strip, console: Console) -> str:
        segments = list(self)
        if not any(_AT_THE_EDGE.search(text) for text, _style, _control in segments):
            return render(self, console)
        kept = [Segment(_AT_THE_EDGE.sub("", text), style, control) for text, style, control in segments]
        return render(Strip(kept, self.cell_length), console)

    guarded.studio_guard = True  # type: ignore[attr-defined]
    return guarded


def guard_terminal() -> None:
    """Make the terminal's edge safe (once): every strip Textual writes to the terminal is rendered
    without control characters in its segments' text; their styles (colour, links) are Textual's own
    sequences and stay."""
    if not getattr(Strip.render, "studio_guard", False):
        Strip.render = _at_the_edge(Strip.render)  # type: ignore[method-assign]
