"""The procedure record: recording it safely, correcting it, and amending its discharge.

``procedure_record`` makes every check and the write in one transaction that holds the patient's
lock (``patients.locks.lock_patient``): readiness for the day, the record's bounds, what was given
against the consent (``clinical/consent_match.py``) and the steroid checks against the patient's
whole injection history. Two recordings for one patient therefore run one after the other, and the
second sees the first. A repeated submission (a double-click, a retried request) stores nothing
new: the form and the API send a submission id, and without one an identical record for the same
episode within ``DUPLICATE_WINDOW`` is refused.

The checklist and readiness rules live in ``safety_check.py``; this module asks them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.clinical.coding import codebook
from spinepath.clinical.consent_info import validate_levels
from spinepath.clinical.consent_match import (
    Injection,
    Variance,
    compare_with_consent,
    needing_reason,
    refusals,
)
from spinepath.clinical.dose_limits import procedure_time_problem
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.steroids import PlannedInjection, SteroidCheck, check_steroid_exposure
from spinepath.clinical.vocab import (
    APPROACHES_FOR,
    INJECTABLE_STEROIDS,
    Complication,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)
from spinepath.lib.dates import moment
from spinepath.lib.prepared import Prepared
from spinepath.patients.history import steroid_history
from spinepath.patients.locks import hold_patient, lock_patient
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.hooks import (
    procedure_amended,
    procedure_entered_in_error,
    procedure_recorded,
)
from spinepath.procedures.models import (
    SIDE_CHOICES,
    Consent,
    DischargeAmendment,
    ProcedureRecord,
)
from spinepath.procedures.safety_check import (
    ProcedureRefused,
    readiness,
    valid_consent,
)

OVERRIDE_REASON_MIN_CHARS = 10
"""A written override is at least a short sentence."""


class SteroidOverrideRequired(ProcedureRefused):
    """The steroid check blocks and no written override reason (long enough) was given."""

    field = "steroid_override_reason"

    def __init__(self, message: str, check: SteroidCheck) -> None:
        super().__init__(message)
        self.check = check


DUPLICATE_WINDOW = timedelta(minutes=10)
"""An identical record for the same episode dated within this of another is a repeat."""

VARIANCE_REASON_MIN_CHARS = OVERRIDE_REASON_MIN_CHARS


class AlreadyRecorded(ProcedureRefused):
    """This submission (or an identical record moments ago) is already stored as ``record``."""

    def __init__(self, message: str, record: ProcedureRecord, *, same_submission: bool) -> None:
        super().__init__(message)
        self.record = record
        self.same_submission = same_submission


class ConsentVarianceReasonRequired(ProcedureRefused):
    """What was given differs from the consent in a way that needs a written reason."""

    field = "consent_variance_reason"

    def __init__(self, message: str, variances: list[Variance]) -> None:
        super().__init__(message)
        self.variances = variances


# --- The steroid check at the point of injection ------------------------------------------------


def procedure_steroid_check(
    episode: Episode,
    *,
    procedure: str,
    steroid: str,
    steroid_dose_mg: float | None,
    on: date,
) -> SteroidCheck | None:
    """The steroids.md checks for this injection against the patient's whole steroid history.

    ``None`` when no steroid (or no usable dose) is planned, or the procedure is not known.
    """
    if not steroid or steroid_dose_mg is None or not steroid_dose_mg > 0:
        return None
    try:
        site, drug = InjectionSite(procedure), Steroid(steroid)
        planned = PlannedInjection(
            date=on, procedure=site, steroid=drug, steroid_dose_mg=steroid_dose_mg
        )
    except ValueError:
        return None
    history = steroid_history(episode.patient, on_or_before=on)
    return check_steroid_exposure(planned, history, episode.patient.clinic.ruleset())


# --- What the record may hold -------------------------------------------------------------------


def radiation_warnings(
    imaging: str,
    *,
    dose_area_product: float | None,
    screening_time_s: float | None,
    dose_length_product: float | None,
) -> list[str]:
    """Radiation figures that should be recorded for the modality but were not."""
    warnings = []
    if imaging == Imaging.FLUOROSCOPY:
        if dose_area_product is None:
            warnings.append("No dose-area product recorded for fluoroscopy.")
        if screening_time_s is None:
            warnings.append("No screening time recorded for fluoroscopy.")
    elif imaging == Imaging.CT and dose_length_product is None:
        warnings.append("No dose-length product recorded for CT.")
    return warnings


def record_warnings(record: ProcedureRecord) -> list[str]:
    return radiation_warnings(
        record.imaging,
        dose_area_product=record.dose_area_product,
        screening_time_s=record.screening_time_s,
        dose_length_product=record.dose_length_product,
    )


_SIDE_LABELS = dict(SIDE_CHOICES)


def consented(consent: Consent) -> Injection:
    return Injection(
        procedure=consent.procedure,
        side=consent.side,
        levels=tuple(consent.levels),
        steroid=consent.steroid,
        steroid_dose_mg=consent.steroid_dose_mg,
        local_anaesthetic=consent.local_anaesthetic,
    )


def given(record: ProcedureRecord) -> Injection:
    return Injection(
        procedure=record.procedure,
        side=record.side,
        levels=tuple(record.levels),
        steroid=record.steroid,
        steroid_dose_mg=record.steroid_dose_mg,
        local_anaesthetic=record.local_anaesthetic,
    )


def consent_variances(consent: Consent, record: ProcedureRecord) -> list[Variance]:
    """How what was given differs from the consent (the policy is the core's)."""
    return compare_with_consent(consented(consent), given(record))


def procedure_problems(consent: Consent, record: ProcedureRecord) -> dict[str, str]:
    """Field errors: the vocabulary, what the consent does not allow, and the record's bounds.

    Differences from the consent that a written reason may cover are not errors here
    (``consent_variances``); the model's own bounds (``ProcedureRecord.clean``) are included so
    that every problem is shown at once.
    """
    errors: dict[str, str] = {}
    procedure, approach, side, imaging = (
        record.procedure,
        record.approach,
        record.side,
        record.imaging,
    )
    levels = list(record.levels)
    steroid, steroid_dose_mg = record.steroid, record.steroid_dose_mg
    complications = list(record.complications)
    if procedure not in {p.value for p in Procedure}:
        errors["procedure"] = "Choose a procedure from the list."
    elif procedure == consent.procedure:
        allowed = APPROACHES_FOR[Procedure(procedure)]
        if approach not in {a.value for a in allowed}:
            errors["approach"] = "For this procedure the approach is " + " or ".join(
                a.value.replace("_", " ") for a in allowed
            )
            errors["approach"] += "."
    try:
        levels = list(validate_levels(levels))
    except ValueError as exc:
        errors["levels"] = f"{str(exc)[0].upper()}{str(exc)[1:]}."
    if side not in _SIDE_LABELS:
        errors["side"] = "Choose the side."
    if imaging not in {i.value for i in Imaging}:
        errors["imaging"] = "Choose the imaging used."
    radiation = {
        "dose_area_product": (record.dose_area_product, Imaging.FLUOROSCOPY, "Dose-area product"),
        "screening_time_s": (record.screening_time_s, Imaging.FLUOROSCOPY, "Screening time"),
        "dose_length_product": (record.dose_length_product, Imaging.CT, "Dose-length product"),
    }
    for name, (value, modality, label) in radiation.items():
        if value is not None and imaging != modality and imaging in {i.value for i in Imaging}:
            errors[name] = f"{label} is recorded for {modality.value} only: leave it empty."
    if steroid:
        if steroid not in {s.value for s in INJECTABLE_STEROIDS}:
            errors["steroid"] = "Choose an injectable steroid from the list."
        if steroid_dose_mg is None:
            errors["steroid_dose_mg"] = "Give the steroid dose in mg."
        elif not (math.isfinite(steroid_dose_mg) and steroid_dose_mg > 0):
            errors["steroid_dose_mg"] = "The dose must be more than 0 mg."
    elif steroid_dose_mg is not None:
        errors["steroid_dose_mg"] = "A dose is given but no steroid is chosen."
    local_anaesthetic = record.local_anaesthetic
    if local_anaesthetic and local_anaesthetic not in {la.value for la in LocalAnaesthetic}:
        errors["local_anaesthetic"] = "Choose a local anaesthetic from the list."
    for name in ("local_anaesthetic_percent", "local_anaesthetic_ml"):
        if getattr(record, name) is not None and not local_anaesthetic:
            errors[name] = "Given without a local anaesthetic: choose it, or leave this empty."
    if record.contrast_ml is not None and not record.contrast_agent.strip():
        errors["contrast_agent"] = "Name the contrast agent given."
    known = {c.value for c in Complication}
    unknown = [c for c in complications if c not in known]
    if unknown:
        errors["complications"] = f"Unknown complication code(s): {', '.join(unknown)}."
    elif Complication.OTHER in complications and not record.complication_notes.strip():
        errors["complication_notes"] = "Describe the other complication."
    if record.discharged_at is not None and not record.discharge_condition:
        errors["discharge_condition"] = "Give the condition on discharge with the discharge time."
    if record.discharge_condition and record.discharged_at is None:
        errors["discharged_at"] = "Give the discharge time with the condition on discharge."
    for variance in refusals(consent_variances(consent, record)):
        errors.setdefault(variance.field, variance.message)
    try:
        record.clean()
    except ValidationError as invalid:
        for name, messages in invalid.message_dict.items():
            errors.setdefault(name, messages[0])
    return errors


# The episode's counted records in a window (lib/prepared.py: compiled once). The injection's
# own columns are compared in Python below: a blank steroid or dose would change the SQL's shape
# (``IS NULL``), and an episode has a handful of records in any window.
_RECORDED_BETWEEN = Prepared(
    lambda episode, after, before: ProcedureRecord.objects.counted().filter(
        episode=episode, performed_at__gt=after, performed_at__lt=before
    ),
    episode=(Episode._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
    after=(
        ProcedureRecord._meta.get_field("performed_at"),
        datetime(1901, 1, 1, tzinfo=UTC),
        datetime(1902, 2, 2, tzinfo=UTC),
    ),
    before=(
        ProcedureRecord._meta.get_field("performed_at"),
        datetime(1903, 3, 3, tzinfo=UTC),
        datetime(1904, 4, 4, tzinfo=UTC),
    ),
)
_SAME_INJECTION = ("procedure", "side", "steroid", "steroid_dose_mg", "local_anaesthetic")


def _identical_recent(record: ProcedureRecord) -> ProcedureRecord | None:
    """A counted record for the same episode, same injection, dated within the window."""
    candidates: list[ProcedureRecord] = _RECORDED_BETWEEN(
        episode=record.episode_id,
        after=record.performed_at - DUPLICATE_WINDOW,
        before=record.performed_at + DUPLICATE_WINDOW,
    )
    return next(
        (
            c
            for c in candidates
            if all(getattr(c, name) == getattr(record, name) for name in _SAME_INJECTION)
            and list(c.levels) == list(record.levels)
        ),
        None,
    )


# --- Recording ----------------------------------------------------------------------------------


_EPISODE_ROW = Prepared(
    lambda pk: Episode.objects.filter(pk=pk),
    pk=(Episode._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
)


def _aware(moment: datetime) -> datetime:
    """A time without a zone (an API client's "10:30") is the clinic's local time."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _log_override(
    request: HttpRequest | None,
    record: ProcedureRecord,
    *,
    by: User,
    at: datetime,
    summary: str,
    field: str,
    reason: str,
    codes: list[str],
) -> None:
    """A written reason to go ahead against a check: on the timeline and in the audit log."""
    record.episode.log(
        TimelineEvent.Kind.OVERRIDE,
        summary[:500],
        by=by,
        detail={"procedure": record.pk, "codes": codes},
        at=at,
    )
    audit.record(
        request,
        AuditEvent.Action.OVERRIDE,
        record,
        changed_fields=[field],
        reason=reason,
        detail={"codes": codes},
        user=by,
        at=at,
    )


def procedure_record(
    request: HttpRequest | None,
    *,
    record: ProcedureRecord,
    by: User,
    steroid_override_reason: str = "",
    consent_variance_reason: str = "",
    at: datetime | None = None,
) -> ProcedureRecord:
    """Record ``record``, a procedure done by ``by`` (the operating clinician), at ``at``.

    ``record`` is an unsaved ``ProcedureRecord`` carrying its episode and what was done (the
    page's ``ProcedureForm`` and the API's ``ProcedureIn`` build it from the model's own fields;
    so do the tests); ``performed_at`` left empty means ``at``. The workflow adds the consent,
    the day's checklist, the operator and the steroid check, and saves it.

    Refused (``ProcedureRefused``) unless ``by`` is a clinician and ``readiness_problem`` finds
    nothing; ``AlreadyRecorded`` for a repeated submission; ``ConsentVarianceReasonRequired``
    when another drug or a higher dose than consented is given without a written reason;
    ``SteroidOverrideRequired`` when the steroid check blocks without a written override. A
    reason given when nothing needs one is not stored. All of it runs under the patient's lock.
    On success the episode moves to treated, the procedure (and any reason) goes on the timeline
    and the audit log, and the hooks in ``hooks.py`` run.
    """
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may record a procedure.")
    episode = record.episode
    now = at or timezone.now()
    performed_at = _aware(record.performed_at or now)
    submission_id = (record.submission_id or "").strip()[:64]
    with transaction.atomic():
        patient = lock_patient(episode.patient_id)
        _EPISODE_ROW.refresh(episode, pk=episode.pk)  # episode.refresh_from_db(), compiled once
        episode.patient = patient  # the row just locked, not a second read of it
        if submission_id:
            earlier = ProcedureRecord.objects.filter(
                episode=episode, submission_id=submission_id
            ).first()
            if earlier is not None:
                raise AlreadyRecorded(
                    f"This procedure was already recorded (record {earlier.pk}); it was not "
                    "stored again.",
                    earlier,
                    same_submission=True,
                )
        if performed_at > now:
            raise ValidationError({"performed_at": "The procedure cannot be dated in the future."})
        if problem := procedure_time_problem(performed_at, now):
            raise ValidationError({"performed_at": problem})
        day = timezone.localdate(performed_at)
        problem, consent, check = readiness(episode, on=day)
        if problem or consent is None or check is None:
            raise ProcedureRefused(problem or "Complete the safety checklist today first.")

        record.tidy()
        record.consent = consent
        record.safety_check = check
        record.performed_at = performed_at
        record.discharged_at = _aware(record.discharged_at) if record.discharged_at else None
        record.operator = by
        record.submission_id = submission_id
        record.created_at = now
        errors = procedure_problems(consent, record)
        if errors:
            raise ValidationError(errors)
        record.levels = list(validate_levels(record.levels))
        duplicate = _identical_recent(record)
        if duplicate is not None:
            raise AlreadyRecorded(
                f"The same injection was already recorded for this episode at "
                f"{timezone.localtime(duplicate.performed_at):%H:%M} (record {duplicate.pk}). "
                "If this really is a second injection, record it with the time it was given.",
                duplicate,
                same_submission=False,
            )

        variances = needing_reason(consent_variances(consent, record))
        variance_reason = consent_variance_reason.strip() if variances else ""
        if variances and len(variance_reason) < VARIANCE_REASON_MIN_CHARS:
            raise ConsentVarianceReasonRequired(
                "What was given differs from the consent: "
                + " ".join(v.message for v in variances)
                + " Write why (at least "
                f"{VARIANCE_REASON_MIN_CHARS} characters), or take consent again.",
                variances,
            )

        steroid_check = procedure_steroid_check(
            episode,
            procedure=record.procedure,
            steroid=record.steroid,
            steroid_dose_mg=record.steroid_dose_mg,
            on=day,
        )
        blocked = steroid_check is not None and steroid_check.blocks
        override = steroid_override_reason.strip() if blocked else ""
        if steroid_check is not None and blocked and len(override) < OVERRIDE_REASON_MIN_CHARS:
            codes = ", ".join(steroid_check.blocking_codes)
            raise SteroidOverrideRequired(
                f"The steroid check blocks this injection ({codes}). The operating clinician "
                "must write a reason to override it (at least "
                f"{OVERRIDE_REASON_MIN_CHARS} characters).",
                steroid_check,
            )
        record.steroid_check = steroid_check.model_dump(mode="json") if steroid_check else None
        record.steroid_override_reason = override
        record.consent_variances = [v.as_dict() for v in variances]
        record.consent_variance_reason = variance_reason
        record.full_clean()
        record.save()
        record.write_complication_rows(at=now, new=True)
        if episode.stage != Episode.Stage.TREATED:
            episode.advance_to(Episode.Stage.TREATED, by=by, at=now)
        episode.log(
            TimelineEvent.Kind.PROCEDURE,
            procedure_summary(record),
            by=by,
            detail={"procedure": record.pk},
            at=now,
        )
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            record,
            changed_fields=["procedure", "levels", "side", "steroid", "steroid_dose_mg"],
            user=by,
            at=now,
        )
        if variance_reason:
            _log_override(
                request,
                record,
                by=by,
                at=now,
                summary=f"Given differs from the consent "
                f"({' '.join(v.message for v in variances)}) Reason: {variance_reason}",
                field="consent_variance_reason",
                reason=variance_reason,
                codes=[v.code for v in variances],
            )
        if override and steroid_check is not None:
            overridden = steroid_check.blocking_codes
            _log_override(
                request,
                record,
                by=by,
                at=now,
                summary=f"Steroid check overridden ({', '.join(overridden)}): {override}",
                field="steroid_override_reason",
                reason=override,
                codes=overridden,
            )
        procedure_recorded(record)
    return record


def procedure_summary(record: ProcedureRecord) -> str:
    where = f" at {', '.join(record.levels)}" if record.levels else ""
    side = (
        ""
        if record.side == Laterality.NOT_APPLICABLE
        else f" ({_SIDE_LABELS.get(record.side, record.side).lower()})"
    )
    drug = f"; {record.steroid} {record.steroid_dose_mg:g} mg" if record.steroid else "; no steroid"
    complications = (
        "; complications: " + ", ".join(complication_label(c) for c in record.complications)
        if record.complications
        else ""
    )
    return f"{record.procedure_title}{where}{side}{drug}{complications}"


def complication_label(code: str) -> str:
    concept = codebook().complications.get(code)
    return concept.display if concept else code.replace("_", " ")


# --- Corrections --------------------------------------------------------------------------------


def _step_back_if_untreated(record: ProcedureRecord, *, by: User, at: datetime) -> None:
    """A treated episode with no procedure left that counts goes back a stage."""
    episode = record.episode
    if episode.stage != Episode.Stage.TREATED:
        return
    if ProcedureRecord.objects.counted().filter(episode=episode).exists():
        return
    stage = Episode.Stage.CONSENTED if valid_consent(episode) else Episode.Stage.ASSESSED
    episode.advance_to(
        stage,
        by=by,
        summary=f"Stage changed from Treated to {Episode.Stage(stage).label}: "
        "no procedure record remains",
        at=at,
    )


def procedure_mark_entered_in_error(
    request: HttpRequest | None,
    *,
    record: ProcedureRecord,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> ProcedureRecord:
    """Mark a record made by mistake; it stays, marked, and no longer counts (ledger included)."""
    at = at or timezone.now()
    reason = reason.strip()
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may mark a procedure as entered in error.")
    if not reason:
        raise ProcedureRefused("Say why this record was entered in error.")
    with transaction.atomic():
        hold_patient(record.episode.patient_id)
        record.refresh_from_db()
        if record.entered_in_error:
            raise ProcedureRefused("This procedure is already marked as entered in error.")
        before = audit.snapshot(record)
        record.entered_in_error = True
        record.entered_in_error_reason = reason
        record.save(update_fields=["entered_in_error", "entered_in_error_reason"])
        record.episode.log(
            TimelineEvent.Kind.PROCEDURE,
            f"Procedure record {record.pk} marked entered in error: {reason}"[:500],
            by=by,
            detail={"procedure": record.pk},
            at=at,
        )
        audit.edit_of(record, before).record(request, reason=reason, user=by, at=at)
        _step_back_if_untreated(record, by=by, at=at)
        procedure_entered_in_error(record, at)
    return record


# --- Discharge, amended after the procedure -----------------------------------------------------

DISCHARGE_FIELDS = (
    "discharged_at",
    "discharge_condition",
    "late_complications",
    "late_complication_notes",
)


def discharge_values(record: ProcedureRecord) -> dict[str, Any]:
    """The amendable fields as JSON (times in ISO 8601)."""
    return {
        "discharged_at": record.discharged_at.isoformat() if record.discharged_at else None,
        "discharge_condition": record.discharge_condition,
        "late_complications": list(record.late_complications),
        "late_complication_notes": record.late_complication_notes,
    }


def discharge_summary(values: dict[str, Any]) -> str:
    """One line for the timeline and the amendment history."""
    parts = []
    if values.get("discharged_at"):
        when = timezone.localtime(datetime.fromisoformat(values["discharged_at"]))
        condition = dict(ProcedureRecord.Discharge.choices).get(
            values.get("discharge_condition", ""), ""
        )
        parts.append(f"discharged {moment(when)}" + (f" ({condition})" if condition else ""))
    else:
        parts.append("not yet discharged")
    if values.get("late_complications"):
        late = ", ".join(complication_label(c) for c in values["late_complications"])
        parts.append(f"late complications: {late}")
    return "; ".join(parts)


def procedure_amend_discharge(
    request: HttpRequest | None,
    *,
    record: ProcedureRecord,
    by: User,
    discharged_at: datetime | None,
    discharge_condition: str,
    late_complications: Iterable[str] = (),
    late_complication_notes: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> DischargeAmendment:
    """Record (or correct) the discharge and any late complications of ``record`` at ``at``.

    The record shows the amended values; a ``DischargeAmendment`` keeps what they were, what they
    became, who changed them and why, and the timeline and audit log say so. Correcting a
    discharge already recorded needs a reason; recording the first one does not. Refused for a
    record entered in error, and when nothing would change.
    """
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may amend the discharge.")
    now = at or timezone.now()
    discharged_at = _aware(discharged_at) if discharged_at else None
    reason = reason.strip()
    late = list(dict.fromkeys(late_complications))
    with transaction.atomic():
        hold_patient(record.episode.patient_id)
        record.refresh_from_db()
        if record.entered_in_error:
            raise ProcedureRefused("This procedure is marked as entered in error.")
        errors: dict[str, str] = {}
        if discharged_at is None and discharge_condition:
            errors["discharged_at"] = "Give the discharge time with the condition on discharge."
        if discharged_at is not None and not discharge_condition:
            errors["discharge_condition"] = "Give the condition on discharge."
        if discharge_condition and discharge_condition not in ProcedureRecord.Discharge.values:
            errors["discharge_condition"] = "Choose the condition on discharge from the list."
        if discharged_at is not None and discharged_at < record.performed_at:
            errors["discharged_at"] = "Discharge cannot be before the procedure."
        elif discharged_at is not None and discharged_at > now:
            errors["discharged_at"] = "Discharge cannot be in the future."
        if record.discharged_at is not None and discharged_at is None:
            errors["discharged_at"] = "Give the discharge time: a recorded discharge stays."
        known = {c.value for c in Complication}
        unknown = [c for c in late if c not in known]
        if unknown:
            errors["late_complications"] = f"Unknown complication code(s): {', '.join(unknown)}."
        elif Complication.OTHER in late and not late_complication_notes.strip():
            errors["late_complication_notes"] = "Describe the other complication."
        if errors:
            raise ValidationError(errors)
        before = discharge_values(record)
        record.discharged_at = discharged_at
        record.discharge_condition = discharge_condition
        record.late_complications = late
        record.late_complication_notes = late_complication_notes.strip()
        after = discharge_values(record)
        changed = [name for name in DISCHARGE_FIELDS if before[name] != after[name]]
        if not changed:
            raise ValidationError({"discharged_at": "Nothing would change: the record says this."})
        correcting = [
            name for name in changed if before[name] not in (None, "", []) and name in after
        ]
        if correcting and len(reason) < OVERRIDE_REASON_MIN_CHARS:
            raise ValidationError(
                {
                    "reason": "This changes what the record already says: write why "
                    f"(at least {OVERRIDE_REASON_MIN_CHARS} characters)."
                }
            )
        record.save(update_fields=list(DISCHARGE_FIELDS))
        record.write_complication_rows(at=now)
        amendment = DischargeAmendment.objects.create(
            procedure=record,
            amended_at=now,
            amended_by=by,
            reason=reason,
            before=before,
            after=after,
        )
        was = discharge_summary(before)
        summary = f"Procedure record {record.pk} amended: {discharge_summary(after)} (was: {was})"
        record.episode.log(
            TimelineEvent.Kind.UPDATE,
            (summary + (f". Reason: {reason}" if reason else ""))[:500],
            by=by,
            detail={"procedure": record.pk, "discharge_amendment": amendment.pk},
            at=now,
        )
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            record,
            changed_fields=changed,
            reason=reason,
            detail={"discharge_amendment": amendment.pk, "before": before, "after": after},
            user=by,
            at=now,
        )
        procedure_amended(record, now)
    return amendment
