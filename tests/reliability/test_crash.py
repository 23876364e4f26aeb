"""SIGKILL during an export, an import and edit saves (generation: tests/synth/test_kill_resume.py):
the store always loads, nothing reported done is lost, and a half-done operation leaves no trace."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from studio.store import Store
from studio.synth import review

REPO = Path(__file__).resolve().parents[2]


def cli(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


def kill_when(args: list[str], ready: Callable[[subprocess.Popen[str]], bool], limit: float = 300) -> int:
    """Start ``args`` and SIGKILL it as soon as ``ready(proc)`` holds (polled), unless it ends first."""
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    reader.start()
    proc.said = lines  # type: ignore[attr-defined]
    deadline = time.monotonic() + limit
    while proc.poll() is None and not ready(proc) and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    code = proc.wait()
    reader.join()
    return code


def has_open(path: Path) -> Callable[[subprocess.Popen[str]], bool]:
    """The process has ``path`` open: it is reading it."""
    def ready(proc: subprocess.Popen[str]) -> bool:
        try:
            fds = list(Path(f"/proc/{proc.pid}/fd").iterdir())
        except OSError:
            return False
        for fd in fds:
            try:
                if os.readlink(fd) == str(path):
                    return True
            except OSError:
                continue
        return False
    return ready


def said(words: str) -> Callable[[subprocess.Popen[str]], bool]:
    return lambda proc: any(words in line for line in proc.said)  # type: ignore[attr-defined]


def made(tmp_path: Path, n: int = 60) -> Path:
    ws = tmp_path / "ws"
    assert cli(ws, "init").returncode == 0
    assert cli(ws, "generate", "-n", str(n)).returncode == 0
    return ws


def test_kill_during_export_leaves_only_complete_snapshots(tmp_path) -> None:
    ws = made(tmp_path)
    exports = ws / "exports"

    def partial(*names: str) -> Callable[[subprocess.Popen[str]], bool]:  # a hidden folder being written holds names
        return lambda _: any(all((f / n).exists() for n in names) for f in exports.glob(".*.partial-*"))

    def published(before: set[str]) -> Callable[[subprocess.Popen[str]], bool]:  # renamed into place, not yet stored
        return lambda _: bool({f.name for f in exports.iterdir() if not f.name.startswith(".")} - before)

    exports.mkdir(exist_ok=True)
    for moment in (partial(), partial("train.jsonl"), partial("eval.jsonl"), partial("manifest.json"), published):
        ready = moment({f.name for f in exports.iterdir()}) if moment is published else moment
        kill_when([sys.executable, "-m", "studio", "--workspace", str(ws), "export", "--format", "openai",
                   "--split", "0.8"], ready)
    with Store(ws) as store:
        for snap in store.snapshots.all():  # a snapshot on record has every file, whole
            for f in snap.files:
                lines = Path(f).read_text(encoding="utf-8").splitlines()
                assert lines and all(json.loads(x) for x in lines)
    assert cli(ws, "export", "--format", "openai").returncode == 0, "a later export works"
    folders = [f for f in (ws / "exports").iterdir()]
    assert all(f.name.startswith(".") or (f / "manifest.json").exists() for f in folders), "no half exports"
    assert not [f for f in folders if ".partial-" in f.name], "a later export clears what killed ones left"


def test_an_export_that_dies_midway_leaves_no_visible_folder(tmp_path, monkeypatch) -> None:
    from studio.export import export as exporting

    ws = made(tmp_path, 6)
    written: list[str] = []
    real = exporting.atomic_write

    def dies_after_one(path, payload) -> None:
        if written:
            raise KeyboardInterrupt  # the process stops between two files
        written.append(str(path))
        real(path, payload)

    monkeypatch.setattr(exporting, "atomic_write", dies_after_one)
    from studio.cli import main

    try:
        main(["--workspace", str(ws), "export", "--format", "openai", "--split", "0.5"])
    except KeyboardInterrupt:
        pass
    assert written and not [f for f in (ws / "exports").iterdir() if not f.name.startswith(".")]


def test_kill_during_import_is_all_or_nothing(tmp_path) -> None:
    ws = made(tmp_path, 80)
    assert cli(ws, "export", "--format", "qianfan", "--out", str(tmp_path / "out")).returncode == 0
    other = tmp_path / "other"
    assert cli(other, "init").returncode == 0
    source = tmp_path / "out" / "train.jsonl"
    outcomes = set()
    # killed while it reads the file (before anything is stored), then once the dialogues are stored (while the
    # off-topic judging that follows runs), then left to finish
    for moment in (has_open(source), has_open(source), said("browsable now"), lambda _: False):
        code = kill_when([sys.executable, "-m", "studio", "--workspace", str(other), "import", str(source)], moment)
        with Store(other) as store:
            count = store.dialogues.count()
        outcomes.add(count)
        if code == 0:
            break
    expected = len((tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines())
    assert all(c in (0, max(outcomes)) for c in outcomes), f"an import landed partly: {outcomes}"
    assert 0 in outcomes and max(outcomes) > 0, f"killed both before and after the store was written: {outcomes}"
    out = cli(other, "import", str(tmp_path / "out" / "train.jsonl"))  # completes, or adds nothing if it had
    assert out.returncode == 0, out.stderr
    with Store(other) as store:
        assert len([r for r in review.all_rows(store) if r.weight]) == expected


EDITOR = """
import sys, random
from studio.store import Store
from studio.synth import review
with Store(sys.argv[1]) as store:
    keys = [r.key for r in review.all_rows(store)]
    rng = random.Random(int(sys.argv[2]))
    n = 0
    while True:
        key = rng.choice(keys)
        raw = '{"Reply": "Edit %d. What else?", "Suggestion": ["I like it.", "Yes.", "Maybe."], "Analysis": "好。"}' % n
        review.edit_answer(store, key, raw, "crash-test")
        print(key, n, flush=True)
        n += 1
"""


def test_kill_during_edit_saves_keeps_every_reported_edit(tmp_path) -> None:
    ws = made(tmp_path, 20)
    for seed in range(3):
        proc = subprocess.Popen([sys.executable, "-c", EDITOR, str(ws), str(seed)], cwd=REPO, stdout=subprocess.PIPE,
                                text=True)
        reported: dict[str, int] = {}
        deadline = time.monotonic() + random.Random(seed).uniform(0.5, 1.5)
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if line:
                key, n = line.split()
                reported[key] = int(n)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(ws) as store:
            for key, n in reported.items():
                _, _, turn = review.load_sample(store, key)
                last = int(turn.raw.split("Edit ")[1].split(".")[0])
                assert last >= n, f"{key}: edit {n} was reported saved, the store has {last}"
                assert turn.edits and turn.edits[-1].after == turn.raw, "history and answer agree"
