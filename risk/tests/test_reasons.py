"""Reasons agree with the factor, the stance and the goal's status on every boundary
(issue 25): the status bands' edges, the drawdown guard's lines and the deadline."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from goals import progress
from risk import policies
from risk.policies import Outlook, SizingInputs, SizingSettings, decide

OUTLOOKS = [None, Outlook(0.0, 0.4, 0.1, 21), Outlook(0.4, 0.4, 0.1, 21), Outlook(0.2, 0.8, 0.05, 63)]
NUDGE = st.sampled_from([D("-0.01"), D("0"), D("0.01")])
settings_st = st.builds(
    SizingSettings,
    min_factor=st.sampled_from([D("0"), D("0.5"), D("0.8"), D("1")]),
    max_factor=st.sampled_from([D("1"), D("1.3"), D("2")]),
    max_drawdown_pct=st.sampled_from([D("6"), D("15"), D("30")]),
    on_achieved=st.sampled_from(["reduce", "pause"]),
    policy=st.sampled_from(["default", "optimal"]),
)


@st.composite
def boundary_inputs(draw):
    """Inputs on (or one cent beside) a boundary: pace (the deadline is 100 %), a status
    band's edge relative to it, a band of progress, and a line of the drawdown guard."""
    s = draw(settings_st)
    expected = draw(st.one_of(st.none(), st.sampled_from([D("0"), D("50"), D("99.99"), D("100"), D("100.01")])))
    expected = expected if expected is None else expected + draw(NUDGE) * (expected not in (D("99.99"), D("100")))
    pace = expected if expected is not None else D(0)
    edge = draw(
        st.sampled_from(
            [
                pace - progress.ON_TRACK_GAP,
                pace - progress.AT_RISK_GAP,
                progress.BEHIND_BELOW_PCT,
                progress.NEAR_GOAL_PCT,
                progress.ACHIEVED_PCT,
                D("0"),
            ]
        )
    )
    limit = s.max_drawdown_pct
    line = draw(st.sampled_from([D(0), (limit * 2 / 3).quantize(D("0.01")), limit]))
    drawdown = max(line + draw(NUDGE), D(0))
    return SizingInputs(edge + draw(NUDGE), expected, drawdown, s, draw(st.sampled_from(OUTLOOKS)))


def unguarded(inputs):
    return decide(SizingInputs(inputs.progress_pct, inputs.expected_pct, D(0), inputs.settings, inputs.outlook))


@hyp_settings(max_examples=600, deadline=None)
@given(inputs=boundary_inputs())
def test_the_reason_tells_the_factor_the_stance_and_the_status(inputs):
    d = decide(inputs)
    p, e, s = inputs.progress_pct, inputs.expected_pct, inputs.settings
    status = progress.status_for(p, e, e is not None and e >= 100)  # as the goal's own status
    assert policies.STATUS_WORDS[status] in d.reason
    others = set(policies.STATUS_WORDS.values()) - {policies.STATUS_WORDS[status]}
    assert not any(words in d.reason for words in others)
    assert d.reason.endswith(f"factor ×{d.factor}.")
    passed = "the deadline has passed" in d.reason
    assert not passed or (e is not None and e >= 100)  # never before the deadline has passed
    if "sizing up" in d.reason:
        assert d.factor > 1
    if "sizing down" in d.reason:
        assert d.factor < 1
    if "normal size" in d.reason:
        assert d.factor == 1
    halted = d.stance == "halted"
    assert halted == ("new risk halted" in d.reason)
    assert (d.stance == "protective") == ("risk reduced" in d.reason)
    if halted or d.stance == "paused":
        assert d.factor == 0
    elif d.stance == "protective":
        assert d.factor < unguarded(inputs).factor  # "risk reduced" means it is
    else:
        assert d.factor == unguarded(inputs).factor  # the guard did nothing, and the reason says nothing of it
        assert d.stance == (
            "aggressive" if d.factor > D("1.05") else "conservative" if d.factor < D("0.95") else "balanced"
        )
    if s.policy == "default" and not (p >= 100 and s.on_achieved == "pause"):
        assert halted == (inputs.drawdown_pct >= s.max_drawdown_pct)
