from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mastertrade.core"
    label = "core"

    def ready(self):
        # Connects the Celery task counters (and the worker's metrics port) in every process.
        from mastertrade.core import metrics  # noqa: F401
