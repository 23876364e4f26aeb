"""A run's spending caps, held exactly: every request reserves a call and its worst-case cost
before it is sent, and settles to the real cost when its answer (or error) comes back.

Reservations are made by every attempt, retries included, by every client that shares the
budget (teacher and student), so ``max_calls`` and ``max_cost`` are never overshot, however many
requests are in flight. A request that does not fit waits while others are in flight (their
settled cost may leave room) and fails with ``BudgetReached`` once nothing is in flight.
Across resumes the budget starts from what the ledger says the run already spent, counting
calls whose outcome a crash left unknown at their reserved worst case.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from studio.llm.base import ChatRequest, ChatResult, Usage, estimate_tokens
from studio.llm.prices import Price

#: Token overhead per message and per request the providers add around the text (chat markup).
_PER_MESSAGE = 8
_PER_REQUEST = 16


class BudgetReached(Exception):
    """The run's call or cost cap leaves no room for another request."""


def worst_case_tokens_in(request: ChatRequest) -> int:
    """An upper bound on input tokens: byte-level tokenizers never make more tokens than bytes."""
    text = (request.system or "") + "".join(m.content for m in request.messages)
    return len(text.encode("utf-8")) + _PER_MESSAGE * (len(request.messages) + 1) + _PER_REQUEST


def worst_case_cost(request: ChatRequest, price: Price) -> float:
    return price.cost(worst_case_tokens_in(request), request.max_tokens or 0)


def counted(request: ChatRequest, result: ChatResult) -> Usage:
    """What a call is charged: the larger of the usage the server reports and an estimate of what was
    sent and received (a server may under-report, or report nothing), within what the request allows:
    never more output than its ``max_tokens`` (what the reservation counted; a server that ignores
    max_tokens or over-reports is held to it, so the caps hold), never more input than its worst case."""
    prompt = (request.system or "") + "".join(m.content for m in request.messages)
    tokens_in = min(max(result.usage.tokens_in, estimate_tokens(prompt)), worst_case_tokens_in(request))
    tokens_out = max(result.usage.tokens_out, estimate_tokens(result.text))
    if request.max_tokens:
        tokens_out = min(tokens_out, request.max_tokens)
    return Usage(tokens_in, tokens_out, result.usage.estimated)


class Budget:
    """Calls and cost a run may still spend. One per run, shared by its clients (one event loop)."""

    def __init__(self, *, max_calls: int | None = None, max_cost: float | None = None,
                 calls: int = 0, cost: float = 0.0) -> None:
        self.max_calls = max_calls
        self.max_cost = max_cost
        self.calls = calls  # sent or about to be sent (reserved)
        self.cost = cost  # settled costs plus the worst case of requests in flight
        self.in_flight = 0
        self._settled = asyncio.Event()

    @classmethod
    def from_ledger(cls, records: Iterable[dict[str, Any]], run_id: str, *, max_calls: int | None,
                    max_cost: float | None) -> Budget:
        """What ``run_id`` already spent: every request sent (retries too); cached answers are free."""
        calls, cost = 0, 0.0
        for r in records:
            if r.get("run_id") != run_id or r.get("outcome") == "cached":
                continue
            calls += int(r.get("attempts") or 1)
            cost += float(r.get("cost") or 0.0)
        return cls(max_calls=max_calls, max_cost=max_cost, calls=calls, cost=cost)

    @property
    def limited(self) -> bool:
        return self.max_calls is not None or self.max_cost is not None

    def _refusal(self, worst: float) -> str | None:
        if self.max_calls is not None and self.calls + 1 > self.max_calls:
            return f"the run reached its call budget ({self.max_calls} calls)"
        if self.max_cost is not None and self.cost + worst > self.max_cost + 1e-12:
            if self.in_flight == 0 and worst > self.max_cost:
                return (f"one request may cost up to {worst:.4g}, more than the whole cost budget "
                        f"({self.max_cost:g}); lower max_tokens or raise --max-cost")
            return f"the run reached its cost budget ({self.max_cost:g}; {self.cost:.4g} spent)"
        return None

    def exhausted(self) -> str | None:
        """Why no further request can be made, if so (a cheap check before starting work)."""
        if self.max_calls is not None and self.calls >= self.max_calls:
            return f"the run reached its call budget ({self.max_calls} calls)"
        if self.max_cost is not None and self.cost >= self.max_cost:
            return f"the run reached its cost budget ({self.max_cost:g})"
        return None

    async def reserve(self, worst: float) -> None:
        """Take one call and ``worst`` cost, waiting while requests in flight may free room."""
        while (why := self._refusal(worst)) is not None:
            if self.in_flight == 0 or (self.max_calls is not None and self.calls + 1 > self.max_calls):
                raise BudgetReached(why)
            await self._settled.wait()
        self.calls += 1
        self.cost += worst
        self.in_flight += 1

    def take_call(self) -> None:
        """Count one more request of a call already under way (a token refresh, a second try with a new
        token): its cost is the call's own reservation, its count is not."""
        if self.max_calls is not None and self.calls + 1 > self.max_calls:
            raise BudgetReached(f"the run reached its call budget ({self.max_calls} calls)")
        self.calls += 1

    def settle(self, reserved: float, actual: float) -> None:
        """The request is over: its real cost replaces the reserved worst case (safe to call while
        being cancelled: it never waits)."""
        self.cost += actual - reserved
        self.in_flight -= 1
        settled, self._settled = self._settled, asyncio.Event()
        settled.set()
