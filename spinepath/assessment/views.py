"""Assessment pages: gather the facts, show the decision and its reasons, record a proceed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from pydantic import ValidationError

from spinepath.accounts import access
from spinepath.accounts.models import RuleSetVersion, User
from spinepath.assessment import panels, presentation
from spinepath.assessment.decisions import ProceedRefused, assessment_record, record_proceed
from spinepath.assessment.forms import (
    AntithromboticFormSet,
    AssessmentForm,
    PriorInjectionFormSet,
    injections_dated_by,
)
from spinepath.assessment.models import Assessment, Decision
from spinepath.patients import scope
from spinepath.patients.models import Episode
from spinepath.questionnaires.baseline import initial_answers
from spinepath.questionnaires.forms import BaselineQuestionnairesForm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _initial_from_history(episode: object) -> dict[str, object]:
    """Pre-fill from the referral and the last assessment, so re-assessment is quick."""
    previous = Assessment.objects.filter(episode=episode).first()
    initial: dict[str, object] = {
        "assessed_on": timezone.localdate(),
        "conservative_care_weeks": getattr(episode, "conservative_care_weeks", None),
    }
    if previous:
        for name in ("procedure", "imaging", "steroid", "steroid_dose_mg", "local_anaesthetic"):
            initial[name] = getattr(previous, name)
    return initial


class ProceedForm(forms.Form):
    reason = forms.CharField(
        label="Reason for proceeding against the advice",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded on the timeline and in the audit log.",
        error_messages={"required": "Write the reason for proceeding: it cannot be left empty."},
    )


@access.patient_staff_required
def assessment_create(request: HttpRequest, episode_id: str) -> HttpResponse:
    user = _user(request)
    access.ensure_may(user, access.Task.ASSESS)
    is_post = request.method == "POST"
    episode = scope.get_episode_for_user(request, episode_id, log_read=not is_post)
    data = request.POST if is_post else None
    form = AssessmentForm(
        data,
        initial=_initial_from_history(episode),
        instance=Assessment(episode=episode, clinician=user),
    )
    drugs = AntithromboticFormSet(data, prefix="drug")
    elsewhere = PriorInjectionFormSet(data, prefix="elsewhere")
    # Answers already taken (e.g. by the physiotherapist) are filled in, not asked again.
    baseline = BaselineQuestionnairesForm(data, prefix="q", initial=initial_answers(episode, "q"))
    valid = [f.is_valid() for f in (form, drugs, elsewhere, baseline)]
    if is_post and all(valid):
        valid.append(
            injections_dated_by(
                elsewhere, form.cleaned_data["assessed_on"], episode.patient.date_of_birth
            )
        )
    if is_post and all(valid):
        try:
            decision = _save_assessment(request, episode, form, drugs, elsewhere, baseline)
        except DjangoValidationError as exc:
            _show_errors(exc, form, elsewhere)
        except ValidationError as exc:
            # The core refused the facts (e.g. assessed before the patient was born): say so
            # rather than fail; the transaction has rolled back, so nothing was written.
            form.add_error(None, f"These facts cannot be evaluated: {_problems(exc)}")
        else:
            return redirect("decision_detail", decision_id=decision.pk)
    return render(
        request,
        "assessment/assessment_form.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "form": form,
            "drugs": drugs,
            "elsewhere": elsewhere,
            "baseline": baseline,
            "instruments": [
                (baseline.instruments[code], baseline.instrument_fields(code))
                for code in ("nrs_back", "nrs_leg", "odi", "startback")
            ],
            "prior_injections": episode.patient.prior_injections.filter(entered_in_error=False),
        },
    )


def _show_errors(
    exc: DjangoValidationError, form: AssessmentForm, elsewhere: forms.BaseFormSet[Any]
) -> None:
    """Put the record's refusal at its fields (``injections_elsewhere.<n>.<field>``)."""
    given = [f for f in elsewhere if f.has_changed()]
    for name, problems in exc.message_dict.items():
        parts = name.split(".")
        for problem in problems:
            if parts[0] == "injections_elsewhere" and len(parts) == 3:
                field = parts[2] if parts[2] in given[int(parts[1])].fields else None
                given[int(parts[1])].add_error(field, problem)
            else:
                form.add_error(name if name in form.fields else None, problem)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'facts'}: {error['msg']}"
        for error in exc.errors()
    )


def _save_assessment(
    request: HttpRequest,
    episode: Episode,
    form: AssessmentForm,
    drugs: forms.BaseFormSet[Any],
    elsewhere: forms.BaseFormSet[Any],
    baseline: BaselineQuestionnairesForm,
) -> Decision:
    """The validated forms, recorded by ``assessment_record``: all or none."""
    assessment = form.save(commit=False)
    assessment.episode = episode
    assessment.antithrombotics = [row for row in (f.as_fact() for f in drugs) if row is not None]
    return assessment_record(
        request,
        assessment=assessment,
        by=_user(request),
        baseline=baseline.scores,
        injections_elsewhere=[f.save(commit=False) for f in elsewhere if f.has_changed()],
        changed_fields=form.changed_data,
    )


def _get_decision(request: HttpRequest, decision_id: int, *, log_read: bool) -> Decision:
    return access.get_for_user(
        request,
        Decision.objects.select_related(
            "assessment__episode__patient__clinic", "assessment__clinician", "proceed_by"
        ),
        decision_id,
        patient_path="assessment__episode__patient",
        what="decision",
        log_read=log_read,
    )


@access.patient_staff_required
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    is_post = request.method == "POST"
    decision = _get_decision(request, decision_id, log_read=not is_post)
    if is_post:
        access.ensure_may(_user(request), access.Task.ASSESS)
    form = ProceedForm(request.POST if is_post else None)
    if is_post and form.is_valid():
        try:
            record_proceed(request, decision, by=_user(request), reason=form.cleaned_data["reason"])
        except ProceedRefused as refusal:
            form.add_error("reason", str(refusal))
        else:
            messages.success(request, "Your reason for proceeding is recorded.")
            return redirect("decision_detail", decision_id=decision.pk)
    assessment = decision.assessment
    return render(
        request,
        "assessment/decision_detail.html",
        {
            "decision": decision,
            "view": presentation.decision_view(decision),
            "assessment": assessment,
            "episode": assessment.episode,
            "patient": assessment.episode.patient,
            "questionnaires": assessment.questionnaires.all(),
            "form": form,
            "ruleset_number": _ruleset_number(decision),
            "plan_panels": panels.plan_panels(request, assessment),
        },
    )


def _ruleset_number(decision: Decision) -> int | None:
    """The clinic's rule-set version the decision was made under, if it was a governed one (no
    query for a clinic that has never approved one)."""
    clinic = decision.assessment.episode.patient.clinic
    if clinic.governed_from is None:
        return None
    return (
        RuleSetVersion.objects.filter(clinic=clinic, version=decision.ruleset_version)
        .values_list("number", flat=True)
        .first()
    )


@access.patient_staff_required
def decision_rerun(request: HttpRequest, decision_id: int) -> HttpResponse:
    """Re-run the stored facts snapshot under the current rules, to explain what changed."""
    decision = _get_decision(request, decision_id, log_read=True)
    return render(
        request,
        "assessment/decision_rerun.html",
        {
            "decision": decision,
            "comparison": presentation.rerun(decision),
            "episode": decision.assessment.episode,
            "patient": decision.assessment.episode.patient,
        },
    )
