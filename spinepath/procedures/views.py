"""Consent pages (take, show, print, withdraw, correct) and the day of the procedure: the safety
checklist, the procedure record with its live steroid check, and the record's page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.assessment.models import Decision
from spinepath.assessment.panels import plan_panels
from spinepath.assessment.presentation import outcome_style
from spinepath.clinical.checklist import Phase
from spinepath.clinical.coding import codebook, cpt_lines
from spinepath.clinical.steroids import SteroidCheck, SteroidStatus
from spinepath.patients import scope
from spinepath.procedures.consent import (
    ConsentRefused,
    consent_information_for,
    consent_mark_entered_in_error,
    consent_record,
    consent_withdraw,
    default_side,
    refusal_reason,
)
from spinepath.procedures.forms import (
    ChecklistForm,
    ConsentForm,
    DischargeForm,
    PhaseForm,
    PlanForm,
    ProcedureForm,
    ReasonForm,
)
from spinepath.procedures.models import SIDE_CHOICES, Consent, ProcedureRecord, SafetyCheck
from spinepath.procedures.pdf import consent_pdf_bytes
from spinepath.procedures.procedure import (
    AlreadyRecorded,
    ConsentVarianceReasonRequired,
    complication_label,
    discharge_summary,
    procedure_amend_discharge,
    procedure_mark_entered_in_error,
    procedure_record,
    procedure_steroid_check,
    record_warnings,
)
from spinepath.procedures.recording import (
    ProcedureRefused,
    SteroidOverrideRequired,
    antithrombotics_on_record,
    assessment_decision,
    checklist_items,
    day_of_changes,
    episode_consent_problem,
    glucose_asked,
    latest_assessment,
    plan_problem,
    pregnancy_asked,
    readiness_problem,
    safety_check_confirm,
    safety_check_proceed,
    safety_check_record,
    todays_safety_check,
    valid_consent,
)
from spinepath.procedures.safety_check import day_facts_lines


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _get_consent(request: HttpRequest, consent_id: int, *, log_read: bool) -> Consent:
    return access.get_for_user(
        request,
        Consent.objects.select_related(
            "episode__patient__clinic", "assessment", "clinician", "withdrawn_by"
        ),
        consent_id,
        patient_path="episode__patient",
        what="consent",
        log_read=log_read,
    )


@access.patient_staff_required
def consent_create(request: HttpRequest, episode_id: str) -> HttpResponse:
    user = _user(request)
    is_post = request.method == "POST"
    episode = scope.get_episode_for_user(request, episode_id, log_read=not is_post)
    access.ensure_role(user, Role.CLINICIAN)
    assessment = episode.assessments.select_related("episode__patient").first()
    context: dict[str, object] = {"episode": episode, "patient": episode.patient}
    if assessment is None:
        context["refusal"] = "This episode has not been assessed. Assess before taking consent."
        return render(request, "procedures/consent_form.html", context, status=409)
    context["assessment"] = assessment
    context["decision"] = assessment.latest_decision
    refusal = refusal_reason(assessment)
    if refusal:
        context["refusal"] = refusal
        return render(request, "procedures/consent_form.html", context, status=409)

    # The plan the sheet is generated for comes from the query string (GET) or the hidden copy
    # posted with the form, so what is stored is exactly what was on the screen.
    plan_data = request.POST if is_post else request.GET
    plan = PlanForm(
        plan_data if "side" in plan_data else None,
        initial={"side": default_side(assessment), "levels": []},
    )
    if plan.is_bound and plan.is_valid():
        levels, side = plan.cleaned_data["levels"], plan.cleaned_data["side"]
    else:
        levels, side = [], default_side(assessment)
    form = ConsentForm(request.POST if is_post else None)
    if is_post and plan.is_bound and plan.is_valid() and form.is_valid():
        data = form.cleaned_data
        try:
            consent = consent_record(
                request,
                assessment=assessment,
                clinician=user,
                levels=levels,
                side=side,
                decision=data["decision"],
                capacity_confirmed=data["capacity_confirmed"],
                interpreter_used=data["interpreter_used"],
                patient_questions=data["patient_questions"],
                signature_method=data["signature_method"],
                signed_name=data["signed_name"],
                signed_on=data["signed_on"],
                signature_image=data["signature_image"],
            )
        except ConsentRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            for field, errors in invalid.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            agreed = consent.decision == Consent.Decision.PERMIT
            messages.success(
                request, "Consent recorded." if agreed else "The patient's refusal is recorded."
            )
            return redirect("consent_detail", consent_id=consent.pk)
    elif is_post and not (plan.is_bound and plan.is_valid()):
        form.is_valid()
        form.add_error(None, "The levels or side were not valid. Choose them again.")
    context.update(
        {
            "plan": plan,
            "levels": levels,
            "side": side,
            "side_label": dict(SIDE_CHOICES).get(side, side),
            "information": consent_information_for(assessment, levels=levels, side=side),
            "form": form,
            "plan_panels": plan_panels(request, assessment),
        }
    )
    return render(
        request, "procedures/consent_form.html", context, status=400 if form.errors else 200
    )


@access.patient_staff_required
def consent_detail(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = _get_consent(request, consent_id, log_read=True)
    return _render_detail(request, consent)


def _render_detail(
    request: HttpRequest, consent: Consent, *, failed: ReasonForm | None = None
) -> HttpResponse:
    """The consent page; ``failed`` is a withdraw/error form to show again with its errors."""
    forms = {prefix: ReasonForm(prefix=prefix) for prefix in ("withdraw", "error")}
    if failed is not None:
        forms[failed.prefix or ""] = failed
    return render(
        request,
        "procedures/consent_detail.html",
        {
            "consent": consent,
            "episode": consent.episode,
            "patient": consent.episode.patient,
            "information": consent.information,
            "withdraw_form": forms["withdraw"],
            "error_form": forms["error"],
        },
        status=200 if failed is None else 400,
    )


@access.patient_staff_required
def consent_pdf(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = _get_consent(request, consent_id, log_read=False)
    pdf = consent_pdf_bytes(consent)
    audit.record(request, AuditEvent.Action.EXPORT, consent, detail={"format": "pdf"})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _change(request: HttpRequest, consent_id: int, *, prefix: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("consent_detail", consent_id=consent_id)
    user = _user(request)
    consent = _get_consent(request, consent_id, log_read=False)
    access.ensure_role(user, Role.CLINICIAN)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        action = consent_withdraw if prefix == "withdraw" else consent_mark_entered_in_error
        try:
            action(request, consent=consent, by=user, reason=form.cleaned_data["reason"])
        except ConsentRefused as refused:
            form.add_error("reason", str(refused))
        else:
            messages.success(
                request,
                "Consent withdrawn."
                if prefix == "withdraw"
                else "Consent marked as entered in error.",
            )
            return redirect("consent_detail", consent_id=consent.pk)
    return _render_detail(request, consent, failed=form)


@access.patient_staff_required
def consent_withdraw_view(request: HttpRequest, consent_id: int) -> HttpResponse:
    return _change(request, consent_id, prefix="withdraw")


@access.patient_staff_required
def consent_error_view(request: HttpRequest, consent_id: int) -> HttpResponse:
    return _change(request, consent_id, prefix="error")


# --- The day of the procedure -------------------------------------------------------------------


def _add_errors(form: Any, invalid: ValidationError) -> None:
    for field, errors in invalid.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _decision_summary(decision: Decision) -> dict[str, Any]:
    return {"decision": decision, "style": outcome_style(decision.outcome)}


def _item_rows(check: SafetyCheck | None, items: list[Any]) -> list[dict[str, Any]]:
    """Each applicable item of a phase with its answer, who gave it and when (if answered)."""
    given = {i.code: i for i in check.items.select_related("recorded_by")} if check else {}
    flagged = {c["item"]: c["message"] for c in (check.contradictions if check else [])}
    return [
        {"item": item, "answer": given.get(item.code), "contradiction": flagged.get(item.code)}
        for item in items
    ]


def checklist_phases(check: SafetyCheck) -> list[dict[str, Any]]:
    """The three phases of ``check`` for display: items, answers, who and when, completeness."""
    items = checklist_items(check.consent, check.decision.assessment, on=check.checked_on)
    phases = []
    for phase in Phase:
        rows = _item_rows(check, [i for i in items if i.phase is phase])
        phases.append(
            {
                "phase": phase,
                "rows": rows,
                "answered": any(row["answer"] for row in rows),
                "complete": not check.missing_in(phase),
            }
        )
    return phases


_PHASE_FORMS = {"sign_in", "time_out", "sign_out", "proceed"}


@access.patient_staff_required
def checklist_create(request: HttpRequest, episode_id: str) -> HttpResponse:
    """Today's safety checklist, phase by phase: sign in (with the day's facts and the decision
    re-run), time out, then sign out; and the reason to proceed when the day needs a new one."""
    user = _user(request)
    is_post = request.method == "POST"
    episode = scope.get_episode_for_user(request, episode_id, log_read=not is_post)
    access.ensure_role(user, Role.CLINICIAN)
    context: dict[str, Any] = {"episode": episode, "patient": episode.patient}
    consent = valid_consent(episode)
    assessment = latest_assessment(episode)
    refusal = episode_consent_problem(episode)
    if not refusal and assessment is None:
        refusal = "This episode has not been assessed. Assess first."
    if not refusal and not episode.is_open:
        refusal = "This episode is discharged. Re-open it first."
    if not refusal and consent is not None and assessment is not None:
        refusal = plan_problem(assessment, consent)
    if refusal or consent is None or assessment is None:
        context["refusal"] = refusal
        return render(request, "procedures/checklist_form.html", context, status=409)

    today = timezone.localdate()
    latest = todays_safety_check(consent, on=today)
    posted = request.POST.get("phase", "sign_in") if is_post else ""
    if posted not in _PHASE_FORMS:
        posted = "sign_in"
    sign_in_items = checklist_items(consent, assessment, on=today, phase=Phase.SIGN_IN)
    sign_in = ChecklistForm(
        request.POST if posted == "sign_in" else None,
        items=sign_in_items,
        ask_glucose=glucose_asked(sign_in_items),
        ask_pregnancy=pregnancy_asked(sign_in_items),
        drugs=antithrombotics_on_record(assessment),
        prefix="sign_in",
    )
    phase_forms = {
        phase: PhaseForm(
            request.POST if posted == phase.value else None,
            items=checklist_items(consent, assessment, on=today, phase=phase),
            prefix=phase.value,
        )
        for phase in (Phase.TIME_OUT, Phase.SIGN_OUT)
    }
    proceed = ReasonForm(request.POST if posted == "proceed" else None, prefix="proceed")
    bound: Any = {"sign_in": sign_in, "proceed": proceed}.get(posted) or phase_forms.get(
        Phase(posted) if posted in {"time_out", "sign_out"} else Phase.TIME_OUT
    )
    if is_post and bound.is_valid():
        try:
            if posted == "sign_in":
                safety_check_record(
                    request,
                    episode=episode,
                    consent=consent,
                    by=user,
                    answers=sign_in.answers(),
                    day=sign_in.day_facts(),
                )
                done = "Sign in saved; the decision was re-run with today's facts."
            elif posted == "proceed":
                if latest is None:
                    raise ProcedureRefused("Sign in first.")
                safety_check_proceed(
                    request, check=latest, by=user, reason=proceed.cleaned_data["reason"]
                )
                done = "Reason to proceed today recorded."
            else:
                if latest is None:
                    raise ProcedureRefused("Sign in first.")
                phase = Phase(posted)
                safety_check_confirm(
                    request,
                    check=latest,
                    phase=phase,
                    by=user,
                    answers=phase_forms[phase].answers(),
                )
                done = f"{phase.label} saved."
        except ProcedureRefused as refused:
            bound.add_error(None, str(refused))
        except ValidationError as invalid:
            _add_errors(bound, invalid)
        else:
            messages.success(request, done)
            return redirect("checklist_create", episode_id=episode.pk)

    context.update(
        {
            "consent": consent,
            "assessment": assessment,
            "sign_in_form": sign_in,
            "time_out_form": phase_forms[Phase.TIME_OUT],
            "sign_out_form": phase_forms[Phase.SIGN_OUT],
            "proceed_form": proceed,
            "posted": posted,
            "check": latest,
            "phases": checklist_phases(latest) if latest else [],
            "day_facts": day_facts_lines(latest) if latest else [],
            "changes": day_of_changes(latest) if latest else None,
            "day_of": _decision_summary(latest.decision) if latest else None,
            "before": (
                _decision_summary(before)
                if (before := assessment_decision(assessment)) is not None
                else None
            ),
            "readiness": readiness_problem(episode, on=today) if latest else "",
            "needs_reason": bool(
                latest and not latest.decision.blocks and latest.decision.reasons_still_to_justify()
            ),
            "recorded": latest.procedures.exists() if latest else False,
        }
    )
    failed = any(f.errors for f in (sign_in, proceed, *phase_forms.values()))
    return render(request, "procedures/checklist_form.html", context, status=400 if failed else 200)


def _region_words(region: str | None) -> str:
    return region.replace("_", " ") if region else "no spinal region"


def _live_steroid_check(
    episode: Any, form: ProcedureForm, consent: Consent
) -> tuple[SteroidCheck | None, str]:
    """The steroid check for what is on the screen: the plan on GET, the form's values on POST."""
    if not form.is_bound:
        steroid, dose, procedure = consent.steroid, consent.steroid_dose_mg, consent.procedure
        day = timezone.localdate()
    else:
        data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        steroid = data.get("steroid") or ""
        dose = data.get("steroid_dose_mg")
        procedure = data.get("procedure") or consent.procedure
        when = data.get("performed_at")
        day = timezone.localdate(when) if when else timezone.localdate()
    if not steroid:
        return None, ""
    if dose is None:
        return None, "Give the steroid dose to see the steroid check."
    try:
        return (
            procedure_steroid_check(
                episode, procedure=procedure, steroid=steroid, steroid_dose_mg=dose, on=day
            ),
            "",
        )
    except ValueError:
        return None, "The steroid check could not be run for these values."


