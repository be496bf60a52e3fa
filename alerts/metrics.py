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
    """At scrape time, one query: mastertrade_alerts_firing{severity} (alerts firing now)
    and mastertrade_alerts_heartbeat_age_seconds (time since the worker last ran beat's
    alerts tick — the outside view of a stale worker or beat, which cannot alert on itself)."""

    SQL = (
        "SELECT severity, count(*), NULL FROM alert_notifications WHERE state = 'firing' GROUP BY 1 "
        "UNION ALL SELECT 'heartbeat', 0, EXTRACT(EPOCH FROM now() - seen_at) FROM alert_heartbeats "
        "WHERE name = 'tick'"
    )

    def collect(self):
        firing = GaugeMetricFamily("mastertrade_alerts_firing", "Alerts firing now, by severity.", labels=["severity"])
        age = GaugeMetricFamily(
            "mastertrade_alerts_heartbeat_age_seconds",
            "Seconds since the worker last ran beat's alerts tick (-1 = never).",
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(self.SQL)
                rows = cursor.fetchall()
        except (DatabaseError, InterfaceError):
            connection.close_if_unusable_or_obsolete()
            return
        counts = {severity: count for severity, count, _ in rows if severity != "heartbeat"}
        ages = [float(seconds) for severity, _, seconds in rows if severity == "heartbeat"]
        for severity in Severity.values:
            firing.add_metric([severity], counts.get(severity, 0))
        age.add_metric([], ages[0] if ages else -1)
        yield firing
        yield age
