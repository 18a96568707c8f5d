from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "spinepath.procedures"
    verbose_name = "Consent, procedures and steroid ledger"
