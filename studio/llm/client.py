"""The client the rest of the studio calls: limits, retries, the response cache and the ledger.

The call settings and the ledger, cache and budget work around each request live in
:mod:`studio.llm.client_base`; this module makes the calls (``chat``, ``stream``), with retries and limits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from studio.domain import CallRecord
from studio.llm.base import ChatRequest, ChatResult, Delta, Restart, StreamEvent
from studio.llm.budget import BudgetReached
from studio.llm.client_base import _CALL, CallContext, CallLimits, ClientBase, RetryPolicy
from studio.llm.errors import AnswerTooLarge, LLMError, Transient

__all__ = ["CallContext", "CallLimits", "LLMClient", "RetryPolicy"]

_END = object()


class LLMClient(ClientBase):
    """One provider profile, shared by every task of a run.

    A fatal error (auth, quota) halts the client: every later call fails at once with the same
    error instead of hammering the API. Every call is written to the ledger (``calls``) before
    its first request is sent, updated before each retry, and completed when it ends; an answer
    is saved in the response cache the moment it arrives, so a crash never buys it twice.
    With a ``budget``, each request reserves a call and its worst-case cost before it is sent.
    """

    # -- calls --------------------------------------------------------------------------------
    def _open(self, request: ChatRequest, ctx: CallContext | None,
              use_cache: bool) -> tuple[ChatRequest, CallContext, str, ChatResult | None]:
        """What chat and stream both do first: the request as sent, its key, and a replayed answer if any."""
        ctx = ctx or CallContext()
        self._guard()
        request = self.prepared(request)
        key = request.hash(self.provider.kind, self.provider.model,
                           with_task=getattr(self.provider, "reads_task", False))
        if hit := self._replay(key, ctx, use_cache):
            self._record_cached(ctx, key, hit)
            self._truncated(hit)
        return request, ctx, key, hit

    def _retry_after(self, record: CallRecord, reserved: float, exc: LLMError, attempt: int) -> float:
        """After a failed attempt: the wait before the next one, or the final error raised."""
        self._failed_attempt(record, reserved, exc.billed)
        if not exc.retryable or attempt >= self.retry.attempts:
            error = self._fail(exc)
            self._close_error(record, error)
            raise error from None
        delay = self.retry.delay(attempt, exc, self._rng)
        self._before_retry(attempt, exc, delay)
        return delay

    async def chat(self, request: ChatRequest, ctx: CallContext | None = None, *, use_cache: bool = True) -> ChatResult:
        request, ctx, key, hit = self._open(request, ctx, use_cache)
        if hit:
            return hit
        record = self._new_record(ctx, key)
        attempt = 0
        while True:
            attempt += 1
            self._guard()
            reserved = await self._sending(record, attempt, request)
            _CALL.set(record)
            try:
                async with self.limiter.slot(request.estimate_tokens()) as correct:
                    try:
                        async with asyncio.timeout(self.limits.deadline_s):
                            result = await self.provider.chat(request)
                    except TimeoutError:
                        raise self._deadline_error("no whole answer", self.limits.deadline_s or 0) from None
                    correct(result.usage.tokens_in + result.usage.tokens_out)
                self._check(result, request)
            except LLMError as exc:
                await self.clock.sleep(self._retry_after(record, reserved, exc, attempt))
                continue
            except BudgetReached as exc:
                self._close_budget(record, reserved, exc)
                raise
            except BaseException:
                self._close_cancelled(record, reserved)
                raise
            self._received(record, reserved, key, ctx, result, request)
            self._truncated(result)
            return result

    async def _attempt_stream(self, request: ChatRequest, keep: Callable[[ChatResult], None] | None = None
                              ) -> AsyncIterator[Delta | ChatResult]:
        """One streamed attempt under the call limits: the provider's stream runs in its own task, so
        a stalled or dripping server (keep-alive comments included) is cut off on time. ``keep`` gets
        the whole answer in that task, the moment it is complete (it is saved before any other task
        runs, so a kill an instant later does not buy it again)."""
        queue: asyncio.Queue[object] = asyncio.Queue()

        async def produce() -> None:
            try:
                async for event in self.provider.stream(request):
                    if keep is not None and isinstance(event, ChatResult):
                        keep(event)
                    queue.put_nowait(event)
                queue.put_nowait(_END)
            except Exception as exc:  # noqa: BLE001 - handed to the reader, which raises it
                queue.put_nowait(exc)

        loop = asyncio.get_running_loop()
        start = loop.time()
        first_by = start + self.limits.first_token_s if self.limits.first_token_s else None
        end_by = start + self.limits.deadline_s if self.limits.deadline_s else None
        size = 0
        task = asyncio.ensure_future(produce())
        try:
            while True:
                by = min((t for t in (first_by, end_by) if t is not None), default=None)
                try:
                    async with asyncio.timeout_at(by):
                        event = await queue.get()
                except TimeoutError:
                    if first_by is not None and by == first_by:
                        raise self._deadline_error("no first token", self.limits.first_token_s or 0) from None
                    raise self._deadline_error("no whole answer", self.limits.deadline_s or 0) from None
                if event is _END:
                    return
                if isinstance(event, BaseException):
                    raise event
                if isinstance(event, Delta):
                    if event.text:
                        first_by = None
                    size += len(event.text)
                    if size > self.limits.max_answer_chars:
                        raise AnswerTooLarge(f"the answer passed the limit of {self.limits.max_answer_chars} "
                                             "characters (max_answer_chars)", provider=self.provider.name)
                yield event  # type: ignore[misc]
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    async def stream(self, request: ChatRequest, ctx: CallContext | None = None, *,
                     use_cache: bool = True) -> AsyncIterator[StreamEvent]:
        """Yield Delta pieces, a Restart when a retry begins, and finally the ChatResult."""
        request, ctx, key, hit = self._open(request, ctx, use_cache)
        if hit:
            yield Delta(hit.text)
            yield hit
            return
        record = self._new_record(ctx, key)
        attempt = 0
        while True:
            attempt += 1
            self._guard()
            reserved = await self._sending(record, attempt, request)
            _CALL.set(record)
            kept: list[ChatResult] = []

            def keep(answer: ChatResult, reserved: float = reserved, kept: list[ChatResult] = kept) -> None:
                self._check(answer, request)
                self._received(record, reserved, key, ctx, answer, request)
                kept.append(answer)

            try:
                result = None
                async with self.limiter.slot(request.estimate_tokens()) as correct:
                    async for event in self._attempt_stream(request, keep):
                        if isinstance(event, ChatResult):
                            result = event
                            correct(event.usage.tokens_in + event.usage.tokens_out)
                        else:
                            yield event
                if result is None:
                    raise Transient("the stream gave no final result", provider=self.provider.name)
            except LLMError as exc:
                if not kept:
                    delay = self._retry_after(record, reserved, exc, attempt)
                    yield Restart(str(exc))
                    await self.clock.sleep(delay)
                    continue
                result = kept[0]  # the answer was whole and saved before the error: it stands
            except BudgetReached as exc:
                self._close_budget(record, reserved, exc)
                raise
            except BaseException:
                if not kept:
                    self._close_cancelled(record, reserved)
                raise
            self._truncated(result)
            yield result
            return

    async def aclose(self) -> None:
        await self.provider.aclose()
