"""The `statements` piece: hot-path statements written once per model, not built per request.

Building and compiling an ORM query costs more CPU than PostgreSQL spends running it
(bench/api.py): the goal read behind every goal, sizing and selection request goes
through `get`, the sizing audit row through `insert`. `get` reads the same columns as
`.get()` and builds the instance with `Model.from_db`; `insert` passes each value as
`Model.save()` prepares it (through the field's `get_db_prep_save`, or as it is where
that preparation is the identity: _PREPARED_AS_IS); no signal is sent (nothing in the
project listens to these models' saves). Both bind their parameters server-side.

Both run on psycopg's cursor directly, one layer under Django's `CursorWrapper`, doing
what that wrapper does for a statement (the thread check, the broken-transaction check,
errors turned into django.db's and marked on the connection) minus its generic
plumbing (1.5 % of a sizing request's instructions). When something logs or wraps
statements (DEBUG, `assertNumQueries`, `connection.execute_wrapper`) they take
Django's cursor, so they are seen and counted.

Off (FASTPATH_OFF=statements): the ORM's `get()` and `save(force_insert=True)`."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

from django.db import connections, models, router
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Model

from mastertrade.fastpath import on
from mastertrade.fastpath.db.base import counting_cursor_class


@cache
def _select_sql(model: type[Model], columns: tuple[str, ...]) -> tuple[str, list[str]]:
    fields = model._meta.concrete_fields
    selected = ", ".join(f'"{f.column}"' for f in fields)
    where = " AND ".join(f'"{model._meta.get_field(name).column}" = %s' for name in columns)
    return f'SELECT {selected} FROM "{model._meta.db_table}" WHERE {where}', [f.attname for f in fields]


@contextmanager
def _statement(connection):
    """A cursor for one statement (see the module docstring), its parameters bound
    server-side: they travel apart from the statement (PostgreSQL's extended protocol,
    an unnamed statement: nothing is prepared, so PgBouncer's transaction pooling is
    unaffected) instead of being quoted into it — for the audit row's 28 values, 0.07 ms
    less CPU than client-side binding."""
    if connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = _server_binding_class(connection.alias, connection.vendor)(connection.connection)
        try:
            yield cursor
        finally:
            cursor.close()


@cache
def _server_binding_class(alias: str, vendor: str):
    """Django's server-binding cursor with the statement metrics the connection's own
    cursor factory records (mastertrade.fastpath.db)."""
    return counting_cursor_class(ServerBindingCursor, alias, vendor)


def get(model: type[Model], **equals) -> Model | None:
    """The one row of `model` whose fields (attnames) equal `equals`, or None, in one
    precompiled SELECT (cached per model and set of fields). Off: the ORM's get()."""
    if not on("statements"):
        try:
            return model._default_manager.get(**equals)
        except model.DoesNotExist:
            return None
    sql, attnames = _select_sql(model, tuple(equals))
    alias = router.db_for_read(model)
    with _statement(connections[alias]) as cursor:
        cursor.execute(sql, list(equals.values()))
        row = cursor.fetchone()
    return None if row is None else model.from_db(alias, attnames, row)


# Field classes (exactly these, not subclasses) whose `get_db_prep_save` on PostgreSQL
# gives back an equal value of the same type for a value of this exact type (the ORM's
# to_python and adapt_* steps are identities there): such values are passed as they are.
# Integers are not among them: PostgreSQL's adapter wraps them (Int4, Int8).
_PREPARED_AS_IS = {
    models.DecimalField: Decimal,
    models.CharField: str,
    models.TextField: str,
    models.FloatField: float,
    models.DateTimeField: dt.datetime,
}


def _as_is(value) -> bool:
    """Whether `value` (of a type in _PREPARED_AS_IS) is one the ORM passes unchanged:
    a finite Decimal, an aware datetime, any str or float."""
    if type(value) is Decimal:
        return value.is_finite()
    if type(value) is dt.datetime:
        return value.utcoffset() is not None
    return True


@cache
def _insert_sql(model: type[Model]) -> tuple[str, tuple]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    pk = model._meta.pk.column
    plan = tuple((f, _PREPARED_AS_IS.get(type(f))) for f in fields)
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({values}) RETURNING "{pk}"', plan


def insert(obj: Model) -> Model:
    """INSERT `obj` (a new instance, its primary key generated by the database) in one
    precompiled statement; sets its primary key, as `save()` would. Off: `save()`."""
    if not on("statements"):
        obj.save(force_insert=True)
        return obj
    model = type(obj)
    sql, plan = _insert_sql(model)
    alias = router.db_for_write(model)
    connection = connections[alias]
    params = []
    for field, same_type in plan:
        value = field.pre_save(obj, True)
        if same_type is not None and (value is None or (type(value) is same_type and _as_is(value))):
            params.append(value)
        else:
            params.append(field.get_db_prep_save(value, connection))
    with _statement(connection) as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = alias
    return obj
