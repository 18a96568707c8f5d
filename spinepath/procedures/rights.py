"""What a pseudonymised record's consents keep (``patients/rights.py``'s ``ON_ERASE``).

The signature is the patient's own mark: a typed signature becomes ``[removed]`` and a drawn one
is dropped, so the consent still shows that it was signed, how and when, but not by whom.
"""

from __future__ import annotations

from datetime import datetime

from spinepath.patients.models import Patient
from spinepath.patients.rights import REMOVED
from spinepath.procedures.models import Consent


def on_erase(patient: Patient, at: datetime) -> None:
    consents = Consent.objects.filter(episode__patient=patient)
    consents.exclude(signed_name="").update(signed_name=REMOVED)
    consents.exclude(signature_image="").update(signature_image="")
