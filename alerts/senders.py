"""One send to one channel. Each sender returns a `Result`; none retries (the delivery
service decides) and none logs a secret."""

import datetime as dt
import json
import smtplib
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from standardwebhooks.webhooks import Webhook

from . import crypto, http
from .kinds import ChannelKind


@dataclass
class Message:
    message_id: str
    event: str
    title: str
    body: str
    payload: dict  # the structured form (webhook body "data")


@dataclass
class Result:
    ok: bool
    status_code: int | None = None
    error: str = ""
    retry_after: str | None = None
    refused: bool = False  # the address is not allowed (SSRF guard): never retried
    permanent: bool = False  # can never succeed as is (a bad header, a 5xx SMTP refusal): never retried
    latency: float = 0.0

    @property
    def gone(self) -> bool:
        return self.status_code == 410

    @property
    def retryable(self) -> bool:
        if self.ok or self.refused or self.permanent or self.gone:
            return False
        return self.status_code is None or self.status_code in (408, 425, 429) or self.status_code >= 500


def webhook_headers(*, secrets: list[str], message_id: str, body: str, now: dt.datetime) -> dict:
    """Standard Webhooks headers; one `v1,` signature per valid secret (rotation overlap)."""
    signatures = " ".join(Webhook(secret).sign(message_id, now, body) for secret in secrets if secret)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def _request(channel, message: Message, now: dt.datetime) -> tuple[str, dict, str]:
    secret = crypto.decrypt(channel.secret)
    text = f"{message.title}\n{message.body}"
    if channel.kind == ChannelKind.SLACK:
        return secret["url"], {"content-type": "application/json"}, json.dumps({"text": text})
    if channel.kind == ChannelKind.DISCORD:
        return secret["url"], {"content-type": "application/json"}, json.dumps({"content": text[:2000]})
    if channel.kind == ChannelKind.TELEGRAM:
        base = settings.ALERTS_TELEGRAM_BASE_URL.rstrip("/")
        url = f"{base}/bot{secret['bot_token']}/sendMessage"
        return url, {"content-type": "application/json"}, json.dumps({"chat_id": channel.address, "text": text})
    body = json.dumps(
        {"type": f"alert.{message.event}", "timestamp": now.isoformat(), "data": message.payload}, sort_keys=True
    )
    secrets = [secret.get("secret", ""), secret.get("previous_secret", "")]
    return secret["url"], webhook_headers(secrets=secrets, message_id=message.message_id, body=body, now=now), body


def _error(exc: Exception) -> str:
    """A short reason, never the URL (its path can hold a token, as Telegram's does)."""
    if isinstance(exc, requests.Timeout):
        return "Timeout: the receiver did not answer in time."
    if isinstance(exc, requests.ConnectionError):
        return "ConnectionError: could not connect to the receiver."
    if isinstance(exc, requests.RequestException):
        return f"{type(exc).__name__}: the request failed."
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def send(channel, message: Message, *, now: dt.datetime) -> Result:
    started = time.monotonic()
    sender = _send_email if channel.kind == ChannelKind.EMAIL else _send_http
    result = sender(channel, message, now)
    result.latency = time.monotonic() - started
    return result


def _send_http(channel, message: Message, now: dt.datetime) -> Result:
    url, headers, body = _request(channel, message, now)
    try:
        with http.session() as s:
            response = s.post(url, data=body.encode(), headers=headers, allow_redirects=False)
    except http.InvalidIPAddress:
        return Result(ok=False, refused=True, error="The address is not allowed (private, loopback or metadata).")
    except requests.RequestException as exc:
        return Result(ok=False, error=_error(exc))
    ok = 200 <= response.status_code < 300
    error = "" if ok else f"HTTP {response.status_code}"
    if 300 <= response.status_code < 400:
        error = f"HTTP {response.status_code}: redirects are not followed"
    return Result(ok=ok, status_code=response.status_code, error=error, retry_after=response.headers.get("Retry-After"))


def _send_email(channel, message: Message, now: dt.datetime) -> Result:
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        sent = EmailMessage(
            subject=message.title[:200],
            body=message.body,
            to=[channel.address],
            connection=connection,
            headers={"Message-ID": f"<{message.message_id}@mastertrade.alerts>"},
        ).send()
    except Exception as exc:  # SMTP errors are many types; each is a failed attempt
        permanent = _email_permanent(exc)
        error = f"Permanent, not retried: {_error(exc)}" if permanent else _error(exc)
        return Result(ok=False, error=error, permanent=permanent)
    return Result(ok=bool(sent), error="" if sent else "not sent")


def _email_permanent(exc: Exception) -> bool:
    """An e-mail error that sending again cannot fix: a header the message cannot carry
    (a line break in the subject), or a 5xx SMTP answer (recipient, sender or message
    refused for good). 4xx answers and connection failures are transient."""
    if isinstance(exc, BadHeaderError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False
