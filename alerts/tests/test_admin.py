"""The alerts admin: every list answers, and no secret shows unmasked."""

import pytest

from alerts.factories import ChannelFactory, RuleFactory
from alerts.services.notifications import alert_report

pytestmark = pytest.mark.django_db


def test_admin_lists_alerts_with_secrets_masked(client, user, django_user_model):
    staff = django_user_model.objects.create_superuser("alerts-admin", "a@example.test", "pw-alerts-admin-1")
    ChannelFactory(owner=user, url="https://hooks.example.com/very-secret-path-9999")
    rule = RuleFactory(owner=user)
    alert_report(rule=rule, subject="s", condition="c", firing=True, title="t", detail="")
    client.force_login(staff)
    for model in ("channel", "rule", "notification", "delivery"):
        response = client.get(f"/admin/alerts/{model}/")
        assert response.status_code == 200, model
        assert "very-secret-path" not in response.content.decode()
    assert "…9999" in client.get("/admin/alerts/channel/").content.decode()
