"""The /alerts/ page without a browser: login required, CSRF enforced, form errors by
the field with nothing saved, a multi-step escalation chain."""

import pytest
from django.test import Client

from alerts import crypto
from alerts.factories import ChannelFactory, RuleFactory
from alerts.models import Channel, EscalationStep, Rule
from alerts.services.channels import channel_create
from alerts.services.delivery import channel_send_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user):
    c = Client()
    c.force_login(user)
    return c


def rule_form(**fields):
    base = {
        "rule-name": "r",
        "rule-kind": "goal_at_risk",
        "rule-severity": "warning",
        "rule-status_threshold": "at_risk",
        "rule-deadline_days": "3",
        "rule-repeat_interval_seconds": "0",
        "rule-title_template": "$title",
        "rule-body_template": "$detail",
    }
    return base | {f"rule-{k}": v for k, v in fields.items()}


def test_the_page_needs_a_login(client):
    response = client.get("/alerts/")
    assert response.status_code == 302 and response["Location"].startswith("/alerts/login/")


def test_posts_need_the_csrf_token(user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    response = c.post("/alerts/channels/add/", {"channel-name": "x", "channel-kind": "email"})
    assert response.status_code == 403 and not Channel.objects.exists()


def test_an_escalation_chain_of_two_steps(browser, user):
    first, second, third = (ChannelFactory(owner=user) for _ in range(3))
    form = rule_form(
        channels=[first.pk],
        escalation_channel_1=second.pk,
        escalation_delay_1="60",
        escalation_channel_2=third.pk,
        escalation_delay_2="300",
    )
    assert browser.post("/alerts/rules/add/", form).status_code == 302
    steps = list(EscalationStep.objects.order_by("position").values_list("channel_id", "delay_seconds"))
    assert steps == [(second.pk, 60), (third.pk, 300)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"escalation_channel_2": "B", "escalation_delay_2": "-1"}, "escalation_delay_2", "cannot be negative"),
        ({"escalation_channel_2": "B", "escalation_delay_2": ""}, "escalation_delay_2", "Give the delay"),
        ({"body_template": "x" * 1001}, "body_template", "at most 1000"),
        ({"title_template": "$nope"}, "title_template", "Unknown placeholder"),
        ({"repeat_interval_seconds": "-5"}, "repeat_interval_seconds", "greater than or equal to 0"),
    ],
)
def test_rule_form_errors_sit_next_to_their_field(browser, user, fields, field, message):
    a, b = ChannelFactory(owner=user), ChannelFactory(owner=user)
    fields = {k: b.pk if v == "B" else v for k, v in fields.items()}
    form = rule_form(escalation_channel_1=a.pk, escalation_delay_1="10", **fields)
    response = browser.post("/alerts/rules/add/", form)
    assert response.status_code == 400
    errors = response.context["rule_form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Rule.objects.exists()


def test_someone_elses_channel_cannot_be_chosen(browser, other_user):
    theirs = ChannelFactory(owner=other_user)
    response = browser.post("/alerts/rules/add/", rule_form(channels=[theirs.pk]))
    assert response.status_code == 400 and "channels" in response.context["rule_form"].errors
    assert browser.post(f"/alerts/channels/{theirs.pk}/delete/").status_code == 404
    assert Channel.objects.filter(pk=theirs.pk).exists()


def test_a_rule_is_disabled_and_enabled_from_the_page(browser, user):
    from alerts.factories import RuleFactory

    rule = RuleFactory(owner=user)
    assert browser.post(f"/alerts/rules/{rule.pk}/toggle/").status_code == 302
    assert not Rule.objects.get(pk=rule.pk).enabled
    assert "Enable" in browser.get("/alerts/").content.decode()
    browser.post(f"/alerts/rules/{rule.pk}/toggle/")
    assert Rule.objects.get(pk=rule.pk).enabled


def test_a_webhook_secret_is_shown_once_after_create_and_rotate(browser, user, receiver):
    form = {"channel-name": "hook", "channel-kind": "webhook", "channel-url": receiver.url_for("/h")}
    response = browser.post("/alerts/channels/add/", form)
    assert response.status_code == 200
    channel = Channel.objects.get(name="hook")
    secret = crypto.decrypt(channel.secret)["secret"]
    assert secret in response.content.decode()
    assert secret not in browser.get("/alerts/").content.decode()  # masked afterwards
    response = browser.post(f"/alerts/channels/{channel.pk}/rotate-secret/")
    new = crypto.decrypt(Channel.objects.get(pk=channel.pk).secret)["secret"]
    assert new != secret and new in response.content.decode()
    assert new not in browser.get("/alerts/").content.decode()


def test_control_characters_in_a_name_are_a_form_error(browser):
    response = browser.post(
        "/alerts/channels/add/", {"channel-name": "a\x1b[31mb", "channel-kind": "email", "channel-address": "a@x.test"}
    )
    assert response.status_code == 400 and "control characters" in response.content.decode()
    response = browser.post("/alerts/rules/add/", rule_form(name="bell\x07"))
    assert response.status_code == 400 and "control characters" in response.content.decode()
    assert not Channel.objects.exists() and not Rule.objects.exists()


def test_deleting_a_channel_a_rule_uses_is_refused_naming_the_rule(browser, user):
    channel = ChannelFactory(owner=user)
    RuleFactory(owner=user, name="watch goals", channels=[channel])
    response = browser.post(f"/alerts/channels/{channel.pk}/delete/")
    assert response.status_code == 409 and "watch goals" in response.content.decode()
    assert Channel.objects.filter(pk=channel.pk).exists()


def test_a_permanent_failure_shows_in_the_delivery_history(browser, user, smtp_server):
    channel = channel_create(owner=user, name="mail", kind="email", address="gone@example.test")
    smtp_server.refuse_recipients = "550 5.1.1 No such user"
    delivery = channel_send_test(channel=channel)
    assert delivery.status == "failed"
    page = browser.get("/alerts/").content.decode()
    assert "Permanent, not retried" in page
