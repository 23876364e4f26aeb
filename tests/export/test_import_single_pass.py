"""An import reads its file once: an unreadable line found after hundreds of records were already
checked and stored still imports nothing (what the store held before is kept, before and after a
restart) and names every bad line; the same file, mended, then imports whole. Checked in worker
processes or in the importer's own, a file imports as the same dialogues, turns and checks."""

from __future__ import annotations

import json
from pathlib import Path

from studio.export.importer import CHUNK

ANSWER = json.dumps({"Reply": "Nice! What did you eat?", "Suggestion": ["I ate noodles.", "I had rice."],
                     "Analysis": "你的句子很好。"}, ensure_ascii=False)


def _line(k: int) -> str:
    prompt = f"[主题介绍]\n关于第{k % 7}种午饭的对话\n[对话历史]\nstudent: I eat {k} apples every day."
    return json.dumps({"prompt": prompt, "response": ANSWER}, ensure_ascii=False)


def test_a_bad_line_after_records_were_stored_imports_nothing(cli, tmp_path: Path) -> None:
    cli("init", "--no-seed")
    first = tmp_path / "first.jsonl"
    first.write_text(_line(-1) + "\n", encoding="utf-8")
    assert cli.json("import", str(first))["samples"] == 1
    before = cli.json("info")["counts"]

    lines = [_line(k) for k in range(2 * CHUNK + 40)]
    lines[CHUNK + 30] = "{not json"
    lines[-3] = json.dumps({"prompt": 1})
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = cli("import", str(path))
    assert code == 1
    assert f"late.jsonl:{CHUNK + 31}: 2 unreadable line(s), nothing imported: line {CHUNK + 31}: not valid JSON" in err
    assert f"line {len(lines) - 2}:" in err
    assert cli.json("info")["counts"] == before  # read again from the disk by a new process

    lines[CHUNK + 30], lines[-3] = _line(10_000), _line(10_001)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = cli.json("import", str(path))
    assert (report["samples"], report["dialogues"], report["duplicates"]) == (len(lines), len(lines), 0)
    counts = cli.json("info")["counts"]
    assert counts["dialogues"] == before["dialogues"] + len(lines) and counts["runs"] == before["runs"] + 1


def _store_of(ws: Path) -> list[tuple]:  # type: ignore[type-arg]
    """The dialogues an import made, without their ids and times."""
    from studio.store import Store

    with Store(ws) as store:
        topics = {t.id: t.text for t in store.topics}
        out = []
        for d in sorted(store.dialogues, key=lambda d: d.index or 0):
            turns = [t.model_dump(exclude={"created"}) for t in d.turns]
            out.append((topics[d.topic_id], d.index, d.planned_faults, turns))
        return out


def test_checked_in_worker_processes_or_here_the_import_is_the_same(cli, tmp_path: Path, monkeypatch) -> None:
    from studio.export import import_checks

    lines = []
    for k in range(3 * CHUNK):  # dialogues of up to three turns, some of their student turns faulty
        said = [f"I eat {k} apples every day.", "我喜欢吃苹果。", "I goed to the park yesterday with my freind."][: k % 3 + 1]
        if k % 7 == 0:  # personal data: these records come back from a worker redacted, the others as sent
            said[-1] += " Call me on 13812345678."
        history = "\n".join(f"student: {s}\nteacher: Nice! Tell me more." for s in said[:-1])
        prompt = f"[主题介绍]\n关于第{k % 5}种午饭的对话\n[对话历史]\n{history}\nstudent: {said[-1]}".replace("\n\n", "\n")
        lines.append(json.dumps({"prompt": prompt, "response": ANSWER if k % 4 else "Sure! {\"Reply\": 1}"},
                                ensure_ascii=False))
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pools = []

    class Pool(import_checks.ProcessPoolExecutor):  # type: ignore[misc, name-defined]
        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            pools.append(args[1])
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(import_checks, "ProcessPoolExecutor", Pool)
    reports = []
    for name, workers in (("here", "1"), ("workers", "2")):
        monkeypatch.setenv("STUDIO_IMPORT_WORKERS", workers)
        monkeypatch.setattr(import_checks, "WORKERS_FROM_BYTES", 0)
        cli.ws = tmp_path / name
        assert cli("init", "--no-seed")[0] == 0
        reports.append({k: v for k, v in cli.json("import", str(path), "--no-judge").items() if k != "run"})
    if import_checks.workers_for(1):  # more than one core: the second import was checked in two workers
        assert len(pools) == 3 and sum(len(chunk) for chunk in pools) == len(lines)
    assert reports[0] == reports[1] and reports[0]["samples"] == len(lines) and reports[0]["failing"] > 0
    assert _store_of(tmp_path / "here") == _store_of(tmp_path / "workers")
    assert set(reports[0]["pii"]["by_kind"]) == {"phone"}
    stored = json.dumps(_store_of(tmp_path / "workers"), ensure_ascii=False, default=str)
    assert "[电话]" in stored and "13812345678" not in stored


