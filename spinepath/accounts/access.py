"""Who may see what: the one place every view and API handler asks.

Modelled on healthchecks' ``_get_check_for_user``: a view never queries patients directly, it asks
for "the patient with this id that this user may see", so forgetting access control is impossible
by construction. A patient of another clinic is a 404, not a 403, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.lib.prepared import Prepared

View = TypeVar("View", bound=Callable[..., HttpResponse])


def ensure_patient_role(user: User) -> None:
    if not user.may_see_patients:
        raise PermissionDenied("Your role does not give access to identifiable patient records.")


def ensure_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise PermissionDenied("Your role does not allow this action.")


class Task(StrEnum):
    """What a role may do on the pathway, beyond seeing the clinic's patients."""

    ASSESS = "assess"
    CONSENT = "consent"
    INJECT = "inject"
    BASELINE = "baseline"
    ONWARD = "onward"
    FOLLOW_UP = "follow_up"
    PLAN = "plan"
    DISCHARGE = "discharge"
    AUDIT = "audit"
    REHAB = "rehab"
    BULK_EXPORT = "bulk_export"
    OUTCOMES = "outcomes"
    RESEARCH_EXTRACT = "research_extract"
    SCHEDULE = "schedule"
    RULESETS = "rulesets"
    RULESET_PROPOSE = "ruleset_propose"
    RULESET_APPROVE = "ruleset_approve"
    CLINICAL_LEADS = "clinical_leads"
    PATIENT_RIGHTS = "patient_rights"


# The one table of who may do what. Physiotherapists are part of the pathway: they enter the
# baseline questionnaires, but never assess for, consent to or give an injection.
ROLES_FOR: dict[Task, frozenset[Role]] = {
    Task.ASSESS: frozenset({Role.CLINICIAN}),
    Task.CONSENT: frozenset({Role.CLINICIAN}),
    Task.INJECT: frozenset({Role.CLINICIAN}),
    Task.BASELINE: frozenset({Role.CLINICIAN, Role.PHYSIOTHERAPIST}),
    Task.ONWARD: frozenset({Role.CLINICIAN}),
    Task.FOLLOW_UP: frozenset({Role.CLINICIAN, Role.PHYSIOTHERAPIST}),
    Task.PLAN: frozenset({Role.CLINICIAN}),
    # Physiotherapists carry the rehabilitation, so they may close (or re-open) a pathway too.
    Task.DISCHARGE: frozenset({Role.CLINICIAN, Role.PHYSIOTHERAPIST}),
    Task.AUDIT: frozenset({Role.ADMIN}),
    # Physiotherapists build and change rehabilitation programmes; other staff may view them.
    Task.REHAB: frozenset({Role.PHYSIOTHERAPIST}),
    # The clinic's whole record leaves in one FHIR Bulk Data export: its administrator only.
    Task.BULK_EXPORT: frozenset({Role.ADMIN}),
    # The outcomes dashboard: every role; analysts see pseudonymised, suppressed figures only.
    Task.OUTCOMES: frozenset({Role.CLINICIAN, Role.PHYSIOTHERAPIST, Role.ADMIN, Role.ANALYST}),
    # The pseudonymised research extract leaves the service: analysts and administrators.
    Task.RESEARCH_EXTRACT: frozenset({Role.ADMIN, Role.ANALYST}),
    # Injection lists: the clinic's administrators run them, clinicians book their patients.
    Task.SCHEDULE: frozenset({Role.CLINICIAN, Role.ADMIN}),
    # The clinic's rule-set versions and their history: staff who see its patients.
    Task.RULESETS: frozenset({Role.CLINICIAN, Role.PHYSIOTHERAPIST, Role.ADMIN}),
    # A new version is proposed by a clinical lead (a clinician the administrator has marked,
    # see NEEDS_CLINICAL_LEAD) and approved by a second clinician of the clinic.
    Task.RULESET_PROPOSE: frozenset({Role.CLINICIAN}),
    Task.RULESET_APPROVE: frozenset({Role.CLINICIAN}),
    # Who the clinical leads are is the clinic administrator's choice.
    Task.CLINICAL_LEADS: frozenset({Role.ADMIN}),
    # Restricting a record or removing its identity (patients/rights.py): the administrator,
    # who answers the patient's request for the clinic as controller.
    Task.PATIENT_RIGHTS: frozenset({Role.ADMIN}),
}

NEEDS_CLINICAL_LEAD = frozenset({Task.RULESET_PROPOSE})
"""Tasks that need the clinical-lead capability (``User.is_clinical_lead``) as well as the role."""

