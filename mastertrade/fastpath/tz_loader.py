"""The `tz_loader` piece: timestamps loaded with Django's semantics by psycopg's C parser.

Registered on every new connection by CoreConfig.ready; off (FASTPATH_OFF=tz_loader) it is
not registered and Django's own loader (psycopg's Python TimestamptzLoader) stays."""

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import Format


class FastTzLoader(Loader):
    """What Django's timestamptz loader gives (psycopg's text parser, whose result is in
    the connection's time zone, then that zone replaced by Django's — see
    django.db.backends.postgresql.psycopg_any.BaseTzLoader), parsed by psycopg's C
    loader instead of its Python one: Django's subclasses the Python class, and a
    goal read spent a twentieth of its CPU parsing its timestamps in Python. Subclasses
    set `timezone` (Django compares it with the connection's before each cursor)."""

    timezone = None

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._parse = psycopg.adapters.get_loader(oid, Format.TEXT)(oid, context).load

    def load(self, data):
        return self._parse(data).replace(tzinfo=self.timezone)


def use_fast_tz_loader(sender, connection, **kwargs) -> None:
    """`connection_created`: load timestamptz columns with FastTzLoader (PostgreSQL, USE_TZ)."""
    if connection.vendor != "postgresql" or connection.timezone is None:
        return
    loader = type("FastTzLoader", (FastTzLoader,), {"timezone": connection.timezone})
    connection.connection.adapters.register_loader("timestamptz", loader)
