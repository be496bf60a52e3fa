"""The token fast path (`on("token_memo")`): API token authentication without knox's
per-request work.

- `credentials(request)` reads `Authorization` from META (DRF's get_authorization_header,
  which knox's authenticate() uses, reads it through `request.headers` in recent DRF,
  parsing every header of the request to read this one);
- `digest(key)` is knox's hash_token(key) without its hex round trip;
- the memo: each server process remembers a token it has verified (its digest → the token
  row with its user) for `API_TOKEN_CACHE_SECONDS` (0: never), so a trading engine's stream
  of requests costs no query for authentication.

The caller (tokens.authentication) still checks the row's expiry and its user on every
request, and forgets a row here whenever it is deleted (`forget`): revocation is immediate
in this process, and bounded by `API_TOKEN_CACHE_SECONDS` in every other one.

Off, the caller uses knox's header reading and hash_token, and looks the token up in the
database on every request; tokens/tests/test_token_memo.py compares both paths' answers.
It holds rows of any model (it imports no app): whatever the caller remembers."""

import time

from django.conf import settings
from knox.settings import knox_settings
from rest_framework import HTTP_HEADER_ENCODING

from mastertrade.fastpath import on

# digest → (remembered until, on time.monotonic(); the token row with its user)
_verified: dict[str, tuple[float, object]] = {}
MAX_ENTRIES = 10_000


def enabled() -> bool:
    return on("token_memo") and settings.API_TOKEN_CACHE_SECONDS > 0


def credentials(request) -> list[bytes]:
    """The Authorization header split on whitespace, as knox's authenticate() splits it."""
    return request._request.META.get("HTTP_AUTHORIZATION", "").encode(HTTP_HEADER_ENCODING).split()


def digest(key: str) -> str:
    """knox's hash_token(key), without its hex round trip (which gives back key's UTF-8 bytes)."""
    return knox_settings.SECURE_HASH_ALGORITHM(key.encode()).hexdigest()


def remember(row) -> None:
    """Remember a verified token row (keyed by its `digest`) for API_TOKEN_CACHE_SECONDS."""
    if not enabled():
        return
    if len(_verified) >= MAX_ENTRIES:
        _verified.clear()
    _verified[row.digest] = (time.monotonic() + settings.API_TOKEN_CACHE_SECONDS, row)


def recall(token_digest: str):
    """The row remembered for `token_digest`, or None (never remembered, forgotten, too old)."""
    entry = _verified.get(token_digest)
    if entry is None or entry[0] <= time.monotonic() or not enabled():
        _verified.pop(token_digest, None)
        return None
    return entry[1]


def forget(token_digest: str) -> None:
    _verified.pop(token_digest, None)


def clear() -> None:
    _verified.clear()
