from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "spinepath.patients"
    verbose_name = "Patients and episodes"

    def ready(self) -> None:
        from spinepath.patients import checks  # noqa: F401  (registers system checks)
