from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mastertrade.core"
    label = "core"
