from __future__ import annotations

import asyncio

import pytest

from tests.llm.fakeserver import FakeServer

SECRET_KEY = "qf-secret-abcdef123456"
API_KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def server():
    srv = FakeServer().start()
    yield srv
    srv.stop()


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
