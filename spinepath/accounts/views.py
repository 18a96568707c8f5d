"""Account pages that read no patient record: the 403 page, which audits the refusal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from spinepath.accounts.access import record_refusal


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 403 page, after writing the refusal to the audit log."""
    record_refusal(request, exception)
    return defaults.permission_denied(request, exception)