_REFUSALS = {
    Task.ASSESS: "Only a clinician may assess a patient for an injection.",
    Task.CONSENT: "Only a clinician may take consent.",
    Task.INJECT: "Only a clinician may record a procedure.",
    Task.BASELINE: "Only a clinician or physiotherapist may enter baseline questionnaires.",
    Task.ONWARD: "Only a clinician may record an urgent referral or a plan.",
    Task.FOLLOW_UP: "Only a clinician or physiotherapist may enter follow-up answers.",
    Task.PLAN: "Only a clinician may plan the next step after an injection.",
    Task.DISCHARGE: "Only a clinician or physiotherapist may discharge or re-open an episode.",
    Task.AUDIT: "Only a clinic administrator may see the audit log.",
    Task.REHAB: "Only a physiotherapist may create or change a rehabilitation programme.",
    Task.BULK_EXPORT: "Only a clinic administrator may export the clinic's records in bulk.",
    Task.OUTCOMES: "Your role does not give access to the outcomes dashboard.",
    Task.RESEARCH_EXTRACT: "Only an analyst or a clinic administrator may download the research "
    "extract.",
    Task.SCHEDULE: "Only a clinician or a clinic administrator may manage injection lists.",
    Task.RULESETS: "Your role does not give access to the clinic's rule sets.",
    Task.RULESET_PROPOSE: "Only a clinical lead may propose a new version of the rule set.",
    Task.RULESET_APPROVE: "Only a clinician may approve or reject a rule-set version.",
    Task.CLINICAL_LEADS: "Only a clinic administrator may choose the clinical leads.",
    Task.PATIENT_RIGHTS: "Only a clinic administrator may restrict or pseudonymise a record.",
}


def may(user: User, task: Task) -> bool:
    return bool(
        user.is_authenticated
        and user.role in ROLES_FOR[task]
        and (task not in NEEDS_CLINICAL_LEAD or user.is_clinical_lead)
    )


def ensure_may(user: User, task: Task) -> None:
    if not may(user, task):
        raise PermissionDenied(_REFUSALS[task])


def capabilities(user: User) -> dict[str, bool]:
    """``{task: allowed}`` for templates, so pages offer only what the role may do."""
    return {task.value: may(user, task) for task in Task}


M = TypeVar("M", bound=Model)


def get_for_user(
    request: HttpRequest,
    queryset: QuerySet[M] | Prepared,
    pk: Any,
    *,
    patient_path: str,
    what: str,
    log_read: bool = True,
) -> M:
    """Any patient record this user may see, found by ``pk``; 404 otherwise; audits the read.

    ``patient_path`` is the lookup from the record to its patient (``""`` for a patient,
    ``"episode__patient"`` for a consent), so every kind of record is scoped by the same rule.
    A hot page may pass its lookup compiled once (``lib/prepared.py``): a ``Prepared`` of
    ``pk`` and ``clinic`` that filters on both exactly so, ``[:1]``.
    """
    user: User = request.user  # type: ignore[assignment]
    ensure_patient_role(user)
    if isinstance(queryset, Prepared):
        found = queryset(pk=pk, clinic=user.clinic_id)
        record: M | None = found[0] if found else None
    else:
        clinic_lookup = f"{patient_path}__clinic_id" if patient_path else "clinic_id"
        record = queryset.filter(pk=pk, **{clinic_lookup: user.clinic_id}).first()
    if record is None:
        # Another clinic's record, or none at all: the same 404 either way, and on the log.
        audit.record_denied(
            request,
            reason=f"No such {what} in your clinic.",
            model=queryset.model._meta.label,
            object_id=str(pk),
        )
        raise Http404(f"No such {what}")
    if log_read:
        audit.record(request, AuditEvent.Action.READ, record)
    return record


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


# Records named in page and API addresses, so a refusal can say which record was asked for.
_RECORD_IN_URL: dict[str, tuple[str, str]] = {
    "patient_id": ("patients.Patient", ""),
    "episode_id": ("patients.Episode", "patient"),
    "decision_id": ("assessment.Decision", "assessment__episode__patient"),
    "assessment_id": ("assessment.Assessment", "episode__patient"),
    "consent_id": ("procedures.Consent", "episode__patient"),
    "procedure_id": ("procedures.ProcedureRecord", "episode__patient"),
    "action_id": ("onward.OnwardAction", "episode__patient"),
    "programme_id": ("aftercare.Programme", "episode__patient"),
}


def record_refusal(request: HttpRequest, exc: Exception) -> None:
    """Audit a role refused (``PermissionDenied``), naming the record the address asked for.

    The patient is named only when the record is in the person's own clinic; the request path
    itself is never stored.
    """
    user = request.user
    if not user.is_authenticated:
        return
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match else {}
    model, object_id, patient_id = "", "", ""
    for name, (label, patient_path) in _RECORD_IN_URL.items():
        if name in kwargs:
            model, object_id = label, str(kwargs[name])
            patient_id = _patient_of(user, label, patient_path, kwargs[name])
            break
    audit.record_denied(
        request,
        reason=str(exc) or "Your role does not allow this.",
        model=model,
        object_id=object_id,
        patient_id=patient_id,
    )


def _patient_of(user: Any, label: str, patient_path: str, pk: Any) -> str:
    from django.apps import apps

    if user.clinic_id is None:
        return ""
    model = apps.get_model(label)
    clinic_lookup = f"{patient_path}__clinic_id" if patient_path else "clinic_id"
    patient_field = f"{patient_path}__pk" if patient_path else "pk"
    try:
        found = (
            model._default_manager.filter(pk=pk, **{clinic_lookup: user.clinic_id})
            .values_list(patient_field, flat=True)
            .first()
        )
    except (ValueError, TypeError):
        return ""
    return "" if found is None else str(found)
