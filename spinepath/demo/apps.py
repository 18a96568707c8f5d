from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic patients replayed through the real workflows; nothing in the app imports it."""

    name = "spinepath.demo"
    verbose_name = "Demo data"
