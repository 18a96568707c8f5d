"""The aftercare leaflet is given when a procedure is recorded (the hook), and the patient's
aftercare page (``/f/aftercare``, in their follow-up session) shows it, the plan still ahead and
today's exercises, and logs a session through the programme workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.models import AdherenceLog, LeafletGiven, Programme
from spinepath.aftercare.programmes import programme_create
from spinepath.clinical.aftercare import AFTERCARE_VERSION
from spinepath.followup import links, patient_session
from spinepath.followup.models import TimePoint
from spinepath.followup.tests.factories import make_time_point
from spinepath.patients.models import TimelineEvent
from spinepath.procedures.procedure import ProcedureRefused
from spinepath.testing import ready_for_procedure, record_procedure

pytestmark = pytest.mark.django_db

DOB = {"dob_day": "17", "dob_month": "5", "dob_year": "1970"}


def treated(episode: Any, clinician: Any, **fields: Any) -> Any:
    ready_for_procedure(episode, clinician)
    return record_procedure(episode, clinician, **fields)


def signed_in(client: Client, point: TimePoint) -> Client:
    """A patient's browser past the date-of-birth check of a link to ``point``."""
    token = links.issue_link(point).rsplit("/", 1)[1]
    assert client.get(f"/f/{token}").status_code == 302
    response = client.post(reverse("followup_patient_dob"), DOB)
    assert response.status_code == 302
    return client


def with_programme(record: Any, physio: Any) -> Programme:
    return programme_create(
        None,
        episode=record.episode,
        by=physio,
        injection_date=timezone.localdate(record.performed_at),
        start_back_risk="",
    )


# --- The hook ---------------------------------------------------------------------------------


def test_recording_a_procedure_gives_the_aftercare_leaflet_at_the_procedures_moment(
    episode_a: Any, clinician_a: Any
) -> None:
    ready_for_procedure(episode_a, clinician_a)
    at = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    record = record_procedure(episode_a, clinician_a, at=at)
    given = LeafletGiven.objects.get()
    assert (given.procedure, given.kind, given.version) == (record, "aftercare", AFTERCARE_VERSION)
    assert given.given_at == at == record.created_at
    entry = episode_a.timeline.get(summary__startswith="Aftercare leaflet given")
    assert entry.at == at and entry.kind == TimelineEvent.Kind.AFTERCARE
    assert entry.detail == {"procedure": record.pk, "leaflet": given.pk, "version": given.version}
    assert AuditEvent.objects.filter(model="aftercare.LeafletGiven", at=at).count() == 1


def test_a_refused_procedure_gives_no_leaflet(episode_a: Any, clinician_a: Any) -> None:
    # Not consented or checked: the workflow refuses, and its hooks never run.
    with pytest.raises(ProcedureRefused):
        record_procedure(episode_a, clinician_a)
    assert not LeafletGiven.objects.exists()
    assert not episode_a.timeline.filter(summary__startswith="Aftercare leaflet").exists()


# --- The patient's page -----------------------------------------------------------------------


def test_the_page_needs_the_date_of_birth_checked_first(episode_a: Any, clinician_a: Any) -> None:
    record = treated(episode_a, clinician_a)
    client = Client()
    assert client.get(reverse("patient_aftercare")).status_code == 403  # no session at all
    token = links.issue_link(TimePoint.objects.filter(procedure=record).first()).rsplit("/", 1)[1]
    client.get(f"/f/{token}")
    response = client.get(reverse("patient_aftercare"))
    assert response.status_code == 302 and response["Location"] == reverse("followup_patient_dob")
    assert client.post(reverse("patient_aftercare_log"), {"exercise": "x"}).status_code == 302
    assert not AdherenceLog.objects.exists()


