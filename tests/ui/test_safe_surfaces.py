"""Every surface of the app shows text through the one sanitiser (``studio/ui/safe.py``): a scan of the
source of ``studio.ui`` fails when a module builds a Static, Label, DataTable, Rich Text or Table from
Textual or Rich directly, reads markup from data, calls ``notify`` itself or sets a title without
``heading``; and the sanitiser itself makes every sequence that could drive a terminal plain text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rich.console import Console, Group
from rich.text import Text as RichText
from textual.app import App
from textual.widgets import Input, TextArea

from studio.domain.text import CONTROL
from studio.ui import safe

UI = Path(__file__).resolve().parents[2] / "studio" / "ui"
#: Surfaces that show text as they are given it; the studio's own (``studio.ui.safe``) sanitise it.
RAW_WIDGETS = {"Static", "Label", "DataTable"}
RAW_MODULES = {"rich.text", "rich.table", "rich.markup", "textual.content", "textual.markup"}
TITLES = {"border_title", "border_subtitle", "title", "sub_title", "caption"}
SANITISERS = {"heading", "one_line"}
HOSTILE = ("\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4v\x07\x1bP+q\x1b\\\x9b31m\x9d0;t\x9c"
           "\u202eevil\u202c\u2066iso\u2069\r[/bold][link=http://evil.example]x")


def problems(path: Path) -> list[str]:
    """Where a module of ``studio.ui`` could put text on the screen without the sanitiser."""
    found = []
    where = path.name
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and node.module in RAW_MODULES:
            found.append(f"{where}:{line}: imports from {node.module} (use studio.ui.safe)")
        elif isinstance(node, ast.ImportFrom) and node.module == "textual.widgets":
            found += [f"{where}:{line}: imports {a.name} from textual.widgets (use studio.ui.safe.{a.name})"
                      for a in node.names if a.name in RAW_WIDGETS]
        elif isinstance(node, ast.Attribute) and node.attr == "notify":
            found.append(f"{where}:{line}: .notify (use studio.ui.safe.notify)")
        elif isinstance(node, ast.Attribute) and node.attr in ("from_markup", "from_ansi"):
            found.append(f"{where}:{line}: .{node.attr} reads data as markup")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "content":
                    found.append(f"{where}:{line}: .content = (use update)")
                if isinstance(target, ast.Attribute) and target.attr in TITLES and not isinstance(node.value, ast.Constant) \
                        and not (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                                 and node.value.func.id in SANITISERS):
                    found.append(f"{where}:{line}: .{target.attr} = without heading()")
    return found


def test_no_module_of_the_app_puts_text_on_screen_past_the_sanitiser() -> None:
    files = [p for p in sorted(UI.rglob("*.py")) if p.name != "safe.py"]
    assert len(files) > 25
    found = [p for f in files for p in problems(f)]
    assert not found, "text shown past studio.ui.safe:\n" + "\n".join(found)


def test_the_scan_finds_each_way_past_the_sanitiser(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from rich.text import Text\nfrom textual.widgets import Input, Static\n"
                     "self.notify(error)\napp.call_later(app.notify, error)\ntable.border_title = name\n"
                     "widget.content = error\nText.from_markup(name)\n"
                     "table.border_title = heading(name)\nself.sub_title = one_line(path)\nself.caption = ''\n",
                     encoding="utf-8")
    assert len(problems(probe)) == 7


def clean(text: str) -> bool:
    return not CONTROL.search(text) and "\r" not in text


@pytest.mark.parametrize("name, sequence", [
    ("OSC 0 title", "\x1b]0;pwned\x07"), ("OSC 52 clipboard", "\x1b]52;c;cm0gLXJmIH4v\x07"), ("CSI clear", "\x1b[2J"),
    ("DCS", "\x1bP+q\x1b\\"), ("C1 CSI", "\x9b31m"), ("C1 OSC", "\x9d0;t\x9c"), ("bidi override", "\u202e"),
    ("bidi isolate", "\u2066"), ("carriage return", "a\rb"), ("line separator", "\u2028"), ("BEL", "\x07"),
])
def test_shown_and_one_line_leave_nothing_that_drives_a_terminal(name, sequence) -> None:
    for text in (safe.shown(f"x{sequence}y\tz\nw"), safe.one_line(f"x{sequence}y\tz\nw"), safe.cell(sequence)):
        assert clean(text), name
    assert "\n" not in safe.one_line(f"x{sequence}y\nw") and "\t" not in safe.one_line("a\tb")


def test_rich_text_tables_and_groups_are_cleaned_with_their_styles() -> None:
    text = safe.Text.assemble(("reply ", "bold"), (HOSTILE, "italic"))
    text.append(HOSTILE, "red")
    text.append_text(RichText(HOSTILE, style="green"))
    assert clean(text.plain) and "\\x1b]0;pwned" in text.plain and "[/bold]" in text.plain
    raw = RichText("ok " + HOSTILE, style="blue")
    cleaned = safe.clean(raw)
    assert clean(cleaned.plain) and cleaned.plain.startswith("ok \\x1b]0;") and cleaned.style == "blue"
    table = safe.Table(HOSTILE, title=HOSTILE)
    table.add_row(HOSTILE)
    group = safe.safe(Group(HOSTILE, raw))
    console = Console(width=200, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table, group)
    out = console.export_text()
    assert clean(out) and "[/bold][link=http://evil.example]x" in out


async def test_every_safe_widget_and_notification_renders_no_control_sequence() -> None:
    class Probe(App[None]):
        def compose(self):
            yield safe.Static(HOSTILE, id="static")
            yield safe.Label(HOSTILE)
            yield safe.DataTable(id="table")

        def on_mount(self) -> None:
            table = self.query_one("#table", safe.DataTable)
            table.add_column(HOSTILE, key="a")
            table.add_row(HOSTILE, key="r")
            table.border_title = safe.heading(HOSTILE)
            safe.notify(self, HOSTILE, title=HOSTILE, severity="error")
            safe.notify_markup(self, "press [b]{key}[/b]", key=HOSTILE)

    app = Probe()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.query_one("#static", safe.Static).update(HOSTILE)
        await pilot.pause()
        assert clean(rendered(app)) and "\\x1b]0;pwned" in rendered(app)
        assert all(clean(n.message) and clean(n.title) for n in app._notifications)


def rendered(app) -> str:
    """The text of every segment the screen (and its toasts) would write to the terminal."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join("".join(segment.text for strip in line for segment in strip) for line in update.strips)


async def test_the_terminal_edge_drops_control_characters_from_textual_widgets_too() -> None:
    """An input or text area of Textual's own, given hostile text, writes none of it to the terminal."""
    safe.guard_terminal()

    class Raw(App[None]):
        def compose(self):
            yield Input(HOSTILE)
            yield TextArea(HOSTILE)

    app = Raw()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        update = app.screen._compositor.render_update(full=True)
        written = update.render_segments(app.console)
        for sequence in ("\x1b]0;", "\x1b]52;", "\x1b[2J", "\x1bP", "\x07", "\x9b", "\x9d", "\u202e", "\u2066", "\r"):
            assert sequence not in written, repr(sequence)
        assert "pwned" in written  # the words stay, as plain text


def test_the_guard_is_installed_once() -> None:
    safe.guard_terminal()
    render = safe.Strip.render
    safe.guard_terminal()
    assert safe.Strip.render is render
