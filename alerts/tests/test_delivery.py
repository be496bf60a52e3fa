"""Delivery to real local receivers: what each channel type sends, signatures checked
with the `standardwebhooks` library, retries, Retry-After, 410, idempotence, SSRF."""

import datetime as dt
import json

import pytest
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from alerts import crypto
from alerts.factories import ChannelFactory, RuleFactory
from alerts.models import Channel, Delivery, DeliveryAttempt, Notification
from alerts.services.channels import channel_create, channel_secrets_masked, channel_update
from alerts.services.delivery import delivery_attempt
from alerts.services.notifications import alert_report
from alerts.tests.fixtures import received
from mastertrade.core import clock

pytestmark = pytest.mark.django_db


def fired(user, channel, *, title="Goal 'x' is at risk"):
    """A firing notification with one pending delivery to `channel`."""
    rule = RuleFactory(owner=user, channels=[channel])
    n = alert_report(rule=rule, subject="goal:1", condition="at_risk", firing=True, title=title, detail="progress 20%")
    return n, Delivery.objects.get(notification=n, channel=channel)


def webhook_channel(user, receiver, path="/hook", **kwargs):
    url = receiver.url_for(path)
    return channel_create(owner=user, name=f"hook {path}", kind="webhook", url=url, **kwargs)


