"""OpenAPI descriptions and examples of the alerts API, applied in views.py with
`@extend_schema(**schema.X)`."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error

from . import serializers as s

NAME_TAKEN = error("You already have one with this name (`name_taken`).")

TAGS = ["alerts"]

CHANNEL_OUT = OpenApiExample(
    "A webhook channel",
    value={
        "id": 3,
        "name": "engine webhook",
        "kind": "webhook",
        "address": "",
        "enabled": True,
        "disabled_reason": "",
        "secrets": {"url": "https://hooks.example.com/…ts/1", "secret": "…Qk8="},
        "created_at": "2026-11-25T20:00:00Z",
    },
    response_only=True,
)
CHANNEL_REVEALED = OpenApiExample(
    "A webhook channel, its signing secret shown this once",
    value={**CHANNEL_OUT.value, "signing_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
    response_only=True,
)
RULE_OUT = OpenApiExample(
    "An at-risk rule with escalation",
    value={
        "id": 7,
        "name": "goals at risk",
        "kind": "goal_at_risk",
        "severity": "warning",
        "enabled": True,
        "goal": None,
        "status_threshold": "at_risk",
        "deadline_days": 3,
        "losing_streak": None,
        "strategy_drawdown": None,
        "event_kind": "",
        "repeat_interval_seconds": 3600,
        "channels": [3],
        "escalation": [{"channel": 4, "delay_seconds": 900}],
        "title_template": "[$severity] $title",
        "body_template": "$detail\n\nRule: $rule\nAcknowledge: $ack_url",
        "created_at": "2026-11-25T20:00:00Z",
    },
    response_only=True,
)
NOTIFICATION_OUT = OpenApiExample(
    "A firing alert",
    value={
        "id": 12,
        "rule": 7,
        "rule_name": "goals at risk",
        "subject": "goal:1",
        "severity": "warning",
        "title": "Goal '5% this month' is at risk",
        "detail": "progress 20.00% vs 40.00% expected",
        "state": "firing",
        "fired_at": "2026-11-25T20:05:00Z",
        "last_notified_at": "2026-11-25T20:05:00Z",
        "resolved_at": None,
        "acknowledged_at": None,
        "repeats": 0,
        "escalation_level": 0,
    },
    response_only=True,
)
DELIVERY_OUT = OpenApiExample(
    "A delivery sent on the second attempt",
    value={
        "id": 30,
        "notification": 12,
        "channel": 3,
        "channel_name": "engine webhook",
        "event": "fire",
        "message_id": "5b0c7a34-3c9e-4d0b-9d55-8f1e2f4f6a10",
        "status": "sent",
        "attempts": 2,
        "created_at": "2026-11-25T20:05:00Z",
        "sent_at": "2026-11-25T20:05:06Z",
        "next_attempt_at": None,
        "last_error": "",
        "attempt_log": [
            {
                "at": "2026-11-25T20:05:00Z",
                "outcome": "retry",
                "status_code": 500,
                "latency_ms": 41,
                "error": "HTTP 500",
            },
            {"at": "2026-11-25T20:05:06Z", "outcome": "sent", "status_code": 200, "latency_ms": 38, "error": ""},
        ],
    },
    response_only=True,
)


def _page(example: OpenApiExample) -> OpenApiExample:
    return OpenApiExample(
        f"A page: {example.name}",
        value={"count": 1, "next": None, "previous": None, "results": [example.value]},
        response_only=True,
    )


CHANNEL_LIST = {
    "summary": "List your alert channels",
    "description": "Your channels; secrets (URLs, tokens, signing secrets) are shown masked.",
    "responses": {200: s.ChannelOutput(many=True), **READ_ERRORS},
    "examples": [_page(CHANNEL_OUT)],
}
CHANNEL_CREATE = {
    "summary": "Add an alert channel",
    "description": "`kind` is slack / discord (`url` on the service's own host), telegram (`bot_token`, "
    "`address` = chat id), email (`address`) or webhook (`url`, https; `signing_secret` whsec_…, generated "
    "when omitted). This answer carries the webhook's `signing_secret` in full, the only time it is shown; "
    "afterwards it is masked (rotate it to see a new one). Secrets are encrypted at rest.",
    "request": s.ChannelInput,
    "responses": {201: s.ChannelRevealOutput, 409: NAME_TAKEN, **WRITE_ERRORS},
    "examples": [
        OpenApiExample(
            "Slack",
            value={"name": "ops slack", "kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/XXXX"},
            request_only=True,
        ),
        OpenApiExample(
            "Webhook",
            value={"name": "engine webhook", "kind": "webhook", "url": "https://hooks.example.com/alerts/1"},
            request_only=True,
        ),
        CHANNEL_REVEALED,
    ],
}
CHANNEL_GET = {
    "summary": "Get an alert channel",
    "description": "One of your channels, secrets masked.",
    "responses": {200: s.ChannelOutput, **READ_ERRORS},
    "examples": [CHANNEL_OUT],
}
CHANNEL_UPDATE = {
    "summary": "Change an alert channel",
    "description": "Rename, enable/disable (enabling clears the reason it was disabled), change the address "
    "or a secret. A new `signing_secret` rotates: the previous one still signs until the next rotation.",
    "request": s.ChannelUpdateInput,
    "responses": {200: s.ChannelOutput, 409: NAME_TAKEN, **WRITE_ERRORS, **READ_ERRORS},
    "examples": [OpenApiExample("Disable", value={"enabled": False}, request_only=True), CHANNEL_OUT],
}
CHANNEL_DELETE = {
    "summary": "Delete an alert channel",
    "description": "Delete the channel and its deliveries. A channel that rules send or escalate to is not "
    "deleted: 409 `channel_in_use` names those rules; remove the channel from them first.",
    "responses": {
        204: None,
        409: error("Rules use this channel (`channel_in_use`); the message names them."),
        **READ_ERRORS,
    },
}
CHANNEL_ROTATE_SECRET = {
    "summary": "Rotate a webhook's signing secret",
    "description": "Generates a new signing secret and answers it in full (`signing_secret`), the only time "
    "it is shown. The previous secret still signs, beside the new one, until the next rotation.",
    "request": None,
    "responses": {
        200: s.ChannelRevealOutput,
        409: error("Not a webhook channel (`no_signing_secret`)."),
        **WRITE_ERRORS,
        **READ_ERRORS,
    },
    "examples": [CHANNEL_REVEALED],
}
CHANNEL_TEST = {
    "summary": "Send a test message",
    "description": "Sends a test message now (one attempt, no retry) and answers the delivery with its attempt.",
    "request": None,
    "responses": {
        200: s.DeliveryOutput,
        409: error("The channel is disabled (`channel_disabled`): enable it first."),
        **WRITE_ERRORS,
        **READ_ERRORS,
    },
    "examples": [DELIVERY_OUT],
}
RULE_EXAMPLE_IN = OpenApiExample(
    "At risk, escalate after 15 minutes",
    value={
        "name": "goals at risk",
        "kind": "goal_at_risk",
        "severity": "warning",
        "status_threshold": "at_risk",
        "repeat_interval_seconds": 3600,
        "channels": [3],
        "escalation": [{"channel": 4, "delay_seconds": 900}],
    },
    request_only=True,
)
RULE_LIST = {
    "summary": "List your alert rules",
    "description": "Your rules with their thresholds, channels and escalation chain.",
    "responses": {200: s.RuleOutput(many=True), **READ_ERRORS},
    "examples": [_page(RULE_OUT)],
}
RULE_CREATE = {
    "summary": "Create an alert rule",
    "description": "Kinds: goal_at_risk (`status_threshold` at_risk = at risk or behind, behind = behind only), "
    "goal_missed, goal_achieved, deadline_near (`deadline_days`), drawdown (sizing protective or halted), "
    "strategy_failure (status failed, `losing_streak`, `strategy_drawdown`), data_down, external_event "
    "(`event_kind`, blank = every kind). `goal` limits a goal rule to one goal. `repeat_interval_seconds` "
    "0 = never repeat. Templates use $title $detail $severity $rule $subject $state $ack_url. Channels and "
    "escalation channels must be yours.",
    "request": s.RuleInput,
    "responses": {201: s.RuleOutput, 409: NAME_TAKEN, **WRITE_ERRORS},
    "examples": [RULE_EXAMPLE_IN, RULE_OUT],
}
RULE_GET = {
    "summary": "Get an alert rule",
    "description": "One of your rules.",
    "responses": {200: s.RuleOutput, **READ_ERRORS},
    "examples": [RULE_OUT],
}
RULE_UPDATE = {
    "summary": "Change an alert rule",
    "description": "Any field of the rule; `channels` and `escalation` replace the lists.",
    "request": s.RuleInput(partial=True),
    "responses": {200: s.RuleOutput, 409: NAME_TAKEN, **WRITE_ERRORS, **READ_ERRORS},
    "examples": [OpenApiExample("Mute", value={"enabled": False}, request_only=True), RULE_OUT],
}
RULE_DELETE = {
    "summary": "Delete an alert rule",
    "description": "Delete the rule and its notifications.",
    "responses": {204: None, **READ_ERRORS},
}
NOTIFICATION_LIST = {
    "summary": "List your alerts",
    "description": "Firings of your rules, newest first; `?state=firing` for the ones firing now.",
    "parameters": [OpenApiParameter("state", str, enum=["firing", "resolved"], required=False)],
    "responses": {
        200: s.NotificationOutput(many=True),
        400: error("`state` is not firing or resolved."),
        **READ_ERRORS,
    },
    "examples": [_page(NOTIFICATION_OUT)],
}
NOTIFICATION_GET = {
    "summary": "Get an alert",
    "description": "One firing of one of your rules.",
    "responses": {200: s.NotificationOutput, **READ_ERRORS},
    "examples": [NOTIFICATION_OUT],
}
NOTIFICATION_ACK = {
    "summary": "Acknowledge an alert",
    "description": "Acknowledge: nothing escalates afterwards. Idempotent (the first time is kept).",
    "request": None,
    "responses": {200: s.NotificationOutput, **READ_ERRORS},
    "examples": [NOTIFICATION_OUT],
}
DELIVERY_LIST = {
    "summary": "Delivery history",
    "description": "Every message sent (or tried) to your channels, newest first, with each attempt: time, "
    "outcome, HTTP status, latency, error.",
    "responses": {200: s.DeliveryOutput(many=True), **READ_ERRORS},
    "examples": [_page(DELIVERY_OUT)],
}
EVENT_POST = {
    "summary": "Post an external event",
    "description": "The trading engine reports an event (e.g. `whale_detected`). Each of your enabled "
    "external_event rules matching `kind` fires once per (kind, subject, dedup_key) — a repeat of the same "
    "event is deduplicated — and `status: resolved` with the same key resolves it. Answers the alerts "
    "opened, repeated or resolved (possibly none).",
    "request": s.EventInput,
    "responses": {202: s.EventOutput, **WRITE_ERRORS},
    "examples": [
        OpenApiExample(
            "Whale detected",
            value={
                "kind": "whale_detected",
                "severity": "critical",
                "subject": "BTCUSDT",
                "message": "1,200 BTC moved to an exchange",
                "dedup_key": "btc-2026-11-25T20",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Resolve it",
            value={
                "kind": "whale_detected",
                "subject": "BTCUSDT",
                "dedup_key": "btc-2026-11-25T20",
                "status": "resolved",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Alerts touched",
            value={"notifications": [NOTIFICATION_OUT.value]},
            response_only=True,
            status_codes=["202"],
        ),
    ],
}
