"""The `cursor` piece against django-prometheus's own cursor wrapper: the same statements
move the same series by the same amounts (statements, batches, failures by type, timings)."""

import pytest
from django.db import connection, transaction
from django_prometheus.db import errors_total, execute_many_total, execute_total, query_duration_seconds
from django_prometheus.db.common import ExportingCursorWrapper

from mastertrade.fastpath.db.base import counting_cursor_class

pytestmark = pytest.mark.django_db


def _series():
    labels = (connection.alias, connection.vendor)
    duration = query_duration_seconds.labels(*labels)
    return (
        execute_total.labels(*labels)._value.get(),
        execute_many_total.labels(*labels)._value.get(),
        errors_total.labels(*labels, "UndefinedTable")._value.get(),
        sum(bucket.get() for bucket in duration._buckets),
    )


def _workload(cursor_class):
    import psycopg

    connection.ensure_connection()
    before = _series()
    cursor = cursor_class(connection.connection)
    try:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT %s::int", [2])
        cursor.executemany("SELECT %s::int", [[1], [2], [3]])
        with pytest.raises(psycopg.errors.UndefinedTable), transaction.atomic():  # back to a savepoint
            cursor.execute("SELECT * FROM no_such_table_here")
    finally:
        cursor.close()
    return [after - earlier for after, earlier in zip(_series(), before, strict=True)]


def test_the_counting_cursor_records_what_django_prometheus_records():
    from psycopg import ClientCursor

    ours = _workload(counting_cursor_class(ClientCursor, connection.alias, connection.vendor))
    theirs = _workload(ExportingCursorWrapper(ClientCursor, connection.alias, connection.vendor))
    assert ours == theirs
    assert ours[0] >= 6 and ours[1:3] == [3, 1]  # the savepoint's statements are counted too


def test_the_engine_follows_the_switch(settings):
    from mastertrade.fastpath import on

    expected = "mastertrade.fastpath.db" if on("cursor") else "django_prometheus.db.backends.postgresql"
    assert settings.DATABASES["default"]["ENGINE"] == expected
