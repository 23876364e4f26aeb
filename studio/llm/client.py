"""The client the rest of the studio calls: limits, retries, the response cache and the ledger."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from studio.domain import CachedResponse, CallRecord
from studio.llm.base import ChatRequest, ChatResult, Delta, Provider, Restart, StreamEvent, Usage
from studio.llm.errors import LLMError, Transient
from studio.llm.limits import Clock, Limiter
from studio.llm.prices import UNKNOWN, Price
from studio.store import Store

log = logging.getLogger("studio.llm")


@dataclass
class CallContext:
    run_id: str | None = None
    dialogue_id: str | None = None
    turn_index: int | None = None
    role: str = ""
    purpose: str = ""  # the ledger's mark: "first answer", "repair", "judge", "student", "expand"…


@dataclass
class RetryPolicy:
    attempts: int = 5  # the first try and up to four retries
    base_s: float = 1.0
    max_s: float = 60.0

    def delay(self, attempt: int, exc: BaseException | None, rng: random.Random) -> float:
        """Honour ``Retry-After``; otherwise exponential backoff with full jitter on top."""
        if isinstance(exc, LLMError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_s)
        expo = min(self.max_s, self.base_s * 2 ** (attempt - 1))
        return min(self.max_s, expo + rng.uniform(0, self.base_s))


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, LLMError) and exc.retryable


class LLMClient:
    """One provider profile, shared by every task of a run.

    A fatal error (auth, quota) halts the client: every later call fails at once with the same
    error instead of hammering the API.
    """

    def __init__(self, provider: Provider, *, store: Store | None = None, limiter: Limiter | None = None,
                 retry: RetryPolicy | None = None, price: Price = UNKNOWN, clock: Clock | None = None,
                 scrub: Callable[[str], str] = lambda s: s, seed: int | None = None) -> None:
        self.provider = provider
        self.store = store
        self.clock = clock or Clock()
        self.limiter = limiter or Limiter(8, clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.price = price
        self.scrub = scrub
        self.halted: LLMError | None = None
        self._rng = random.Random(seed)

    @property
    def name(self) -> str:
        return self.provider.name

    # -- ledger and cache ---------------------------------------------------------------------
    def _cached(self, key: str) -> ChatResult | None:
        if self.store is None:
            return None
        hit = self.store.responses.get(key)
        if hit is None:
            return None
        return ChatResult(text=hit.text, usage=Usage(hit.tokens_in, hit.tokens_out), finish_reason=hit.finish_reason,
                          model=hit.model, cached=True)

    def _record(self, ctx: CallContext, key: str, *, result: ChatResult | None = None,
                error: LLMError | None = None, attempts: int = 1) -> None:
        if self.store is None:
            return
        record = CallRecord(run_id=ctx.run_id, dialogue_id=ctx.dialogue_id, turn_index=ctx.turn_index, role=ctx.role,
                            purpose=ctx.purpose, provider=self.provider.name, model=self.provider.model,
                            request_hash=key, attempts=attempts)
        if result is not None:
            result.call_id = record.id
            record.outcome = "cached" if result.cached else "ok"
            record.tokens_in, record.tokens_out = result.usage.tokens_in, result.usage.tokens_out
            record.latency_s = result.latency_s
            record.first_token_s = result.first_token_s
            record.model = result.model or record.model
            if not result.cached:
                record.cost = self.price.cost(result.usage.tokens_in, result.usage.tokens_out)
            record.currency = self.price.currency
            self.store.responses.put(CachedResponse(id=key, text=result.text, tokens_in=result.usage.tokens_in,
                                                    tokens_out=result.usage.tokens_out,
                                                    finish_reason=result.finish_reason, model=record.model))
        if error is not None:
            record.outcome = "error"
            record.error_kind = error.kind
            record.error = self.scrub(str(error))
        self.store.calls.put(record)

    def _guard(self) -> None:
        if self.halted is not None:
            raise self.halted

    def _scrubbed(self, exc: LLMError) -> LLMError:
        own = getattr(self.provider, "scrub", None)
        exc.message = self.scrub(own(exc.message) if own else exc.message)
        return exc

    def _fail(self, exc: LLMError) -> LLMError:
        self._scrubbed(exc)
        log.warning("call to %s failed: %s", self.provider.name, exc)
        if exc.fatal:
            self.halted = exc
        return exc

    def _before_retry(self, attempt: int, exc: BaseException | None, delay: float) -> None:
        if isinstance(exc, LLMError):
            log.info("retrying %s (attempt %d) in %.1f s after %s", self.provider.name, attempt + 1, delay,
                     self._scrubbed(exc))

    def _wait(self, state) -> float:  # type: ignore[no-untyped-def]
        exc = state.outcome.exception() if state.outcome else None
        delay = self.retry.delay(state.attempt_number, exc, self._rng)
        self._before_retry(state.attempt_number, exc, delay)
        return delay

    # -- calls --------------------------------------------------------------------------------
    async def chat(self, request: ChatRequest, ctx: CallContext | None = None, *, use_cache: bool = True) -> ChatResult:
        ctx = ctx or CallContext()
        self._guard()
        key = request.hash(self.provider.kind, self.provider.model)
        if use_cache and (hit := self._cached(key)):
            self._record(ctx, key, result=hit)
            return hit
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable), sleep=self.clock.sleep, reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    self._guard()
                    async with self.limiter.slot(request.estimate_tokens()) as correct:
                        result = await self.provider.chat(request)
                        correct(result.usage.tokens_in + result.usage.tokens_out)
        except LLMError as exc:
            error = self._fail(exc)
            self._record(ctx, key, error=error, attempts=attempts)
            raise error from None
        self._record(ctx, key, result=result, attempts=attempts)
        return result

    async def stream(self, request: ChatRequest, ctx: CallContext | None = None, *,
                     use_cache: bool = True) -> AsyncIterator[StreamEvent]:
        """Yield Delta pieces, a Restart when a retry begins, and finally the ChatResult."""
        ctx = ctx or CallContext()
        self._guard()
        key = request.hash(self.provider.kind, self.provider.model)
        if use_cache and (hit := self._cached(key)):
            self._record(ctx, key, result=hit)
            yield Delta(hit.text)
            yield hit
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                self._guard()
                result = None
                async with self.limiter.slot(request.estimate_tokens()) as correct:
                    async for event in self.provider.stream(request):
                        if isinstance(event, ChatResult):
                            result = event
                            correct(event.usage.tokens_in + event.usage.tokens_out)
                        else:
                            yield event
                if result is None:
                    raise Transient("the stream gave no final result", provider=self.provider.name)
            except LLMError as exc:
                if not exc.retryable or attempt >= self.retry.attempts:
                    error = self._fail(exc)
                    self._record(ctx, key, error=error, attempts=attempt)
                    raise error from None
                delay = self.retry.delay(attempt, exc, self._rng)
                self._before_retry(attempt, exc, delay)
                yield Restart(str(exc))
                await self.clock.sleep(delay)
                continue
            self._record(ctx, key, result=result, attempts=attempt)
            yield result
            return

    async def aclose(self) -> None:
        await self.provider.aclose()
