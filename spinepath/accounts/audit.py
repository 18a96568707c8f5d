"""Writing the audit log: one call per read or write of patient data.

Views and API handlers call :func:`record`; nothing else writes ``AuditEvent`` rows, so the log
has one shape whichever door the request came through.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest

from spinepath.accounts.models import AuditEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: a forwarded header is trivially forged unless a trusted proxy sets it,
    # and a deployment behind one should rewrite REMOTE_ADDR at the proxy.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _channel(request: HttpRequest | None) -> str:
    if request is None:
        return AuditEvent.Channel.SYSTEM
    if request.path.startswith("/api/"):
        return AuditEvent.Channel.API
    return AuditEvent.Channel.UI


def _patient_id_of(obj: models.Model) -> str:
    patient_id = getattr(obj, "patient_id", None)
    if patient_id is None and obj._meta.model_name == "patient":
        patient_id = obj.pk
    return "" if patient_id is None else str(patient_id)


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model,
    *,
    changed_fields: Iterable[str] = (),
    reason: str = "",
    detail: dict[str, Any] | None = None,
    user: User | None = None,
    channel: str | None = None,
) -> AuditEvent:
    actor = user
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user  # type: ignore[assignment]
    clinic_id = getattr(obj, "clinic_id", None)
    if clinic_id is None:
        patient = getattr(obj, "patient", None)
        clinic_id = getattr(patient, "clinic_id", None)
    return AuditEvent.objects.create(
        user=actor,
        username=actor.username if actor else "",
        clinic_id=clinic_id,
        action=action,
        channel=channel or _channel(request),
        model=obj._meta.label,
        object_id=str(obj.pk),
        patient_id=_patient_id_of(obj),
        changed_fields=sorted(changed_fields),
        ip_address=client_ip(request),
        reason=reason,
        detail=detail or {},
    )


def record_list(
    request: HttpRequest, model: type[models.Model], ids: Iterable[Any], *, query: str = ""
) -> AuditEvent | None:
    """One event for a page of search results: which records were shown, not their contents."""
    shown = [str(pk) for pk in ids]
    user: User = request.user  # type: ignore[assignment]
    return AuditEvent.objects.create(
        user=user,
        username=user.username,
        clinic_id=user.clinic_id,
        action=AuditEvent.Action.LIST,
        channel=_channel(request),
        model=model._meta.label,
        ip_address=client_ip(request),
        detail={"shown": shown, "searched": bool(query)},
    )


def changed_fields(instance: models.Model, original: dict[str, Any]) -> list[str]:
    """Names of the concrete fields whose values differ from ``original``."""
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.name in original and getattr(instance, field.attname) != original[field.name]
    ]


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {
        field.name: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }
