"""The pages of break-glass access (``patients/break_glass.py``): ask, then read the record.

The record is shown as the subject-access PDF shows it (``record_pdf.sections``, the FHIR
resources in words), read-only, under a red banner saying whose clinic it belongs to, why it was
opened and until when. It lives here because it reads the record through the FHIR mappers.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.access import patient_staff_required
from spinepath.accounts.models import AuditEvent, User
from spinepath.fhir.record_pdf import sections
from spinepath.fhir.resources import patient_resources
from spinepath.lib.widgets import DateInput
from spinepath.patients import break_glass
from spinepath.patients.models import BreakGlassGrant


class EmergencyAccessForm(forms.Form):
    nhs_number = forms.CharField(label="NHS number", max_length=20)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput())
    reason = forms.CharField(
        label="Why you need this record now",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Your clinic and the patient's clinic will both see this.",
    )
    hours = forms.TypedChoiceField(
        label="For how long",
        coerce=int,
        choices=[(1, "1 hour"), (2, "2 hours"), (4, "4 hours"), (8, "8 hours"), (12, "12 hours")],
        initial=4,
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@patient_staff_required
def emergency_access(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role not in break_glass.ROLES:
        raise PermissionDenied("Only clinicians and physiotherapists may use emergency access.")
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = break_glass.break_glass_grant(
                request,
                user=user,
                nhs=data["nhs_number"],
                born=data["date_of_birth"],
                reason=data["reason"],
                hours=data["hours"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = field if field in form.fields else None
                for message in messages:
                    form.add_error(target, message)
        else:
            return redirect("emergency_record", grant_id=grant.pk)
    return render(request, "fhir/emergency_form.html", {"form": form})


@patient_staff_required
def emergency_record(request: HttpRequest, grant_id: UUID) -> HttpResponse:
    now = timezone.now()
    try:
        grant = break_glass.open_grant(_user(request), grant_id, at=now)
    except BreakGlassGrant.DoesNotExist:
        raise Http404("No such emergency access") from None
    except ValidationError as error:
        return render(
            request, "fhir/emergency_ended.html", {"message": error.messages[0]}, status=403
        )
    patient: Any = grant.patient
    resources = patient_resources(patient)
    audit.record(
        request,
        AuditEvent.Action.READ,
        patient,
        reason=grant.reason,
        detail={**break_glass.FLAG, "grant": str(grant.pk)},
    )
    return render(
        request,
        "fhir/emergency_record.html",
        {"grant": grant, "patient": patient, "sections": sections(resources)},
    )
