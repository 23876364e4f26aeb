"""The client's bookkeeping half (what :class:`studio.llm.client.LLMClient` builds on): the call settings,
the request as sent, the response cache, the ledger row of each call, the budget, and the errors a call
ends with."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from studio.domain import CachedResponse, CallRecord
from studio.domain.pii import Tally
from studio.llm.base import ChatRequest, ChatResult, Provider, Usage
from studio.llm.budget import Budget, BudgetReached, counted, worst_case_cost
from studio.llm.errors import AnswerTooLarge, DeadlineExceeded, LLMError, Truncated
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


#: The ledger row of the call under way in this task (a provider's own extra requests count on it).
_CALL: contextvars.ContextVar[CallRecord | None] = contextvars.ContextVar("studio_llm_call", default=None)


class ClientBase:
    """What every call of :class:`studio.llm.client.LLMClient` shares: the provider profile and its
    settings, and the ledger, cache and budget work around each request."""

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
