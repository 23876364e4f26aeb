"""Per-profile limits: a concurrency cap plus requests-per-minute and tokens-per-minute buckets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Clock:
    """Real time; tests pass a fake with the same two methods."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class TokenBucket:
    """``rate`` units per minute, at most one minute's worth saved up.

    ``take`` waits until the units are there; ``give_back``/``charge`` correct an estimate later.
    """

    def __init__(self, per_minute: float, clock: Clock) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.level = float(per_minute)
        self.clock = clock
        self.updated = clock.now()

    def _refill(self) -> None:
        now = self.clock.now()
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self, amount: float) -> float:
        self._refill()
        amount = min(amount, self.capacity)
        return 0.0 if self.level >= amount else (amount - self.level) / self.rate

    async def take(self, amount: float) -> None:
        amount = min(amount, self.capacity)
        while True:
            delay = self.wait_time(amount)
            if delay <= 0:
                self.level -= amount
                return
            await self.clock.sleep(delay)

    def adjust(self, delta: float) -> None:
        """Positive: charge more than estimated; negative: give back the overestimate."""
        self._refill()
        self.level = min(self.capacity, self.level - delta)


class Limiter:
    """Everything a profile allows: ``async with limiter.slot(tokens) as correct: …``."""

    def __init__(self, concurrency: int, rpm: int | None = None, tpm: int | None = None,
                 clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.semaphore = asyncio.Semaphore(concurrency)
        self.requests = TokenBucket(rpm, self.clock) if rpm else None
        self.tokens = TokenBucket(tpm, self.clock) if tpm else None
        self.concurrency = concurrency

    def slot(self, estimated_tokens: int) -> _Slot:
        return _Slot(self, estimated_tokens)


class _Slot:
    def __init__(self, limiter: Limiter, estimate: int) -> None:
        self.limiter = limiter
        self.estimate = estimate

    async def __aenter__(self) -> Callable[[int], None]:
        await self.limiter.semaphore.acquire()
        try:
            if self.limiter.requests:
                await self.limiter.requests.take(1)
            if self.limiter.tokens:
                await self.limiter.tokens.take(self.estimate)
        except BaseException:
            self.limiter.semaphore.release()
            raise
        return self.correct

    def correct(self, actual_tokens: int) -> None:
        if self.limiter.tokens:
            self.limiter.tokens.adjust(actual_tokens - self.estimate)

    async def __aexit__(self, *exc: object) -> None:
        self.limiter.semaphore.release()
