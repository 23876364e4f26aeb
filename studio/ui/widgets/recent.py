"""The last result the studio said (a snapshot's id, an export's path, a job's id, where a dialogue was
kept), kept on one line at the foot of every pane after its notification has gone."""

from __future__ import annotations

import re
import time

from textual.app import App
from textual.signal import Signal

from studio.i18n import _
from studio.ui.safe import Static, one_line

#: A markup tag of the studio's own templates (``[b]``, ``[/b]``); data in them was escaped (``\\[``).
_TAG = re.compile(r"(?<!\\)\[/?[a-z@#$][^\[\]]*\]")


class Recent:
    """What was said last, as one plain line, and a signal for the lines that show it."""

    def __init__(self, app: App) -> None:
        self.line = ""
        self.changed: Signal[str] = Signal(app, "recent")

    def said(self, message: str, markup: bool) -> None:
        if markup:  # the words as shown: the template's tags dropped, escaped brackets kept
            message = _TAG.sub("", message).replace("\\[", "[")
        self.line = one_line(f"{time.strftime('%H:%M')}  {message}")
        self.changed.publish(self.line)


def recent_of(app: App) -> Recent | None:
    return getattr(app, "recent", None)


class RecentLine(Static):
    """Hidden until something is said; then "Recent: …" cut to one line."""

    DEFAULT_CSS = """
    RecentLine {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        recent = recent_of(self.app)
        self.display = False
        if recent is not None:
            recent.changed.subscribe(self, self.show)
            self.show(recent.line)

    def show(self, line: str) -> None:
        self.display = bool(line)
        self.update(_("Recent: {result}").format(result=line) if line else "")
