"""The administrator's page for FHIR bulk exports: start one, download its files when ready."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from spinepath.accounts import access
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.fhir import export
from spinepath.fhir.models import ExportJob

SHOWN = 20


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.ensure_may(user, Task.BULK_EXPORT)
    if request.method == "POST":
        export.export_start(
            request,
            by=user,
            types=list(export.EXPORTED),
            request_url=request.build_absolute_uri(reverse("fhir_export")),
        )
        return redirect("fhir_exports")
    jobs = (
        ExportJob.objects.filter(clinic_id=user.clinic_id)
        .select_related("requested_by")
        .order_by("-requested_at")[:SHOWN]
    )
    return render(request, "fhir/exports.html", {"jobs": jobs})
