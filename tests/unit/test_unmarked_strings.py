"""No user-facing string in the app or the CLI is left outside the catalogue: the places a user reads
text (notifications, key descriptions, option help, titles, placeholders, labels) must be given a
marked string (``_()``, ``ngettext()``, ``pgettext()`` …), never a literal or an f-string of words.
The catalogue test (test_catalogue.py) then checks every marked string is translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "studio"
WORDS = re.compile(r"[A-Za-z]{2,}")
SHOWN_ARGS = {"notify": 0, "Static": 0, "Label": 0, "Button": 0, "Binding": 2}  # callee → positional index shown
HELPER_ARGS = {"notify": 1, "notify_markup": 1}  # the studio's own helpers, ``notify(target, message)``
SHOWN_KEYWORDS = {"help", "title", "placeholder", "description", "label", "tooltip"}


def _literal_words(node: ast.AST) -> str | None:
    """The words of a string literal or f-string that a user would read, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    else:
        return None
    text = re.sub(r"\[/?[a-z$][^\]]*\]", "", text)  # Rich markup is not words
    if re.fullmatch(r"[\w./~-]+/[\w.-]+", text):  # an example path ("path/to/topics.txt") is not words
        return None
    return text if WORDS.search(text) else None


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def unmarked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        at = HELPER_ARGS.get(name) if isinstance(node.func, ast.Name) and name in HELPER_ARGS else SHOWN_ARGS.get(name)
        shown = [node.args[at]] if at is not None and len(node.args) > at else []
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for arg in shown:
            words = _literal_words(arg)
            if words is not None:
                found.append(f"{path.relative_to(ROOT.parent)}:{arg.lineno}: {name}(… {words[:50]!r} …)")
    return found


def test_every_shown_string_in_the_app_and_the_cli_is_marked_for_translation() -> None:
    files = sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "cli").rglob("*.py")])
    assert len(files) > 20
    problems = [p for f in files for p in unmarked(f)]
    assert not problems, "unmarked user-facing strings:\n" + "\n".join(problems)


def test_the_scan_finds_an_unmarked_string(tmp_path: Path) -> None:
    sample = ROOT / "ui" / "_probe_for_test.py"
    try:
        sample.write_text('self.notify("imported the file")\nBinding("q", "quit", "Quit")\n'
                          'parser.add_argument("--n", help=f"how many {x}")\nself.notify(_("marked"))\n'
                          'notify(self, "saved the topic")\nnotify(self, _("marked"))\n', encoding="utf-8")
        assert len(unmarked(sample)) == 4
    finally:
        sample.unlink()
