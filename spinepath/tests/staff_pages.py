"""Every staff page, in one list, over a demo world where each page has realistic content.

The browser sweeps (``test_browser_every_page.py``) load each entry at phone, tablet and desktop
widths. A new page is one more ``StaffPage`` line in ``PAGES``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

DEMO_PATIENTS = 24
DEMO_SEED = 2026


@dataclass
class World:
    """The records the pages are opened on, picked from the demo as the richest of each kind."""

    patient: Any  # the patient with the most records of every kind (ledger, prior injections)
    episode: Any  # that patient's open episode with the most records
    consented: Any  # an open episode with valid consent and no procedure yet (the day itself)
    decision: Any  # the decision with the most reasons
    consent: Any  # an active consent
    declined: Any  # a consent no longer in force: declined or withdrawn
    procedure: Any  # the procedure record with a steroid, its three checklist phases and an
    # amended discharge
    before_sign_in: Any  # an open episode consented today, its checklist not yet begun
    contradicted: Any  # an episode whose sign in ticked "held as planned" against the day's facts
    urgent: Any  # an episode whose urgent referral is not yet recorded (heads the dashboard)
    not_suitable: Any  # an episode not suitable for the injection, with no plan recorded yet
    referral: Any  # an urgent referral made, its result still pending


def build_world() -> World:
    """Build the demo (the same steps as ``seed_demo``) and pick the records to open."""
    from spinepath.accounts.models import User
    from spinepath.assessment.models import Decision
    from spinepath.clinical.vocab import Antithrombotic
    from spinepath.demo.seed import build_demo
    from spinepath.onward.actions import urgent_referral_record
    from spinepath.onward.models import OnwardAction
    from spinepath.patients.models import Episode, Patient
    from spinepath.procedures.models import Consent, ProcedureRecord
    from spinepath.testing import (
        assess,
        assess_with_proceed,
        check_today,
        day_as_assessed,
        make_decision,
        take_consent,
    )

    build_demo(patients=DEMO_PATIENTS, seed=DEMO_SEED, today=timezone.localdate())
    clinic_a = Q(clinic__code="a")
    patient = (
        Patient.objects.filter(clinic_a)
        .annotate(
            n_prior=Count("prior_injections", distinct=True),
            n_procedures=Count("episodes__procedures", distinct=True),
        )
        .filter(n_prior__gt=0, n_procedures__gt=0)
        .order_by("-n_procedures", "-n_prior", "pk")
        .first()
    )
    assert patient is not None, "the demo has no patient with both kinds of injection"
    episode = (
        patient.episodes.annotate(n=Count("procedures") + Count("consents"))
        .order_by("-n", "pk")
        .first()
    )
    consented = (
        Episode.objects.filter(patient__clinic__code="a", stage=Episode.Stage.CONSENTED)
        .order_by("pk")
        .first()
    )
    in_a = Q(assessment__episode__patient__clinic__code="a")
    decisions = list(Decision.objects.filter(in_a))
    decision = max(decisions, key=lambda d: (len(d.reasons), d.pk))
    consents = Consent.objects.filter(episode__patient__clinic__code="a").order_by("pk")
    procedures = ProcedureRecord.objects.filter(
        episode__patient__clinic__code="a", steroid__gt=""
    ).order_by("-pk")
    clinician = User.objects.get(username="clinician-a")
    procedure = procedures.first()
    _amend_discharge(procedure, clinician)
    day_of = _DayOf(clinician)
    urgent = day_of.episode("Olwen", "Pritchard", date(1961, 2, 14), "female")
    make_decision(urgent, clinician, assessed_on=timezone.localdate(), **CAUDA_EQUINA)
    referred = day_of.episode("Gareth", "Llewellyn", date(1949, 9, 3), "male")
    referral = urgent_referral_record(
        None,
        decision=make_decision(referred, clinician, assessed_on=timezone.localdate(), **CANCER),
        to_whom="Acute oncology service, St Aidan's Hospital",
        method=OnwardAction.Method.PHONE,
        made_at=timezone.now(),  # an assessment of today: never earlier (past midnight too)
        notes="Spoke to the registrar; MRI of the whole spine booked for this week.",
        by=clinician,
    )
    not_suitable = day_of.episode("Priya", "Kaur", date(1972, 6, 30), "female")
    make_decision(not_suitable, clinician, assessed_on=timezone.localdate(), allergies=["steroid"])
    before_sign_in = day_of.episode("Martin", "Hughes", date(1966, 11, 8), "male")
    take_consent(assess(before_sign_in, clinician), clinician)
    contradicted = day_of.episode("Edith", "Carr", date(1944, 4, 21), "female")
    decided = assess_with_proceed(contradicted, clinician, antithrombotics=APIXABAN_24H)
    consent = take_consent(decided, clinician)
    # Apixaban taken 24 h ago, yet "held as planned" ticked: the sign in flags the tick.
    check_today(
        consent,
        clinician,
        day=day_as_assessed(consent, last_dose_hours={Antithrombotic.APIXABAN: 24}),
    )
    world = World(
        patient=patient,
        episode=episode,
        consented=consented,
        decision=decision,
        consent=consents.filter(status=Consent.Status.ACTIVE, withdrawn_at=None).first(),
        declined=consents.exclude(status=Consent.Status.ACTIVE).first(),
        procedure=procedure,
        before_sign_in=before_sign_in,
        contradicted=contradicted,
        urgent=urgent,
        not_suitable=not_suitable,
        referral=referral,
    )
    _check(world)
    return world


# Red flags (an emergency: cauda equina; urgent: a history of cancer) and the plans the onward
# pages are opened on, made through the same workflows as the pages.
CAUDA_EQUINA = {"red_flags": ["saddle_anaesthesia", "bladder_dysfunction"]}
CANCER = {"red_flags": ["cancer_history", "unexplained_weight_loss"]}
APIXABAN_24H = [{"drug": "apixaban", "hours_since_last_dose": 24}]


class _DayOf:
    """New patients of clinic A, each referred a month ago with one episode of sciatica."""

    def __init__(self, clinician: Any) -> None:
        from spinepath.patients.models import Patient

        self.clinic = clinician.clinic
        self.clinician = clinician
        self.rng = random.Random(DEMO_SEED)
        self.taken = set(Patient.objects.values_list("nhs_number", flat=True))

    def episode(self, given: str, family: str, born: date, sex: str) -> Any:
        from spinepath.demo.seed import demo_nhs_number
        from spinepath.testing import make_episode, make_patient

        patient = make_patient(
            self.clinic,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=sex,
            nhs_number=demo_nhs_number(self.rng, self.taken),
            mrn=f"A9{len(self.taken):05d}",
            email=f"{given}.{family}@example.com".lower(),
        )
        return make_episode(
            patient,
            referral_date=timezone.localdate() - timedelta(days=30),
            responsible_clinician=self.clinician,
        )


def _amend_discharge(record: Any, clinician: Any) -> None:
    """A late complication reported by phone two days later: the discharge is amended."""
    from spinepath.procedures.procedure import procedure_amend_discharge

    discharged_at = record.discharged_at or record.performed_at + timedelta(minutes=45)
    procedure_amend_discharge(
        None,
        record=record,
        by=clinician,
        discharged_at=discharged_at,
        discharge_condition=record.discharge_condition or "well",
        late_complications=["other"],
        late_complication_notes="Headache for two days, settled with rest and fluids.",
        reason="The patient phoned two days later to report a headache.",
    )
    record.refresh_from_db()


def _check(world: World) -> None:
    """Each page opens on the state it is named for."""
    from spinepath.onward.actions import alert_for, needing_action

    waiting = {a.episode.pk for a in needing_action(world.urgent.patient.clinic_id)}
    assert {world.urgent.pk, world.not_suitable.pk} <= waiting, "no one needs urgent action"
    assert alert_for(world.urgent).is_referral and not alert_for(world.not_suitable).is_referral
    check = world.procedure.safety_check
    assert check is not None and check.complete, "the procedure's checklist is not complete"
    assert world.procedure.discharge_amendments.exists()
    assert not world.before_sign_in.safety_checks.exists()
    assert world.contradicted.safety_checks.get().contradictions


def _submit_empty(page: Any) -> None:
    """Send the page's main form as it stands, to show the error summary and field errors."""
    page.locator("main form[method=post] [type=submit]").last.click()
    page.wait_for_load_state()


