"""A local model call that runs past its deadline fails as a timeout, and the command ends cleanly:
the generation stops at its next token (never an interpreter abort from a thread left running).
Needs the train extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studio.train.tiny import build_tiny_model

pytest.importorskip("transformers", reason="the train extra is not installed")
pytestmark = pytest.mark.train

REPO = Path(__file__).resolve().parents[2]
PROFILE = """
[providers.tiny]
kind = "transformers"
model = "{model}"
timeout = 0.2
deadline = 0.3
retries = 0
"""


@pytest.mark.xdist_group("heavy")
def test_a_timed_out_local_model_call_ends_the_command_cleanly(ready_cli, tmp_path) -> None:
    model = build_tiny_model(tmp_path / "tiny", ["a tiny corpus for a tiny model, said again and again. " * 30])
    config = ready_cli.ws / "config.toml"
    config.write_text(config.read_text() + PROFILE.format(model=model))
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws), "providers", "check",
                          "tiny"], cwd=REPO, capture_output=True, text=True, timeout=600)
    said = out.stdout + out.stderr
    assert out.returncode == 1, said[-800:]  # a failed check, not a signal (SIGABRT is -6)
    assert "timeout" in said and "terminate called" not in said
