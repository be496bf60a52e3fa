"""The token fast path's oracle (mastertrade.fastpath.token_memo): for the same headers and
tokens, authentication with the piece on (the memo answering from memory where it can)
gives what it gives with the piece off (knox's header reading and hash, a database lookup
on every request), and what knox's own TokenAuthentication gives where the project did not
choose otherwise. An upgrade of knox or DRF that changes what the piece relies on fails here."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework.request import Request

from mastertrade.factories import UserFactory, api_token_for
from mastertrade.fastpath import token_memo
from tokens.authentication import ApiTokenAuthentication
from tokens.models import ApiToken
from tokens.services import api_token_revoke

pytestmark = pytest.mark.django_db

OFF = frozenset({"token_memo"})
# What each scenario sends: a header built from the scenario's token (`{key}`).
HEADERS = {
    "none": None,
    "empty": "",
    "scheme only": "Token",
    "spaces in the token": "Token a b",
    "another scheme": "Bearer {key}",
    "lower-case scheme": "token {key}",
    "upper-case scheme": "TOKEN {key}",
    "valid": "Token {key}",
    "valid, padded": "Token  {key} ",
    "too short": "Token nothex",
    "the key's prefix only": "Token {prefix}",
    "the stored digest": "Token {digest}",
    "the right prefix, a wrong rest": "Token {prefix}" + "0" * 49,
    "not ASCII": "Token " + "é" * 20,
    "expired since it was used": "Token {key}",
    "revoked after it was used": "Token {key}",
    "its user deactivated behind the signals' back": "Token {key}",
}
# Where the project differs from knox on purpose: an expired token is refused as expired
# (knox deletes it and says "Invalid token."); a header that is not ASCII is refused
# (knox's utf-8 decode raises, a 500).
NOT_KNOX = {"expired since it was used", "not ASCII"}


def _request(rf, header):
    return Request(rf.get("/") if header is None else rf.get("/", HTTP_AUTHORIZATION=header))


def _outcome(authentication, request, user=None, row=None):
    """None (not this scheme), the error raised, or who was let in: the scenario's user
    (active) with the scenario's token, or someone else."""
    try:
        result = authentication.authenticate(request)
    except Exception as error:  # noqa: BLE001 - the outcome compared
        return type(error).__name__, str(error), getattr(error, "status_code", None)
    if result is None:
        return None
    who, token = result
    return ("user", who.pk == getattr(user, "pk", who.pk), who.is_active, "token", token.pk == getattr(row, "pk", None))


def _scenario(name, rf, monkeypatch):
    """A fresh user and token, used once (remembered, when the memo is on), then the
    scenario's event; returns the request to authenticate."""
    user = UserFactory()
    key = api_token_for(user)
    row = ApiToken.objects.get(user=user)
    assert _outcome(ApiTokenAuthentication(), _request(rf, f"Token {key}"), user, row)[1:] == (
        True,
        True,
        "token",
        True,
    )
    if name == "expired since it was used":
        ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() + dt.timedelta(hours=1))
        token_memo.forget(row.digest)  # the row as issued with this expiry, then remembered again
        assert _outcome(ApiTokenAuthentication(), _request(rf, f"Token {key}"), user, row)[1] is True
        later = timezone.now() + dt.timedelta(hours=2)
        monkeypatch.setattr(timezone, "now", lambda: later)
    elif name == "revoked after it was used":
        api_token_revoke(token=row)
    elif name == "its user deactivated behind the signals' back":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        token_memo.forget(row.digest)  # a deactivation reaches the memo through the token's deletion
    header = HEADERS[name]
    if header is not None:
        header = header.format(key=key, prefix=key[:15], digest=row.digest)
    return _request(rf, header), user, row


@pytest.mark.parametrize("name", HEADERS)
def test_the_memo_answers_as_the_lookup_does(name, rf, settings, monkeypatch):
    settings.API_TOKEN_CACHE_SECONDS = 5
    settings.FASTPATH_OFF = frozenset()
    request, user, row = _scenario(name, rf, monkeypatch)
    with_memo = [_outcome(ApiTokenAuthentication(), request, user, row) for _ in range(2)]
    monkeypatch.undo()
    settings.API_TOKEN_CACHE_SECONDS = 5
    settings.FASTPATH_OFF = OFF
    without = _outcome(ApiTokenAuthentication(), *_scenario(name, rf, monkeypatch))
    assert with_memo == [without, without]


@pytest.mark.parametrize("name", sorted(set(HEADERS) - NOT_KNOX))
def test_the_piece_off_answers_as_knox_does(name, rf, settings, monkeypatch):
    settings.FASTPATH_OFF = OFF
    ours = _outcome(ApiTokenAuthentication(), *_scenario(name, rf, monkeypatch))
    knox = _outcome(TokenAuthentication(), *_scenario(name, rf, monkeypatch))
    assert ours == knox


def test_the_memo_answers_without_the_database(user, rf, settings):
    """The oracle above compares the memo's answer, not a second lookup."""
    settings.API_TOKEN_CACHE_SECONDS = 5
    settings.FASTPATH_OFF = frozenset()
    request = _request(rf, f"Token {api_token_for(user)}")
    let_in = ("user", True, True, "token", True)
    row = ApiToken.objects.get(user=user)
    assert _outcome(ApiTokenAuthentication(), request, user, row) == let_in
    with CaptureQueriesContext(connection) as queries:
        assert _outcome(ApiTokenAuthentication(), request, user, row) == let_in
    assert len(queries) == 0
    settings.FASTPATH_OFF = OFF
    with CaptureQueriesContext(connection) as queries:
        assert _outcome(ApiTokenAuthentication(), request, user, row) == let_in
    assert len(queries) == 1


def test_the_piece_off_remembers_nothing(user, rf, settings):
    settings.FASTPATH_OFF = OFF
    key = api_token_for(user)
    assert _outcome(ApiTokenAuthentication(), _request(rf, f"Token {key}"))[0] == "user"
    assert token_memo.recall(ApiToken.objects.get(user=user).digest) is None
