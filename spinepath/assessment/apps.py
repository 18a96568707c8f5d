from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "spinepath.assessment"
    verbose_name = "Assessment and suitability decisions"
