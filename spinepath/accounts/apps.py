from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spinepath.accounts"
    verbose_name = "Clinics, staff and audit"
