"""What follow-up does when a record is pseudonymised (``patients/rights.py``'s ``ON_ERASE``).

Restriction needs no hook here: ``sending.plan`` plans nothing for a restricted patient and
``sending.waiting`` leaves their queued messages where they are (held), so once the restriction is
lifted the next run sends what is still worth sending and records why the rest was not.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db.models import Q

from spinepath.followup.models import FollowUpLink, MessageLog
from spinepath.patients.models import Patient

NOT_SENT = "Not sent: the record was pseudonymised."


def on_erase(patient: Patient, at: datetime) -> None:
    """Every link of the patient's stops working (revoked, and its hash replaced so the old
    token matches nothing); every message not yet sent is cancelled with the reason."""
    links = FollowUpLink.objects.filter(time_point__episode__patient=patient)
    links.filter(revoked_at__isnull=True).update(revoked_at=at)
    for pk in links.values_list("pk", flat=True):
        FollowUpLink.objects.filter(pk=pk).update(token_hash=f"erased-{secrets.token_hex(24)}")
    MessageLog.objects.filter(
        Q(status=MessageLog.Status.QUEUED) | Q(status=MessageLog.Status.FAILED),
        time_point__episode__patient=patient,
    ).exclude(next_attempt_at__isnull=True, status=MessageLog.Status.FAILED).update(
        status=MessageLog.Status.FAILED, last_error=NOT_SENT, next_attempt_at=None
    )
