from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    label = "tokens"
    verbose_name = "API tokens"

    def ready(self):
        # The signals that revoke tokens on every path (and forget them in the memo).
        from . import signals  # noqa: F401

        # The schema's security scheme registers itself with drf-spectacular.
        from .api import schema  # noqa: F401
