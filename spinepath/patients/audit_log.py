"""The clinic's audit log page (admins only).

It names the patients behind the events, so it reads patient records and lives with them, above
``accounts`` (which keeps the log itself: ``audit.py`` and ``AuditEvent``).
"""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.access import role_required
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.patients import scope
from spinepath.patients.models import Patient


class AuditFilterForm(forms.Form):
    username = forms.CharField(required=False, label="Staff username")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEvent.Action.choices]
    )
    channel = forms.ChoiceField(
        required=False, choices=[("", "Any channel"), *AuditEvent.Channel.choices]
    )
    patient_id = forms.UUIDField(required=False, label="Patient record id")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )


class PatientLookupForm(forms.Form):
    q = forms.CharField(label="Find a patient's trail", max_length=100)


@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The clinic's audit trail, filterable; admins see only their own clinic's events.

    Rows name the patient (this clinic's only). A patient is found by a POSTed search, so names
    and NHS numbers never sit in the address; the filter itself carries only the record id.
    """
    user: User = request.user  # type: ignore[assignment]
    if user.clinic is None:
        # Otherwise the filter below would show every event that has no clinic.
        raise PermissionDenied("Your account is not attached to a clinic.")
    lookup = PatientLookupForm(request.POST or None)
    matches: list[Patient] | None = None
    if request.method == "POST" and lookup.is_valid():
        matches = list(scope.patients_for(user).search(lookup.cleaned_data["q"])[:20])
        audit.record_list(request, Patient, [p.pk for p in matches], query="audit")
    events = AuditEvent.objects.for_clinic(user.clinic).select_related("user")
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A filter that cannot be applied must not silently widen to the whole log.
        events = events.none()
    elif form.is_valid():
        data = form.cleaned_data
        if data["username"]:
            events = events.filter(username__iexact=data["username"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["channel"]:
            events = events.filter(channel=data["channel"])
        if data["patient_id"]:
            events = events.filter(patient_id=str(data["patient_id"]))
        tz = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
        if data["until"]:
            events = events.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = _patient_names(user, {e.patient_id for e in rows} | {_filtered_patient(form)})
    for event in rows:
        event.patient_name = names.get(event.patient_id, "")  # type: ignore[attr-defined]
    if names:
        # Showing names is a look at those patients' records: one list event for the page.
        audit.record_list(request, Patient, sorted(names))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "lookup": lookup,
            "matches": matches,
            "filtered_patient": names.get(_filtered_patient(form), ""),
        },
    )


def _filtered_patient(form: AuditFilterForm) -> str:
    if form.is_bound and form.is_valid() and form.cleaned_data["patient_id"]:
        return str(form.cleaned_data["patient_id"])
    return ""


def _patient_names(user: User, ids: set[str]) -> dict[str, str]:
    """``{patient id: "FAMILY, Given"}`` for this clinic's patients among ``ids``."""
    wanted = [pk for pk in ids if pk]
    if not wanted:
        return {}
    return {
        str(p.pk): f"{p.family_name.upper()}, {p.given_name}"
        for p in scope.patients_for(user).filter(pk__in=wanted)
    }
