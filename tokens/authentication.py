"""`Authorization: Token <key>`: knox's token authentication, in at most one query.

The row is found by its key prefix with its user joined; unlike knox's own, it does not
delete an expired token on sight: an expired token fails ("Token has expired.") and is
not listed, and the hourly purge (tokens.tasks) deletes it. With the token fast path on
(mastertrade.fastpath.token_memo), a token verified within `API_TOKEN_CACHE_SECONDS`
costs no query; its expiry and its user are still checked on every request."""

from hmac import compare_digest

from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from mastertrade.fastpath import on, token_memo

from .models import ApiToken


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
    def authenticate(self, request):
        if not on("token_memo"):
            return super().authenticate(request)  # knox's: the header through request.headers
        auth = token_memo.credentials(request)
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
        if on("token_memo"):
            digest = token_memo.digest(key)
            row = token_memo.recall(digest) or self._lookup(key, digest)
        else:
            row = self._lookup(key, hash_token(key))
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
                token_memo.remember(row)
                return row
        return None
