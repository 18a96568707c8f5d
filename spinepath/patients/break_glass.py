"""Break-glass: emergency access to a patient of another clinic (ASVS 8.x, NHS "legitimate
relationship" exceptions).

A clinician or physiotherapist who must see a record their clinic does not hold (the patient
arrives elsewhere with a complication, say) finds it by NHS number and date of birth together
(both must match: no browsing), writes why, and gets a read-only view for a few hours. The
grant, and every look through it, is audited against the patient's own clinic and flagged, so
that clinic's administrators see it in their audit log; they are also emailed when it is granted
(no patient identifier in the email).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.lib import nhs_number
from spinepath.patients.models import BreakGlassGrant, Patient

ROLES = (Role.CLINICIAN, Role.PHYSIOTHERAPIST)
FLAG = {"break_glass": True}


def break_glass_grant(
    request: HttpRequest | None,
    *,
    user: User,
    nhs: str,
    born: date,
    reason: str,
    hours: int,
    at: datetime | None = None,
) -> BreakGlassGrant:
    """Grant ``user`` emergency access to the patient with this NHS number and date of birth in
    another clinic. Raises ``ValidationError`` (and writes nothing but the refusal) otherwise."""
    at = at or timezone.now()
    if user.role not in ROLES:
        raise ValidationError("Only clinicians and physiotherapists may use emergency access.")
    number = nhs_number.normalise(nhs)
    patient = (
        Patient.objects.filter(nhs_number=number, date_of_birth=born)
        .exclude(clinic_id=user.clinic_id)
        .select_related("clinic")
        .first()
        if number
        else None
    )
    if patient is None:
        if request is not None:
            audit.record_denied(
                request,
                reason="Emergency access: no patient of another clinic with that NHS number "
                "and date of birth.",
                model="patients.Patient",
            )
        raise ValidationError(
            {"nhs_number": "No patient of another clinic has that NHS number and date of birth."}
        )
    grant = BreakGlassGrant(
        user=user,
        patient=patient,
        reason=reason.strip(),
        granted_at=at,
        expires_at=at + timedelta(hours=hours),
    )
    grant.full_clean()
    with transaction.atomic():
        grant.save()
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            grant,
            reason=grant.reason,
            detail={**FLAG, "until": grant.expires_at.isoformat(), "patient": str(patient.pk)},
            user=user,
            at=at,
        )
        grant_id = grant.pk
        transaction.on_commit(lambda: _notify(grant_id))
    return grant


def _notify(grant_id: object) -> None:
    from spinepath.patients.tasks import notify_break_glass

    notify_break_glass.enqueue(str(grant_id))


def open_grant(user: User, grant_id: object, *, at: datetime | None = None) -> BreakGlassGrant:
    """The user's own grant while it lasts; ``ValidationError`` once it has ended."""
    at = at or timezone.now()
    grant = (
        BreakGlassGrant.objects.select_related("patient", "patient__clinic")
        .filter(pk=grant_id, user=user)
        .first()
    )
    if grant is None:
        raise BreakGlassGrant.DoesNotExist
    if not grant.is_open(at):
        raise ValidationError("This emergency access has ended. Ask again if you still need it.")
    return grant


def notification_text(grant: BreakGlassGrant) -> tuple[str, str]:
    """The administrators' email: who, when, why; the patient only as "a patient of <clinic>"."""
    local = timezone.localtime(grant.granted_at)
    staff = grant.user
    clinic = staff.clinic.name if staff.clinic else "no clinic"
    subject = f"Emergency access to a patient record of {grant.patient.clinic.name}"
    body = (
        f"{staff.get_full_name() or staff.username} ({staff.get_role_display()}, {clinic}) "
        f"opened a patient record of {grant.patient.clinic.name} under emergency access on "
        f"{local:%-d %B %Y at %H:%M}, until {timezone.localtime(grant.expires_at):%H:%M}.\n\n"
        f"The reason they gave:\n{grant.reason}\n\n"
        "Every look at the record through this access is in your clinic's audit log, flagged "
        "as emergency access. If it was not justified, follow your clinic's information "
        "governance procedure.\n"
    )
    return subject, body
