from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "spinepath.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 exchange"
    default_auto_field = "django.db.models.BigAutoField"
