from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.workspaces import seeded_workspace

REPO = Path(__file__).resolve().parents[2]


def studio(ws_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws_root), *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


@pytest.fixture
def exported(tmp_path):
    """A workspace with 20 generated dialogues and an OpenAI-chat export (topic-disjoint eval split)."""
    ws = seeded_workspace(tmp_path / "ws")
    ws.close()
    out = studio(tmp_path / "ws", "generate", "--dialogues", "20")
    assert out.returncode == 0, out.stderr
    out = studio(tmp_path / "ws", "export", "--format", "openai", "--split", "0.8", "--json")
    assert out.returncode == 0, out.stderr
    import json

    snapshot = json.loads(out.stdout)["snapshot"]
    return tmp_path / "ws", snapshot
