from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mastertrade.core"
    label = "core"

    def ready(self):
        # metrics: connects the Celery task counters (and the worker's metrics port) in
        # every process; schema: the OpenAPI extension for strict decimals registers itself.
        from mastertrade.core import metrics, schema  # noqa: F401
