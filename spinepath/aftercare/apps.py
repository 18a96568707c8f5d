from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "spinepath.aftercare"
    verbose_name = "Aftercare, leaflets and rehabilitation"

    def ready(self) -> None:
        """Subscribe to the procedures layer's hook; it never imports this app."""
        from spinepath.aftercare.giving import give_aftercare_leaflet
        from spinepath.procedures import hooks

        if give_aftercare_leaflet not in hooks.ON_PROCEDURE_RECORDED:
            hooks.ON_PROCEDURE_RECORDED.append(give_aftercare_leaflet)
