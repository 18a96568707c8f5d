"""Patient rights: restricting processing of a record (UK GDPR Art. 18), lifting it, and erasure
as pseudonymisation (Art. 17, within the NHS records-management code).

A clinical record must usually be kept for its retention period, so "erasure" here removes the
patient's identity, not the clinical facts: names, NHS number, MRN, the exact date of birth
(only the year stays, as 1 July of it: what age bands need), contact details and the
administrative notes go; every other text the record holds (timeline, notes, reasons, answers,
consent snapshots, bookings, onward referrals, emergency-access reasons) has each known
identifier replaced by ``[removed]``; the patient's links stop working and pending messages are
cancelled. Outcome facts and summary tables hold no identifier and are not touched, so every
count stays as it was. The audit log is append-only and hash-chained and is never changed (see
docs/security.md: events written before the erasure keep the values they recorded).

Restriction keeps the record but limits what is done with it: it leaves worklists, searches,
injection lists, reminders and follow-up messages (pending ones are held, not lost), the research
extract and bulk exports; staff of the clinic may still open it to provide care, under a banner,
and every look is audited as always. Lifting it restores all of that; held messages are judged
again when next due (one whose time has passed is not sent).

Each action is one workflow with ``at=``: the patient locked, one transaction, audited. The apps
above this one add what they hold through explicit lists filled when they start
(``ON_LIFT``, ``ON_ERASE``), never by an upward import.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent, SubmissionClaim, User
from spinepath.lib import nhs_number
from spinepath.patients.locks import lock_patient
from spinepath.patients.models import Patient

MIN_REASON = 10
REMOVED = "[removed]"
ERASED_GIVEN_NAME = "Pseudonymised"
ERASED_FAMILY_NAME = "record"
CONFIRMATION = "ERASE"

# Apps above this one register here when they start (their AppConfig.ready):
# ``ON_LIFT``: called with (patient, at) after a restriction is lifted, inside its transaction;
# ``ON_ERASE``: called with (patient, at) inside the erasure's transaction (revoke, cancel).
ON_LIFT: list[Callable[[Patient, datetime], None]] = []
ON_ERASE: list[Callable[[Patient, datetime], None]] = []

# Tables never rewritten by erasure: the audit log (append-only, hash-chained) and the outcome
# facts and summaries (codes and numbers only; rewriting them could only change a count).
_UNTOUCHED_APPS = frozenset({"analytics", "prediction"})
_UNTOUCHED_MODELS = frozenset({"accounts.AuditEvent"})

ERASED_REFUSAL = (
    "This record has been pseudonymised: the patient's identity cannot be entered on it again."
)
# The fields erasure empties or replaces, which a pseudonymised record's edits may not set.
_ERASE_PATIENT_FIELDS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "mrn",
    "email",
    "phone",
    "notes",
]


def identity_fields() -> frozenset[str]:
    return frozenset(_ERASE_PATIENT_FIELDS)


class RightsRefused(Exception):
    """Why the action cannot be taken now, in words for the administrator."""


def _ensure_admin(user: User, patient: Patient) -> None:
    access.ensure_may(user, access.Task.PATIENT_RIGHTS)
    if user.clinic_id != patient.clinic_id:
        raise PermissionDenied("This record belongs to another clinic.")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError(
            {"reason": f"Give the reason, in at least {MIN_REASON} characters."}, code="reason"
        )
    return reason


def restrict_record(
    request: HttpRequest | None,
    *,
    patient: Patient,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Patient:
    """Restrict processing of ``patient``'s record from ``at``, for ``reason``."""
    at = at or timezone.now()
    _ensure_admin(by, patient)
    reason = _reason(reason)
    with transaction.atomic():
        locked = lock_patient(patient)
        if locked.restricted_at is not None:
            raise RightsRefused("This record is already restricted.")
        locked.restricted_at = at
        locked.restricted_reason = reason
        Patient.objects.filter(pk=locked.pk).update(restricted_at=at, restricted_reason=reason)
        _audit_restriction(request, locked, "restricted", since=at, reason=reason, by=by, at=at)
    patient.restricted_at, patient.restricted_reason = at, reason
    return patient


