from django.apps import AppConfig


class OnwardConfig(AppConfig):
    name = "spinepath.onward"
    verbose_name = "Onward referrals and plans when the pathway stops"
