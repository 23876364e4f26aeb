"""Counts shown with their noun in the right number (1 call, 2 calls), in English and in Chinese."""

from __future__ import annotations

import pytest

from studio.cli.generate import progress_detail
from studio.i18n import current_language, set_language
from studio.synth.run import Progress


def progress(n: int) -> Progress:
    return Progress(run_id="r-1", planned=2, completed=1, failed=0, counts={}, quotas={}, calls=n, tokens_in=n,
                    tokens_out=0, cost=0.0, repairs=n, errors={"rate_limit": n}, elapsed_s=1.0, eta_s=None, cached=0)


@pytest.fixture
def language():
    before = current_language()
    yield set_language
    set_language(before)


def test_a_runs_progress_says_1_call_and_2_calls(language) -> None:
    language("en")
    one, two = progress_detail(progress(1)), progress_detail(progress(2))
    assert "1 call (0 cached)" in one and "1 token " in one and "1 repair " in one and "1 error " in one
    assert "calls" not in one and "tokens" not in one and "repairs" not in one and "errors" not in one
    assert "2 calls (0 cached)" in two and "2 tokens" in two and "2 repairs" in two and "2 errors" in two
    language("zh")
    assert "调用 1 次" in progress_detail(progress(1)) and "出错 2 次" in progress_detail(progress(2))

