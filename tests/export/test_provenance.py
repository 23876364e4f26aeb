"""Exports name who wrote their teacher and student turns; offline-simulator data is flagged."""

from __future__ import annotations

import json
from pathlib import Path

from studio.cli import main
from studio.domain import DatasetSnapshot
from studio.export.provenance import offline_warning


def studio(capsys, ws: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_records_providers_and_warns_on_offline_data(tmp_path, capsys) -> None:
    ws = tmp_path / "ws"
    assert studio(capsys, ws, "init")[0] == 0
    assert studio(capsys, ws, "generate", "-n", "4")[0] == 0
    code, out, err = studio(capsys, ws, "export", "--format", "openai", "--json")
    assert code == 0
    assert "warning: All of this dataset's teacher answers" in err and "offline simulator" in err
    snapshot = json.loads(out)["snapshot"]
    manifest = json.loads((Path(snapshot["files"][0]).parent / "manifest.json").read_text(encoding="utf-8"))
    made = manifest["provenance"]
    # every exported line counted once: 16 teacher turns, less any slip the offline teacher left for review
    exported = sum(len(Path(f).read_text(encoding="utf-8").splitlines()) for f in snapshot["files"]
                   if f.endswith(".jsonl"))
    assert 12 <= exported <= 16
    assert made["teacher"] == [{"provider": "offline", "model": "offline-simulator", "samples": exported,
                                "offline": True}]
    assert made["samples"] == exported == made["offline_teacher_samples"]
    assert {r["provider"] for r in made["student"]} <= {"offline", "off-topic file"}
    assert snapshot["counts"]["provenance.teacher.offline"] == exported

    code, _, err = studio(capsys, ws, "train", "start", "--snapshot", snapshot["id"], "--base-model",
                          str(tmp_path / "no-model"), "--detach")
    assert "warning: All of this dataset's teacher answers" in err  # said before anything is queued
    assert code != 0 and "no-model" in err


def test_no_warning_for_model_data_and_old_snapshots_read_their_manifest(tmp_path) -> None:
    real = DatasetSnapshot(counts={"provenance.teacher.offline": 0, "provenance.teacher.total": 40,
                                   "provenance.student.offline": 0, "provenance.student.total": 30})
    assert offline_warning(real) is None
    mixed = DatasetSnapshot(counts={"provenance.teacher.offline": 10, "provenance.teacher.total": 40})
    assert offline_warning(mixed).startswith("10 of 40 of this dataset's teacher answers")  # type: ignore[union-attr]
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "train.jsonl").write_text("", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"provenance": {
        "samples": 8, "offline_teacher_samples": 8, "student_turns": 6, "offline_student_turns": 6}}), encoding="utf-8")
    old = DatasetSnapshot(files=[str(folder / "train.jsonl")], counts={"samples": 8})
    assert "and all of the student turns" in (offline_warning(old) or "")
    assert offline_warning(DatasetSnapshot(files=[str(tmp_path / "gone" / "train.jsonl")])) is None