def _sign_in(page: Any) -> None:
    """Sign in with everything confirmed and nothing found today (a new checklist each time)."""
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    form = page.locator("form.sign-in-form")
    for box in form.locator(".checklist-items input[type=checkbox]").all():
        box.check()
    for no in form.locator("input[type=radio][value=no]").all():
        no.check()
    for hours in form.locator("input[name^='sign_in-hours_']").all():
        hours.fill("240")  # every blood thinner held for ten days
    for name, value in (("inr", "1.1"), ("glucose_mmol_l", "6.1")):
        for box in form.locator(f"input[name='sign_in-{name}']").all():
            box.fill(value)
    form.get_by_role("button", name="Save sign in").click()
    page.wait_for_load_state()


def _sign_in_and_time_out(page: Any) -> None:
    _sign_in(page)
    form = page.locator("form.time-out-form")
    for box in form.locator("input[type=checkbox]").all():
        box.check()
    form.get_by_role("button", name="Save time out").click()
    page.wait_for_load_state()


def _preview_ruleset(page: Any) -> None:
    page.get_by_label("Conservative care expected first").fill("2")
    page.get_by_role("button", name="Preview impact").click()
    page.get_by_role("heading", name="Impact on recent decisions").wait_for()


def _search(page: Any) -> None:
    page.locator("main input[name=q]").fill("a")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()


