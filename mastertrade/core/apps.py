from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mastertrade.core"
    label = "core"

    def ready(self):
        # schema: the OpenAPI extension for strict decimals registers itself.
        from django.core.checks import register
        from django.db.backends.signals import connection_created

        from mastertrade.core import schema  # noqa: F401
        from mastertrade.fastpath import on, tz_loader
        from mastertrade.fastpath.resp import counter_check

        register(counter_check)  # the throttle's counter can follow the cache's connection settings
        if on("tz_loader"):
            connection_created.connect(tz_loader.use_fast_tz_loader, dispatch_uid="fastpath.tz_loader")
