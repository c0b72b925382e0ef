from django.apps import AppConfig


class MultiscaleConfig(AppConfig):
    name = "multiscale"
    verbose_name = "Multiscalar networks"