def programme(world: World) -> Any:
    """A physiotherapist's programme for the procedure's episode, with a week of sessions logged
    (made once, the first time a page asks)."""
    from spinepath.accounts.models import User
    from spinepath.aftercare.models import AdherenceLog, Programme
    from spinepath.aftercare.programmes import adherence_record, programme_create

    existing = Programme.objects.filter(episode=world.procedure.episode).first()
    if existing is not None:
        return existing
    made = programme_create(
        None,
        episode=world.procedure.episode,
        by=User.objects.get(username="physiotherapist-a"),
        injection_date=timezone.localdate(world.procedure.performed_at),
        start_back_risk="high",
    )
    for n, item in enumerate(made.items.all()[:3]):
        adherence_record(
            None,
            programme=made,
            exercise_code=item.exercise_code,
            on=max(made.injection_date, timezone.localdate() - timedelta(days=n)),
            done=n != 2,
            pain_during=None if n == 2 else 3 + n,
            source=AdherenceLog.Source.PATIENT,
        )
    return made


def checklist(episode: Any) -> str:
    return reverse("checklist_create", args=[episode.pk])


def booked_session(world: World) -> Any:
    """A fluoroscopy list next week with the consented-today episode booked on it and one
    booking cancelled (made once, the first time a page asks)."""
    from datetime import time

    from spinepath.accounts.models import User
    from spinepath.scheduling.booking import booking_cancel, booking_create, session_create
    from spinepath.scheduling.models import Session

    on = timezone.localdate() + timedelta(days=7)
    existing = Session.objects.filter(clinic__code="a", date=on, room="Sweep room").first()
    if existing is not None:
        return existing
    admin = User.objects.get(username="admin-a")
    session = session_create(
        None,
        session=Session(
            date=on,
            start_time=time(9, 0),
            room="Sweep room",
            modality="fluoroscopy",
            operator=User.objects.get(username="clinician-a"),
            capacity=6,
        ),
        by=admin,
    )
    booking = booking_create(None, episode=world.before_sign_in, session=session, by=admin)
    booking_cancel(None, booking=booking, by=admin, reason="Patient asked for a later date")
    booking_create(None, episode=world.before_sign_in, session=session, by=admin)
    return session


def followed_up(procedure: Any) -> Any:
    """The procedure's follow-up time points, scheduled as the recording hook does if the demo
    has not (its follow-up comes later)."""
    from spinepath.followup.models import TimePoint
    from spinepath.followup.scheduling import schedule_follow_up

    if not TimePoint.objects.filter(procedure=procedure).exists():
        schedule_follow_up(procedure)
    return TimePoint.objects.filter(procedure=procedure)