@access.patient_staff_required
def procedure_create(request: HttpRequest, episode_id: str) -> HttpResponse:
    """Record the procedure; the steroid check for the planned injection is shown as it stands."""
    user = _user(request)
    is_post = request.method == "POST"
    episode = scope.get_episode_for_user(request, episode_id, log_read=not is_post)
    access.ensure_role(user, Role.CLINICIAN)
    context: dict[str, Any] = {"episode": episode, "patient": episode.patient}
    refusal = readiness_problem(episode, on=timezone.localdate())
    consent = valid_consent(episode)
    if refusal or consent is None:
        context["refusal"] = refusal or episode_consent_problem(episode)
        context["has_consent"] = consent is not None
        return render(request, "procedures/procedure_form.html", context, status=409)

    form = ProcedureForm(request.POST if is_post else None, consent=consent)
    if is_post and form.is_valid():
        try:
            record = procedure_record(request, record=form.record(), by=user, **form.reasons())
        except AlreadyRecorded as repeated:
            if not repeated.same_submission:
                form.add_error(None, str(repeated))
            else:
                # A double-click or a resent form: the first one was stored; show it.
                messages.info(
                    request, "This procedure was already recorded; it was not stored again."
                )
                return redirect("procedure_detail", pk=repeated.record.pk)
        except SteroidOverrideRequired as required:
            form.add_error("steroid_override_reason", str(required))
        except ConsentVarianceReasonRequired as required:
            form.add_error("consent_variance_reason", str(required))
        except ProcedureRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            _add_errors(form, invalid)
        else:
            messages.success(request, "Procedure recorded.")
            return redirect("procedure_detail", pk=record.pk)
    if "consent_variance_reason" in form.errors:
        form.fields["consent_variance_reason"].required = True
    steroid_check, steroid_note = _live_steroid_check(episode, form, consent)
    if steroid_check is not None and steroid_check.blocks:
        # Shown as required: it is, for this injection (the workflow enforces it).
        form.fields["steroid_override_reason"].required = True
    context.update(
        {
            "consent": consent,
            "form": form,
            "steroid_check": steroid_check.model_dump(mode="json") if steroid_check else None,
            "steroid_note": steroid_note,
            "steroid_earliest": steroid_check.earliest_date if steroid_check else None,
            "steroid_region": _region_words(steroid_check.region if steroid_check else None),
            "steroid_blocks": bool(steroid_check and steroid_check.blocks),
        }
    )
    return render(
        request, "procedures/procedure_form.html", context, status=400 if form.errors else 200
    )


