"""An import is browsable before the off-topic judge has run: every other check at reading speed,
the student turns marked pending; ``studio judge`` (or the import itself, after) judges them, stores
them a chunk at a time, goes on after a stop, and a file imported again judges nothing again."""

from __future__ import annotations

import json
import threading

from studio.domain import FaultKind, StudentTurn, TeacherTurn
from studio.export.importer import Importer
from studio.semantic import offtopic, verdicts
from studio.synth import pending
from studio.workspace import Workspace, open_workspace
from tests.synth.test_off_topic_anywhere import IGNORES, ON, PROMPT, TYPED_OFF

OFF = TYPED_OFF


def _file(tmp_path, n: int = 2):  # type: ignore[no-untyped-def]
    path = tmp_path / "d.jsonl"
    said = [OFF, ON] + [f"{ON} We won by {i} points." for i in range(n - 2)]
    path.write_text("\n".join(json.dumps({"prompt": PROMPT.format(said=s), "response": IGNORES}, ensure_ascii=False)
                              for s in said) + "\n", encoding="utf-8")
    return path


def _students(ws: Workspace) -> dict[str, StudentTurn]:
    return {t.text: t for d in ws.store.dialogues.all() for t in d.turns if isinstance(t, StudentTurn)}


def _answer_to(ws: Workspace, said: str) -> TeacherTurn:
    for d in ws.store.dialogues.all():
        for before, turn in zip(d.turns, d.turns[1:], strict=False):
            if isinstance(before, StudentTurn) and before.text == said and isinstance(turn, TeacherTurn):
                return turn
    raise AssertionError(said)


def test_import_leaves_the_verdicts_pending_and_studio_judge_makes_them(cli, tmp_path) -> None:
    path = _file(tmp_path)
    assert cli("init")[0] == 0
    data = cli.json("import", str(path), "--no-judge")
    assert data["samples"] == 2 and data["off_topic_pending"] == 2
    ws = open_workspace(cli.ws)
    try:
        assert all(t.topic_pending for t in _students(ws).values())
        assert "fault.off_topic" not in {c.id for c in _answer_to(ws, OFF).checks}  # not yet known
    finally:
        ws.close()
    judged = cli.json("judge")
    assert judged == {"judged": 2, "off_topic": 1, "checks_changed": 1}
    ws = open_workspace(cli.ws)
    try:
        students = _students(ws)
        assert students[OFF].observed_fault == FaultKind.OFF_TOPIC and not students[OFF].topic_pending
        assert students[ON].observed_fault != FaultKind.OFF_TOPIC and not students[ON].topic_pending
        assert "fault.off_topic" in {c.id for c in _answer_to(ws, OFF).checks}
    finally:
        ws.close()
    assert cli.json("judge") == {"judged": 0, "off_topic": 0, "checks_changed": 0}


def test_import_judges_after_reading_by_default(cli, tmp_path) -> None:
    assert cli("init")[0] == 0
    data = cli.json("import", str(_file(tmp_path)))
    assert data["off_topic_pending"] == 0 and data["off_topic"] == 1


def test_a_stopped_pass_goes_on_where_it_stopped(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pending, "CHUNK", 1)
    ws = open_workspace(tmp_path / "ws", create_missing=True)
    try:
        Importer(ws.store, _file(tmp_path, 6), ws.root).run()
        assert pending.pending_count(ws.store) == 6
        stop = threading.Event()
        first = pending.judge_pending(ws.store, on_progress=lambda p: p.judged and stop.set(), stop=stop)
        assert first.judged == 1 and first.total == 6
        assert pending.pending_count(ws.store) == 5  # the judged chunk is stored
        rest = pending.judge_pending(ws.store)
        assert (rest.judged, rest.total) == (5, 5) and pending.pending_count(ws.store) == 0
    finally:
        ws.close()


def test_a_file_imported_again_judges_nothing_again(tmp_path, monkeypatch) -> None:
    path = _file(tmp_path, 4)
    offtopic.forget()  # verdicts remembered by earlier tests in this process are not on this disk
    first = open_workspace(tmp_path / "a", create_missing=True)
    try:
        Importer(first.store, path, first.root).run()
        pending.judge_pending(first.store)
    finally:
        first.close()
    offtopic.forget()  # a new process: only the disk remembers
    assert verdicts.count() >= 4
    made: list[str] = []
    judge = offtopic._judge
    monkeypatch.setattr(offtopic, "_judge", lambda u, *a: made.append(u) or judge(u, *a))
    second = open_workspace(tmp_path / "b", create_missing=True)
    try:
        Importer(second.store, path, second.root).run()
        again = pending.judge_pending(second.store)
        assert again.judged == 4 and again.off_topic == 1
        assert made == []
    finally:
        second.close()


def test_on_a_pipe_the_judging_progress_is_plain_lines(cli, tmp_path) -> None:
    assert cli("init")[0] == 0
    code, out, err = cli("import", str(_file(tmp_path)))
    assert code == 0 and "imported 2 samples" in out
    assert "browsable now" in err and "judging 2 / 2 student turns" in err and "\x1b" not in err and "\r" not in err
