"""ApiToken's move from the core app to this one (core 0002, tokens 0001 and 0002) keeps
the table, its rows and the permissions: a token issued before the move authenticates
after it, with no new login; a user's permission on tokens still holds."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from knox.crypto import create_token_string, hash_token
from knox.settings import CONSTANTS

from mastertrade.factories import UserFactory, token_client
from tokens.models import ApiToken


def _migrate_to_before_the_move():
    """Unapply the tokens app (and core's 0002, which depends on it); returns the models as
    they were then: every other app at its latest, ApiToken in core."""
    executor = MigrationExecutor(connection)
    executor.migrate([("tokens", None)])
    executor.loader.build_graph()
    applied = executor.loader.applied_migrations
    assert ("core", "0002_apitoken_moves_to_tokens") not in applied and ("core", "0001_initial") in applied
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("core", "tokens")]
    return executor.loader.project_state([*others, ("core", "0001_initial")]).apps


def _migrate_to_the_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _table_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, token_key, digest, name, user_id, created, expiry FROM api_tokens ORDER BY id")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_token_issued_before_the_move_works_after_it():
    user = UserFactory()
    staff = UserFactory(is_staff=True)
    old = _migrate_to_before_the_move()
    OldToken = old.get_model("core", "ApiToken")
    key = create_token_string()
    OldToken.objects.create(user_id=user.pk, token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], digest=hash_token(key))
    # Unapplying tokens 0002 gave the content type (and its permissions) back to core, as it was.
    OldContentType = old.get_model("contenttypes", "ContentType")
    assert not OldContentType.objects.filter(app_label="tokens", model="apitoken").exists()
    old_type = OldContentType.objects.get(app_label="core", model="apitoken")
    delete = old.get_model("auth", "Permission").objects.get(content_type=old_type, codename="delete_apitoken")
    old.get_model("auth", "User").objects.get(pk=staff.pk).user_permissions.add(delete)
    rows = _table_rows()

    _migrate_to_the_latest()

    assert _table_rows() == rows  # the same rows: ids, prefixes, digests, times
    assert ApiToken.objects.get().user_id == user.pk
    assert token_client(key=key).get("/api/v1/goals/").status_code == 200  # no new login
    moved = ContentType.objects.get(app_label="tokens", model="apitoken")
    assert moved.pk == old_type.pk and not ContentType.objects.filter(app_label="core", model="apitoken").exists()
    assert Permission.objects.get(pk=delete.pk).content_type_id == moved.pk
    staff.refresh_from_db()
    assert type(staff).objects.get(pk=staff.pk).has_perm("tokens.delete_apitoken")
