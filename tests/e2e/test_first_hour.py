"""A newcomer's first hour, CLI path, exactly as the README's tutorial gives it: generate, export,
a tiny local fine-tune on CPU, evaluate it against the offline teacher, read the comparison (the
end-to-end test of export → local fine-tune → eval runs → report, with the tuned model's lineage).
Needs the train extra for the fine-tune half."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

TUTORIAL = [
    "studio init",
    "studio generate --dialogues 60",
    "studio export --format openai --split 0.8",
    "studio train tiny-model tiny --snapshot {snapshot}",
    "studio train start --snapshot {snapshot} --base-model tiny --method full --lr 1e-3 --max-steps 60 --batch-size 4 --max-length 1024",
    "studio eval make --n 10 --snapshot {snapshot}",
    "studio eval run --model job:{job}",
    "studio eval run --model offline",
    "studio eval report",
]


def tutorial_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Your first hour")
    return text[start:text.index("\n## ", start + 5)]


def test_the_readme_gives_these_commands() -> None:
    block = tutorial_block()
    for command in TUTORIAL:
        pattern = re.escape(command).replace(r"\{snapshot\}", "s-…").replace(r"\{job\}", "j-…")
        assert re.search(pattern, block), f"the README's tutorial lacks: {command}"


def run(ws: Path, cwd: Path, command: str) -> str:
    args = command.split()[1:]
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=cwd, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, f"{command}\n{out.stdout}\n{out.stderr}"
    return out.stdout + out.stderr


@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
def test_first_hour_cli_path(tmp_path) -> None:
    pytest.importorskip("trl", reason="the fine-tune half needs the train extra")
    ws = tmp_path / "ws"
    ids: dict[str, str] = {}
    outputs = []
    for template in TUTORIAL:
        command = template.format(**ids)
        text = run(ws, tmp_path, command)
        outputs.append(text)
        if m := re.search(r"snapshot (s-[0-9a-z]+)", text):
            ids.setdefault("snapshot", m.group(1))
        if m := re.search(r"job (j-[0-9a-z]+) queued", text):
            ids["job"] = m.group(1)
    assert "60/60" in outputs[1] or "60 dialogues" in outputs[1]
    fits = re.search(r"the longest sample fits in (\d+) tokens", outputs[3])
    assert fits and int(fits.group(1)) <= 1024, f"the tutorial's --max-length 1024 cuts samples: {outputs[3]}"
    report = outputs[-1]
    assert f"| job:{ids['job']} |" in report and "| offline |" in report
    assert "per fault" in report and f"tuned by job {ids['job']}" in report
    jobs = json.loads(run(ws, tmp_path, "studio train list --json"))
    losses = [m["loss"] for m in jobs[0]["metrics"] if m["loss"] is not None]
    assert jobs[0]["status"] == "succeeded" and losses[-1] < losses[0] and jobs[0]["result"]["output_dir"]
    # The two eval runs as JSON: every item answered and timed, the tuned run traced to its snapshot.
    runs = {r["model"]: r for r in json.loads(run(ws, tmp_path, "studio eval report --json"))["runs"]}
    tuned, offline = runs[f"job:{ids['job']}"], runs["offline"]
    assert tuned["items"] == offline["items"] == 10 and tuned["errors"] == 0 and tuned["latency_p50_s"] > 0
    snapshot_hash = re.search(rf"snapshot {ids['snapshot']} \(([0-9a-f]{{12}})\)", outputs[2])
    assert snapshot_hash, outputs[2]
    assert tuned["lineage"]["snapshot"] == ids["snapshot"]
    assert tuned["lineage"]["snapshot_hash"].startswith(snapshot_hash.group(1))
    assert offline["scores"]["compliance"] > tuned["scores"]["compliance"] or tuned["json_valid"] < 1, \
        "a 60-step tiny model does not match the simulator"


def test_errors_say_what_to_do_next(tmp_path) -> None:
    ws = tmp_path / "ws"
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), "generate", "-n", "2"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "studio init" in out.stderr
    run(ws, tmp_path, "studio init")
    for args, hint in ((["eval", "run", "--model", "offline"], "studio eval make"),
                       (["train", "tiny-model", "t"], "studio export"),
                       (["eval", "report"], "studio eval run"),
                       (["train", "show", "j-x"], "studio train list")):
        out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], capture_output=True,
                             text=True)
        assert out.returncode != 0 and hint in out.stderr, (args, out.stderr)
