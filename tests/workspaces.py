"""Workspaces for tests and benchmarks: seeded, with extra config appended."""

from __future__ import annotations

from pathlib import Path

from studio.synth.topics import seed_topics
from studio.workspace import Workspace, open_workspace


def seeded_workspace(path: Path, extra_config: str = "") -> Workspace:
    ws = open_workspace(path, create_missing=True)
    if extra_config:
        ws.close()
        (path / "config.toml").write_text((path / "config.toml").read_text() + extra_config)
        ws = open_workspace(path)
    seed_topics(ws.store)
    return ws
