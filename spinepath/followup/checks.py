"""System check: a clinic's follow-up schedule override must be valid before the app starts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from spinepath.clinical.followup_schedule import validate_overrides


@register()
def check_followup_schedules(**kwargs: Any) -> list[Error]:
    overrides = getattr(settings, "SPINEPATH_FOLLOWUP_SCHEDULES", {}) or {}
    if not isinstance(overrides, dict):
        return [
            Error(
                "SPINEPATH_FOLLOWUP_SCHEDULES must map clinic codes to schedules.",
                id="followup.E001",
            )
        ]
    return [
        Error(f"SPINEPATH_FOLLOWUP_SCHEDULES {problem}", id="followup.E002")
        for problem in validate_overrides(overrides)
    ]
