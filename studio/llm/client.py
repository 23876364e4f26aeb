"""The client the rest of the studio calls: limits, retries, the response cache and the ledger."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from studio.domain import CachedResponse, CallRecord
from studio.domain.pii import Tally
from studio.llm.base import (
    ChatRequest,
    ChatResult,
    Delta,
    Provider,
    Restart,
    StreamEvent,
    Usage,
)
from studio.llm.budget import Budget, BudgetReached, counted, worst_case_cost
from studio.llm.errors import AnswerTooLarge, DeadlineExceeded, LLMError, Transient, Truncated
from studio.llm.limits import Clock, Limiter
from studio.llm.prices import UNKNOWN, Price
from studio.llm.privacy import redacted
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


@dataclass
class CallLimits:
    """What one call may take: ``max_tokens`` for requests that set none, the time to the first
    streamed token, the whole call (connect, first token, full answer), and the answer's size."""

    max_tokens: int | None = None
    first_token_s: float | None = None
    deadline_s: float | None = None
    max_answer_chars: int = 200_000


_END = object()
#: The ledger row of the call under way in this task (a provider's own extra requests count on it).
_CALL: contextvars.ContextVar[CallRecord | None] = contextvars.ContextVar("studio_llm_call", default=None)




class LLMClient:
    """One provider profile, shared by every task of a run.

    A fatal error (auth, quota) halts the client: every later call fails at once with the same
    error instead of hammering the API. Every call is written to the ledger (``calls``) before
    its first request is sent, updated before each retry, and completed when it ends; an answer
    is saved in the response cache the moment it arrives, so a crash never buys it twice.
    With a ``budget``, each request reserves a call and its worst-case cost before it is sent.
    """

    def __init__(self, provider: Provider, *, store: Store | None = None, limiter: Limiter | None = None,
                 retry: RetryPolicy | None = None, price: Price = UNKNOWN, clock: Clock | None = None,
                 scrub: Callable[[str], str] = lambda s: s, seed: int | None = None,
                 limits: CallLimits | None = None, budget: Budget | None = None) -> None:
        self.provider = provider
        self.store = store
        self.clock = clock or Clock()
        self.limiter = limiter or Limiter(8, clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.price = price
        self.scrub = scrub
        self.limits = limits or CallLimits()
        self.budget = budget
        self.halted: LLMError | None = None
        self.hits = 0  # answers replayed from the response cache
        self.pii = Tally()  # personal data replaced in requests before they were sent
        self._rng = random.Random(seed)
        if hasattr(provider, "extra_request"):
            provider.extra_request = self._extra_request  # its own requests count against the caps

    @property
    def name(self) -> str:
        return self.provider.name

    # -- requests, ledger and cache -------------------------------------------------------------
    def prepared(self, request: ChatRequest) -> ChatRequest:
        """The request as sent: with the profile's ``max_tokens`` when it names none, and with personal
        data replaced when it leaves the machine (counted in ``pii``)."""
        if getattr(self.provider, "sends_text_out", False):
            request = redacted(request, self.pii, self.provider.name)
        if request.max_tokens is None and self.limits.max_tokens is not None:
            return dataclasses.replace(request, max_tokens=self.limits.max_tokens)
        return request

    def _replay(self, key: str, ctx: CallContext, use_cache: bool) -> ChatResult | None:
        """A saved answer for this request: any when the cache is on; otherwise only one this very
        run already paid for (a resume never buys the same answer twice). Oversized entries are
        dropped, never replayed."""
        if self.store is None:
            return None
        hit = self.store.responses.get(key)
        if hit is None:
            return None
        if not use_cache and (ctx.run_id is None or hit.run_id != ctx.run_id):
            return None
        if len(hit.text) > self.limits.max_answer_chars:
            self.store.responses.delete(key)
            return None
        self.hits += 1
        return ChatResult(text=hit.text, usage=Usage(hit.tokens_in, hit.tokens_out), finish_reason=hit.finish_reason,
                          model=hit.model, cached=True)

    def forget(self, ctx: CallContext) -> int:
        """Drop the cached answers of the calls made for ``ctx``'s run, dialogue and turn (an answer
        that broke its reader is never replayed). Returns how many were dropped."""
        if self.store is None:
            return 0
        keys = {doc.get("request_hash") for _, doc in self.store.calls.raw()
                if (doc.get("run_id"), doc.get("dialogue_id"), doc.get("turn_index"))
                == (ctx.run_id, ctx.dialogue_id, ctx.turn_index)}
        dropped = sum(self.store.responses.delete(k) for k in keys if k)
        self.store.flush(sync=False)
        return dropped

    def _new_record(self, ctx: CallContext, key: str) -> CallRecord:
        return CallRecord(run_id=ctx.run_id, dialogue_id=ctx.dialogue_id, turn_index=ctx.turn_index, role=ctx.role,
                          purpose=ctx.purpose, provider=self.provider.name, model=self.provider.model, request_hash=key, attempts=0,
                          currency=self.price.currency)

    def _save(self, *docs: object) -> None:
        if self.store is None:
            return
        with self.store.lock:
            for doc in docs:
                if isinstance(doc, CallRecord):
                    self.store.calls.put(doc)
                elif isinstance(doc, CachedResponse):
                    self.store.responses.put(doc)
            self.store.flush(sync=False)  # survives the process being killed

    def _record_cached(self, ctx: CallContext, key: str, result: ChatResult) -> None:
        record = self._new_record(ctx, key)
        record.outcome, record.attempts, record.finish_reason = "cached", 1, result.finish_reason
        record.tokens_in, record.tokens_out, record.model = result.usage.tokens_in, result.usage.tokens_out, result.model
        result.call_id = record.id
        if self.store is not None:
            self.store.calls.put(record)

    async def _sending(self, record: CallRecord, attempt: int, request: ChatRequest) -> float:
        """Reserve the budget and write the ledger row before a request goes out."""
        worst = worst_case_cost(request, self.price)
        if self.budget is not None:
            try:
                await self.budget.reserve(worst)
            except BudgetReached as exc:
                if record.attempts:  # earlier attempts were sent: the call ends here, and says why
                    record.outcome, record.error_kind, record.error = "error", "budget", str(exc)
                    self._save(record)
                raise
        record.attempts += 1  # the provider's own extra requests are counted here too
        record.outcome = "pending"
        record.cost = round(record.cost + worst, 9)  # the worst case until the answer says otherwise
        self._save(record)
        return worst

    async def _extra_request(self) -> None:
        """A request the provider sends on its own during a call: one more call against the cap, one
        more attempt on the call's ledger row (BudgetReached when the cap leaves no room)."""
        if self.budget is not None:
            self.budget.take_call()
        record = _CALL.get()
        if record is not None:
            record.attempts += 1
            self._save(record)

    def _settle(self, reserved: float, actual: float) -> None:
        if self.budget is not None:
            self.budget.settle(reserved, actual)

    def _received(self, record: CallRecord, reserved: float, key: str, ctx: CallContext,
                  result: ChatResult, request: ChatRequest) -> None:
        result.call_id = record.id
        result.usage = counted(request, result)
        cost = self.price.cost(result.usage.tokens_in, result.usage.tokens_out)
        self._settle(reserved, cost)
        record.cost = round(record.cost - reserved + cost, 9)
        record.outcome = "ok"
        record.tokens_in, record.tokens_out = result.usage.tokens_in, result.usage.tokens_out
        record.latency_s, record.first_token_s = result.latency_s, result.first_token_s
        record.model = result.model or record.model
        record.finish_reason = result.finish_reason
        if result.finish_reason == "length":
            record.outcome, record.error_kind = "error", Truncated.kind
            record.error = f"the answer was cut off at max_tokens ({result.usage.tokens_out} tokens)"
        response = CachedResponse(id=key, text=result.text, tokens_in=result.usage.tokens_in,
                                  tokens_out=result.usage.tokens_out, finish_reason=result.finish_reason,
                                  model=record.model, run_id=ctx.run_id)
        self._save(record, response)

    def _failed_attempt(self, record: CallRecord, reserved: float, billed: bool = False) -> None:
        """An attempt that failed: free when the server refused it, at its worst case when the server
        may have done the work (a timeout, a cut stream, an answer over a limit)."""
        if billed:
            self._settle(reserved, reserved)
            return
        self._settle(reserved, 0.0)
        record.cost = round(record.cost - reserved, 9)

    def _close_budget(self, record: CallRecord, reserved: float, exc: BudgetReached) -> None:
        """The provider's own extra request found no room: the call ends here, and says why."""
        self._failed_attempt(record, reserved)
        record.outcome, record.error_kind, record.error = "error", "budget", str(exc)
        self._save(record)

    def _close_error(self, record: CallRecord, error: LLMError) -> None:
        record.outcome, record.error_kind, record.error = "error", error.kind, self.scrub(str(error))
        self._save(record)

    def _close_cancelled(self, record: CallRecord, reserved: float) -> None:
        """Stopped while a request was out: the provider may bill it, so its worst case stays counted."""
        self._settle(reserved, reserved)
        record.outcome, record.error_kind = "error", "cancelled"
        record.error = "stopped while the request was out; its cost is counted at the worst case"
        with contextlib.suppress(Exception):
            self._save(record)

    def _check(self, result: ChatResult, request: ChatRequest) -> ChatResult:
        if len(result.text) > self.limits.max_answer_chars:
            raise AnswerTooLarge(f"the answer is {len(result.text)} characters, over the limit of "
                                 f"{self.limits.max_answer_chars} (max_answer_chars)", provider=self.provider.name)
        return result


    def _truncated(self, result: ChatResult) -> None:
        if result.finish_reason == "length":
            raise Truncated(f"the answer was cut off at max_tokens ({result.usage.tokens_out} tokens)",
                            provider=self.provider.name)

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

    def _deadline_error(self, what: str, seconds: float) -> DeadlineExceeded:
        return DeadlineExceeded(f"{what} within {seconds:g} s", provider=self.provider.name)

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