def lift_restriction(
    request: HttpRequest | None,
    *,
    patient: Patient,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Patient:
    """End the restriction: the record returns to every list, and held messages are judged
    again (the apps' ``ON_LIFT`` hooks; follow-up and reminder runs pick up the rest)."""
    at = at or timezone.now()
    _ensure_admin(by, patient)
    reason = _reason(reason)
    with transaction.atomic():
        locked = lock_patient(patient)
        if locked.restricted_at is None:
            raise RightsRefused("This record is not restricted.")
        since = locked.restricted_at
        Patient.objects.filter(pk=locked.pk).update(restricted_at=None, restricted_reason="")
        locked.restricted_at, locked.restricted_reason = None, ""
        _audit_restriction(
            request, locked, "restriction_lifted", since=since, reason=reason, by=by, at=at
        )
        for hook in ON_LIFT:
            hook(locked, at)
    patient.restricted_at, patient.restricted_reason = None, ""
    return patient


def _audit_restriction(
    request: HttpRequest | None,
    patient: Patient,
    what: str,
    *,
    since: datetime,
    reason: str,
    by: User,
    at: datetime,
) -> None:
    """The audit event of a restriction placed or lifted: the two fields it changes, the reason,
    and since when the record was restricted."""
    audit.record(
        request,
        AuditEvent.Action.UPDATE,
        patient,
        changed_fields=["restricted_at", "restricted_reason"],
        reason=reason,
        detail={"patient_rights": what, "since": since.isoformat()},
        user=by,
        at=at,
    )


def erase_record(
    request: HttpRequest | None,
    *,
    patient: Patient,
    by: User,
    reason: str,
    confirmation: str,
    at: datetime | None = None,
) -> Patient:
    """Remove ``patient``'s identity from everything held about them. Irreversible.

    Refused while an episode is open: a record without a name cannot be matched to the person
    being treated (wrong-patient hazard, docs/safety-case.md). ``confirmation`` must be
    ``CONFIRMATION`` typed by the administrator."""
    at = at or timezone.now()
    _ensure_admin(by, patient)
    reason = _reason(reason)
    if (confirmation or "").strip() != CONFIRMATION:
        raise ValidationError(
            {"confirmation": f"Type {CONFIRMATION} in capitals to confirm."}, code="confirmation"
        )
    with transaction.atomic():
        locked = lock_patient(patient)
        if locked.erased_at is not None:
            raise RightsRefused("This record has already been pseudonymised.")
        if locked.episodes.open().exists():
            raise RightsRefused(
                "Discharge every open episode first: a pseudonymised record cannot be matched "
                "to the person being treated."
            )
        scrub = Scrubber.for_patient(locked)
        for hook in ON_ERASE:
            hook(locked, at)
        rewritten = _scrub_related(locked, scrub)
        replays = _forget_replays(locked, scrub)
        if replays:
            rewritten["accounts.SubmissionClaim (deleted)"] = replays
        born = locked.date_of_birth
        middle = date(born.year, 7, 1)
        Patient.objects.filter(pk=locked.pk).update(
            given_name=ERASED_GIVEN_NAME,
            family_name=ERASED_FAMILY_NAME,
            date_of_birth=middle if middle != born else date(born.year, 7, 2),
            nhs_number="",
            # A record needs an NHS number or an MRN (and MRNs are unique in a clinic).
            mrn=f"PSEUDO-{locked.pk.hex[:12].upper()}",
            email="",
            phone="",
            notes="",
            restricted_reason=scrub.text(locked.restricted_reason),
            erased_at=at,
            # Changed: the next incremental FHIR export (_since) carries the pseudonymised record.
            updated_at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            locked,
            changed_fields=_ERASE_PATIENT_FIELDS,
            reason=reason,
            # Field names and row counts only: never a value removed.
            detail={"patient_rights": "erased", "rewritten": rewritten},
            user=by,
            at=at,
        )
    patient.refresh_from_db()
    return patient


# --- Scrubbing ----------------------------------------------------------------------------------


_MONTHS = list(calendar.month_name)[1:]


def _as_json_text(text: str) -> str:
    """``text`` as it stands inside a JSON string written with ``ensure_ascii`` (the default)."""
    return json.dumps(text)[1:-1]


def _digits_pattern(digits: str) -> str:
    """The digits with any spaces, dashes, dots or brackets between them."""
    return r"[\s\-.()]*".join(re.escape(d) for d in digits)


def _date_patterns(born: date) -> list[str]:
    d, m, y = born.day, born.month, born.year
    month = _MONTHS[m - 1]
    numeric = [
        f"{y:04d}-{m:02d}-{d:02d}",
        *(
            f"{dd}{sep}{mm}{sep}{y:04d}"
            for sep in "/-."
            for dd in {f"{d:02d}", str(d)}
            for mm in {f"{m:02d}", str(m)}
        ),
    ]
    words = [
        rf"{d:02d}\s+{month}\s+{y}",
        rf"{d}\s+{month}\s+{y}",
        rf"{d}\s+{month[:3]}\s+{y}",
        rf"{month}\s+{d},?\s+{y}",
    ]
    return [re.escape(text) for text in numeric] + words


class Scrubber:
    """Replaces each known identifier of one patient in a text (or in a JSON value's strings)."""

    def __init__(self, patterns: list[str], words: list[str]) -> None:
        parts = [p for p in patterns if p]
        # Single name words: whole words, as written or in capitals (not "may" in "you may").
        word_parts = [rf"(?<!\w){re.escape(w)}(?!\w)" for w in words]
        self._insensitive = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        self._exact = re.compile("|".join(word_parts)) if word_parts else None
        self._res = [r for r in (self._insensitive, self._exact) if r is not None]

    @classmethod
    def for_patient(cls, patient: Patient, *, as_json_text: bool = False) -> Scrubber:
        r"""The scrubber of ``patient``'s identifiers; with ``as_json_text``, of the identifiers
        as JSON text holds them with every non-ASCII character escaped (``"Zo\u00eb"`` for
        "Zoë", as the API writes its answers), for a search of stored JSON."""
        written = _as_json_text if as_json_text else str
        names = [patient.full_name, f"{patient.family_name}, {patient.given_name}"]
        if as_json_text:
            # An escape has no case ("\u00eb" is ë, "\u00cb" is Ë): capitals spelt out.
            names += [name.upper() for name in names]
        patterns = [rf"(?<!\w){re.escape(written(n))}(?!\w)" for n in names]
        if patient.nhs_number:
            patterns.append(_digits_pattern(nhs_number.normalise(patient.nhs_number)))
        if patient.mrn:
            patterns.append(rf"(?<!\w){re.escape(written(patient.mrn))}(?!\w)")
        if patient.email:
            patterns.append(re.escape(written(patient.email)))
        phone = re.sub(r"\D", "", patient.phone or "")
        if len(phone) >= 6:
            patterns.append(_digits_pattern(phone))
            if phone.startswith("0"):
                patterns.append(r"\+?44\s*(?:\(0\))?\s*" + _digits_pattern(phone[1:]))
        patterns.extend(_date_patterns(patient.date_of_birth))
        words: list[str] = []
        for name in (patient.given_name, patient.family_name):
            for word in re.split(r"[\s,]+", name):
                if len(word) >= 2:
                    words.extend({written(word), written(word.upper())})
        return cls(patterns, words)

    def found_in(self, field: str) -> models.Q:
        """A database filter for the rows whose text column ``field`` holds an identifier: the
        same patterns, matched by the database (``__regex``: Python's ``re`` itself on SQLite; on
        PostgreSQL an advanced regular expression, which reads these patterns alike: literals
        escaped by ``re.escape``, ``\\s``, ``\\w``, bracket classes, ``(?:…)`` and look-around).
        On the JSON the API writes, all ASCII, the two agree on ``\\w`` and on letter case too."""
        found = models.Q(pk__in=[])  # nothing, until a pattern is added
        if self._insensitive is not None:
            found |= models.Q(**{f"{field}__iregex": self._insensitive.pattern})
        if self._exact is not None:
            found |= models.Q(**{f"{field}__regex": self._exact.pattern})
        return found

    def text(self, value: str) -> str:
        for regex in self._res:
            value = regex.sub(REMOVED, value)
        return value

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {self.text(k): self.json(v) for k, v in value.items()}
        return value


def _path_to_patient(model: type[models.Model], seen: frozenset[Any] = frozenset()) -> str | None:
    """The lookup from ``model`` to its patient (``patient``, ``episode__patient``, …)."""
    if model is Patient:
        return ""
    best: str | None = None
    for field in model._meta.concrete_fields:
        related = getattr(field, "related_model", None)
        if not field.is_relation or related is None or related in seen or related is model:
            continue
        if related is Patient:
            return field.name
        if related._meta.app_label in ("accounts", "auth", "contenttypes"):
            continue
        rest = _path_to_patient(related, seen | {model})
        if rest is not None and rest != "":
            path = f"{field.name}__{rest}"
            if best is None or path.count("__") < best.count("__"):
                best = path
    return best


def patient_tables() -> Iterator[tuple[type[models.Model], str]]:
    """Every table with rows about one patient, with the lookup from it to the patient."""
    for model in apps.get_models():
        if model is Patient or model._meta.app_label in _UNTOUCHED_APPS:
            continue
        if model._meta.label in _UNTOUCHED_MODELS:
            continue
        path = _path_to_patient(model)
        if path:
            yield model, path


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.choices
        and not field.is_relation
        and isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def _forget_replays(patient: Patient, scrub: Scrubber) -> int:
    r"""Delete the stored answers kept for replaying a repeated submission (at most a day of
    them: ``SubmissionClaim``) that name the patient or carry an identifier: a replay after the
    erasure must not hand back the identity it removed.

    One DELETE, its filter in the database (no claim is read into Python). The stored form
    allows it: ``location`` is an address, which names a patient only by their id; ``body`` is
    an API answer as the API wrote it, JSON with every non-ASCII character escaped, so it is
    searched for the identifiers as written (``scrub``) and as JSON writes them ("Zoë" is
    ``Zo\u00eb`` there, which a search for "Zoë" would miss)."""
    key = str(patient.pk)
    doomed = (
        models.Q(location__contains=key)
        | models.Q(body__contains=key)
        | scrub.found_in("body")
        | Scrubber.for_patient(patient, as_json_text=True).found_in("body")
    )
    _, deleted = SubmissionClaim.objects.filter(doomed).delete()
    return deleted.get(SubmissionClaim._meta.label, 0)


def _scrub_related(patient: Patient, scrub: Scrubber) -> dict[str, int]:
    """Rewrite every text and JSON column of every row about ``patient``; rows changed by table."""
    rewritten: dict[str, int] = {}
    for model, path in patient_tables():
        fields = _text_fields(model)
        if not fields:
            continue
        names = [field.attname for field in fields]
        changed = 0
        rows = model._default_manager.filter(**{path: patient.pk}).values_list("pk", *names)
        for pk, *values in rows:
            updates = {}
            for field, value in zip(fields, values, strict=True):
                if value is None:
                    continue
                new = (
                    scrub.json(value) if isinstance(field, models.JSONField) else scrub.text(value)
                )
                if new != value:
                    limit = getattr(field, "max_length", None)
                    updates[field.attname] = new[:limit] if limit and isinstance(new, str) else new
            if updates:
                model._default_manager.filter(pk=pk).update(**updates)
                changed += 1
        if changed:
            rewritten[model._meta.label] = changed
    return rewritten
