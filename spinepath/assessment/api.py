"""Decision support over JSON: the three stable clinical endpoints (api.md) and assessments.

The clinical endpoints are pure: they take the core's own pydantic models as bodies, so the API
and the core cannot drift apart, and a bad code or an out-of-range score is a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import ValidationError as FactsError

from spinepath.accounts import access
from spinepath.accounts.models import Role, User, service_ruleset
from spinepath.api_helpers import Input, field_error, from_model_errors
from spinepath.assessment.decisions import (
    ProceedRefused,
    assessment_record,
    record_proceed,
)
from spinepath.assessment.models import OBSERVATION_FIELDS, Assessment, Decision
from spinepath.clinical.decision import Decision as CoreDecision
from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import PLAUSIBLE, AntithromboticUse, Facts, InjectionSite
from spinepath.clinical.instruments import INSTRUMENTS, NotScorable, Score, score
from spinepath.clinical.ruleset import RuleSetConfig
from spinepath.clinical.steroids import SteroidCheck, SteroidCheckRequest, check_steroid_exposure
from spinepath.clinical.vocab import (
    Allergy,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    RedFlag,
    Steroid,
)
from spinepath.patients import scope
from spinepath.patients.models import PriorInjection
from spinepath.questionnaires.models import QuestionnaireResponse

router = Router(tags=["decision support"])

InstrumentCode = StrEnum("InstrumentCode", {code.upper(): code for code in INSTRUMENTS})  # type: ignore[misc]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _callers_ruleset(request: HttpRequest) -> RuleSetConfig:
    """Decision support about no stored patient uses the caller's clinic's rule set."""
    clinic = _user(request).clinic
    return clinic.ruleset() if clinic is not None else service_ruleset()


class FactsIn(Facts):
    """A facts object (rules.md); without ``assessment_date`` it is evaluated as of today.

    The default is the adapter's: the clinical core never reads the clock.
    """

    assessment_date: date = Field(default_factory=timezone.localdate)


@router.post("/decision-support/evaluate", response=CoreDecision, summary="Evaluate suitability")
def evaluate_facts(request: HttpRequest, payload: FactsIn) -> Any:
    """Run the rule set on a facts object (rules.md) and return the outcome and every reason."""
    return evaluate(payload, _callers_ruleset(request))


class ScoreIn(Input):
    answers: dict[str, Any]


@router.post("/instruments/{code}/score", response=Score, summary="Score a questionnaire")
def score_instrument(request: HttpRequest, code: InstrumentCode, payload: ScoreIn) -> Any:
    try:
        return score(code.value, payload.answers)
    except NotScorable as exc:
        raise field_error(f"answers.{exc.field}", exc.reason) from None


@router.post("/steroid-safety/check", response=SteroidCheck, summary="Check steroid exposure")
def steroid_check(request: HttpRequest, payload: SteroidCheckRequest) -> Any:
    return check_steroid_exposure(payload.planned, payload.history, _callers_ruleset(request))


# --- Assessments on episodes ---------------------------------------------------------------


class InjectionElsewhereIn(Input):
    """A steroid injection given elsewhere (another hospital, the GP, a joint injection)."""

    given_on: date
    site: InjectionSite
    steroid: Steroid | None = None
    steroid_dose_mg: float | None = Field(default=None, gt=0)
    relief_percent: int | None = Field(default=None, ge=0, le=100)
    where: str = Field(default="", max_length=200, description="Hospital or clinic.")

    def as_record(self) -> PriorInjection:
        return PriorInjection(
            given_on=self.given_on,
            site=self.site.value,
            steroid=self.steroid.value if self.steroid else "",
            steroid_dose_mg=self.steroid_dose_mg,
            relief_percent=self.relief_percent,
            where=self.where,
        )


class AssessmentIn(Input):
    """An assessment as the form gathers it. ``null`` means not assessed, never "no".

    Number bounds are the core's plausible ranges (the model checks the same ones).
    """

    assessed_on: date = Field(default_factory=timezone.localdate)
    procedure: Procedure
    imaging: Imaging
    steroid: Steroid | None = None
    steroid_dose_mg: float | None = Field(default=None, ge=0)
    local_anaesthetic: LocalAnaesthetic | None = None
    red_flags: list[RedFlag] | None = None
    symptom_duration_weeks: float | None = PLAUSIBLE["duration_weeks"].field()
    leg_pain_dominant: bool | None = None
    neurogenic_claudication: bool | None = None
    conservative_care_weeks: float | None = PLAUSIBLE["conservative_care_weeks"].field()
    allergies: list[Allergy] | None = None
    antithrombotics: list[AntithromboticUse] | None = None
    inr: float | None = PLAUSIBLE["inr"].field()
    platelets: float | None = PLAUSIBLE["platelets"].field()
    bleeding_disorder: bool | None = None
    thrombotic_risk_high: bool | None = Field(
        default=None,
        description="Mechanical valve, coronary stent in the last 12 months or clot in the last "
        "3 months.",
    )
    crcl_ml_min: float | None = PLAUSIBLE["crcl_ml_min"].field(
        description="Creatinine clearance (ml/min)."
    )
    diabetes: bool | None = None
    hba1c_mmol_mol: float | None = PLAUSIBLE["hba1c_mmol_mol"].field()
    pregnant: bool | None = None
    immunosuppressed: bool | None = None
    infection_systemic: bool | None = None
    infection_local: bool | None = None
    weight_kg: float | None = PLAUSIBLE["weight_kg"].field()
    mbb_date: date | None = None
    mbb_relief_percent: float | None = PLAUSIBLE["relief_percent"].field()
    notes: str = ""
    baseline: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Baseline answers by instrument code, e.g. {"nrs_leg": {"score": 7}}.',
    )
    injections_elsewhere: list[InjectionElsewhereIn] = Field(
        default_factory=list,
        description="Steroid injections given elsewhere, counted by the steroid checks.",
    )


class DecisionOut(Schema):
    id: int
    context: str
    evaluated_at: datetime
    outcome: str
    ruleset: dict[str, str]
    reasons: list[dict[str, Any]]
    steroid: dict[str, Any] | None
    facts: dict[str, Any]
    proceed_reason: str
    proceed_at: datetime | None

    @staticmethod
    def resolve_ruleset(obj: Decision) -> dict[str, str]:
        return {"name": obj.ruleset_name, "version": obj.ruleset_version}


class QuestionnaireOut(Schema):
    instrument: str
    instrument_version: str
    score: float | None
    band: str
    subscores: dict[str, Any]
    source: str


class AssessmentOut(Schema):
    id: int
    episode_id: str
    assessed_on: date
    clinician: str
    procedure: str
    imaging: str
    steroid: str
    steroid_dose_mg: float | None
    local_anaesthetic: str
    questionnaires: list[QuestionnaireOut]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_episode_id(obj: Assessment) -> str:
        return str(obj.episode_id)

    @staticmethod
    def resolve_clinician(obj: Assessment) -> str:
        return obj.clinician.username

    @staticmethod
    def resolve_questionnaires(obj: Assessment) -> list[QuestionnaireResponse]:
        return list(obj.questionnaires.all())

    @staticmethod
    def resolve_decisions(obj: Assessment) -> list[Decision]:
        return list(obj.decisions.all())


class ProceedIn(Input):
    reason: str


def _scored_baseline(
    baseline: dict[str, dict[str, Any]],
) -> dict[str, tuple[dict[str, Any], Score]]:
    scored = {}
    for code, answers in baseline.items():
        if code not in INSTRUMENTS:
            raise field_error(f"baseline.{code}", f"unknown instrument {code!r}")
        try:
            scored[code] = (answers, score(code, answers))
        except NotScorable as exc:
            raise field_error(f"baseline.{code}.{exc.field}", exc.reason) from None
    return scored


@router.get("/episodes/{episode_id}/assessments", response=list[AssessmentOut])
def list_assessments(request: HttpRequest, episode_id: str) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    return list(episode.assessments.select_related("clinician"))


@router.post("/episodes/{episode_id}/assessments", response={201: AssessmentOut})
def create_assessment(request: HttpRequest, episode_id: str, payload: AssessmentIn) -> Any:
    user = _user(request)
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    if user.role != Role.CLINICIAN:
        raise HttpError(403, "Only a clinician may record an assessment.")
    scored = _scored_baseline(payload.baseline)
    data = payload.dict(exclude={"baseline", "injections_elsewhere"})
    for index, given in enumerate(payload.injections_elsewhere):
        if given.steroid and given.steroid_dose_mg is None:
            raise field_error(
                f"injections_elsewhere.{index}.steroid_dose_mg", "Give the steroid dose in mg."
            )
    assessment = Assessment(
        episode=episode,
        assessed_on=data["assessed_on"],
        procedure=data["procedure"],
        imaging=data["imaging"],
        steroid=data["steroid"] or "",
        steroid_dose_mg=data["steroid_dose_mg"],
        local_anaesthetic=data["local_anaesthetic"] or "",
        red_flags_screened=data["red_flags"] is not None,
        red_flags=data["red_flags"] or [],
        allergies_recorded=data["allergies"] is not None,
        allergies=data["allergies"] or [],
        medication_recorded=data["antithrombotics"] is not None,
        antithrombotics=[use.model_dump(mode="json") for use in payload.antithrombotics or []],
        **{name: data[name] for name in OBSERVATION_FIELDS},
    )
    try:
        assessment_record(
            request,
            assessment=assessment,
            by=user,
            baseline=scored,
            injections_elsewhere=[given.as_record() for given in payload.injections_elsewhere],
            changed_fields=data,
        )
    except DjangoValidationError as exc:
        raise from_model_errors(exc) from None
    except FactsError as exc:
        # The core refused the facts (e.g. assessed before the patient was born); the
        # transaction rolled back, so nothing was written.
        raise ValidationError(
            [{**error, "loc": ["body", "payload", *error["loc"]]} for error in exc.errors()]
        ) from None
    return Status(201, assessment)


@router.get("/assessments/{assessment_id}", response=AssessmentOut)
def read_assessment(request: HttpRequest, assessment_id: int) -> Any:
    return scope.get_episode_record_for_user(
        request,
        Assessment.objects.select_related("episode__patient", "clinician"),
        assessment_id,
        what="assessment",
    )


@router.post("/decisions/{decision_id}/proceed", response=DecisionOut)
def proceed(request: HttpRequest, decision_id: int, payload: ProceedIn) -> Any:
    user = _user(request)
    decision = access.get_for_user(
        request,
        Decision.objects.select_related("assessment__episode__patient"),
        decision_id,
        patient_path="assessment__episode__patient",
        what="decision",
        log_read=False,
    )
    if user.role != Role.CLINICIAN:
        raise HttpError(403, "Only a clinician may decide to proceed against the advice.")
    try:
        return record_proceed(request, decision, by=user, reason=payload.reason)
    except ProceedRefused as refusal:
        raise field_error("reason", str(refusal)) from None