def test_webhook_is_signed_per_standard_webhooks(user, receiver):
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    channel = webhook_channel(user, receiver)
    n, delivery = fired(user, channel)
    assert delivery_attempt(delivery_id=delivery.pk) is None
    [request] = received(receiver, "/hook")
    secret = crypto.decrypt(Channel.objects.get(pk=channel.pk).secret)["secret"]
    payload = Webhook(secret).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "alert.fire"
    assert payload["data"]["notification_id"] == n.pk and payload["data"]["state"] == "firing"
    assert request.headers["webhook-id"] == str(delivery.message_id)
    with pytest.raises(Exception, match="signature"):
        Webhook(crypto.new_webhook_secret()).verify(request.get_data(), dict(request.headers))
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1
    [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert attempt.outcome == "sent" and attempt.status_code == 200


def test_rotated_secret_signs_with_both_during_the_overlap(user, receiver):
    receiver.expect_request("/hook").respond_with_data("ok")
    channel = webhook_channel(user, receiver)
    old = crypto.decrypt(channel.secret)["secret"]
    new = crypto.new_webhook_secret()
    channel_update(channel=channel, signing_secret=new)
    _, delivery = fired(user, channel)
    delivery_attempt(delivery_id=delivery.pk)
    [request] = received(receiver, "/hook")
    for secret in (old, new):
        Webhook(secret).verify(request.get_data(), dict(request.headers))
    assert len(request.headers["webhook-signature"].split(" ")) == 2


def test_slack_discord_telegram_reach_their_fixed_hosts(user, receiver, settings):
    base = receiver.url_for("/")
    settings.ALERTS_SLACK_BASE_URL = base + "slack/"
    settings.ALERTS_DISCORD_BASE_URL = base + "discord/"
    settings.ALERTS_TELEGRAM_BASE_URL = base + "telegram/"
    for path in ("/slack/services/T/B/x", "/discord/1/abc", "/telegram/bot123:ABC/sendMessage"):
        receiver.expect_request(path, method="POST").respond_with_data("ok")
    channels = [
        channel_create(owner=user, name="s", kind="slack", url=base + "slack/services/T/B/x"),
        channel_create(owner=user, name="d", kind="discord", url=base + "discord/1/abc"),
        channel_create(owner=user, name="t", kind="telegram", bot_token="123:ABC", address="-100200"),
    ]
    rule = RuleFactory(owner=user, channels=channels)
    n = alert_report(rule=rule, subject="s", condition="c", firing=True, title="Title here", detail="d")
    for delivery in Delivery.objects.filter(notification=n):
        delivery_attempt(delivery_id=delivery.pk)
    bodies = {r.path: json.loads(r.get_data()) for r in received(receiver)}
    assert "Title here" in bodies["/slack/services/T/B/x"]["text"]
    assert "Title here" in bodies["/discord/1/abc"]["content"]
    assert bodies["/telegram/bot123:ABC/sendMessage"]["chat_id"] == "-100200"
    assert set(Delivery.objects.filter(notification=n).values_list("status", flat=True)) == {"sent"}


def test_email_goes_through_a_real_smtp_server(user, smtp_server):
    channel = channel_create(owner=user, name="mail", kind="email", address="trader@example.test")
    _, delivery = fired(user, channel, title="Goal 'mail' is behind")
    delivery_attempt(delivery_id=delivery.pk)
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["trader@example.test"]
    assert b"Goal 'mail' is behind" in envelope.content
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"


def test_500_then_200_is_one_successful_delivery(user, receiver):
    receiver.expect_ordered_request("/hook").respond_with_data("boom", status=500)
    receiver.expect_ordered_request("/hook").respond_with_data("ok")
    channel = webhook_channel(user, receiver)
    _, delivery = fired(user, channel)
    now = clock.now()
    delay = delivery_attempt(delivery_id=delivery.pk, now=now)
    assert delay is not None and delay > 0
    assert delivery_attempt(delivery_id=delivery.pk, now=now + dt.timedelta(seconds=delay)) is None
    # The task redelivered once more: nothing is sent again.
    assert delivery_attempt(delivery_id=delivery.pk, now=now + dt.timedelta(seconds=60)) is None
    requests = received(receiver, "/hook")
    assert len(requests) == 2 and len({r.headers["webhook-id"] for r in requests}) == 1
    attempts = DeliveryAttempt.objects.filter(delivery=delivery).order_by("at")
    outcomes = list(attempts.values_list("outcome", "status_code"))
    assert outcomes == [("retry", 500), ("sent", 200)]


def test_429_retry_after_is_honoured(user, receiver, settings):
    settings.ALERTS_RETRY_MAX_SECONDS = 600
    receiver.expect_request("/hook").respond_with_data("slow down", status=429, headers={"Retry-After": "42"})
    _, delivery = fired(user, webhook_channel(user, receiver))
    now = clock.now()
    delay = delivery_attempt(delivery_id=delivery.pk, now=now)
    assert delay == 42
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at == now + dt.timedelta(seconds=42)
    # An early duplicate of the task does not jump the queue.
    assert delivery_attempt(delivery_id=delivery.pk, now=now + dt.timedelta(seconds=5)) is None
    assert len(received(receiver)) == 1


def test_410_disables_the_channel_and_says_why(user, receiver, smtp_server, django_capture_on_commit_callbacks):
    receiver.expect_request("/hook").respond_with_data("gone", status=410)
    channel = webhook_channel(user, receiver)
    n, delivery = fired(user, channel)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=delivery.pk)
    channel.refresh_from_db()
    assert not channel.enabled and "410" in channel.disabled_reason
    [mail] = smtp_server.messages  # the owner is told
    assert mail.rcpt_tos == [user.email] and b"disabled" in mail.content
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
    # Later firings do not send to a disabled channel.
    alert_report(rule=n.rule, subject="other", condition="c", firing=True, title="t", detail="")
    assert not Delivery.objects.filter(channel=channel, notification__subject="other").exists()
    assert len(received(receiver)) == 1


def test_every_failure_is_recorded_and_retries_stop(user, receiver, settings):
    settings.ALERTS_MAX_ATTEMPTS = 3
    receiver.expect_request("/hook").respond_with_data("boom", status=503)
    _, delivery = fired(user, webhook_channel(user, receiver))
    now = clock.now()
    for i in range(5):
        delivery_attempt(delivery_id=delivery.pk, now=now + dt.timedelta(minutes=i))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["failed", "retry", "retry"]


# --- SSRF


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://[::1]:{port}/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_private_addresses_are_refused_and_nothing_is_sent(user, receiver, settings, url):
    settings.ALERTS_ALLOW_LOOPBACK = False
    receiver.expect_request("/hook").respond_with_data("ok")
    url = url.format(port=receiver.port)
    with pytest.raises(Exception) as refused:
        channel_create(owner=user, name="bad", kind="webhook", url=url)
    assert "url" in refused.value.errors
    # Saved earlier (or its DNS changed since): refused at send time, never retried.
    channel = ChannelFactory(owner=user, url=url)
    _, delivery = fired(user, channel)
    assert delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempt_log.get().outcome == "refused"
    assert received(receiver) == []


