"""The alerts' Prometheus metrics. Labels come from the bounded vocabularies in
alerts/kinds.py (anything else is "other"): never a user, a rule name or a channel name."""

from django.db import DatabaseError, InterfaceError, connection
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from .kinds import AttemptOutcome, ChannelKind, RuleKind, Severity

OTHER = "other"

NOTIFICATIONS = Counter(
    "mastertrade_alert_notifications", "Alert notifications fired, by rule kind and severity.", ["rule", "severity"]
)
DELIVERIES = Counter(
    "mastertrade_alert_deliveries", "Alert delivery attempts, by channel type and outcome.", ["channel", "outcome"]
)
DELIVERY_LATENCY = Histogram(
    "mastertrade_alert_delivery_latency_seconds",
    "Duration of each delivery attempt (the receiver's answer, or the failure).",
    ["channel"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

for _kind in RuleKind.values:
    for _severity in Severity.values:
        NOTIFICATIONS.labels(rule=_kind, severity=_severity)
for _channel in ChannelKind.values:
    DELIVERY_LATENCY.labels(channel=_channel)
    for _outcome in AttemptOutcome.values:
        DELIVERIES.labels(channel=_channel, outcome=_outcome)


def _bounded(value: str, allowed) -> str:
    return value if value in allowed else OTHER


def record_notification(*, rule: str, severity: str) -> None:
    NOTIFICATIONS.labels(rule=_bounded(rule, RuleKind.values), severity=_bounded(severity, Severity.values)).inc()


def record_delivery(*, channel: str, outcome: str, seconds: float) -> None:
    channel = _bounded(channel, ChannelKind.values)
    DELIVERIES.labels(channel=channel, outcome=_bounded(outcome, AttemptOutcome.values)).inc()
    DELIVERY_LATENCY.labels(channel=channel).observe(seconds)


class FiringCollector:
    """mastertrade_alerts_firing{severity}: alerts firing now (one query at scrape time)."""

    def collect(self):
        family = GaugeMetricFamily("mastertrade_alerts_firing", "Alerts firing now, by severity.", labels=["severity"])
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT severity, count(*) FROM alert_notifications WHERE state = 'firing' GROUP BY 1")
                counts = dict(cursor.fetchall())
        except (DatabaseError, InterfaceError):
            connection.close_if_unusable_or_obsolete()
            return
        for severity in Severity.values:
            family.add_metric([severity], counts.get(severity, 0))
        yield family
