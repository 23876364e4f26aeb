from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workspaces import seeded_workspace

REPO = Path(__file__).resolve().parents[2]


def studio(ws_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws_root), *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def _exported_template(tmp_path_factory) -> tuple[Path, dict]:
    """A workspace with 20 generated dialogues and an OpenAI-chat export (topic-disjoint eval split),
    made once per session (the per-test isolation of ``_isolated`` is not there yet: set here)."""
    import json
    import os

    root = tmp_path_factory.mktemp("exported") / "ws"
    seeded_workspace(root).close()
    env = {**os.environ, "STUDIO_OFFTOPIC_LM": "off", "LANGUAGE": "en",
           "STUDIO_VERDICTS": str(root.parent / "verdicts.sqlite3")}
    for args in (("generate", "--dialogues", "20"), ("export", "--format", "openai", "--split", "0.8", "--json")):
        out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(root), *args], cwd=REPO,
                             capture_output=True, text=True, check=False, env=env)
        assert out.returncode == 0, out.stderr
    return root, json.loads(out.stdout)["snapshot"]


@pytest.fixture
def exported(tmp_path, _exported_template):
    """A copy of the session's exported workspace; its snapshot's files stay in the template's folder
    (read, never written, by the tests)."""
    template, snapshot = _exported_template
    shutil.copytree(template, tmp_path / "ws", ignore=shutil.ignore_patterns("studio.lock*"))
    return tmp_path / "ws", snapshot
