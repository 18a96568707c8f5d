"""``manage.py patient_rights {restrict,lift,erase} PATIENT_ID --by ADMIN --reason TEXT
[--confirm ERASE]``: the same workflows as the page (patients/rights.py), for an information-
governance team working from a ticket. The administrator named by ``--by`` is the one audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from spinepath.accounts.models import User
from spinepath.patients import rights
from spinepath.patients.models import Patient


class Command(BaseCommand):
    help = (
        "Restrict a patient's record, lift its restriction, or erase the patient's identity "
        "(pseudonymise; irreversible). Audited as the administrator named by --by."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["restrict", "lift", "erase"])
        parser.add_argument("patient_id")
        parser.add_argument("--by", required=True, help="username of a clinic administrator")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--confirm", default="", help=f"{rights.CONFIRMATION} to erase")

    def handle(
        self,
        *args: Any,
        action: str,
        patient_id: str,
        by: str,
        reason: str,
        confirm: str,
        **options: Any,
    ) -> None:
        user = User.objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {by!r}.")
        try:
            patient = Patient.objects.filter(pk=patient_id, clinic_id=user.clinic_id).first()
        except ValidationError:
            patient = None
        if patient is None:
            raise CommandError("No patient with that id in the administrator's clinic.")
        try:
            if action == "restrict":
                rights.restrict_record(None, patient=patient, by=user, reason=reason)
            elif action == "lift":
                rights.lift_restriction(None, patient=patient, by=user, reason=reason)
            else:
                rights.erase_record(
                    None, patient=patient, by=user, reason=reason, confirmation=confirm
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except (PermissionDenied, rights.RightsRefused) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{action}: done for patient {patient.pk}.")