def _get_procedure(request: HttpRequest, pk: int, *, log_read: bool) -> ProcedureRecord:
    return access.get_for_user(
        request,
        ProcedureRecord.objects.select_related(
            "episode__patient__clinic", "operator", "consent", "safety_check__decision"
        ),
        pk,
        patient_path="episode__patient",
        what="procedure",
        log_read=log_read,
    )


def _back_pain(record: ProcedureRecord) -> bool | None:
    """Back pain on the day, from the facts the day-of decision was made on (NRS above 0)."""
    facts = record.safety_check.decision.facts if record.safety_check_id else {}
    nrs = (facts.get("symptoms") or {}).get("back_pain_nrs")
    return None if nrs is None else nrs > 0


def _codes(record: ProcedureRecord) -> dict[str, Any]:
    book = codebook()
    concept = book.procedures.get(record.procedure)
    condition = book.conditions[record.episode.condition]
    return {
        "condition": condition.codings_for(back_pain=_back_pain(record)),
        "cpt": (
            cpt_lines(concept, levels=len(record.levels), imaging=record.imaging, side=record.side)
            if concept
            else []
        ),
        "procedure_snomed": concept.first(book.snomed) if concept else None,
        "laterality": (
            side.first(book.snomed) if (side := book.laterality.get(record.side)) else None
        ),
        "complications": [
            {
                "code": code,
                "display": complication_label(code),
                "snomed": (c.first(book.snomed) if (c := book.complications.get(code)) else None),
            }
            for code in record.complications
        ],
    }


