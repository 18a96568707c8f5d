from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "spinepath.registry"
    label = "registry"
    verbose_name = "Synthetic registry"
    default_auto_field = "django.db.models.BigAutoField"
