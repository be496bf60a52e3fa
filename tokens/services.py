"""API tokens: issue, list, revoke, purge.

A token is shown once, when it is issued; the database keeps only its SHA-512 digest
(django-rest-knox) and its first 15 characters to find the row. Tokens expire after
`API_TOKEN_TTL_SECONDS` (0: never). Every way of revoking a token deletes its row, and
deleting a row forgets it in this process's memo of verified tokens (tokens.signals)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiToken


def token_ttl() -> dt.timedelta | None:
    seconds = settings.API_TOKEN_TTL_SECONDS
    return dt.timedelta(seconds=seconds) if seconds > 0 else None


@transaction.atomic
def api_token_create(*, user, name: str = "default") -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the row and the token (shown this once)."""
    token, key = ApiToken.objects.create(user=user, expiry=token_ttl(), name=name)
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    token.delete()  # post_delete forgets it in the memo (tokens.signals)


def api_tokens_revoke_for_user(*, user) -> int:
    """Revoke every token of `user` (deactivated, or its password changed); returns how many."""
    return ApiToken.objects.filter(user=user).delete()[0]


def api_tokens_purge_expired(*, now: dt.datetime) -> int:
    """Delete the tokens expired before `now` (they no longer authenticate); returns how many."""
    return ApiToken.objects.filter(expiry__lt=now).delete()[0]


def api_tokens_for_user(*, user):
    """The user's tokens that still work (expired ones are not listed)."""
    now = timezone.now()
    return ApiToken.objects.filter(user=user).exclude(expiry__lt=now)
