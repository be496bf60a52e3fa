"""The sizing policies: the contract (docs/architecture.md, "The sizing contract"), bounds,
continuity, the deadline, reasons."""

from dataclasses import replace
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from goals import progress
from risk import policies
from risk.policies import Outlook, SizingInputs, SizingSettings, decide

DEFAULT = SizingSettings()
# A goal just created with a 30-day deadline (≈ 21 trading days): 0 % of the time elapsed.
JUST_CREATED = D("0")
OUTLOOKS = [
    Outlook(0.0, 0.4, 0.1, 21),
    Outlook(0.4, 0.4, 0.1, 21),
    Outlook(0.2, 0.8, 0.05, 21),
    Outlook(0.0, 0.2, 0.2, 21),
]


def at(p, expected=JUST_CREATED, drawdown=D(0), settings=DEFAULT, outlook=OUTLOOKS[1]):
    return decide(SizingInputs(D(p), expected, drawdown, settings, outlook))


@pytest.mark.parametrize("outlook", [*OUTLOOKS, None])
@pytest.mark.parametrize(
    ("p", "low", "high"),
    [("0", D(1), None), ("25", D(1), None), ("40", D("0.9"), D("1.1")), ("50", D("0.9"), D("1.1")), ("80", None, D(1))],
)
def test_contract_points(outlook, p, low, high):
    factor = at(p, outlook=outlook).factor
    assert low is None or factor >= low
    assert high is None or factor <= high


@pytest.mark.parametrize("outlook", [*OUTLOOKS, None])
@pytest.mark.parametrize("p", ["90", "95"])
def test_near_goal_is_below_one(outlook, p):
    assert at(p, outlook=outlook).factor < 1


def test_achieved_pauses_by_default_or_reduces_by_setting():
    paused = at("100")
    assert paused.factor == 0 and paused.stance == "paused" and "achieved" in paused.reason
    assert at("120", settings=replace(DEFAULT, on_achieved="reduce")).factor == DEFAULT.min_factor


def test_drawdown_halts_past_limit_and_protects_near_it():
    halted = at("10", drawdown=D("15"))
    assert halted.factor == 0 and halted.stance == "halted" and "halted" in halted.reason
    normal, near, nearer = at("10", drawdown=D("9")), at("10", drawdown=D("12")), at("10", drawdown=D("14.5"))
    assert near.stance == "protective" and nearer.factor < near.factor < normal.factor
    assert nearer.factor >= DEFAULT.min_factor


def test_the_guard_acts_on_the_fall_until_the_halt_is_over():
    """Time relaxes the guard only after a fall to the limit (its clock), never from the peak."""
    assert policies.guard_drawdown(20.0, None) == 20.0  # no fall to the limit yet: however old the peak
    assert policies.guard_drawdown(20.0, float(policies.GUARD_HALT_DAYS - 1)) == 20.0
    assert policies.guard_drawdown(20.0, float(policies.GUARD_HALT_DAYS)) == 0.0
    days = np.array([np.nan, 0, policies.GUARD_HALT_DAYS, 40])
    assert list(policies.guard_drawdown(np.full(4, 20.0), days)) == [20.0, 20.0, 0.0, 0.0]


def test_capital_drawdown_for_every_goal_type():
    assert policies.capital_drawdown_pct("portfolio_value", D(90), D(100), None) == 10
    assert policies.capital_drawdown_pct("monthly_return", D(0), D(10), None) == pytest.approx(D(10) / D(110) * 100)
    # income 1,000 given back on a 100,000 capital is 1 %, not 10 % of a 10,000 target
    assert policies.capital_drawdown_pct("monthly_income", D(0), D(1000), D(100000)) < 1


def test_behind_pace_late_in_the_period_is_sized_up():
    late = at("30", expected=D("80"))
    assert late.factor > 1 and late.stance == "aggressive" and "behind" in late.reason


def test_at_risk_is_never_called_on_track():
    decision = at("45", expected=D("60"))
    assert "at risk" in decision.reason and "on track" not in decision.reason


pct = st.decimals(min_value=-300, max_value=300, places=2)
settings_st = st.builds(
    SizingSettings,
    min_factor=st.decimals(min_value=0, max_value=1, places=2),
    max_factor=st.decimals(min_value=1, max_value=3, places=2),
    max_drawdown_pct=st.decimals(min_value=D("0.5"), max_value=100, places=2),
    on_achieved=st.sampled_from(["reduce", "pause"]),
    policy=st.sampled_from(["default", "optimal"]),
)
outlook_st = st.none() | st.sampled_from(OUTLOOKS)
expected_st = st.none() | st.decimals(min_value=0, max_value=120, places=2)


