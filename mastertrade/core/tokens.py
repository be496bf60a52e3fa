"""API tokens: issue, list, revoke, and authenticate.

A token is shown once, when it is issued; the database keeps only its SHA-512 digest
(django-rest-knox) and its first 15 characters to find the row. Tokens expire after
`API_TOKEN_TTL_SECONDS` (0: never). `Authorization: Token <key>` as before.

Authentication has a fast path: each server process remembers a token it has verified
(its digest → the token row and its user) for `API_TOKEN_CACHE_SECONDS` (default 5), so
a trading engine's stream of requests costs no query for authentication. The token's
expiry is still checked on every request. Revocation has one bound on every path: a
token stops working at once in the process that revoked it and within
`API_TOKEN_CACHE_SECONDS` in every other one (its memory of the token expires). Every
path deletes the token row, and deleting a row forgets it here (`_forget_deleted`):
the API's revoke, the admin's delete (one or "delete selected"), a user's deletion
(the cascade), a user's deactivation or password change (`_revoke_on_user_change`).
0 turns the fast path off."""

import datetime as dt
import time
from hmac import compare_digest

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.settings import CONSTANTS, knox_settings
from rest_framework import HTTP_HEADER_ENCODING, exceptions

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
    token.delete()  # post_delete forgets it here (_forget_deleted)


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


# The fast path: digest → (verified until, on time.monotonic(); the token row with its user).
_verified: dict[str, tuple[float, ApiToken]] = {}
_VERIFIED_MAX = 10_000


def _remember(row: ApiToken) -> None:
    seconds = settings.API_TOKEN_CACHE_SECONDS
    if seconds <= 0:
        return
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[row.digest] = (time.monotonic() + seconds, row)


def _recall(digest: str) -> ApiToken | None:
    entry = _verified.get(digest)
    if entry is None or entry[0] <= time.monotonic() or settings.API_TOKEN_CACHE_SECONDS <= 0:
        _verified.pop(digest, None)
        return None
    return entry[1]


def _forget_deleted(sender, instance: ApiToken, **kwargs) -> None:
    """Every deletion of a token row (one, a queryset, a user's cascade) forgets it here.
    Connecting it makes Django delete tokens row by row, sending this signal for each."""
    _verified.pop(instance.digest, None)


def _revoke_on_user_change(sender, instance, created: bool, **kwargs) -> None:
    """A user deactivated, or whose password was just set (set_password() keeps the new
    one in `_password` until save() has run), loses every token. Their other browser
    sessions end by themselves: Django's session hash follows the password."""
    if created:
        return
    if not instance.is_active or getattr(instance, "_password", None) is not None:
        api_tokens_revoke_for_user(user=instance)


post_delete.connect(_forget_deleted, sender=ApiToken, dispatch_uid="tokens.forget_deleted")
post_save.connect(_revoke_on_user_change, sender=get_user_model(), dispatch_uid="tokens.revoke_on_user_change")


def _digest(key: str) -> str:
    """knox's hash_token(key), without its hex round trip (which gives back key's UTF-8 bytes)."""
    return knox_settings.SECURE_HASH_ALGORITHM(key.encode()).hexdigest()


def _own_copy(user):
    """Each request gets its own user object, so nothing a request caches on it (its
    permissions, related objects) outlives the request: the same field values, a fresh
    model state. (copy.copy goes through pickling's __reduce__: a twentieth of a goal
    read's CPU.)"""
    clone = user.__class__.__new__(user.__class__)
    clone.__dict__.update(user.__dict__)
    clone._state = ModelState()
    clone._state.db, clone._state.adding = user._state.db, False
    return clone


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication in at most one query: the row by its key prefix, the
    user joined (none while the fast path remembers the token). Unlike knox's own, it
    does not read every other token of the user on each request; expired tokens simply
    fail (and are not listed)."""

    def authenticate(self, request):
        """knox's, reading the header from META (DRF's get_authorization_header builds
        `request.headers`, every header of the request parsed, to read this one)."""
        auth = request._request.META.get("HTTP_AUTHORIZATION", "").encode(HTTP_HEADER_ENCODING).split()
        if not auth or auth[0].lower() != self.authenticate_header(request).encode().lower():
            return None  # no header, or one for another scheme
        if len(auth) == 1:
            raise exceptions.AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(auth) > 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
        return self.authenticate_credentials(auth[1])

    def authenticate_credentials(self, token: bytes):
        failed = exceptions.AuthenticationFailed("Invalid token.")
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise failed from None
        if len(key) < CONSTANTS.TOKEN_KEY_LENGTH:
            raise failed
        digest = _digest(key)
        row = _recall(digest) or self._lookup(key, digest)
        if row is None:
            raise failed
        if row.expiry is not None and row.expiry <= timezone.now():
            raise exceptions.AuthenticationFailed("Token has expired.")
        user, row = self.validate_user(row)
        return _own_copy(user), row

    @staticmethod
    def _lookup(key: str, digest: str) -> ApiToken | None:
        for row in ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user"):
            if compare_digest(digest, row.digest):
                _remember(row)
                return row
        return None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: `Authorization: Token <key>` (named as before)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
