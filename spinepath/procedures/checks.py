"""Start-up check: a clinic's dose-limit overrides must make valid limits, never be ignored."""

from typing import Any

from django.conf import settings
from django.core import checks

from spinepath.clinical.dose_limits import DoseLimitsError, with_overrides


@checks.register()
def dose_limit_overrides_are_valid(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        with_overrides(getattr(settings, "SPINEPATH_DOSE_LIMIT_OVERRIDES", {}))
    except DoseLimitsError as error:
        return [
            checks.Error(f"SPINEPATH_DOSE_LIMIT_OVERRIDES: {p}", id="spinepath.E030")
            for p in error.problems
        ]
    return []
