"""Panels a page about a planned procedure shows beside the decision: an explicit list, filled at
start-up by apps above this one (the prediction app adds 'people like you').

The decision page (here) and the consent page (procedures) call ``plan_panels``; each provider
returns ready HTML for one assessment, or "" when it has nothing to say. Providers are decision
support: they read, they never change the decision or its record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from spinepath.assessment.models import Assessment

PLAN_PANELS: list[Callable[[HttpRequest, Assessment], str]] = []
"""Each called with the request and the assessment of the planned procedure."""


def plan_panels(request: HttpRequest, assessment: Assessment) -> list[SafeString]:
    found = []
    for provider in list(PLAN_PANELS):
        html = provider(request, assessment)
        if html:
            # Rendered by the provider's own template (bandit B308, B703; ruff S308).
            found.append(mark_safe(html))  # noqa: S308 # nosec B308 B703
    return found
