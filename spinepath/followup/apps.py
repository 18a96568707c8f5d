from django.apps import AppConfig


class FollowUpConfig(AppConfig):
    name = "spinepath.followup"
    label = "followup"
    verbose_name = "Follow-up"

    def ready(self) -> None:
        """Subscribe to the hooks of the layers below (procedures, patients, accounts); they never
        import this app."""
        from spinepath.accounts import idempotency
        from spinepath.followup import (
            checks,  # noqa: F401  (registers the system check)
            outcomes,
            patient_session,
            rights,
            scheduling,
        )
        from spinepath.patients import rights as patient_rights
        from spinepath.procedures import hooks

        _register(patient_rights.ON_ERASE, rights.on_erase)
        # A patient's form is claimed for their follow-up session (they have no other).
        _register(idempotency.SCOPES, patient_session.submission_scope)
        _register(hooks.ON_PROCEDURE_RECORDED, scheduling.schedule_follow_up)
        _register(hooks.ON_PROCEDURE_ENTERED_IN_ERROR, scheduling.cancel_for)
        _register(hooks.MEASURED_RELIEF, outcomes.measured_relief)


def _register(hooks: list, hook: object) -> None:  # type: ignore[type-arg]
    if hook not in hooks:
        hooks.append(hook)
