from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mastertrade.core"
    label = "core"

    def ready(self):
        # schema: the OpenAPI extension for strict decimals registers itself.
        from django.core.checks import register
        from django.db.backends.signals import connection_created

        from mastertrade.core import schema, sql  # noqa: F401
        from mastertrade.core.throttling import counter_check

        register(counter_check)  # the throttles can follow the cache's connection settings
        connection_created.connect(sql.use_fast_tz_loader, dispatch_uid="core.fast_tz_loader")
