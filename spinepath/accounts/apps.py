from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spinepath.accounts"
    verbose_name = "Clinics, staff and audit"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from spinepath.accounts.middleware import start_session_clocks

        user_logged_in.connect(start_session_clocks, dispatch_uid="spinepath-session-clocks")
