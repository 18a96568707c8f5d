"""Background tasks of the patients app: telling administrators about emergency access."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from spinepath.accounts.models import Role, User
from spinepath.patients.break_glass import notification_text
from spinepath.patients.models import BreakGlassGrant


@task()
def notify_break_glass(grant_id: str) -> int:
    """Email each active administrator of the patient's clinic; returns how many were told."""
    grant = BreakGlassGrant.objects.select_related("patient__clinic", "user__clinic").get(
        pk=grant_id
    )
    to = list(
        User.objects.filter(clinic_id=grant.patient.clinic_id, role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if to:
        subject, body = notification_text(grant)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    return len(to)
