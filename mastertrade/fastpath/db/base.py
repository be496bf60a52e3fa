"""The `cursor` piece: PostgreSQL with django-prometheus's statement metrics, each statement counted cheaply.

django-prometheus's cursor wrapper looks up its labelled children (`labels(...)`:
validated, under a lock) twice per statement and enters two context managers, one of
which copies a dict: a fortieth of a sizing request's CPU for its two statements. This
backend is django-prometheus's (its connection counters included) with a cursor that
records the same series — `django_db_execute_total`, `django_db_execute_many_total`,
`django_db_query_duration_seconds`, `django_db_errors_total` by exception type — its
labelled children looked up once per connection."""

from timeit import default_timer

from django_prometheus.db import errors_total, execute_many_total, execute_total, query_duration_seconds
from django_prometheus.db.backends.postgresql import base


def counting_cursor_class(cursor_class, alias: str, vendor: str):
    """`cursor_class` whose execute/executemany count each statement, time it and count
    a failure by its exception type (django-prometheus's ExportingCursorWrapper's series)."""
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias, vendor)

    def timed(call, *args, **kwargs):
        started = default_timer()
        try:
            return call(*args, **kwargs)
        except BaseException as error:
            errors_total.labels(alias, vendor, type(error).__name__).inc()
            raise
        finally:
            duration.observe(default_timer() - started)

    class CountingCursor(cursor_class):
        def execute(self, *args, **kwargs):
            executed.inc()
            return timed(super().execute, *args, **kwargs)

        def executemany(self, query, param_list, *args, **kwargs):
            executed.inc(len(param_list))
            executed_many.inc(len(param_list))
            return timed(super().executemany, query, param_list, *args, **kwargs)

    return CountingCursor


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        # django-prometheus's own wraps Django's cursor factory in its wrapper; ours instead.
        conn_params = base.base.DatabaseWrapper.get_connection_params(self)
        conn_params["cursor_factory"] = counting_cursor_class(conn_params["cursor_factory"], self.alias, self.vendor)
        return conn_params
