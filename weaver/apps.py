from django.apps import AppConfig


class WeaverConfig(AppConfig):
    name = "weaver"
    verbose_name = "Background tasks"
