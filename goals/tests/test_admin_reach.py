"""The admin shows the chance of reaching a goal with its inputs, and resets the drawdown peak (audited)."""

from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from goals.models import FinancialGoal, PeakReset

pytestmark = pytest.mark.django_db
GOALS = "/admin/goals/financialgoal/"


def test_goal_page_shows_reach_probability_and_its_inputs(admin_client):
    goal = GoalFactory(
        reach_probability=Decimal("0.4321"),
        reach_mu=Decimal("0.0500"),
        reach_sigma=Decimal("0.4000"),
        reach_source="trades",
        reach_trades=12,
    )
    page = admin_client.get(f"{GOALS}{goal.pk}/change/").content.decode()
    assert "43.2 %" in page and "μ 0.0500" in page and "σ 0.4000" in page and "12 closed trades" in page


def test_reset_peak_action_is_audited(admin_client, admin_user):
    goal = GoalFactory(
        goal_type="portfolio_value",
        target_value=Decimal("200000"),
        current_value=Decimal("100000"),
        peak_value=Decimal("1000000"),
    )
    response = admin_client.post(GOALS, {"action": "reset_peak_goals", "_selected_action": [goal.pk]})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.peak_value == Decimal("100000")
    log = PeakReset.objects.get(goal=goal)
    assert log.by == admin_user and log.old_peak == Decimal("1000000") and "admin" in log.reason
    assert admin_client.get("/admin/goals/peakreset/").status_code == 200
    assert FinancialGoal.objects.count() == 1
