"""Hostile text in every surface of the app, driven with keys: an imported student line and Suggestion
and an unreadable answer in the Samples detail, a provider's 401 body (OSC 0 title, OSC 52 clipboard)
after the student's seat in Simulate, a platform's error and log in the Jobs pane, topic names and
check ids in the Topics table and the Dashboard, and the modals. What the screen would write to the
terminal (every segment, the toasts, the SVG screenshot) holds no ESC, BEL, C1 control or bidi
override, and markup in data is shown as typed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson

from studio.domain import (
    CallRecord,
    CheckResult,
    Dialogue,
    Job,
    JobStatus,
    RejectedTopic,
    StudentTurn,
    TeacherTurn,
    Topic,
)
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.llm.fakeserver import Fault, simulated
from tests.ui.conftest import settle, until
from tests.ui.test_simulate_pane import idle, open_simulate, remote_workspace

TITLE, CLIPBOARD = "\x1b]0;pwned\x07", "\x1b]52;c;cm0gLXJmIH4v\x07"  # the clipboard's text is `rm -rf ~/`
HOSTILE = f"{TITLE}{CLIPBOARD}\x1b[2J\x1b[H\x1bP+q\x1b\\\x9b31m\x9d0;t\x9c\u202eevil\u202c\u2066iso\u2069"
MARKUP = "[/bold][link=http://evil.example]click[/link]"
DRIVES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def rendered(app) -> str:
    """The text of every segment the screen (its toasts included) would write to the terminal."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join("".join(segment.text for strip in line for segment in strip) for line in update.strips)


def assert_clean(app) -> str:
    screen = rendered(app)
    assert not DRIVES.search(screen), repr(DRIVES.findall(screen)[:5])
    assert not DRIVES.search(app.export_screenshot())
    for note in app._notifications:
        assert not DRIVES.search(str(note.message) + str(note.title)), note.message
    return screen


def notes(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_an_imported_student_line_suggestion_and_answer_in_the_samples_detail(tmp_path, monkeypatch) -> None:
    from studio.cli import main

    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    assert main(["init"]) == 0
    answer = {"Reply": "Nice! Where do you like to go hiking?",
              "Suggestion": ["I go to the hills.", "I like the lake trail.", f"I hike with friends{HOSTILE}{MARKUP}"],
              "Analysis": "好"}
    records = [{"messages": [{"role": "system", "content": "You are an English teacher."},
                             {"role": "user", "content": f"I like hiking very much{HOSTILE}{MARKUP}"},
                             {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)}]},
               {"messages": [{"role": "system", "content": "You are an English teacher."},
                             {"role": "user", "content": "I like swimming"},
                             {"role": "assistant", "content": f'{{"Reply": "ok{HOSTILE}{MARKUP}'}]}]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    assert main(["import", str(path)]) == 0
    ws = open_workspace(tmp_path / "ws")
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            assert_clean(app)
            shown = [app.screen.query_one("#sample-view").plain]  # the first sample's detail, as shown
            await pilot.press("down")
            await settle(pilot)
            assert_clean(app)
            shown.append(app.screen.query_one("#sample-view").plain)
            detail = "\n".join(shown)
            assert "I hike with friends" in detail and "I like hiking very much" in detail
            assert "\\x1b]0;pwned" in detail, "the unreadable answer is shown as it came, its escapes as text"
            assert "[/bold][link=http://evil.example]" in detail, "markup in data is shown as typed"
            await pilot.press("e")  # the raw editor
            await settle(pilot)
            assert assert_clean(app)
            await pilot.press("escape")
            await settle(pilot)
    finally:
        ws.close()


async def test_a_provider_401_body_after_the_students_seat_is_no_escape_sequence(tmp_path) -> None:
    server = simulated()
    ws = remote_workspace(tmp_path / "ws", server.base)
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_simulate(pilot)
            await pilot.press("s")
            await until(pilot, lambda: idle(app) and len(app.screen.sim.turns) == 1)
            server.fail(*[Fault("status", 401, {"error": {"code": "invalid_api_key", "message": HOSTILE + MARKUP}})] * 4)
            await pilot.press("t", *"I like hiking", "enter")
            await until(pilot, lambda: not app.screen.reading and idle(app) and "✗" in
                        app.screen.query_one("#sim-status").render().plain)
            await settle(pilot)
            screen = assert_clean(app)
            said = app.screen.query_one("#sim-status").render().plain + notes(app)
            assert "401" in said or "key" in said, said
            assert "I like hiking" in screen
    finally:
        ws.close()
        server.stop()


