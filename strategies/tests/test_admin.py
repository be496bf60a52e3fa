"""The strategies' admin, without a browser: performance and bulk pause/resume on the list,
adding through the service, and a selection's ranking."""

from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from mastertrade.testing import admin_action
from strategies.factories import StrategyFactory, selection_for
from strategies.models import StrategyInstance
from strategies.selectors import strategy_performance_invalidate
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db

STRATEGIES = "/admin/strategies/strategyinstance/"
SELECTIONS = "/admin/strategies/strategyselection/"


def test_strategies_list_shows_performance_and_bulk_pause_resume(admin_client):
    strategy = StrategyFactory(strategy_id="momo")
    TradeFactory(owner=strategy.owner, strategy=strategy, closed=True, profit_loss=Decimal("10"))
    TradeFactory(owner=strategy.owner, strategy=strategy, closed=True, profit_loss=Decimal("-4"))
    strategy_performance_invalidate(strategy_pk=strategy.pk)
    html = admin_client.get(STRATEGIES).content.decode()
    assert "+6.00" in html and "50.0 %" in html
    admin_action(admin_client, STRATEGIES, "pause_strategies", [strategy])
    strategy.refresh_from_db()
    assert strategy.status == "paused"
    admin_action(admin_client, STRATEGIES, "resume_strategies", [strategy])
    strategy.refresh_from_db()
    assert strategy.status == "active"
    assert "Closed trades" in admin_client.get(f"{STRATEGIES}{strategy.pk}/change/").content.decode()


def test_add_strategy_through_the_service_and_reserved_ids(admin_client, admin_user):
    data = {
        "owner": admin_user.pk,
        "strategy_id": "select",
        "name": "X",
        "strategy_type": "momentum",
        "risk_profile": "moderate",
        "parameters": "{}",
        "status": "active",
    }
    response = admin_client.post(f"{STRATEGIES}add/", data)
    assert "reserved" in str(response.context["adminform"].form.errors["strategy_id"])
    response = admin_client.post(f"{STRATEGIES}add/", data | {"strategy_id": "trend-1"})
    assert response.status_code == 302
    assert StrategyInstance.objects.get(strategy_id="trend-1").owner == admin_user


def test_selection_page_shows_the_ranking(admin_client):
    goal = GoalFactory()
    sel = selection_for(goal, StrategyFactory(owner=goal.owner, strategy_id="breakout-7"))
    html = admin_client.get(f"{SELECTIONS}{sel.pk}/change/").content.decode()
    assert "<td>breakout-7</td><td>0.5</td><td>yes</td><td>—</td>" in html
