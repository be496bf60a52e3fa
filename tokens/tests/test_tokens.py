"""API tokens: stored hashed, expiring, listed and revoked per device by their owner."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from mastertrade.factories import api_token_for, token_client
from mastertrade.fastpath import token_memo
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def _obtain(anon, user, **extra):
    return anon.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "correct-horse-battery", **extra}, format="json"
    )


def test_token_is_issued_with_expiry_and_name(anon, user, settings):
    settings.API_TOKEN_TTL_SECONDS = 3600
    response = _obtain(anon, user, name="engine-1")
    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"token", "id", "name", "expiry"}
    assert body["name"] == "engine-1" and body["expiry"] is not None
    assert token_client(key=body["token"]).get("/api/v1/goals/").status_code == 200


def test_the_database_holds_no_usable_token(anon, user):
    key = _obtain(anon, user).json()["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_tokens")
        rows = [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    assert rows and not any(key in row for row in rows)
    # What a copy of the table gives away (the digest, the key prefix) does not authenticate.
    token = ApiToken.objects.get()
    assert token_client(key=token.digest).get("/api/v1/goals/").status_code == 401
    assert token_client(key=token.token_key).get("/api/v1/goals/").status_code == 401


def test_expired_token_stops_working(user):
    key = api_token_for(user)
    ApiToken.objects.filter(user=user).update(expiry=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = token_client(key=key).get("/api/v1/goals/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_no_expiry_when_ttl_is_zero(anon, user, settings):
    settings.API_TOKEN_TTL_SECONDS = 0
    assert _obtain(anon, user).json()["expiry"] is None


def test_user_lists_and_revokes_own_tokens(user, other_user):
    phone, engine = api_token_for(user, name="phone"), api_token_for(user, name="engine")
    api_token_for(other_user, name="theirs")
    client = token_client(key=engine)
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["engine", "phone"]
    assert all(set(t) == {"id", "name", "prefix", "created", "expiry"} for t in listed)
    assert phone.startswith(listed[1]["prefix"])
    theirs = ApiToken.objects.get(user=other_user)
    assert client.delete(f"/api/v1/auth/tokens/{theirs.id}/").status_code == 404
    assert client.delete(f"/api/v1/auth/tokens/{listed[1]['id']}/").status_code == 204
    assert token_client(key=phone).get("/api/v1/goals/").status_code == 401
    assert client.get("/api/v1/goals/").status_code == 200  # the other device keeps working
    assert ApiToken.objects.filter(user=other_user).exists()


def test_token_with_garbage_is_401_not_500(user):
    for garbage in ["x", "é" * 20, "0" * 200]:
        assert token_client(key=garbage).get("/api/v1/goals/").status_code == 401


def test_create_api_token_command(user):
    out = io.StringIO()
    call_command("create_api_token", user.username, "--name", "ops", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    assert token_client(key=key).get("/api/v1/goals/").status_code == 200
    assert ApiToken.objects.get(user=user).name == "ops"


def test_staff_revoke_tokens_in_the_admin(admin_client, user):
    """The token is used first, so this process remembers it (the memo, when on): the
    admin's delete must make the very next request fail, not just a fresh lookup."""
    key = api_token_for(user, name="laptop")
    token = ApiToken.objects.get(user=user)
    page = admin_client.get("/admin/tokens/apitoken/")
    assert page.status_code == 200 and "laptop" in page.content.decode()
    assert key not in page.content.decode()
    client = token_client(key=key)
    assert client.get("/api/v1/goals/").status_code == 200
    if token_memo.enabled():
        assert token_memo.recall(token.digest) is not None  # remembered: the next request skips the database
    assert admin_client.post(f"/admin/tokens/apitoken/{token.id}/delete/", {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    response = client.get("/api/v1/goals/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def _used(user, name="default") -> APIClient:
    """A client whose token has just authenticated (so this process remembers it)."""
    client = token_client(key=api_token_for(user, name=name))
    assert client.get("/api/v1/goals/").status_code == 200
    return client


def test_api_revoke_of_a_used_token_is_immediate(user):
    client = _used(user)
    token = ApiToken.objects.get(user=user)
    assert client.delete(f"/api/v1/auth/tokens/{token.id}/").status_code == 204
    assert client.get("/api/v1/goals/").status_code == 401


def test_admin_bulk_delete_of_used_tokens_is_immediate(admin_client, user, other_user):
    mine, theirs = _used(user), _used(other_user)
    ids = [str(pk) for pk in ApiToken.objects.values_list("id", flat=True)]
    response = admin_client.post(
        "/admin/tokens/apitoken/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302 and not ApiToken.objects.exists()
    assert mine.get("/api/v1/goals/").status_code == 401
    assert theirs.get("/api/v1/goals/").status_code == 401


def test_deactivating_a_user_revokes_their_used_tokens(user, other_user):
    client, theirs = _used(user), _used(other_user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/v1/goals/").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    assert theirs.get("/api/v1/goals/").status_code == 200


def test_deleting_a_user_revokes_their_used_tokens(user):
    client = _used(user)
    user.delete()
    assert client.get("/api/v1/goals/").status_code == 401


def test_a_password_change_revokes_the_users_used_tokens(user, other_user):
    client, theirs = _used(user), _used(other_user)
    user.set_password("a-new-correct-horse")
    user.save()
    assert client.get("/api/v1/goals/").status_code == 401
    assert theirs.get("/api/v1/goals/").status_code == 200


def test_purge_deletes_expired_tokens_only(user):
    from tokens.tasks import purge_expired_tokens

    api_token_for(user, name="live")
    api_token_for(user, name="old")
    ApiToken.objects.filter(name="old").update(expiry=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert purge_expired_tokens() == 1
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["live"]
    assert purge_expired_tokens() == 0  # idempotent


def test_fast_path_bounds_revocation_elsewhere(user, settings, monkeypatch):
    """A token revoked by another process (here: straight in the database) stops working
    once this process's memory of it is API_TOKEN_CACHE_SECONDS old."""
    settings.API_TOKEN_CACHE_SECONDS = 5
    settings.FASTPATH_OFF = frozenset()  # the memo itself under test
    clock = [1000.0]
    monkeypatch.setattr(token_memo.time, "monotonic", lambda: clock[0])
    key = api_token_for(user)
    client = token_client(key=key)
    assert client.get("/api/v1/goals/").status_code == 200  # verified and remembered
    with connection.cursor() as cursor:  # another process's revocation: no signal here
        cursor.execute("DELETE FROM api_tokens")
    clock[0] += 4.9
    assert client.get("/api/v1/goals/").status_code == 200  # within the stated bound
    clock[0] += 0.2
    assert client.get("/api/v1/goals/").status_code == 401  # past it


def test_fast_path_still_checks_expiry_and_deactivation(user, settings, monkeypatch):
    settings.API_TOKEN_CACHE_SECONDS = 5
    settings.FASTPATH_OFF = frozenset()  # the memo itself under test
    clock = [1000.0]
    monkeypatch.setattr(token_memo.time, "monotonic", lambda: clock[0])
    key = api_token_for(user)
    client = token_client(key=key)
    assert client.get("/api/v1/goals/").status_code == 200
    remembered = token_memo.recall(ApiToken.objects.get(user=user).digest)
    remembered.expiry = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # as if it had expired meanwhile
    assert client.get("/api/v1/goals/").status_code == 401
    remembered.expiry = None
    user.is_active = False
    user.save()
    clock[0] += 5.1
    assert client.get("/api/v1/goals/").status_code == 401


def test_fast_path_off(user, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    key = api_token_for(user)
    client = token_client(key=key)
    assert client.get("/api/v1/goals/").status_code == 200
    ApiToken.objects.filter(user=user).delete()
    assert client.get("/api/v1/goals/").status_code == 401


def test_each_request_gets_its_own_user_object(user):
    from tokens.authentication import ApiTokenAuthentication

    key = api_token_for(user).encode()
    first, _ = ApiTokenAuthentication().authenticate_credentials(key)
    second, _ = ApiTokenAuthentication().authenticate_credentials(key)
    assert first == second and first is not second
    first._perm_cache = {"cached.by_one_request"}
    first._state.fields_cache["cached"] = object()
    third, _ = ApiTokenAuthentication().authenticate_credentials(key)
    assert not hasattr(third, "_perm_cache") and "cached" not in third._state.fields_cache
    assert {f.attname: getattr(third, f.attname) for f in user._meta.concrete_fields} == {
        f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields
    }
    assert third._state.db == "default" and not third._state.adding


def test_digest_is_knoxs_hash():
    import secrets

    from knox.crypto import hash_token

    for key in [secrets.token_hex(32) for _ in range(20)] + ["ümlaut-key-0123456789", "x" * 15]:
        assert token_memo.digest(key) == hash_token(key)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Token",
        "Token a b",
        "Bearer abc",
        "token {key}",
        "TOKEN {key}",
        "Token {key}",
        "Token  {key} ",
        "Token nothex",
    ],
)
def test_the_header_is_read_as_knox_reads_it(user, rf, header):
    """Ours reads META directly; knox's own reads request.headers: the same outcome."""
    from knox.auth import TokenAuthentication
    from rest_framework.request import Request

    from tokens.authentication import ApiTokenAuthentication

    key = api_token_for(user)
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header.format(key=key)}

    def outcome(authenticate):
        try:
            result = authenticate(ApiTokenAuthentication(), Request(rf.get("/", **extra)))
        except Exception as error:  # noqa: BLE001 - the outcome compared
            return type(error), str(error)
        return None if result is None else (result[0].pk, result[1].pk)

    assert outcome(ApiTokenAuthentication.authenticate) == outcome(TokenAuthentication.authenticate)


def test_a_password_change_ends_the_users_browser_sessions(user):
    """Django's session hash follows the password: a session logged in before the change
    ends (a view that changes it keeps its own with update_session_auth_hash)."""
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(user)
    assert elsewhere.get("/alerts/").status_code == 200
    user.set_password("a-new-correct-horse")
    user.save()
    assert elsewhere.get("/alerts/").status_code == 302  # to the login page


@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_here_stops_working_in_another_process_within_the_bound(user, tmp_path, settings):
    """Another server process (a gunicorn on the test database) that remembers the token
    stops accepting it within API_TOKEN_CACHE_SECONDS of its revocation here."""
    import time
    import urllib.error
    import urllib.request

    from mastertrade.testing import gunicorn_on_test_db, wait_for
    from tokens.services import api_token_revoke

    def status(base: str, key: str) -> int:
        request = urllib.request.Request(f"{base}/api/v1/goals/", headers={"Authorization": f"Token {key}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    bound = settings.API_TOKEN_CACHE_SECONDS
    assert bound > 0
    key = api_token_for(user)
    with gunicorn_on_test_db(tmp_path, workers=1) as base:
        assert status(base, key) == 200  # verified there, so remembered there
        api_token_revoke(token=ApiToken.objects.get(user=user))
        revoked = time.monotonic()
        assert wait_for(lambda: status(base, key) == 401, bound + 30, interval=0.1)
        assert time.monotonic() - revoked <= bound + 2  # the bound, and a request's time