def follow_up_answers(procedure: Any) -> str:
    """Entering the answers to the procedure's first follow-up not yet answered."""
    point = followed_up(procedure).open().order_by("due_on").first()
    assert point is not None, "the demo procedure has no open follow-up time point"
    return reverse("followup_enter_answers", args=[point.pk])


def follow_up_worklist(procedure: Any) -> str:
    followed_up(procedure)
    return reverse("followup_worklist")


def episode(episode: Any) -> str:
    return reverse("episode_detail", args=[episode.pk])


@dataclass
class StaffPage:
    name: str
    url: Callable[[World], str]
    user: str | None = "clinician-a"  # None: opened signed out
    then: Callable[[Any], None] | None = None  # what a person does on the page before we look


PAGES: list[StaffPage] = [
    StaffPage("login", lambda w: reverse("login"), user=None),
    # Heads with "Needs urgent action": an emergency referral and a plan not yet recorded.
    StaffPage("dashboard", lambda w: reverse("dashboard")),
    StaffPage("stage worklist", lambda w: reverse("stage_worklist", args=["assessed"])),
    StaffPage("analyst overview", lambda w: reverse("dashboard"), user="analyst-a"),
    StaffPage("search", lambda w: reverse("patient_search")),
    StaffPage("search results", lambda w: reverse("patient_search"), then=_search),
    StaffPage("emergency access", lambda w: reverse("emergency_access")),
    StaffPage("patient", lambda w: reverse("patient_detail", args=[w.patient.pk])),
    StaffPage("new patient", lambda w: reverse("patient_create")),
    StaffPage("new patient, errors", lambda w: reverse("patient_create"), then=_submit_empty),
    StaffPage("edit patient", lambda w: reverse("patient_edit", args=[w.patient.pk])),
    StaffPage("new episode", lambda w: reverse("episode_create", args=[w.patient.pk])),
    StaffPage("episode", lambda w: reverse("episode_detail", args=[w.episode.pk])),
    StaffPage("edit episode", lambda w: reverse("episode_edit", args=[w.episode.pk])),
    StaffPage("discharge episode", lambda w: reverse("episode_discharge", args=[w.episode.pk])),
    StaffPage(
        "discharge episode, errors",
        lambda w: reverse("episode_discharge", args=[w.episode.pk]),
        then=_submit_empty,
    ),
    StaffPage("assessment", lambda w: reverse("assessment_create", args=[w.episode.pk])),
    StaffPage(
        "assessment, errors",
        lambda w: reverse("assessment_create", args=[w.episode.pk]),
        then=_submit_empty,
    ),
    StaffPage("decision", lambda w: reverse("decision_detail", args=[w.decision.pk])),
    StaffPage("decision re-run", lambda w: reverse("decision_rerun", args=[w.decision.pk])),
    StaffPage("consent form", lambda w: reverse("consent_create", args=[w.consented.pk])),
    StaffPage(
        "consent form, errors",
        lambda w: reverse("consent_create", args=[w.consented.pk]),
        then=_submit_empty,
    ),
    StaffPage("consent", lambda w: reverse("consent_detail", args=[w.consent.pk])),
    StaffPage("declined consent", lambda w: reverse("consent_detail", args=[w.declined.pk])),
    StaffPage("checklist, before sign in", lambda w: checklist(w.before_sign_in)),
    StaffPage("checklist, contradiction", lambda w: checklist(w.contradicted)),
    StaffPage("checklist, after sign in", lambda w: checklist(w.consented), then=_sign_in),
    StaffPage(
        "checklist, after time out", lambda w: checklist(w.consented), then=_sign_in_and_time_out
    ),
    # After "checklist, after time out", so today's sign in and time out are complete.
    StaffPage("procedure form", lambda w: reverse("procedure_create", args=[w.consented.pk])),
    StaffPage(
        "procedure form, errors",
        lambda w: reverse("procedure_create", args=[w.consented.pk]),
        then=_submit_empty,
    ),
    # The three checklist phases and an amended discharge.
    StaffPage("procedure", lambda w: reverse("procedure_detail", args=[w.procedure.pk])),
    StaffPage("discharge", lambda w: reverse("procedure_discharge", args=[w.procedure.pk])),
    StaffPage(
        "patient information for a plan",
        lambda w: reverse("plan_information", args=[w.consent.pk]),
    ),
    StaffPage("aftercare leaflet", lambda w: reverse("aftercare_leaflet", args=[w.procedure.pk])),
    StaffPage(
        "new rehabilitation programme",
        lambda w: reverse("programme_new", args=[w.procedure.episode.pk]),
        user="physiotherapist-a",
    ),
    StaffPage(
        "rehabilitation programme",
        lambda w: reverse("programme_detail", args=[programme(w).pk]),
        user="physiotherapist-a",
    ),
    StaffPage(
        "change rehabilitation programme",
        lambda w: reverse("programme_edit", args=[programme(w).pk]),
        user="physiotherapist-a",
    ),
    StaffPage("printable programme", lambda w: reverse("programme_print", args=[programme(w).pk])),
    StaffPage(
        "programme adherence", lambda w: reverse("programme_adherence", args=[programme(w).pk])
    ),
    StaffPage(
        "baseline questionnaires",
        lambda w: reverse("baseline_questionnaires", args=[w.consented.pk]),
        user="physiotherapist-a",
    ),
    StaffPage("urgent referral form", lambda w: reverse("onward_record", args=[w.urgent.pk])),
    StaffPage(
        "urgent referral form, errors",
        lambda w: reverse("onward_record", args=[w.urgent.pk]),
        then=_submit_empty,
    ),
    StaffPage(
        "not suitable plan form", lambda w: reverse("onward_record", args=[w.not_suitable.pk])
    ),
    StaffPage("referral result form", lambda w: reverse("onward_result", args=[w.referral.pk])),
    StaffPage("episode, urgent referral made", lambda w: episode(w.referral.episode)),
    StaffPage("follow-up worklist", lambda w: follow_up_worklist(w.procedure)),
    StaffPage("follow-up answers", lambda w: follow_up_answers(w.procedure)),
    StaffPage(
        "follow-up answers, errors", lambda w: follow_up_answers(w.procedure), then=_submit_empty
    ),
    StaffPage("audit log", lambda w: reverse("audit_log"), user="admin-a"),
    StaffPage(
        "restrict or erase",
        lambda w: reverse("patient_rights", args=[w.patient.pk]),
        user="admin-a",
    ),
    StaffPage("restricted records", lambda w: reverse("restricted_records"), user="admin-a"),
    StaffPage("FHIR bulk export", lambda w: reverse("fhir_exports"), user="admin-a"),
    StaffPage("follow-up messages", lambda w: reverse("followup_messages")),
    StaffPage("outcomes dashboard", lambda w: reverse("outcomes")),
    StaffPage("outcomes, analyst", lambda w: reverse("outcomes"), user="analyst-a"),
    StaffPage("references", lambda w: reverse("references")),
    StaffPage("injection lists", lambda w: reverse("sessions"), user="admin-a"),
    StaffPage("new injection list", lambda w: reverse("session_new"), user="admin-a"),
    StaffPage(
        "new injection list, errors",
        lambda w: reverse("session_new"),
        user="admin-a",
        then=_submit_empty,
    ),
    StaffPage(
        "injection list",
        lambda w: reverse("session_detail", args=[booked_session(w).pk]),
        user="admin-a",
    ),
    StaffPage("day list", lambda w: reverse("day_list", args=[booked_session(w).pk])),
    StaffPage("waiting list", lambda w: reverse("waiting_list")),
    StaffPage("change password", lambda w: reverse("password_change")),
    StaffPage("rule sets", lambda w: reverse("rulesets")),
    StaffPage("propose a rule-set version", lambda w: reverse("ruleset_propose")),
    StaffPage(
        "propose a rule-set version, preview",
        lambda w: reverse("ruleset_propose"),
        then=_preview_ruleset,
    ),
    StaffPage("clinical leads", lambda w: reverse("clinical_leads"), user="admin-a"),
]


def demo_password() -> str:
    return str(settings.SPINEPATH_DEMO_PASSWORD)


PAGES_BY_NAME = {entry.name: entry for entry in PAGES}
