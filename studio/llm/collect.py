"""The one stream collector: read a streamed answer to its final ChatResult, reporting the text so far."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from studio.llm.base import ChatRequest, ChatResult, Delta, Restart, StreamEvent
from studio.llm.client import CallContext, LLMClient


class StreamEnded(RuntimeError):
    """The stream closed without a final answer."""


async def follow(client: LLMClient, request: ChatRequest, ctx: CallContext, *,
                 use_cache: bool = True) -> AsyncIterator[StreamEvent]:
    """The stream's events for a caller that shows them as they come: Delta pieces, a Restart when a
    retry begins (discard the text so far), and last the ChatResult; StreamEnded if none comes."""
    async for event in client.stream(request, ctx, use_cache=use_cache):
        yield event
        if isinstance(event, ChatResult):
            return
    raise StreamEnded("the stream ended without an answer")


async def collect(client: LLMClient, request: ChatRequest, ctx: CallContext, *, use_cache: bool = True,
                  on_text: Callable[[str], None] | None = None) -> ChatResult:
    """Stream ``request`` and return its ChatResult; ``on_text`` gets the whole text so far after
    every piece (a retried stream restarts it from empty)."""
    text = ""
    async for event in follow(client, request, ctx, use_cache=use_cache):
        if isinstance(event, Restart):
            text = ""
        elif isinstance(event, Delta):
            text += event.text
        else:
            return event
        if on_text is not None:
            on_text(text)
    raise StreamEnded("the stream ended without an answer")
