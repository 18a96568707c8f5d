from typing import Any

from django.apps import AppConfig


def _configure_dose_limits(**kwargs: Any) -> None:
    """Put the clinic's dose-limit overrides in force (invalid ones: see ``checks.py``)."""
    from django.conf import settings

    from spinepath.clinical import dose_limits

    setting = kwargs.get("setting")
    if setting is not None and setting != "SPINEPATH_DOSE_LIMIT_OVERRIDES":
        return
    try:
        dose_limits.configure(getattr(settings, "SPINEPATH_DOSE_LIMIT_OVERRIDES", {}))
    except dose_limits.DoseLimitsError:
        dose_limits.configure({})  # the system check stops the app and names each problem


class ProceduresConfig(AppConfig):
    name = "spinepath.procedures"
    verbose_name = "Consent, procedures and steroid ledger"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from spinepath.patients import history, rights
        from spinepath.procedures import checks  # noqa: F401  (registers the system check)
        from spinepath.procedures.history import done_here
        from spinepath.procedures.rights import on_erase

        history.add_source(done_here)
        if on_erase not in rights.ON_ERASE:
            rights.ON_ERASE.append(on_erase)

        _configure_dose_limits()
        setting_changed.connect(_configure_dose_limits, dispatch_uid="spinepath-dose-limits")