def _render_procedure(
    request: HttpRequest, record: ProcedureRecord, *, failed: ReasonForm | None = None
) -> HttpResponse:
    check = record.steroid_check
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "record": record,
            "episode": record.episode,
            "patient": record.episode.patient,
            "codes": _codes(record),
            "steroid_check": check,
            "steroid_earliest": (
                date.fromisoformat(check["earliest_date"])
                if check and check.get("earliest_date")
                else None
            ),
            "steroid_region": _region_words((check or {}).get("region")),
            "steroid_blocks": bool(check) and SteroidStatus(check["status"]).blocks,
            "warnings": record_warnings(record),
            "approach_label": record.approach.replace("_", " ").capitalize(),
            "side_label": dict(SIDE_CHOICES).get(record.side, record.side),
            "error_form": failed or ReasonForm(prefix="error"),
            "amendments": [
                {
                    "amendment": a,
                    "before": discharge_summary(a.before),
                    "after": discharge_summary(a.after),
                }
                for a in record.discharge_amendments.select_related("amended_by")
            ],
            "late_complications": [complication_label(c) for c in record.late_complications],
            "phases": checklist_phases(record.safety_check),
        },
        status=200 if failed is None else 400,
    )


@access.patient_staff_required
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_procedure(request, _get_procedure(request, pk, log_read=True))


