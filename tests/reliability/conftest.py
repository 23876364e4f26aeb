from __future__ import annotations

import pytest

from studio.store import Store
from tests.llm.fakeserver import FakeServer


@pytest.fixture
def server():
    srv = FakeServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store") as s:
        yield s
