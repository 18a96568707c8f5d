from typing import Any

from django.apps import AppConfig
from django.core import checks


class PredictionConfig(AppConfig):
    name = "spinepath.prediction"
    label = "prediction"
    verbose_name = "People like you and relief prediction"

    def ready(self) -> None:
        """Offer the 'people like you' panel to the decision and consent pages, which sit below
        this app in the layers and so read it from ``assessment.panels.PLAN_PANELS``."""
        from spinepath.assessment import panels
        from spinepath.prediction.panel import staff_panel

        if staff_panel not in panels.PLAN_PANELS:
            panels.PLAN_PANELS.append(staff_panel)
        checks.register(check_minimum)


def check_minimum(**kwargs: Any) -> list[checks.CheckMessage]:
    """prediction.E001: SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM is a whole number the core accepts."""
    from django.conf import settings

    from spinepath.clinical.people_like_you import minimum_from_setting

    try:
        minimum_from_setting(getattr(settings, "SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM", 30))
    except ValueError as problem:
        return [checks.Error(str(problem), id="prediction.E001")]
    return []
