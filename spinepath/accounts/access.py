"""Who may see what: the one place every view and API handler asks.

Modelled on healthchecks' ``_get_check_for_user``: a view never queries patients directly, it asks
for "the patient with this id that this user may see", so forgetting access control is impossible
by construction. A patient of another clinic is a 404, not a 403, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.patients.models import Episode, Patient

View = TypeVar("View", bound=Callable[..., HttpResponse])


def patients_for(user: User) -> QuerySet[Patient]:
    """Patients this user may see: their clinic's, and only for patient-facing roles."""
    if not user.is_authenticated or not user.may_see_patients:
        return Patient.objects.none()
    return Patient.objects.filter(clinic_id=user.clinic_id)


def episodes_for(user: User) -> QuerySet[Episode]:
    if not user.is_authenticated or not user.may_see_patients:
        return Episode.objects.none()
    return Episode.objects.filter(patient__clinic_id=user.clinic_id)


def ensure_patient_role(user: User) -> None:
    if not user.may_see_patients:
        raise PermissionDenied("Your role does not give access to identifiable patient records.")


def ensure_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise PermissionDenied("Your role does not allow this action.")


def _as_uuid(value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("No such patient") from None


def get_patient_for_user(
    request: HttpRequest, patient_id: Any, *, log_read: bool = True
) -> Patient:
    """The patient, if this user may see it; audit-logs the read. Raises 404 otherwise."""
    user: User = request.user  # type: ignore[assignment]
    ensure_patient_role(user)
    patient = patients_for(user).filter(pk=_as_uuid(patient_id)).select_related("clinic").first()
    if patient is None:
        raise Http404("No such patient")
    if log_read:
        audit.record(request, AuditEvent.Action.READ, patient)
    return patient


def get_episode_for_user(
    request: HttpRequest, episode_id: Any, *, log_read: bool = True
) -> Episode:
    user: User = request.user  # type: ignore[assignment]
    ensure_patient_role(user)
    episode = (
        episodes_for(user)
        .filter(pk=_as_uuid(episode_id))
        .select_related("patient", "patient__clinic")
        .first()
    )
    if episode is None:
        raise Http404("No such episode")
    if log_read:
        audit.record(request, AuditEvent.Action.READ, episode)
    return episode


def patient_staff_required(view: View) -> View:
    """Login, then a role that may see identifiable records (not analysts)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ensure_patient_role(request.user)  # type: ignore[arg-type]
        return view(request, *args, **kwargs)

    return login_required(wrapper)  # type: ignore[return-value]


def role_required(*roles: Role) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ensure_role(request.user, *roles)  # type: ignore[arg-type]
            return view(request, *args, **kwargs)

        return login_required(wrapper)  # type: ignore[return-value]

    return decorator
