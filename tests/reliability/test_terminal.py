"""Terminal safety: a hostile model answer or imported file (CSI, OSC 0 title, OSC 8 link, OSC 52
clipboard, C1 controls, bidi overrides) reaches no terminal raw: not through `providers check`,
a provider error on `generate`'s note line, `studio.log`, `lint`, `import`, listings, nor the
Samples pane's raw editor (`e`), which shows the escapes as text."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from textual.widgets import TextArea

from studio.domain import Dialogue, TeacherTurn
from studio.domain.text import CONTROL, clean_text, visible
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.llm.fakeserver import FakeServer, Fault
from tests.ui.conftest import settle
from tests.workspaces import seeded_workspace

HOSTILE = ("\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4v\x07\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
           "\x9b31m\x9d0;t\x9c\u202eevil\u202c\u2066iso\u2069\u200f")
PARTS = ["\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\u202e", "\u2066", "\u200f"]

REMOTE = """
[providers.remote]
kind = "openai"
model = "m"
base_url = "{base}/v1"
retries = 0
"""


def clean(output: str) -> bool:
    return not CONTROL.search(output) and not any(p in output for p in PARTS)


@pytest.mark.parametrize("name, sequence", [
    ("CSI", "\x1b[2J"), ("OSC 0", "\x1b]0;title\x07"), ("OSC 8", "\x1b]8;;http://x\x1b\\"),
    ("OSC 52", "\x1b]52;c;cm0gLXJmIH4v\x07"), ("C1 CSI", "\x9b31m"), ("C1 OSC", "\x9d0;t\x9c"),
    ("bidi override", "\u202e"), ("bidi isolate", "\u2066"), ("line separator", "\u2028"),
])
def test_the_sanitiser_shows_every_sequence_as_text(name, sequence) -> None:
    shown = visible(f"a{sequence}b\tc\nd")
    assert clean(shown) and shown.startswith("a") and shown.endswith("b\tc\nd")
    assert "\\x" in shown or "\\u" in shown, name
    assert clean(clean_text(sequence))


def test_providers_check_prints_a_hostile_reply_safely(ready_cli) -> None:
    server = FakeServer(reply=HOSTILE).start()
    try:
        (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text()
                                                 + REMOTE.format(base=server.base))
        code, out, err = ready_cli("providers", "check", "remote")
        assert code == 0 and "\\x1b" in out and clean(out + err)
        code, out, err = ready_cli("providers", "check", "remote", "--json")
        assert code == 0 and clean(out) and json.loads(out)["reply"].startswith("\x1b]0;")  # JSON stays exact
    finally:
        server.stop()


def test_a_hostile_error_body_reaches_no_note_line_and_no_log_raw(ready_cli) -> None:
    server = FakeServer().start()
    try:
        (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text()
                                                 + REMOTE.format(base=server.base))
        server.fail(*[Fault("status", 400, {"error": {"code": "bad", "message": HOSTILE}})] * 50)
        code, out, err = ready_cli("generate", "-n", "2", "--teacher", "remote", "--student", "remote")
        assert code == 1 and "note:" in out and clean(out + err)
        code, out, err = ready_cli("calls")
        assert clean(out + err)
        log = (ready_cli.ws / "logs" / "studio.log").read_text(encoding="utf-8")
        assert "bad_request" in log and clean(log)
    finally:
        server.stop()


def test_lint_and_import_quote_hostile_text_safely(ready_cli, tmp_path) -> None:
    record = {"messages": [{"role": "system", "content": "You are an English teacher."},
                           {"role": "user", "content": f"[对话历史]\n学生：{HOSTILE}"},
                           {"role": "assistant", "content": f'{{"Reply": "{json.dumps(HOSTILE)[1:-1]} ' + "word " * 40
                                                            + '", "Suggestion": [], "Analysis": "好"}'}]}
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(orjson.dumps(record) + b"\n")
    for args in (("lint", str(path)), ("import", str(path)), ("topics", "list"), ("runs",)):
        code, out, err = ready_cli(*args)
        assert "Traceback" not in err and clean(out + err), args


async def test_the_raw_editor_shows_escapes_as_text(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    topic = ws.store.topics.all()[0]
    hostile = TeacherTurn(raw=json.dumps({"Reply": HOSTILE, "Suggestion": ["a", "b", "c"], "Analysis": "好"},
                                         ensure_ascii=False) + HOSTILE)
    ws.store.dialogues.put(Dialogue(id="d-h", topic_id=topic.id, turns=[hostile], status="complete"))
    ws.store.flush()
    app = make_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen.query_one(TextArea)
        assert "\\x1b]52;c;" in editor.text and clean(editor.text)
        assert clean(app.export_screenshot())
        await pilot.press("escape")
        await settle(pilot)
    assert ws.store.dialogues.get("d-h").turns[0].raw == hostile.raw  # cancelled: nothing saved, nothing lost
    ws.close()


def test_workspace_files_written_for_hostile_text_are_left_exact(tmp_path) -> None:
    """The store keeps what the model said (exactly); only what is shown is made safe."""
    ws = seeded_workspace(tmp_path / "w")
    topic = ws.store.topics.all()[0]
    ws.store.dialogues.put(Dialogue(id="d-h", topic_id=topic.id, turns=[TeacherTurn(raw=HOSTILE)]))
    ws.close()
    with open_workspace(Path(tmp_path / "w")) as again:
        assert again.store.dialogues.get("d-h").turns[0].raw == HOSTILE
