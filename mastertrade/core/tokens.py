"""API tokens: issue, list, revoke, and authenticate.

A token is shown once, when it is issued; the database keeps only its SHA-512 digest
(django-rest-knox) and its first 15 characters to find the row. Tokens expire after
`API_TOKEN_TTL_SECONDS` (0: never). `Authorization: Token <key>` as before."""

import datetime as dt
from hmac import compare_digest

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

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
    token.delete()


def api_tokens_for_user(*, user):
    """The user's tokens that still work (expired ones are not listed)."""
    now = timezone.now()
    return ApiToken.objects.filter(user=user).exclude(expiry__lt=now)


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication in one query: the row by its key prefix, the user
    joined. Unlike knox's own, it does not read every other token of the user on each
    request; expired tokens simply fail (and are not listed)."""

    def authenticate_credentials(self, token: bytes):
        failed = exceptions.AuthenticationFailed("Invalid token.")
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise failed from None
        if len(key) < CONSTANTS.TOKEN_KEY_LENGTH:
            raise failed
        digest = hash_token(key)
        now = timezone.now()
        for row in ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user"):
            if compare_digest(digest, row.digest):
                if row.expiry is not None and row.expiry <= now:
                    raise exceptions.AuthenticationFailed("Token has expired.")
                return self.validate_user(row)
        raise failed


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: `Authorization: Token <key>` (named as before)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
