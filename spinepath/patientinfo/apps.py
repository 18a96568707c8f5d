from django.apps import AppConfig


class PatientInfoConfig(AppConfig):
    name = "spinepath.patientinfo"
    verbose_name = "Public patient information"