def test_the_patient_sees_aftercare_the_card_the_contact_and_todays_exercises(
    episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    record = treated(episode_a, clinician_a)
    programme = with_programme(record, physio_a)
    client = signed_in(Client(), TimePoint.objects.filter(procedure=record).first())
    response = client.get(reverse("patient_aftercare"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "After your injection" in text and "Warning signs" in text
    assert response.context["leaflet"].cauda_equina.title in text
    assert "0113 496 0001" in text  # the clinic's phone, from its settings
    assert "Today&#x27;s exercises" in text or "Today's exercises" in text
    today = programme.items_for_phase(programme.phase_on(timezone.localdate()))
    assert today and all(item.exercise.name in text for item in today)
    assert "Your next procedure" not in text  # nothing planned beyond the one done
    assert AuditEvent.objects.filter(
        channel=AuditEvent.Channel.PATIENT, action="read", model="patients.Episode"
    ).exists()


def test_a_planned_procedure_shows_its_personalised_information(
    episode_a: Any, clinician_a: Any
) -> None:
    ready_for_procedure(episode_a, clinician_a)  # consented, not yet done
    client = signed_in(Client(), make_time_point(episode_a.patient.clinic, episode=episode_a))
    response = client.get(reverse("patient_aftercare"))
    text = response.content.decode()
    assert "Your next procedure" in text and "After your injection" not in text
    pdf = client.get(reverse("patient_plan_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("patient_aftercare_pdf")).status_code == 302  # nothing given yet


def test_the_aftercare_pdf_downloads_and_is_audited(episode_a: Any, clinician_a: Any) -> None:
    record = treated(episode_a, clinician_a)
    client = signed_in(Client(), TimePoint.objects.filter(procedure=record).first())
    pdf = client.get(reverse("patient_aftercare_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="export", channel=AuditEvent.Channel.PATIENT, model="procedures.ProcedureRecord"
    ).exists()


def test_the_patient_logs_a_session_through_the_programme_workflow(
    episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    record = treated(episode_a, clinician_a)
    programme = with_programme(record, physio_a)
    code = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0].exercise_code
    client = signed_in(Client(), TimePoint.objects.filter(procedure=record).first())
    response = client.post(
        reverse("patient_aftercare_log"), {"exercise": code, "done": "yes", "pain": "3"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patient_aftercare") + f"#exercise-{code}"
    log = AdherenceLog.objects.get()
    assert (log.exercise_code, log.done, log.pain_during, log.source) == (code, True, 3, "patient")
    assert log.on == timezone.localdate()
    page = client.get(response["Location"]).content.decode()
    assert "Saved:" in page and "pain 3 out of 10" in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"done": "yes", "pain": "11"}, "Select a number from 0 to 10"),
        ({"done": "no", "pain": "4"}, "Leave the pain score out"),
        ({"pain": "2"}, "Select yes if you did this exercise"),
        ({"exercise": "swimming", "done": "yes"}, "Choose an exercise from today"),
    ],
)
def test_a_bad_log_is_named_and_nothing_is_written(
    episode_a: Any, clinician_a: Any, physio_a: Any, posted: dict[str, str], message: str
) -> None:
    record = treated(episode_a, clinician_a)
    programme = with_programme(record, physio_a)
    code = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0].exercise_code
    client = signed_in(Client(), TimePoint.objects.filter(procedure=record).first())
    response = client.post(reverse("patient_aftercare_log"), {"exercise": code, **posted})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in response.content.decode()
    assert not AdherenceLog.objects.exists()


def test_an_expired_link_session_shows_nothing(episode_a: Any, clinician_a: Any) -> None:
    record = treated(episode_a, clinician_a)
    point = TimePoint.objects.filter(procedure=record).first()
    client = signed_in(Client(), point)
    point.links.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("patient_aftercare"))
    assert response.status_code == 404
    assert "After your injection" not in response.content.decode()


def test_a_tampered_session_cookie_opens_nothing_and_writes_nothing(
    episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    record = treated(episode_a, clinician_a)
    programme = with_programme(record, physio_a)
    code = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0].exercise_code
    client = signed_in(Client(), TimePoint.objects.filter(procedure=record).first())
    cookie = client.cookies[patient_session.COOKIE]
    cookie.set(cookie.key, cookie.value[:-2] + "xx", cookie.value[:-2] + "xx")
    response = client.post(reverse("patient_aftercare_log"), {"exercise": code, "done": "yes"})
    assert response.status_code == 403
    assert client.get(reverse("patient_aftercare")).status_code == 403
    assert not AdherenceLog.objects.exists()


def test_a_log_sent_twice_is_kept_once_and_the_patient_is_told(
    episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    """A double tap or a resend after a lost connection: the second copy stores nothing and the
    patient, who has no staff page to check, reads that the first one was kept."""
    import re

    from spinepath.accounts.idempotency import ALREADY_RECORDED
    from spinepath.lib.submission import FIELD

    record = treated(episode_a, clinician_a)
    programme = with_programme(record, physio_a)
    code = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0].exercise_code
    client = signed_in(Client(), TimePoint.objects.filter(procedure=record).first())
    form = client.get(reverse("patient_aftercare")).content.decode()
    token = re.search(rf'name="{FIELD}" value="([^"]+)"', form)
    assert token is not None
    sent = {"exercise": code, "done": "yes", "pain": "3", FIELD: token.group(1)}

    first = client.post(reverse("patient_aftercare_log"), sent, follow=True).content.decode()
    assert ALREADY_RECORDED not in first
    again = client.post(reverse("patient_aftercare_log"), sent, follow=True).content.decode()
    assert ALREADY_RECORDED in again
    assert AdherenceLog.objects.count() == 1