async def test_a_platform_error_and_log_in_the_jobs_pane(workspace) -> None:
    log = Path(workspace.root) / "jobs" / "j-hostile" / "log.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"step 1 loss 2.0\n{HOSTILE}{MARKUP}\nstep 2\r{TITLE}{CLIPBOARD}\n", encoding="utf-8")
    workspace.store.jobs.put(Job(id="j-hostile", backend="openai", base_model=f"gpt{HOSTILE}", status=JobStatus.FAILED,
                                 error=f"platform says: {HOSTILE}{MARKUP}", remote={"job_id": f"ftjob{HOSTILE}"},
                                 options={"suffix": MARKUP + HOSTILE}, log_path=str(log)))
    workspace.store.flush()
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await until(pilot, lambda: "platform says" in app.screen.query_one("#job-settings").render().plain)
        await settle(pilot)
        assert_clean(app)
        settings = app.screen.query_one("#job-settings").render().plain
        assert "platform says: \\x1b]0;pwned" in settings and "[/bold][link=http://evil.example]" in settings
        assert "0;pwned\\x07" in app.screen.query_one("#job-log").render().plain  # colour codes dropped, the rest as text


async def hostile_dataset(workspace) -> str:
    """A topic named with markup, and a stored answer whose failed check carries hostile id and values."""
    topic = Topic(text=f"周末去爬山{MARKUP}", title=f"Weekend {MARKUP}", name_zh="爬山")
    workspace.store.topics.put(topic)
    check = CheckResult(id=f"custom{HOSTILE}", params={"text": HOSTILE + MARKUP})
    answer = {"Reply": "Nice!", "Suggestion": ["a b", "c d", "e f"], "Analysis": "好"}
    teacher = TeacherTurn(raw=json.dumps(answer) + HOSTILE, checks=[check])
    workspace.store.dialogues.put(Dialogue(id="d-hostile", topic_id=topic.id, status="complete",
                                           turns=[StudentTurn(text="I like hiking"), teacher]))
    workspace.store.rejected.put(RejectedTopic(text=f"去爬山吧{MARKUP}", reason=f"near-duplicate{HOSTILE}{MARKUP}"))
    for role in ("teacher", "student"):  # the ledger names a provider the platform spelled with escapes
        workspace.store.calls.put(CallRecord(provider=f"remote{HOSTILE}", model=f"m{MARKUP}", role=role, outcome="error",
                                             error_kind=f"auth{HOSTILE}", error=HOSTILE))
    workspace.store.flush()
    return topic.id


async def test_topic_names_and_check_ids_in_the_topics_table_the_dashboard_and_the_samples(workspace) -> None:
    await hostile_dataset(workspace)
    app = make_app(workspace)
    async with app.run_test(size=(160, 150)) as pilot:  # the whole Dashboard on one screen
        await settle(pilot)
        await pilot.press("slash", *"Weekend", "enter")
        await settle(pilot)
        screen = assert_clean(app)
        assert f"周末去爬山{MARKUP}" in screen and "Weekend [/bold]" in screen, "the topics table shows markup as typed"
        await pilot.press("4")
        await settle(pilot)
        await until(pilot, lambda: app.screen.stats is not None)
        await settle(pilot)
        screen = assert_clean(app)
        assert "remote\\x1b]0;pwned" in screen and "auth\\x1b]0;pwned" in screen, "the cost table's labels as text"
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("slash", *"d-hostile", "enter")
        await settle(pilot)
        assert_clean(app)
        detail = app.screen.query_one("#sample-view").plain
        assert "custom\\x1b]0;pwned" in detail and "\\x1b]52;c;" in detail and f"周末去爬山{MARKUP}" in detail


async def test_modals_show_hostile_candidates_and_names_as_text(workspace) -> None:
    await hostile_dataset(workspace)
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")  # the candidates turned away
        await until(pilot, lambda: app.screen.__class__.__name__ == "RejectedReview")
        await settle(pilot)
        screen = assert_clean(app)
        assert "near-duplicate\\x1b]0;pwned" in screen and f"去爬山吧{MARKUP}" in screen
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", *"Weekend", "enter")
        await settle(pilot)
        await pilot.press("d")  # delete asks first, naming the topic
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await settle(pilot)
        assert_clean(app)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("e")  # the topic form, its fields filled from the topic
        await settle(pilot)
        assert_clean(app)
        await pilot.press("escape")
        await settle(pilot)
