"""The sizing policy's contract (DESIGN.md and the original system's integration tests)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk.policies import SizingSettings, decide

DEFAULT = SizingSettings()
JUST_CREATED = D("0")  # a goal just created with a 30-day deadline: 0 % of the time elapsed


def factor_at(p, expected=JUST_CREATED, drawdown=D(0), settings=DEFAULT):
    return decide(progress_pct=D(p), expected_pct=expected, drawdown_pct=drawdown, settings=settings)


@pytest.mark.parametrize(
    ("p", "low", "high"),
    [
        ("0", D(1), None),
        ("25", D(1), None),
        ("40", D("0.9"), D("1.1")),
        ("50", D("0.9"), D("1.1")),
        ("80", None, D(1)),
    ],
)
def test_contract_points(p, low, high):
    factor = factor_at(p).factor
    assert low is None or factor >= low
    assert high is None or factor <= high


@pytest.mark.parametrize("p", ["90", "95"])
def test_near_goal_is_below_one(p):
    assert factor_at(p).factor < 1
    assert factor_at(p).stance == "conservative"


def test_stances():
    assert factor_at("10").stance == "aggressive"
    assert factor_at("50").stance == "balanced"
    assert factor_at("85").stance == "conservative"


def test_behind_pace_late_in_period_is_sized_up_more():
    early = factor_at("50", expected=D("10")).factor
    late = factor_at("50", expected=D("95")).factor
    assert late > early and late > 1 and late <= DEFAULT.max_factor
    assert factor_at("50", expected=D("95")).stance == "aggressive"
    assert "pace" in factor_at("50", expected=D("95")).reason


def test_achieved_reduce_and_pause():
    assert factor_at("100").factor == DEFAULT.min_factor
    paused = factor_at("120", settings=SizingSettings(on_achieved="pause"))
    assert paused.factor == 0 and paused.stance == "paused"


def test_drawdown_halts_past_limit_and_protects_near_it():
    halted = factor_at("10", drawdown=D("15"))
    assert halted.factor == 0 and halted.stance == "halted" and "halted" in halted.reason
    normal = factor_at("10", drawdown=D("9")).factor
    near = factor_at("10", drawdown=D("12"))
    nearer = factor_at("10", drawdown=D("14.5"))
    assert near.stance == "protective" and nearer.factor < near.factor < normal
    assert nearer.factor >= DEFAULT.min_factor


def test_custom_bounds_are_kept():
    tight = SizingSettings(min_factor=D("0.8"), max_factor=D("1.1"))
    assert factor_at("0", settings=tight).factor <= D("1.1")
    assert factor_at("99", settings=tight).factor >= D("0.8")


pct = st.decimals(min_value=-200, max_value=500, places=2, allow_nan=False, allow_infinity=False)
settings_st = st.builds(
    SizingSettings,
    min_factor=st.decimals(min_value=0, max_value=1, places=2),
    max_factor=st.decimals(min_value=1, max_value=3, places=2),
    max_drawdown_pct=st.decimals(min_value=D("0.5"), max_value=100, places=2),
    on_achieved=st.sampled_from(["reduce", "pause"]),
)


@given(
    p=pct,
    expected=st.none() | st.decimals(min_value=0, max_value=100, places=2),
    drawdown=st.decimals(min_value=0, max_value=100, places=2),
    settings=settings_st,
)
def test_factor_always_within_bounds_or_zero_and_reason_never_empty(p, expected, drawdown, settings):
    decision = decide(progress_pct=p, expected_pct=expected, drawdown_pct=drawdown, settings=settings)
    if decision.stance in ("halted", "paused"):
        assert decision.factor == 0
    else:
        assert settings.min_factor <= decision.factor <= settings.max_factor
    assert decision.reason.strip()


@given(p=st.sampled_from(["0", "25", "40", "50", "80", "90", "95"]), drawdown=st.decimals(0, 9, places=2))
def test_contract_points_hold_below_the_protective_zone(p, drawdown):
    factor = factor_at(p, drawdown=drawdown).factor
    bounds = {
        "0": (1, 9),
        "25": (1, 9),
        "40": (D("0.9"), D("1.1")),
        "50": (D("0.9"), D("1.1")),
        "80": (0, 1),
        "90": (0, D("0.9999")),
        "95": (0, D("0.9999")),
    }[p]
    assert bounds[0] <= factor <= bounds[1]
