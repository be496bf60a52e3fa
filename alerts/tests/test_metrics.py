"""The alerts' scrape-time metrics: what is firing, and the heartbeat's age."""

import datetime as dt

import pytest

from alerts.factories import RuleFactory
from alerts.services.evaluation import heartbeat_beat
from alerts.services.notifications import alert_report
from mastertrade.core import clock

pytestmark = pytest.mark.django_db


def test_metrics_show_firing_alerts_and_the_heartbeat_age(client, user):
    rule = RuleFactory(owner=user, severity="critical")
    alert_report(rule=rule, subject="s", condition="c", firing=True, title="t", detail="")
    heartbeat_beat(now=clock.now() - dt.timedelta(seconds=100))
    text = client.get("/metrics").content.decode()
    assert 'mastertrade_alerts_firing{severity="critical"} 1.0' in text
    age = float(next(line.split()[-1] for line in text.splitlines() if line.startswith("mastertrade_alerts_heartbeat")))
    assert 99 <= age < 200