@access.patient_staff_required
def procedure_error_view(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("procedure_detail", pk=pk)
    user = _user(request)
    record = _get_procedure(request, pk, log_read=False)
    access.ensure_role(user, Role.CLINICIAN)
    form = ReasonForm(request.POST, prefix="error")
    if form.is_valid():
        try:
            procedure_mark_entered_in_error(
                request, record=record, by=user, reason=form.cleaned_data["reason"]
            )
        except ProcedureRefused as refused:
            form.add_error("reason", str(refused))
        else:
            messages.success(request, "Procedure marked as entered in error.")
            return redirect("procedure_detail", pk=record.pk)
    return _render_procedure(request, record, failed=form)


@access.patient_staff_required
def procedure_discharge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or correct the discharge and late complications: an audited amendment."""
    user = _user(request)
    is_post = request.method == "POST"
    record = _get_procedure(request, pk, log_read=not is_post)
    access.ensure_role(user, Role.CLINICIAN)
    form = DischargeForm(request.POST if is_post else None, record=record)
    refusal = "This procedure is marked as entered in error." if record.entered_in_error else ""
    if is_post and not refusal and form.is_valid():
        data = form.cleaned_data
        try:
            procedure_amend_discharge(
                request,
                record=record,
                by=user,
                discharged_at=data["discharged_at"],
                discharge_condition=data["discharge_condition"],
                late_complications=data["late_complications"],
                late_complication_notes=data["late_complication_notes"],
                reason=data["reason"],
            )
        except ProcedureRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            _add_errors(form, invalid)
        else:
            messages.success(request, "Discharge amended; the earlier version is kept.")
            return redirect("procedure_detail", pk=record.pk)
    return render(
        request,
        "procedures/discharge_form.html",
        {
            "record": record,
            "episode": record.episode,
            "patient": record.episode.patient,
            "form": form,
            "refusal": refusal,
        },
        status=409 if refusal else (400 if form.errors else 200),
    )