def test_chunks_read_while_the_workers_start_are_checked_here_when_the_workers_are_lost(cli, tmp_path: Path,
                                                                                        monkeypatch) -> None:
    """The importer reads on while its workers start; when they cannot take the chunks that waited
    meanwhile (lost as they start), each is checked in the importer's own process instead."""
    from concurrent.futures.process import BrokenProcessPool

    from studio.export import import_checks

    lines = [_line(k) for k in range(3 * CHUNK + 10)]
    path = tmp_path / "lost.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    handed = []

    class LostPool(import_checks.ProcessPoolExecutor):  # type: ignore[misc, name-defined]
        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            handed.append(args[1])
            raise BrokenProcessPool("a worker died as it started")

    monkeypatch.setattr(import_checks, "ProcessPoolExecutor", LostPool)
    monkeypatch.setattr(import_checks, "WORKERS_FROM_BYTES", 0)
    reports = []
    for name, workers in (("here", "1"), ("lost", "2")):
        monkeypatch.setenv("STUDIO_IMPORT_WORKERS", workers)
        cli.ws = tmp_path / name
        assert cli("init", "--no-seed")[0] == 0
        reports.append({k: v for k, v in cli.json("import", str(path), "--no-judge").items() if k != "run"})
    if import_checks.workers_for(1):  # more than one core: the second import tried its workers first
        assert handed and len(handed[0]) == CHUNK
    assert reports[0] == reports[1] and reports[0]["samples"] == len(lines)
    assert _store_of(tmp_path / "here") == _store_of(tmp_path / "lost")


def test_chunks_handed_to_workers_that_are_then_lost_are_checked_here(cli, tmp_path: Path, monkeypatch) -> None:
    """The chunks read while the workers start wait for them; when the first chunk's worker dies, the
    workers are given up and the chunks handed to them meanwhile (cancelled) are checked in the
    importer's own process; the import is the same."""
    import time
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from studio.export import import_checks

    lines = [_line(k) for k in range(4 * CHUNK + 10)]
    path = tmp_path / "vanishing.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cancelled = []

    class Vanishing:  # no processes: the first worker starts slowly and dies, the rest wait until given up
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            self.handed: list[Future] = []  # type: ignore[type-arg]

        def submit(self, *args, **kwargs) -> Future:  # type: ignore[no-untyped-def, type-arg]
            future: Future = Future()  # type: ignore[type-arg]
            if not self.handed:
                time.sleep(0.5)  # the importer reads on meanwhile: its chunks wait for the workers
                future.set_exception(BrokenProcessPool("a worker died"))
            self.handed.append(future)
            return future

        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            cancelled.extend(f for f in self.handed if cancel_futures and f.cancel())

    monkeypatch.setattr(import_checks, "ProcessPoolExecutor", Vanishing)
    reports = []
    for name, workers in (("here", 0), ("vanishing", 2)):
        monkeypatch.setattr(import_checks, "workers_for", lambda size, n=workers: n)
        cli.ws = tmp_path / name
        assert cli("init", "--no-seed")[0] == 0
        reports.append({k: v for k, v in cli.json("import", str(path), "--no-judge").items() if k != "run"})
    assert cancelled  # chunks were handed to the workers before they were given up
    assert reports[0] == reports[1] and reports[0]["samples"] == len(lines)
    assert _store_of(tmp_path / "here") == _store_of(tmp_path / "vanishing")
