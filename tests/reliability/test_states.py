"""Honest states and refusals: a run that cannot finish is never `succeeded` and exits non-zero;
a killed run shows `interrupted`; an empty or truncated store is refused (exit 2, untouched, the
newest good copy offered); odd paths give one line; every flag is checked by name (exit 1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.domain import RunStatus
from studio.workspace import open_workspace

REPO = Path(__file__).resolve().parents[2]

DEAD = """
[providers.dead]
kind = "openai"
model = "m"
base_url = "http://127.0.0.1:9/v1"
retries = 0
timeout = 2
"""


def test_a_run_that_cannot_finish_fails_and_its_resumes_never_succeed(ready_cli) -> None:
    (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text() + DEAD)
    code, out, _ = ready_cli("generate", "-n", "3", "--teacher", "dead", "--student", "dead", "--json")
    first = json.loads(out)
    assert code == 1 and first["status"] == "failed" and first["completed"] == 0
    for _ in range(2):
        code, out, err = ready_cli("generate", "--resume", first["id"])
        assert code != 0 and "succeeded" not in out, out + err
        assert "0/3" in out
    with open_workspace(ready_cli.ws) as ws:
        assert ws.store.runs.get(first["id"]).status == RunStatus.FAILED


def running_within(ws: Path, seconds: float) -> bool:
    """Whether a run of the workspace is ``running`` on disk (as another process reads it) in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open_workspace(ws) as workspace:
            if any(run.status == RunStatus.RUNNING for run in workspace.store.runs):
                return True
        time.sleep(0.1)
    return False


def test_a_killed_run_shows_interrupted_and_resumes(ready_cli) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws), "generate", "-n",
                             "400", "--seed", "5"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert running_within(ready_cli.ws, 120), "the run never became running"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    runs = ready_cli.json("runs")["runs"]
    assert [r["status"] for r in runs] == ["interrupted"]
    with open_workspace(ready_cli.ws) as ws:
        run = ws.store.runs.get(runs[0]["id"])
        assert run.status == RunStatus.INTERRUPTED and f"--resume {run.id}" in (run.error or "")


def test_partial_runs_exit_non_zero_and_same_seed_reruns_say_they_reused_answers(ready_cli) -> None:
    code, out, _ = ready_cli("generate", "-n", "4", "--seed", "2")
    assert code == 0 and "reused" not in out
    code, out, _ = ready_cli("generate", "-n", "4", "--seed", "2")  # a new run, the same seed
    assert code == 0 and "reused" in out and "cached answers" in out
    code, out, _ = ready_cli("generate", "-n", "6", "--seed", "3", "--max-calls", "5")
    assert code == 3 and "partial" in out and "raise the cap" in out


def test_an_empty_store_is_refused_untouched_with_the_newest_good_copy_offered(ready_cli) -> None:
    ready_cli("generate", "-n", "2")
    with open_workspace(ready_cli.ws) as ws:
        ws.store.storage.compact()  # a second snapshot: the first is kept as studio.json.bak
        ws.store.storage.compact()
    store = ready_cli.ws / "studio.json"
    store.write_bytes(b"")
    for args in (("info",), ("runs",), ("generate", "-n", "1")):
        code, _, err = ready_cli(*args)
        assert code == 2 and "is empty" in err and "studio.json.bak" in err, err
        assert store.read_bytes() == b""
    store.write_bytes((ready_cli.ws / "studio.json.bak").read_bytes()[:100])  # truncated
    code, _, err = ready_cli("info")
    assert code == 2 and "not valid JSON" in err and "studio.json.bak" in err
    assert len(store.read_bytes()) == 100


@pytest.mark.parametrize("make", ["store_dir", "config_dir", "journal_garbage"])
def test_odd_workspace_files_give_one_clear_line(ready_cli, make) -> None:
    ready_cli("generate", "-n", "1")
    ws = ready_cli.ws
    if make == "store_dir":
        (ws / "studio.json").unlink()
        (ws / "studio.json").mkdir()
    elif make == "config_dir":
        (ws / "config.toml").unlink()
        (ws / "config.toml").mkdir()
    else:
        with open(ws / "studio.json.journal", "ab") as fh:
            fh.write(b'{"ops": [["runs", 5]]}\n[1,2,3]\n{"ops": [["dialogues", "d-1", {"id": "d-1"}]]}\n')
    code, out, err = ready_cli("info")
    assert "Traceback" not in out + err
    if make == "journal_garbage":
        assert code == 0 and "damaged at line" in err
    else:
        assert code == 2 and err.count("\n") == 1 and ("studio.json" in err or "config.toml" in err), err


# Root ignores file permissions through its DAC capabilities; without them root is an ordinary owner,
# bound by the mode bits. The command runs in a process that drops them first (a no-op for other users).
WITHOUT_DAC = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
header, data = Header(0x20080522, 0), (Data * 2)()
if hasattr(libc, "capget"):  # Linux; elsewhere root is not what runs the suite
    assert libc.capget(ctypes.byref(header), data) == 0, ctypes.get_errno()
    dac = (1 << 1) | (1 << 2) | (1 << 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
    data[0].effective &= ~dac
    data[0].permitted &= ~dac
    data[0].inheritable &= ~dac
    assert libc.capset(ctypes.byref(header), data) == 0, ctypes.get_errno()
from studio.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_read_only_workspace_gives_one_clear_line(ready_cli) -> None:
    ready_cli("generate", "-n", "1")
    before = (ready_cli.ws / "studio.json").read_bytes()
    for folder, _, files in os.walk(ready_cli.ws):  # the whole workspace read-only, as a read-only disk or copy
        os.chmod(folder, 0o555)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
    try:
        out = subprocess.run([sys.executable, "-c", WITHOUT_DAC, "--workspace", str(ready_cli.ws), "generate", "-n",
                              "1"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                             text=True, check=False, timeout=300)
    finally:
        for folder, _, files in os.walk(ready_cli.ws):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert str(ready_cli.ws) in out.stderr, out.stderr
    assert (ready_cli.ws / "studio.json").read_bytes() == before


@pytest.mark.parametrize("args, flag", [
    (("--dialogues", "0"), "--dialogues"),
    (("--dialogues", str(10**12)), "--dialogues"),
    (("--max-cost", "-1"), "--max-cost"),
    (("--max-cost", "0"), "--max-cost"),
    (("--max-calls", "0"), "--max-calls"),
    (("--seed", "1e23"), "--seed"),
    (("--turns", "0"), "--turns"),
    (("--concurrency", "0"), "--concurrency"),
    (("--repairs", "-1"), "--repairs"),
])
def test_every_generate_flag_is_checked_by_name_with_exit_1(ready_cli, args, flag) -> None:
    code, out, err = ready_cli("generate", *args)
    assert code == 1 and flag in err and "Traceback" not in err and "http" not in err, err


def test_usage_errors_exit_1(ready_cli) -> None:
    code, _, err = ready_cli("no-such-command")
    assert code == 1 and "invalid choice" in err
    code, _, _ = ready_cli("--help")
    assert code == 0


def test_out_pointing_at_a_file_gives_one_line(ready_cli, tmp_path) -> None:
    ready_cli("generate", "-n", "2")
    target = tmp_path / "a-file"
    target.write_text("x")
    code, out, err = ready_cli("export", "--format", "openai", "--out", str(target))
    assert code in (1, 2) and "Traceback" not in out + err and "a-file" in err, err
    assert target.read_text() == "x"
