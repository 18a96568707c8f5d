"""Every staff page, in one list, over a demo world where each page has realistic content.

The browser sweeps (``test_browser_every_page.py``) load each entry at phone, tablet and desktop
widths. A new page is one more ``StaffPage`` line in ``PAGES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    procedure: Any  # the procedure record with a steroid and the most to show


def build_world() -> World:
    """Build the demo (the same steps as ``seed_demo``) and pick the records to open."""
    from spinepath.assessment.models import Decision
    from spinepath.demo.seed import build_demo
    from spinepath.patients.models import Episode, Patient
    from spinepath.procedures.models import Consent, ProcedureRecord

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
    return World(
        patient=patient,
        episode=episode,
        consented=consented,
        decision=decision,
        consent=consents.filter(status=Consent.Status.ACTIVE, withdrawn_at=None).first(),
        declined=consents.exclude(status=Consent.Status.ACTIVE).first(),
        procedure=procedures.first(),
    )


def _submit_empty(page: Any) -> None:
    """Send the page's main form as it stands, to show the error summary and field errors."""
    page.locator("main form[method=post] [type=submit]").last.click()
    page.wait_for_load_state()


def _tick_every_checklist_item(page: Any) -> None:
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    for box in page.locator("form.checklist-form input[type=checkbox]").all():
        box.check()
    for number in page.locator("form.checklist-form input[type=number]").all():
        number.fill("6.1")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state()


def _search(page: Any) -> None:
    page.locator("main input[name=q]").fill("a")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()


@dataclass
class StaffPage:
    name: str
    url: Callable[[World], str]
    user: str | None = "clinician-a"  # None: opened signed out
    then: Callable[[Any], None] | None = None  # what a person does on the page before we look


PAGES: list[StaffPage] = [
    StaffPage("login", lambda w: reverse("login"), user=None),
    StaffPage("dashboard", lambda w: reverse("dashboard")),
    StaffPage("analyst overview", lambda w: reverse("dashboard"), user="analyst-a"),
    StaffPage("search", lambda w: reverse("patient_search")),
    StaffPage("search results", lambda w: reverse("patient_search"), then=_search),
    StaffPage("patient", lambda w: reverse("patient_detail", args=[w.patient.pk])),
    StaffPage("new patient", lambda w: reverse("patient_create")),
    StaffPage("new patient, errors", lambda w: reverse("patient_create"), then=_submit_empty),
    StaffPage("edit patient", lambda w: reverse("patient_edit", args=[w.patient.pk])),
    StaffPage("new episode", lambda w: reverse("episode_create", args=[w.patient.pk])),
    StaffPage("episode", lambda w: reverse("episode_detail", args=[w.episode.pk])),
    StaffPage("edit episode", lambda w: reverse("episode_edit", args=[w.episode.pk])),
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
    StaffPage("checklist", lambda w: reverse("checklist_create", args=[w.consented.pk])),
    StaffPage(
        "checklist done",
        lambda w: reverse("checklist_create", args=[w.consented.pk]),
        then=_tick_every_checklist_item,
    ),
    # After "checklist done", so today's checklist is complete and the whole form shows.
    StaffPage("procedure form", lambda w: reverse("procedure_create", args=[w.consented.pk])),
    StaffPage(
        "procedure form, errors",
        lambda w: reverse("procedure_create", args=[w.consented.pk]),
        then=_submit_empty,
    ),
    StaffPage("procedure", lambda w: reverse("procedure_detail", args=[w.procedure.pk])),
    StaffPage("audit log", lambda w: reverse("audit_log"), user="admin-a"),
    # StaffPage("references", lambda w: reverse("references")),
    StaffPage("change password", lambda w: reverse("password_change")),
]


def demo_password() -> str:
    return str(settings.SPINEPATH_DEMO_PASSWORD)


PAGES_BY_NAME = {entry.name: entry for entry in PAGES}