def test_a_redirect_to_the_metadata_address_is_not_followed(user, receiver):
    receiver.expect_request("/hook").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    _, delivery = fired(user, webhook_channel(user, receiver))
    assert delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "redirect" in delivery.last_error
    assert len(received(receiver)) == 1


def test_secrets_are_encrypted_at_rest_and_masked(user, receiver):
    channel = webhook_channel(user, receiver, "/secret-path-token-abcdef")
    raw = Channel.objects.filter(pk=channel.pk).values_list("secret", flat=True).get()
    assert "secret-path-token" not in raw and "whsec_" not in raw
    masked = channel_secrets_masked(channel)
    assert masked["url"].endswith("…cdef") and "secret-path" not in masked["url"]
    assert masked["secret"].startswith("…") and len(masked["secret"]) == 5


def test_dedup_repeat_and_resolve(user, receiver):
    channel = webhook_channel(user, receiver)
    rule = RuleFactory(owner=user, channels=[channel], repeat_interval_seconds=600)
    now = clock.now()
    report = dict(rule=rule, subject="goal:1", condition="goal_at_risk", title="t", detail="")
    first = alert_report(firing=True, now=now, **report)
    assert alert_report(firing=True, now=now + dt.timedelta(seconds=60), **report) is None
    again = alert_report(firing=True, now=now + dt.timedelta(seconds=601), **report)
    assert again.pk == first.pk and again.repeats == 1
    resolved = alert_report(firing=False, now=now + dt.timedelta(seconds=700), **report)
    assert resolved.state == "resolved"
    events = list(Delivery.objects.filter(notification=first).order_by("id").values_list("event", flat=True))
    assert events == ["fire", "repeat", "resolve"]
    # Firing again later is a new notification.
    assert alert_report(firing=True, now=now + dt.timedelta(seconds=800), **report).pk != first.pk
    assert Notification.objects.filter(rule=rule).count() == 2


def test_a_failure_never_records_the_secret_url(user, settings):
    settings.ALERTS_TELEGRAM_BASE_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    channel = channel_create(owner=user, name="t", kind="telegram", bot_token="123:SECRETTOKEN", address="42")
    _, delivery = fired(user, channel)
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "ConnectionError" in delivery.last_error
    assert "SECRETTOKEN" not in delivery.last_error + delivery.attempt_log.get().error


@pytest.mark.parametrize("url", ["https://0x0a000001/hook", "https://2852039166/hook", "https://[::ffff:10.0.0.1]/"])
def test_other_notations_are_refused_at_send_time_too(user, receiver, settings, url):
    """Saved before the save-time check knew them: the send-time guard (the same
    `address_problem`) refuses them, never retried."""
    settings.ALERTS_ALLOW_LOOPBACK = False
    channel = ChannelFactory(owner=user, url=url)
    _, delivery = fired(user, channel)
    assert delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempt_log.get().outcome == "refused"


def test_a_line_break_in_the_subject_fails_once_for_good(user, smtp_server):
    channel = channel_create(owner=user, name="mail", kind="email", address="trader@example.test")
    rule = RuleFactory(owner=user, channels=[channel], title_template="$detail")
    n = alert_report(rule=rule, subject="s", condition="c", firing=True, title="t", detail="one\ntwo")
    delivery = Delivery.objects.get(notification=n)
    assert delivery_attempt(delivery_id=delivery.pk) is None  # no retry
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 1
    [attempt] = delivery.attempt_log.all()
    assert attempt.outcome == "failed" and "Permanent" in attempt.error and "BadHeaderError" in attempt.error
    assert smtp_server.messages == []


def test_a_permanent_smtp_refusal_is_not_retried_but_a_temporary_one_is(user, smtp_server):
    channel = channel_create(owner=user, name="mail", kind="email", address="gone@example.test")
    smtp_server.refuse_recipients = "550 5.1.1 No such user"
    _, delivery = fired(user, channel)
    assert delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "Permanent" in delivery.last_error
    smtp_server.refuse_recipients = "450 4.2.1 Mailbox busy"
    _, later = fired(user, channel, title="another")
    assert delivery_attempt(delivery_id=later.pk) is not None  # transient: retried
    later.refresh_from_db()
    assert later.status == "pending" and "Permanent" not in later.last_error
