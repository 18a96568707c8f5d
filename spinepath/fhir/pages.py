"""The administrator's page for FHIR bulk exports: start one, download its files when ready."""

from __future__ import annotations

from django import forms
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


class ExportForm(forms.Form):
    """The API's ``_since`` on the page: only what changed after a moment (clinic time)."""

    since = forms.DateTimeField(
        label="Only records changed since (optional)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for everything. Staff, the clinic and questionnaires always come in"
        " full, so every reference in the files resolves.",
        error_messages={"invalid": "Enter a date and time, such as 31/01/2026 09:00."},
    )


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.ensure_may(user, Task.BULK_EXPORT)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        export.export_start(
            request,
            by=user,
            types=list(export.EXPORTED),
            since=form.cleaned_data["since"],
            request_url=request.build_absolute_uri(reverse("fhir_export")),
        )
        return redirect("fhir_exports")
    jobs = (
        ExportJob.objects.filter(clinic_id=user.clinic_id)
        .select_related("requested_by")
        .order_by("-requested_at")[:SHOWN]
    )
    status = 400 if form.errors else 200
    return render(request, "fhir/exports.html", {"jobs": jobs, "form": form}, status=status)
