from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from strategies.policies import Candidate, select

THREE = [
    Candidate("x-momentum", "momentum", "moderate"),
    Candidate("x-mean_reversion", "mean_reversion", "moderate"),
    Candidate("x-breakout", "breakout", "moderate"),
]


def test_original_scenarios():
    assert select(progress_pct=D(10), expected_pct=D(0), candidates=THREE).selected in {"x-momentum", "x-breakout"}
    assert select(progress_pct=D(50), expected_pct=D(0), candidates=THREE).selected in {c.strategy_id for c in THREE}
    assert select(progress_pct=D(85), expected_pct=D(0), candidates=THREE).selected == "x-mean_reversion"


def test_stance_by_progress():
    assert select(progress_pct=D(10), expected_pct=None, candidates=THREE).stance == "aggressive"
    assert select(progress_pct=D(50), expected_pct=None, candidates=THREE).stance == "balanced"
    assert select(progress_pct=D(85), expected_pct=None, candidates=THREE).stance == "conservative"
    assert select(progress_pct=D(50), expected_pct=D(95), candidates=THREE).stance == "aggressive"


def test_profile_counts_as_fit():
    candidates = [Candidate("a", "other", "conservative"), Candidate("b", "momentum", "aggressive")]
    assert select(progress_pct=D(90), expected_pct=None, candidates=candidates).selected == "a"


def test_performance_ranks_within_fit():
    good = Candidate("good", "momentum", "moderate", trades=10, win_rate=D("0.8"), risk_adjusted_ratio=D("1.5"))
    bad = Candidate("bad", "momentum", "moderate", trades=10, win_rate=D("0.2"), risk_adjusted_ratio=D("-1"))
    new = Candidate("new", "momentum", "moderate")
    result = select(progress_pct=D(10), expected_pct=None, candidates=[bad, new, good])
    assert [r.strategy_id for r in result.ranking] == ["good", "new", "bad"]
    assert result.ranking[1].performance == D("0.5")  # neutral without trades


def test_ineligible_never_selected_but_listed():
    paused = Candidate("paused-momentum", "momentum", "aggressive", status="paused")
    result = select(progress_pct=D(10), expected_pct=None, candidates=[paused, THREE[1]])
    assert result.selected == "x-mean_reversion"
    assert result.ranking[-1].strategy_id == "paused-momentum" and not result.ranking[-1].eligible
    assert "paused" in result.ranking[-1].note
    assert select(progress_pct=D(10), expected_pct=None, candidates=[paused]).selected is None


candidate_st = st.builds(
    Candidate,
    strategy_id=st.text("abcdef", min_size=1, max_size=6),
    strategy_type=st.sampled_from(
        ["momentum", "breakout", "trend_following", "mean_reversion", "market_making", "arbitrage", "other"]
    ),
    risk_profile=st.sampled_from(["aggressive", "moderate", "conservative"]),
    status=st.sampled_from(["active", "paused", "retired", "failed"]),
    trades=st.integers(0, 100),
    win_rate=st.none() | st.decimals(0, 1, places=4),
    risk_adjusted_ratio=st.none() | st.decimals(-50, 50, places=4),
)


@given(p=st.decimals(-100, 300, places=2), candidates=st.lists(candidate_st, max_size=8))
def test_selected_is_the_best_eligible_and_scores_in_unit_range(p, candidates):
    result = select(progress_pct=p, expected_pct=None, candidates=candidates)
    eligible = [r for r in result.ranking if r.eligible]
    assert all(D(0) <= r.score <= D(1) for r in eligible)
    assert result.reason
    if eligible:
        assert result.selected == eligible[0].strategy_id
        assert eligible[0].score == max(r.score for r in eligible)
    else:
        assert result.selected is None


def test_one_winning_trade_does_not_outrank_a_long_solid_record():
    lucky = Candidate("lucky", "momentum", "moderate", trades=1, win_rate=D(1), pnl_share=D(1))
    solid = Candidate(
        "solid",
        "momentum",
        "moderate",
        trades=200,
        win_rate=D("0.55"),
        risk_adjusted_ratio=D("0.2"),
        pnl_share=D("0.2"),
    )
    result = select(progress_pct=D(10), expected_pct=None, candidates=[lucky, solid])
    assert result.selected == "solid"
    assert result.ranking[1].performance < D("0.53")  # one trade barely moves it from neutral


def test_pnl_counts_many_small_wins_and_a_large_loss_rank_below_a_profitable_record():
    small_wins = Candidate("wins", "momentum", "moderate", trades=100, win_rate=D("0.9"), pnl_share=D("-0.6"))
    profitable = Candidate("profit", "momentum", "moderate", trades=100, win_rate=D("0.5"), pnl_share=D("0.4"))
    assert select(progress_pct=D(10), expected_pct=None, candidates=[small_wins, profitable]).selected == "profit"


@given(n=st.integers(1, 10_000), win=st.decimals(0, 1, places=3), share=st.decimals(-1, 1, places=3))
def test_performance_is_shrunk_towards_neutral_and_more_evidence_counts_more(n, win, share):
    from strategies.policies import performance

    few = performance(Candidate("a", "other", "moderate", trades=n, win_rate=win, pnl_share=share))
    more = performance(Candidate("a", "other", "moderate", trades=n * 2, win_rate=win, pnl_share=share))
    assert 0 <= few <= 1 and abs(few - D("0.5")) <= abs(more - D("0.5"))
