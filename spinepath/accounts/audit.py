"""Writing the audit log: one call per read or write of patient data.

Views and API handlers call :func:`record`; nothing else writes ``AuditEvent`` rows, so the log
has one shape whichever door the request came through.

A page load is one look at a record however many helpers fetch it: reads, lists and refusals are
collected on the request and each distinct one is written once, all of a request's together in
one INSERT when the request ends (``AuditFlushMiddleware`` around every request, through
``lib/batched.py``'s ``deferred_inserts``), before its response leaves; if that INSERT fails the
request fails with it. Writes (create, update, override, export, …) are written with the change
they describe, in its transaction: at once, or with their batch where a caller such as the demo
batches them. An edit's event carries each changed field's value before and after
(:func:`changes`) in its ``detail``. Every event is chained into the log's hash chain as it is
written (``chain.py``; ``manage.py verify_audit`` checks it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from spinepath.accounts.models import AuditEvent, User
from spinepath.lib.batched import defer, insert


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: a forwarded header is trivially forged unless a trusted proxy sets it,
    # and a deployment behind one should rewrite REMOTE_ADDR at the proxy.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _channel(request: HttpRequest | None) -> str:
    if request is None:
        return AuditEvent.Channel.SYSTEM
    if request.path.startswith(("/api/", "/fhir/")) or request.path == "/fhir":
        return AuditEvent.Channel.API
    return AuditEvent.Channel.UI


_ONCE_ATTRIBUTE = "_spinepath_audit_once"
# Looking is recorded once a request; changing something is recorded every time.
_ONCE_PER_REQUEST = frozenset(
    {AuditEvent.Action.READ, AuditEvent.Action.LIST, AuditEvent.Action.DENIED}
)


def _once(
    request: HttpRequest | None, key: Hashable, create: Callable[[], AuditEvent]
) -> AuditEvent:
    """The event already written for ``key`` in this request, or a new one."""
    if request is None:
        return create()
    seen: dict[Hashable, AuditEvent] = request.__dict__.setdefault(_ONCE_ATTRIBUTE, {})
    if key not in seen:
        seen[key] = create()
    return seen[key]


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
    at: datetime | None = None,
) -> AuditEvent:
    """Log ``action`` on ``obj``; a workflow passes its own time ``at`` (default: now)."""
    actor = user
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user  # type: ignore[assignment]
    clinic_id = getattr(obj, "clinic_id", None)
    if clinic_id is None:
        patient = getattr(obj, "patient", None)
        clinic_id = getattr(patient, "clinic_id", None)

    write = defer if action in _ONCE_PER_REQUEST else insert

    def create() -> AuditEvent:
        return write(
            AuditEvent(
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
                **({"at": at} if at is not None else {}),
            )
        )

    if action in _ONCE_PER_REQUEST:
        key = (action, obj._meta.label, str(obj.pk), actor.pk if actor else None)
        return _once(request, key, create)
    return create()


def record_list(
    request: HttpRequest, model: type[models.Model], ids: Iterable[Any], *, query: str = ""
) -> AuditEvent | None:
    """One event for a page of search results: which records were shown, not their contents."""
    shown = [str(pk) for pk in ids]
    user: User = request.user  # type: ignore[assignment]

    def create() -> AuditEvent:
        return defer(
            AuditEvent(
                user=user,
                username=user.username,
                clinic_id=user.clinic_id,
                action=AuditEvent.Action.LIST,
                channel=_channel(request),
                model=model._meta.label,
                ip_address=client_ip(request),
                detail={"shown": shown, "searched": bool(query)},
            )
        )

    key = (AuditEvent.Action.LIST, model._meta.label, tuple(shown), bool(query))
    return _once(request, key, create)


def record_denied(
    request: HttpRequest,
    *,
    reason: str,
    model: str = "",
    object_id: str = "",
    patient_id: str = "",
) -> AuditEvent | None:
    """A refused attempt: another clinic's (or no such) record, or a role not allowed.

    Logged under the person's own clinic, so their administrator sees what they tried. The
    attempted record is named by its id only; nothing from the request path or body is kept.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    staff: User = user  # type: ignore[assignment]
    match = getattr(request, "resolver_match", None)

    def create() -> AuditEvent:
        return defer(
            AuditEvent(
                user=staff,
                username=staff.username,
                clinic_id=staff.clinic_id,
                action=AuditEvent.Action.DENIED,
                channel=_channel(request),
                model=model,
                object_id=object_id,
                patient_id=patient_id,
                ip_address=client_ip(request),
                reason=reason,
                detail={
                    "method": request.method or "",
                    "page": match.view_name if match else "",
                },
            )
        )

    return _once(request, (AuditEvent.Action.DENIED, model, object_id), create)


def changed_fields(instance: models.Model, original: dict[str, Any]) -> list[str]:
    """Names of the concrete fields whose values differ from ``original``.

    Bookkeeping stamps (``auto_now`` fields such as ``updated_at``) are not a change anyone
    made, so an edit measured after its save reads the same as one measured before it."""
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.name in original
        and not getattr(field, "auto_now", False)
        and getattr(instance, field.attname) != original[field.name]
    ]


def changes(instance: models.Model, original: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each changed field's stored value before and after, for the event's ``detail``.

    Values as JSON (dates, times, decimals and ids as text). They go into the audit row only,
    which is hashed into the chain; nothing here is logged, and ``verify_audit`` names rows by
    position and id, never by what they hold."""
    return {
        name: {"before": _json(original[name]), "after": _json(getattr(instance, attname))}
        for name, attname in _attnames(instance, changed_fields(instance, original)).items()
    }


def _attnames(instance: models.Model, names: list[str]) -> dict[str, str]:
    fields = {field.name: field.attname for field in instance._meta.concrete_fields}
    return {name: fields[name] for name in names}


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


@dataclass(frozen=True)
class Edit:
    """An edit of one record, measured against its stored values before the save.

    Taken before ``save()`` (which bumps ``updated_at``), written after it: every edit's event
    then has the same shape, the changed field names plus each one's value before and after."""

    instance: models.Model
    changed: list[str]
    diff: dict[str, dict[str, Any]]

    def record(self, request: HttpRequest | None, **kwargs: Any) -> AuditEvent:
        """The edit's UPDATE event (``user=``, ``at=`` … as :func:`record` takes them)."""
        return record(
            request,
            AuditEvent.Action.UPDATE,
            self.instance,
            changed_fields=self.changed,
            detail={"changes": self.diff},
            **kwargs,
        )


def edit_of(instance: models.Model, original: dict[str, Any]) -> Edit:
    """The edit of ``instance`` since :func:`snapshot` gave ``original``; call before saving."""
    return Edit(instance, changed_fields(instance, original), changes(instance, original))


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {
        field.name: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }
