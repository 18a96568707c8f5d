from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "spinepath.scheduling"
    verbose_name = "Waiting list, injection sessions and bookings"

    def ready(self) -> None:
        """Subscribe to the patients layer's rights hooks; it never imports this app."""
        from spinepath.patients import rights as patient_rights
        from spinepath.scheduling import rights

        for hooks, hook in (
            (patient_rights.ON_LIFT, rights.on_lift),
            (patient_rights.ON_ERASE, rights.on_erase),
        ):
            if hook not in hooks:
                hooks.append(hook)
