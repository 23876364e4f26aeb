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


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny",
                            ["a tiny corpus for a tiny model, said again and again. " * 30])


@pytest.mark.xdist_group("heavy")
def test_a_timed_out_local_model_call_ends_the_command_cleanly(ready_cli, model) -> None:
    config = ready_cli.ws / "config.toml"
    config.write_text(config.read_text() + PROFILE.format(model=model))
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws), "providers", "check",
                          "tiny"], cwd=REPO, capture_output=True, text=True, timeout=600)
    said = out.stdout + out.stderr
    assert out.returncode == 1, said[-800:]  # a failed check, not a signal (SIGABRT is -6)
    assert "timeout" in said and "terminate called" not in said


@pytest.mark.xdist_group("heavy")
def test_a_timed_out_local_model_call_stops_generating(model, monkeypatch) -> None:
    """The call gives up; its generation stops at the next token instead of running to max_new_tokens."""
    import asyncio

    from studio.llm import local_model
    from studio.llm.base import ChatRequest, Message
    from studio.llm.client import CallLimits, LLMClient, RetryPolicy
    from studio.llm.errors import DeadlineExceeded

    made: list[int] = []
    real = local_model._answer

    def counted(tokenizer, new_ids):  # type: ignore[no-untyped-def]
        made.append(len(new_ids))
        return real(tokenizer, new_ids)

    monkeypatch.setattr(local_model, "_answer", counted)
    local_model.load(str(model))  # loaded before the clock starts
    provider = local_model.TransformersProvider("tiny", str(model), max_new_tokens=400)
    client = LLMClient(provider, limits=CallLimits(deadline_s=0.2), retry=RetryPolicy(attempts=1))

    async def ask() -> None:
        with pytest.raises(DeadlineExceeded):
            await client.chat(ChatRequest([Message("user", "say something long " * 20)]))

    asyncio.run(ask())  # returns once the generating thread has ended
    assert made and made[0] < 400, f"{made}: the generation ran on after the call gave up"
