from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "spinepath.analytics"
    label = "analytics"
    verbose_name = "Outcomes analytics"

    def ready(self) -> None:
        """Keep the outcome facts current: subscribe after follow-up (listed before this app in
        INSTALLED_APPS), so a new procedure's time points exist when its facts are computed."""
        from spinepath.analytics import facts
        from spinepath.followup import hooks as followup_hooks
        from spinepath.procedures import hooks

        _register(hooks.ON_PROCEDURE_RECORDED, facts.on_procedure_recorded)
        _register(hooks.ON_PROCEDURE_ENTERED_IN_ERROR, facts.on_procedure_changed)
        _register(hooks.ON_PROCEDURE_AMENDED, facts.on_procedure_changed)
        _register(followup_hooks.ON_TIME_POINT_SUBMITTED, facts.on_time_point_submitted)


def _register(hooks: list, hook: object) -> None:  # type: ignore[type-arg]
    if hook not in hooks:
        hooks.append(hook)


def preload() -> None:
    """Import what the outcome statistics need (lifelines, which pulls in pandas and scipy) now,
    so the first dashboard a server process answers does not pay for it: the web server calls
    this at start (``wsgi.py``); management commands and tests do not, to start quickly."""
    import lifelines  # noqa: F401
