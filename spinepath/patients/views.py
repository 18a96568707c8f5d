"""Clinician pages that edit patients and episodes: short views that ask ``scope`` for every record.

The pages that show a patient or episode with every stage of the pathway (dashboard, patient page,
episode page) read the apps above this one, so they live in ``spinepath/views.py``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.models import User
from spinepath.patients import rights, scope
from spinepath.patients.episodes import EpisodeRefused, episode_discharge, episode_reopen
from spinepath.patients.episodes import episode_create as episode_create_workflow
from spinepath.patients.forms import (
    DischargeForm,
    EpisodeForm,
    EraseForm,
    PatientForm,
    ReopenForm,
    RightsReasonForm,
    SearchForm,
)
from spinepath.patients.models import Episode, Patient, TimelineEvent
from spinepath.patients.registration import patient_register


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@access.patient_staff_required
def patient_search(request: HttpRequest) -> HttpResponse:
    # Searches are POSTed so names and NHS numbers never appear in URLs, history or server logs.
    results: list[Patient] | None = None
    form = SearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        term = form.cleaned_data["q"]
        # A restricted record is not found by search (patients/rights.py); it is opened from
        # the administrator's list of restricted records or a link already held.
        results = list(scope.patients_for(_user(request)).unrestricted().search(term)[:50])
        audit.record_list(request, Patient, [p.pk for p in results], query=term)
    return render(request, "patients/search.html", {"form": form, "results": results})


@access.patient_staff_required
def patient_create(request: HttpRequest) -> HttpResponse:
    patient = Patient(clinic=_user(request).clinic)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            patient_register(
                request, patient=patient, by=_user(request), changed_fields=form.changed_data
            )
        except ValidationError as exc:
            _explain(form, exc)
        else:
            messages.success(request, f"{patient.full_name} registered.")
            return redirect("episode_create", patient_id=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@access.patient_staff_required
def patient_edit(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = scope.get_patient_for_user(request, patient_id, log_read=request.method != "POST")
    if patient.erased_at is not None:
        messages.error(request, rights.ERASED_REFUSAL)
        return redirect("patient_detail", patient_id=patient.pk)
    before = audit.snapshot(patient)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        # Compare stored values, not typed ones: "943 476 5919" is the same NHS number.
        edit = audit.edit_of(patient, before)
        with transaction.atomic():
            saved = _saved(form, patient)
            if saved:
                edit.record(request)
        if saved:
            messages.success(request, "Patient details saved.")
            return redirect("patient_detail", patient_id=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


def _explain(form: PatientForm, exc: ValidationError) -> None:
    """Show a model refusal (e.g. a concurrent save of the same NHS number) on the form."""
    for field, messages_ in exc.message_dict.items():
        form.add_error(None if field == "__all__" else field, messages_)


def _saved(form: PatientForm, patient: Patient) -> bool:
    """Save the validated form; a clash with a concurrent save becomes a form error."""
    try:
        patient.save_or_explain()
    except ValidationError as exc:
        _explain(form, exc)
        return False
    return True


@access.patient_staff_required
def episode_create(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = scope.get_patient_for_user(request, patient_id, log_read=request.method != "POST")
    episode = Episode(patient=patient, referral_date=timezone.localdate())
    form = EpisodeForm(request.POST or None, instance=episode, clinic_id=patient.clinic_id)
    if request.method == "POST" and form.is_valid():
        episode_create_workflow(
            request,
            episode=form.save(commit=False),
            by=_user(request),
            changed_fields=form.changed_data,
        )
        messages.success(request, "Referral recorded.")
        return redirect("episode_detail", episode_id=episode.pk)
    return render(
        request,
        "patients/episode_form.html",
        {"form": form, "patient": patient, "episode": None},
    )


@access.patient_staff_required
def episode_edit(request: HttpRequest, episode_id: str) -> HttpResponse:
    episode = scope.get_episode_for_user(request, episode_id, log_read=request.method != "POST")
    before = audit.snapshot(episode)
    form = EpisodeForm(request.POST or None, instance=episode, clinic_id=episode.patient.clinic_id)
    if request.method == "POST" and form.is_valid():
        edit = audit.edit_of(episode, before)
        with transaction.atomic():
            form.save()
            if edit.changed:
                episode.log(
                    TimelineEvent.Kind.UPDATE,
                    "Referral details updated: "
                    + ", ".join(str(form[f].label).lower() for f in edit.changed),
                    by=_user(request),
                )
            edit.record(request)
        messages.success(request, "Referral saved.")
        return redirect("episode_detail", episode_id=episode.pk)
    return render(
        request,
        "patients/episode_form.html",
        {"form": form, "patient": episode.patient, "episode": episode},
    )


@access.patient_staff_required
def episode_discharge_page(request: HttpRequest, episode_id: str) -> HttpResponse:
    """End the pathway with an outcome; the same workflow as the API and the demo."""
    episode = scope.get_episode_for_user(request, episode_id, log_read=request.method != "POST")
    access.ensure_may(_user(request), access.Task.DISCHARGE)
    form = DischargeForm(request.POST or None, instance=Episode(patient=episode.patient))
    if request.method == "POST" and form.is_valid():
        try:
            episode_discharge(
                request,
                episode=episode,
                outcome=form.cleaned_data["discharge_outcome"],
                note=form.cleaned_data["discharge_note"],
                by=_user(request),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error("discharge_note" if field == "note" else None, problems)
        except EpisodeRefused as exc:
            messages.error(request, str(exc))
            return redirect("episode_detail", episode_id=episode.pk)
        else:
            messages.success(request, "Episode discharged.")
            return redirect("episode_detail", episode_id=episode.pk)
    return render(
        request,
        "patients/episode_discharge.html",
        {"form": form, "episode": episode, "patient": episode.patient, "reopen": False},
    )


@access.patient_staff_required
def episode_reopen_page(request: HttpRequest, episode_id: str) -> HttpResponse:
    episode = scope.get_episode_for_user(request, episode_id, log_read=request.method != "POST")
    access.ensure_may(_user(request), access.Task.DISCHARGE)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            episode_reopen(
                request, episode=episode, reason=form.cleaned_data["reason"], by=_user(request)
            )
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
        except EpisodeRefused as exc:
            messages.error(request, str(exc))
            return redirect("episode_detail", episode_id=episode.pk)
        else:
            messages.success(request, "Episode re-opened.")
            return redirect("episode_detail", episode_id=episode.pk)
    return render(
        request,
        "patients/episode_discharge.html",
        {"form": form, "episode": episode, "patient": episode.patient, "reopen": True},
    )


# --- Patient rights: restriction and erasure (patients/rights.py) -------------------------------


_RIGHTS_ACTIONS = ("restrict", "lift", "erase")


@access.patient_staff_required
def patient_rights(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Restrict processing of a record, lift the restriction, or pseudonymise it: admins only."""
    patient = scope.get_patient_for_user(request, patient_id, log_read=request.method != "POST")
    user = _user(request)
    access.ensure_may(user, access.Task.PATIENT_RIGHTS)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    # Prefixed: the page holds both forms, and each field's id must be unique on it.
    reason_form = RightsReasonForm(
        request.POST if action in ("restrict", "lift") else None, prefix="restriction"
    )
    erase_form = EraseForm(request.POST if action == "erase" else None, prefix="erase")
    status = 200
    if request.method == "POST":
        form = erase_form if action == "erase" else reason_form
        if action not in _RIGHTS_ACTIONS:
            messages.error(request, "Choose restrict, lift or erase.")
            status = 400
        elif form.is_valid():
            try:
                done = _rights_action(request, action, patient, user, form.cleaned_data)
            except ValidationError as exc:
                for field, problems in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            except rights.RightsRefused as exc:
                messages.error(request, str(exc))
                return redirect("patient_rights", patient_id=patient.pk)
            else:
                messages.success(request, done)
                return redirect("patient_detail", patient_id=patient.pk)
        if request.method == "POST" and (action not in _RIGHTS_ACTIONS or form.errors):
            status = 400
    return render(
        request,
        "patients/patient_rights.html",
        {
            "patient": patient,
            "reason_form": reason_form,
            "erase_form": erase_form,
            "open_episodes": patient.episodes.open().exists(),
        },
        status=status,
    )


def _rights_action(
    request: HttpRequest, action: str, patient: Patient, user: User, data: dict[str, str]
) -> str:
    if action == "restrict":
        rights.restrict_record(request, patient=patient, by=user, reason=data["reason"])
        return "The record is restricted."
    if action == "lift":
        rights.lift_restriction(request, patient=patient, by=user, reason=data["reason"])
        return "The restriction is lifted."
    rights.erase_record(
        request,
        patient=patient,
        by=user,
        reason=data["reason"],
        confirmation=data["confirmation"],
    )
    return "The record is pseudonymised: the patient's identity has been removed."


@access.patient_staff_required
def restricted_records(request: HttpRequest) -> HttpResponse:
    """The clinic's restricted records, for its administrators (search does not find them)."""
    user = _user(request)
    access.ensure_may(user, access.Task.PATIENT_RIGHTS)
    patients = list(
        scope.patients_for(user).filter(restricted_at__isnull=False).order_by("restricted_at")
    )
    audit.record_list(request, Patient, [p.pk for p in patients])
    return render(request, "patients/restricted_records.html", {"patients": patients})
