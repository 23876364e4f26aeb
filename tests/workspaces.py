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


def openai_profiles(base: str, **models: str) -> str:
    """Config lines for OpenAI-compatible provider profiles at ``base`` (a loopback server), one per
    ``name=model``, with no retries: ``openai_profiles(server.base, judge="judge-over-http")``."""
    return "".join(f'\n[providers.{name}]\nkind = "openai"\nmodel = "{model}"\nbase_url = "{base}/v1"\nretries = 0\n'
                   for name, model in models.items())
