"""The drawdown guard's promise, through the services that keep its state and the sizing
service that reads it (issue 25):

    A fall of max_drawdown_pct from the guard's peak halts new risk the day it happens and
    the next GUARD_HALT_DAYS trading day(s), however old the peak; only time since the fall
    ends the halt, and the guard then measures falls from the value at that time.

A dense grid over the age of the peak and the depth of the fall (a portfolio_value goal, so
the fall is (peak − value) / peak exactly), on a 24/7 calendar (day n is n trading days
later) and on weekdays (a weekend is no trading day)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from goals.factories import GoalFactory
from goals.services import goal_peak_reset, goal_progress_set, goal_update
from risk import policies
from risk.models import GoalAdjustment
from risk.services import adjustment_replay, position_size_decide

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
LIMIT = D("15")
PEAK = D("120000")
AGES = [0, 1, 2, 3, 5, 10, 14, 30]  # trading days from the peak to the fall
DEPTHS = ["0", "5", "9.99", "10", "12", "14.99", "15", "15.01", "20", "25", "60"]  # % below the peak


def goal_at_peak(calendar="24/7"):
    goal = GoalFactory(
        goal_type="portfolio_value",
        current_value=D("100000"),
        peak_value=D("100000"),
        start_value=D("100000"),
        target_value=D("200000"),
        start_date=MONDAY.date() - dt.timedelta(days=10),
        target_date=MONDAY.date() + dt.timedelta(days=200),
        max_drawdown_pct=LIMIT,
        calendar=calendar,
    )
    return goal_progress_set(goal=goal, current_value=PEAK, now=MONDAY)  # the peak, set on day 0


def fall(goal, depth, when):
    value = (PEAK * (1 - D(depth) / 100)).quantize(D("0.01"))
    return goal_progress_set(goal=goal, current_value=value, now=when)


def sized(goal, when):
    return position_size_decide(goal=goal, base_position_size=D("100"), now=when)


@pytest.mark.parametrize("age", AGES)
@pytest.mark.parametrize("depth", DEPTHS)
def test_a_fall_to_the_limit_halts_however_old_the_peak_and_only_time_since_it_ends_the_halt(age, depth):
    goal = goal_at_peak()
    day = lambda n: MONDAY + dt.timedelta(days=n, hours=1)  # noqa: E731 (24/7: day n is n trading days on)
    goal = fall(goal, depth, day(age))
    for n in range(age, age + 1 + policies.GUARD_HALT_DAYS):  # the day of the fall and the halt's days after it
        decision = sized(goal, day(n))
        halted = D(depth) >= LIMIT
        assert (decision.stance == "halted") == halted, (age, depth, n, decision.reason)
        assert (decision.adjustment_factor == 0) == halted
        if not halted and D(depth) > LIMIT * 2 / 3:  # nearing the limit: the factor slides to the minimum
            assert decision.stance == "protective" and decision.adjustment_factor <= 1
        if D(depth) <= LIMIT * 2 / 3:  # not yet: the factor is untouched (×1.3 for this goal), and so is the wording
            assert decision.stance == "aggressive" and "risk reduced" not in decision.reason
        assert decision.drawdown_pct == D(depth).quantize(D("0.0001"))
    after = sized(goal, day(age + 1 + policies.GUARD_HALT_DAYS))
    if D(depth) >= LIMIT:  # the halt is over: the guard measures from the value now
        assert after.stance != "halted" and after.adjustment_factor > 0 and after.drawdown_pct == 0
        assert after.days_since_fall == policies.GUARD_HALT_DAYS
    else:  # no fall to the limit: nothing relaxes with time
        assert after.drawdown_pct == D(depth).quantize(D("0.0001")) and after.days_since_fall is None
    for row in GoalAdjustment.objects.filter(goal=goal):  # the audit row holds the guard's state: exact replay
        again = adjustment_replay(row)
        assert (again.factor, again.stance) == (row.adjustment_factor, row.stance)


def test_after_a_halt_a_new_fall_of_the_limit_from_where_it_ended_halts_again():
    goal = fall(goal_at_peak(), "20", MONDAY + dt.timedelta(days=1))  # 96,000: halted
    over = MONDAY + dt.timedelta(days=2 + policies.GUARD_HALT_DAYS)
    goal = goal_progress_set(goal=goal, current_value=D("90000"), now=over)  # −6.25 % from where the halt ended
    assert goal.peak_value == D("96000") and goal.fall_at is None
    assert sized(goal, over).stance not in ("halted", "protective")
    goal = goal_progress_set(goal=goal, current_value=D("81600"), now=over)  # −15 % from 96,000
    assert goal.fall_at == over and sized(goal, over).stance == "halted"


def test_weekends_are_no_trading_days_for_a_weekdays_goal():
    goal = goal_at_peak("weekdays")
    friday = MONDAY + dt.timedelta(days=4)
    goal = fall(goal, "15", friday)
    monday = friday + dt.timedelta(days=3)
    assert sized(goal, monday).stance == "halted"  # Saturday and Sunday don't count: Monday is the next trading day
    assert sized(goal, monday + dt.timedelta(days=1)).stance != "halted"


def test_a_peak_reset_restarts_the_guard():
    goal = fall(goal_at_peak(), "30", MONDAY)
    assert sized(goal, MONDAY).stance == "halted"
    goal = goal_peak_reset(goal=goal, reason="mistyped value", now=MONDAY)
    assert goal.fall_at is None and goal.peak_value == goal.current_value
    assert sized(goal, MONDAY).stance != "halted"


def test_a_lower_limit_that_the_fall_already_passes_halts_and_starts_the_clock():
    goal = fall(goal_at_peak(), "12", MONDAY)
    assert sized(goal, MONDAY).stance == "protective"
    goal = goal_update(goal=goal, max_drawdown_pct=D("10"))
    assert goal.fall_at is not None and sized(goal, MONDAY).stance == "halted"
