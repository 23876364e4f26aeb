from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.domain import DEFAULT_MIX, STUDENT_FAULTS, FaultKind, Mix, MixError


def test_tutorial_mix_is_normalised_and_says_so() -> None:
    shares = DEFAULT_MIX.shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares[FaultKind.NORMAL] == pytest.approx(55 / 120)
    assert "sum to 120; normalised" in DEFAULT_MIX.describe()
    assert "normalised" not in Mix.of({"normal": 60, "short": 40}).describe()


def test_quotas_use_largest_remainder() -> None:
    assert DEFAULT_MIX.quotas(100) == {
        FaultKind.NORMAL: 46, FaultKind.SHORT: 34, FaultKind.OFF_TOPIC: 4,
        FaultKind.CHINESE: 4, FaultKind.MIXED: 4, FaultKind.SPELLING: 4, FaultKind.GRAMMAR: 4,
    }
    assert DEFAULT_MIX.quotas(0) == dict.fromkeys(STUDENT_FAULTS, 0)


@given(
    st.dictionaries(st.sampled_from([f.value for f in STUDENT_FAULTS]), st.floats(0, 1000), min_size=1),
    st.integers(0, 5000),
)
def test_quotas_always_sum_to_slots_and_stay_close(weights: dict[str, float], slots: int) -> None:
    if not any(w > 0 for w in weights.values()):
        with pytest.raises(MixError):
            Mix.of(weights)
        return
    mix = Mix.of(weights)
    quotas = mix.quotas(slots)
    assert sum(quotas.values()) == slots
    for kind, share in mix.shares().items():
        assert abs(quotas[kind] - share * slots) < 1


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"normal": -1, "short": 2}, "must be a number >= 0"),
        ({"normal": 0}, "at least one"),
        ({"norml": 1}, "unknown fault kind 'norml'"),
        ({"opening": 1}, "unknown fault kind 'opening'"),
        ({"normal": float("nan")}, "must be a number"),
    ],
)
def test_bad_mixes_are_refused_with_a_reason(weights, message) -> None:
    with pytest.raises(MixError, match=message):
        Mix.of(weights)


def test_one_parser_reads_pairs_and_colon_weights() -> None:
    from studio.domain import DEFAULT_MIX, Mix, MixError

    assert Mix.parse("55:40:5:5:5:5:5") == DEFAULT_MIX
    assert Mix.parse("normal=55, short=40,off_topic=5,chinese=5,mixed=5,spelling=5,grammar=5") == DEFAULT_MIX
    assert Mix.parse(DEFAULT_MIX.text()) == DEFAULT_MIX
    assert Mix.parse("normal=1").shares()[next(iter(DEFAULT_MIX.weights))] == 1.0
    for bad, words in [("55:40", "7 weights"), ("normal=x", "not a number"), ("normal=1,short", "KIND=WEIGHT"),
                       ("robot=3", "unknown fault kind"), ("0:0:0:0:0:0:0", "above 0"), ("normal=-1", ">= 0")]:
        try:
            Mix.parse(bad)
        except MixError as exc:
            assert words in str(exc), (bad, str(exc))
        else:
            raise AssertionError(f"{bad!r} was accepted")
