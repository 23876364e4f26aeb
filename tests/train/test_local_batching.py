"""A local model answers requests that arrive together as one left-padded batch, and streams one that
comes alone; both give the same greedy answer, cut at the end of the JSON object."""

from __future__ import annotations

import asyncio

import pytest

from studio.llm.base import ChatRequest, ChatResult, Delta, Message
from studio.llm.local_model import TransformersProvider

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = [pytest.mark.train]

CORPUS = ['{"Reply": "Hello! What do you like to read?", "Suggestion": ["I like books.", "I read comics.", '
          '"I love poems."], "Analysis": "很好"}', "teacher: hi\nstudent: I like reading books very much."] * 20


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):  # type: ignore[no-untyped-def]
    from studio.train.tiny import build_tiny_model

    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), CORPUS))


def _ask(provider: TransformersProvider, text: str):  # type: ignore[no-untyped-def]
    async def go() -> tuple[list[str], ChatResult]:
        pieces, result = [], None
        async for event in provider.stream(ChatRequest([Message("user", text)])):
            if isinstance(event, Delta):
                pieces.append(event.text)
            else:
                result = event
        assert result is not None
        return pieces, result
    return go()


def test_together_they_are_one_batch_alone_it_streams(tiny) -> None:  # type: ignore[no-untyped-def]
    prompts = ["teacher: hi\nstudent: I like books.", "student: reading", "teacher: What do you like to read?"]
    provider = TransformersProvider("tiny", tiny, max_new_tokens=24, batch=8)

    async def together():  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(_ask(provider, p) for p in prompts))

    batched = asyncio.run(together())
    alone = [asyncio.run(_ask(TransformersProvider("tiny", tiny, max_new_tokens=24, batch=8), p)) for p in prompts]
    for (b_pieces, b_result), (a_pieces, a_result) in zip(batched, alone, strict=True):
        assert b_result.text == a_result.text == "".join(a_pieces) == "".join(b_pieces)
        assert b_result.usage.tokens_in == a_result.usage.tokens_in, "padding is not counted as input"
        assert len(b_pieces) <= 1, "a batched answer arrives whole"
    assert any(len(p) > 1 for p, _ in alone), "an answer asked alone streams piece by piece"


def test_a_failure_reaches_every_caller_of_the_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    provider = TransformersProvider("gone", str(tmp_path / "nothing-here"), batch=4)

    async def together():  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(_ask(provider, "hi") for _ in range(3)), return_exceptions=True)

    errors = asyncio.run(together())
    assert len(errors) == 3 and all("no model folder" in str(e) for e in errors)
