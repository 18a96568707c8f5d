"""Consent pages: take consent on the assessed plan, show it, print it, withdraw or correct it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.procedures.consent import (
    ConsentRefused,
    consent_information_for,
    consent_mark_entered_in_error,
    consent_record,
    consent_withdraw,
    default_side,
    refusal_reason,
)
from spinepath.procedures.forms import ConsentForm, PlanForm, ReasonForm
from spinepath.procedures.models import SIDE_CHOICES, Consent
from spinepath.procedures.pdf import consent_pdf_bytes


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
    episode = access.get_episode_for_user(request, episode_id, log_read=not is_post)
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