@hyp_settings(max_examples=200, deadline=None)
@given(p=pct, expected=expected_st, drawdown=st.decimals(0, 100, places=2), s=settings_st, outlook=outlook_st)
def test_bounds_and_reason(p, expected, drawdown, s, outlook):
    d = decide(SizingInputs(p, expected, drawdown, s, outlook))
    if d.stance in ("halted", "paused"):
        assert d.factor == 0
    else:
        assert s.min_factor <= d.factor <= s.max_factor
    assert STATUS_WORD[policies.status_of(p, expected)] in d.reason
    if policies.status_of(p, expected) != progress.STATUS_ON_TRACK:
        assert "on track" not in d.reason


STATUS_WORD = {k: v.split(" (")[0] for k, v in policies.STATUS_WORDS.items()}


@hyp_settings(max_examples=100, deadline=None)
@given(p=st.decimals(-300, 300, places=2), expected=st.decimals(100, 400, places=2), s=settings_st, outlook=outlook_st)
def test_no_upsizing_past_the_deadline(p, expected, s, outlook):
    assert at(p, expected=expected, settings=s, outlook=outlook).factor <= 1


@hyp_settings(max_examples=60, deadline=None)
@given(
    expected=st.none() | st.floats(0, 99),
    dd=st.floats(0, 9),
    s=settings_st.map(lambda s: replace(s, policy="default", max_drawdown_pct=D(15))),
    outlook=outlook_st,
)
def test_default_is_continuous_in_progress(expected, dd, s, outlook):
    """No jump larger than 0.05 between progress values one point apart (below 100 %,
    outside the drawdown halt)."""
    p = np.arange(-300.0, 99.0, 0.25)
    f0, _ = policies.factors(SizingInputs(p, expected, dd, s, outlook))
    f1, _ = policies.factors(SizingInputs(p + 1, expected, dd, s, outlook))
    assert np.abs(f1 - f0).max() <= 0.05 + 1e-9


# One factor quantum: the vectorised core runs on arrays (numpy's SIMD loops) and the scalar
# entry point on one value, which may differ in the last bit on another CPU; a last-bit
# difference can carry a factor across a rounding boundary of its 4 decimals, never further.
FACTOR_QUANTUM = D("0.0001")


def test_scalar_entry_point_and_vectorised_core_agree():
    p = np.linspace(-200, 130, 67)
    for s in (DEFAULT, replace(DEFAULT, policy="optimal")):
        f, _ = policies.factors(SizingInputs(p, 30.0, 11.0, s, OUTLOOKS[0]))
        scalar = [at(D(str(v)), expected=D(30), drawdown=D(11), settings=s, outlook=OUTLOOKS[0]).factor for v in p]
        vector = [D(repr(float(v))).quantize(FACTOR_QUANTUM) for v in f]
        assert max(abs(a - b) for a, b in zip(vector, scalar, strict=True)) <= FACTOR_QUANTUM


def test_a_remembered_decision_is_not_computed_again_and_keeps_its_inputs_wording(monkeypatch):
    """decide() remembers its answers per exact inputs: the same inputs again are answered
    without the numpy core (the goal's values recorded beside them are not part of the
    key), with the same answer; equal numbers written differently are computed on their
    own, so the reason keeps their wording; `remembered=False` computes afresh."""
    computed = []
    real = policies.factors
    monkeypatch.setattr(policies, "factors", lambda inputs: computed.append(inputs.progress_pct) or real(inputs))
    policies._remembered.cache_clear()
    inputs = SizingInputs(D("30.5"), D("40"), D("1"), SizingSettings(), Outlook(0.2, 0.4, 0.1, 21), D("3.05"))
    first = decide(inputs)
    again = decide(replace(inputs, current_value=D("3.0500"), days_since_peak=D("0.25")))
    other = decide(replace(inputs, progress_pct=D("30.50")))
    afresh = decide(inputs, remembered=False)
    assert computed == [30.5, 30.5, 30.5]  # first, other and afresh: `again` came from memory
    assert again == first == afresh
    assert "Progress 30.5% " in first.reason and "Progress 30.50% " in other.reason
    assert other.factor == first.factor
