from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "spinepath.questionnaires"
    verbose_name = "Questionnaires (PROMs)"

    def ready(self) -> None:
        from spinepath.questionnaires import checks  # noqa: F401  (registers system checks)
