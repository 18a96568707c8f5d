from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "spinepath.aftercare"
    verbose_name = "Aftercare, leaflets and rehabilitation"
