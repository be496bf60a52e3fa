"""Channels: where alerts go (Slack, Discord, Telegram, a webhook, e-mail). Creating,
changing, rotating a webhook's signing secret, deleting, and disabling one the receiver
says is gone. Secrets are encrypted at rest and shown masked."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from mastertrade.core.errors import Conflict

from .. import crypto, http
from ..kinds import ChannelKind, DeliveryStatus
from ..models import Channel, Delivery, Rule
from .errors import full_clean, invalid, mismatch, name_taken

logger = logging.getLogger(__name__)


def _channel_secret(*, kind: str, url: str, bot_token: str, address: str, signing_secret: str, previous: dict) -> dict:
    """Validate a channel's configuration; return the secret values to encrypt."""
    if kind not in ChannelKind.values:
        raise invalid("kind", f"Unknown channel type {kind!r}; use one of {', '.join(ChannelKind.values)}.")
    if kind in (ChannelKind.SLACK, ChannelKind.DISCORD, ChannelKind.WEBHOOK):
        url = url or previous.get("url", "")
        if not url:
            raise mismatch("url", "This channel type needs a URL.")
        base = {
            ChannelKind.SLACK: settings.ALERTS_SLACK_BASE_URL,
            ChannelKind.DISCORD: settings.ALERTS_DISCORD_BASE_URL,
        }
        problem = http.url_problem(url, base=base.get(kind))
        if problem:
            raise mismatch("url", problem)
        values = {"url": url}
        if kind == ChannelKind.WEBHOOK:
            if signing_secret and signing_secret != previous.get("secret"):
                if not signing_secret.startswith("whsec_") or len(signing_secret) < 30:
                    raise mismatch("signing_secret", "A signing secret is whsec_ followed by base64 (24+ bytes).")
                values["secret"] = signing_secret
                if previous.get("secret"):
                    values["previous_secret"] = previous["secret"]  # valid during the rotation overlap
            else:
                values["secret"] = previous.get("secret") or crypto.new_webhook_secret()
                if previous.get("previous_secret"):
                    values["previous_secret"] = previous["previous_secret"]
        return values
    if kind == ChannelKind.TELEGRAM:
        token = bot_token or previous.get("bot_token", "")
        if not token or len(token) > 100 or not all(c.isalnum() or c in ":_-" for c in token):
            raise mismatch("bot_token", "Enter the bot token BotFather gave you (digits:letters).")
        if not address or not address.lstrip("-@").replace("_", "").isalnum():
            raise mismatch("address", "Enter the chat id (a number, or @channelname).")
        return {"bot_token": token}
    from django.core.validators import validate_email

    try:
        validate_email(address)
    except Exception:
        raise mismatch("address", "Enter a valid e-mail address.") from None
    return {}


def _channel_save(channel: Channel) -> Channel:
    """Validate and save; a name the owner already uses is a 400 `name_taken`."""
    full_clean(channel, exclude=["owner"], validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise name_taken("a channel") from None
    return channel


def channel_create(
    *,
    owner,
    name: str,
    kind: str,
    url: str = "",
    bot_token: str = "",
    address: str = "",
    signing_secret: str = "",
) -> Channel:
    values = _channel_secret(
        kind=kind, url=url, bot_token=bot_token, address=address, signing_secret=signing_secret, previous={}
    )
    channel = Channel(owner=owner, name=name, kind=kind, address=address or "", secret=crypto.encrypt(values))
    return _channel_save(channel)


def channel_update(*, channel: Channel, **fields) -> Channel:
    """Change name, enabled, address or the secrets (a new signing secret keeps the old
    one valid as `previous` until the next rotation)."""
    allowed = {"name", "enabled", "address", "url", "bot_token", "signing_secret"}
    extra = set(fields) - allowed
    if extra:
        raise invalid(sorted(extra)[0], "This field cannot be changed.")
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if {"address", "url", "bot_token", "signing_secret"} & set(fields):
            values = _channel_secret(
                kind=channel.kind,
                url=fields.get("url", ""),
                bot_token=fields.get("bot_token", ""),
                address=fields.get("address", channel.address),
                signing_secret=fields.get("signing_secret", ""),
                previous=crypto.decrypt(channel.secret),
            )
            channel.secret = crypto.encrypt(values)
        for name in ("name", "enabled", "address"):
            if name in fields:
                setattr(channel, name, fields[name])
        if fields.get("enabled"):
            channel.disabled_reason = ""
        return _channel_save(channel)


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Delete a channel no rule uses; one that rules send or escalate to is refused
    (409 `channel_in_use`, naming the rules): remove it from them first."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    users = Rule.objects.filter(Q(channels=channel) | Q(escalation__channel=channel)).distinct().order_by("name")
    names = list(users.values_list("name", flat=True))
    if names:
        raise Conflict(
            f"Rules use this channel: {', '.join(repr(n) for n in names)}. Remove it from them first.",
            code="channel_in_use",
        )
    channel.delete()


def channel_signing_secret(channel: Channel) -> str:
    """A webhook channel's signing secret in full: shown only right after it is created or
    rotated (the API response, the page after the redirect); masked everywhere else."""
    return crypto.decrypt(channel.secret).get("secret", "")


def channel_rotate_secret(*, channel: Channel) -> Channel:
    """A new generated signing secret for a webhook channel; the previous one stays valid
    until the next rotation (receivers verify either during the overlap)."""
    if channel.kind != ChannelKind.WEBHOOK:
        raise Conflict("Only webhook channels have a signing secret.", code="no_signing_secret")
    return channel_update(channel=channel, signing_secret=crypto.new_webhook_secret())


def channel_secrets_masked(channel: Channel) -> dict:
    return {key: crypto.mask(value) for key, value in crypto.decrypt(channel.secret).items()}


def channel_disable(*, channel_id: int, reason: str) -> None:
    """Disable a channel the receiver says is gone; the reason shows on the page and in
    the API, and the owner is told by e-mail (when they have an address)."""
    Channel.objects.filter(pk=channel_id).update(enabled=False, disabled_reason=reason[:300])
    Delivery.objects.filter(channel_id=channel_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED
    )
    transaction.on_commit(lambda: _tell_owner_disabled(channel_id, reason))


def _tell_owner_disabled(channel_id: int, reason: str) -> None:
    from django.core.mail import send_mail

    channel = Channel.objects.select_related("owner").filter(pk=channel_id).first()
    if channel is None or not channel.owner.email:
        return
    try:
        send_mail(
            subject=f"[MasterTrade alerts] Channel {channel.name!r} disabled",
            message=f"{reason}\n\nAlerts no longer go to this channel. Fix it, then enable it again on "
            f"{settings.ALERTS_PUBLIC_BASE_URL.rstrip('/')}{reverse('alerts-page')}.",
            from_email=None,
            recipient_list=[channel.owner.email],
            fail_silently=False,
        )
    except Exception:  # the mail server is outside the system; the page still shows the reason
        logger.warning("alerts: could not e-mail the owner of channel %s about its disabling", channel_id)
