"""Which patients and episodes a user may see: their clinic's, for patient-facing roles only.

The role table and the generic ``get_for_user`` live in ``accounts/access.py``, below the
patients app; the queries that name ``Patient`` and ``Episode`` live here, beside the models,
so accounts never imports patients.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from spinepath.accounts.access import get_for_user
from spinepath.accounts.models import Clinic, User
from spinepath.lib.prepared import Prepared
from spinepath.patients.models import Episode, Patient

M = TypeVar("M", bound=Model)


def patients_for(user: User) -> QuerySet[Patient]:
    """Patients this user may see: their clinic's, and only for patient-facing roles."""
    if not user.is_authenticated or not user.may_see_patients:
        return Patient.objects.none()
    return Patient.objects.filter(clinic_id=user.clinic_id)


def episodes_for(user: User) -> QuerySet[Episode]:
    if not user.is_authenticated or not user.may_see_patients:
        return Episode.objects.none()
    return Episode.objects.filter(patient__clinic_id=user.clinic_id)


def _as_uuid(value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("No such patient") from None


# The patient page's and the API's lookup, compiled once (lib/prepared.py): the clinic comes
# with the user (the session's and the token's lookups read it), so the patient alone is read.
_PATIENT_IN_CLINIC = Prepared(
    lambda pk, clinic: Patient.objects.filter(pk=pk, clinic_id=clinic)[:1],
    pk=(Patient._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
    clinic=(Clinic._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def get_patient_for_user(
    request: HttpRequest, patient_id: Any, *, log_read: bool = True
) -> Patient:
    """The patient with their clinic. A patient found is in the user's own clinic, so when the
    user came with their clinic loaded (an API token) it is not fetched again."""
    user = request.user
    clinic_field = User._meta.get_field("clinic")
    known = user.is_authenticated and clinic_field.is_cached(user)  # type: ignore[attr-defined]
    patient = get_for_user(
        request,
        _PATIENT_IN_CLINIC if known else Patient.objects.select_related("clinic"),
        _as_uuid(patient_id),
        patient_path="",
        what="patient",
        log_read=log_read,
    )
    if known:
        Patient._meta.get_field("clinic").set_cached_value(  # type: ignore[attr-defined]
            patient,
            clinic_field.get_cached_value(user),  # type: ignore[attr-defined]
        )
    return patient


def get_episode_for_user(
    request: HttpRequest, episode_id: Any, *, log_read: bool = True
) -> Episode:
    return get_for_user(
        request,
        Episode.objects.select_related("patient", "patient__clinic"),
        _as_uuid(episode_id),
        patient_path="patient",
        what="episode",
        log_read=log_read,
    )


def get_episode_record_for_user(
    request: HttpRequest, queryset: QuerySet[M], pk: Any, *, what: str, log_read: bool = True
) -> M:
    """A record that belongs to an episode (consent, procedure, time point, onward action, …)
    in the user's clinic, found by ``pk``; 404 otherwise; audits the read unless told not to."""
    return get_for_user(
        request, queryset, pk, patient_path="episode__patient", what=what, log_read=log_read
    )
