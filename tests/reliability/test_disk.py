"""A full disk or a read-only workspace during a flush, through the commands people run: a clear
error that names the file and the cause, exit code 2, and the last good store intact."""

from __future__ import annotations

import errno
import json
import os

import pytest

from studio.cli import main
from studio.store import Store
from studio.synth import review


@pytest.fixture
def ws(tmp_path):
    folder = tmp_path / "ws"
    assert main(["--workspace", str(folder), "init"]) == 0
    assert main(["--workspace", str(folder), "generate", "-n", "6"]) == 0
    return folder


def state(folder) -> dict:
    with Store(folder) as store:
        return {"dialogues": {d.id: d.model_dump(mode="json") for d in store.dialogues},
                "topics": sorted(t.text for t in store.topics), "runs": len(store.runs.all())}


@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")])
def test_import_onto_a_failing_disk(ws, tmp_path, monkeypatch, capsys, code, words) -> None:
    assert main(["--workspace", str(ws), "export", "--format", "qianfan", "--out", str(tmp_path / "out")]) == 0
    other = tmp_path / "other"
    assert main(["--workspace", str(other), "init"]) == 0
    before = state(other)
    capsys.readouterr()

    def failing(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing)
    assert main(["--workspace", str(other), "import", str(tmp_path / "out" / "train.jsonl")]) == 2
    err = capsys.readouterr().err
    assert words in err and "studio.json" in err, err
    monkeypatch.undo()
    assert state(other) == before, "the last good store is intact"


def test_generate_and_review_on_a_full_disk(ws, monkeypatch, capsys) -> None:
    before = state(ws)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    assert main(["--workspace", str(ws), "generate", "-n", "4", "--seed", "99"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    monkeypatch.undo()
    after = state(ws)
    assert {k: v for k, v in after["dialogues"].items() if k in before["dialogues"]} == before["dialogues"]
    with Store(ws) as store:
        key = review.all_rows(store)[0].key
        real = os.fsync
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "disk full")))
        with pytest.raises(Exception, match="disk full"):
            review.set_review(store, [key], review.ReviewStatus.APPROVED, "me")
        monkeypatch.setattr(os, "fsync", real)
    with Store(ws) as store:
        assert review.load_sample(store, key)[2].review.value == "pending"


def test_export_to_a_failing_disk_writes_no_snapshot(ws, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    code = main(["--workspace", str(ws), "export", "--format", "openai", "--out", str(tmp_path / "out")])
    assert code != 0 and "No space left on device" in capsys.readouterr().err
    monkeypatch.undo()
    with Store(ws) as store:
        assert store.snapshots.count() == 0
    assert main(["--workspace", str(ws), "export", "--format", "openai", "--out", str(tmp_path / "again")]) == 0
    assert json.loads((tmp_path / "again" / "manifest.json").read_text())["counts"]["samples"] > 0
