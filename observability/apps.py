from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"

    def ready(self):
        # Connects the Celery task counters (and the worker's metrics port) in every process.
        from . import metrics  # noqa: F401
