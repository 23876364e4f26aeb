"""SIGKILL a writer at random moments: the store always loads and keeps every durable dialogue."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from studio.store import Store

REPO = Path(__file__).resolve().parents[2]


def run_and_kill(folder: Path, seed: int, after: float) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", str(folder), str(seed)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    reported: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.strip() == "ready":
                ready.set()
            else:
                reported.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(30), "writer did not start"
    time.sleep(after)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join(5)
    return reported


def test_sigkill_never_loses_a_durable_dialogue(tmp_path) -> None:
    rng = random.Random(20261125)
    durable: set[str] = set()
    for round_no in range(22):
        durable.update(run_and_kill(tmp_path, seed=round_no, after=rng.uniform(0.02, 0.4)))
        with Store(tmp_path) as store:  # must load, and must hold every reported dialogue
            present = {doc_id for doc_id, _ in store.dialogues.raw()}
            missing = durable - present
            assert not missing, f"round {round_no}: {len(missing)} durable dialogues lost"
            for doc_id in list(present)[:50]:
                store.dialogues.get(doc_id)  # each one still validates
    assert len(durable) > 100
