"""Two submissions of one questionnaire at the same moment (a double tap, two tabs, a retry):
one response is stored. Threads with their own database connections, as two web workers;
run on PostgreSQL too with ``DATABASE_URL=postgres://…``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from spinepath.followup import answering, links
from spinepath.followup.models import FollowUpAnswer, TimePoint
from spinepath.followup.patient_views import definitions
from spinepath.followup.tests.factories import make_time_point
from spinepath.patients.models import TimelineEvent
from spinepath.procedures.tests.test_concurrent_recording import in_threads, worker_database

pytestmark = pytest.mark.django_db(transaction=True)

DOB = {"dob_day": "17", "dob_month": "5", "dob_year": "1970"}


def stored(database: dict[str, Any] | None, time_point: TimePoint) -> dict[str, Any]:
    def read(_: int) -> dict[str, Any]:
        point = TimePoint.objects.get(pk=time_point.pk)
        return {
            "completed_at": point.completed_at,
            "scores": point.scores,
            "answers": list(
                FollowUpAnswer.objects.filter(time_point=time_point).values_list(
                    "instrument", "item", "value"
                )
            ),
            "timeline": TimelineEvent.objects.filter(
                episode_id=time_point.episode_id, kind="follow_up"
            ).count(),
        }

    result = in_threads(database, read, n=1)[0]
    assert not isinstance(result, Exception), result
    return result


def patient_ready_to_send(time_point: TimePoint) -> Client:
    client = Client()
    client.get("/f/" + links.issue_link(time_point).rsplit("/", 1)[1])
    client.post("/f/date-of-birth", DOB)
    client.post("/f/questions/1", {"score": "3"})
    client.post("/f/questions/2", {"score": "2"})
    return client


def test_two_sends_at_once_store_one_response(tmp_path, clinic_a):
    time_point = make_time_point(clinic_a)
    client = patient_ready_to_send(time_point)
    cookies = client.cookies

    def send(i: int) -> Any:
        tab = Client()
        tab.cookies = cookies
        # Each tab posts the last screen (a different answer) and then sends.
        tab.post("/f/questions/3", {"score": str(1 + i % 2)})
        return tab.post("/f/check")

    with worker_database(tmp_path) as database:
        responses = in_threads(database, send, n=4)
        after = stored(database, time_point)

    assert all(getattr(r, "status_code", r) == 302 for r in responses), responses
    assert all(r["Location"] == "/f/done" for r in responses)
    assert after["completed_at"] is not None and after["timeline"] == 1
    # One answer per question, and the score stored is the answer stored.
    assert sorted(after["answers"])[:2] == [("nrs_back", "score", 2), ("nrs_leg", "score", 3)]
    pgic = [value for instrument, _, value in after["answers"] if instrument == "pgic"]
    assert len(after["answers"]) == 3 and after["scores"]["pgic"] == pgic[0]


def test_simultaneous_submits_past_every_page_check_complete_once(tmp_path, clinic_a):
    """The race the pages cannot see: each submit has already found the questionnaire open when
    it starts. The check inside the patient's lock lets exactly one complete it."""
    time_point = make_time_point(clinic_a)
    patient_ready_to_send(time_point).post("/f/questions/3", {"score": "2"})
    link = time_point.links.get()

    def submit(_: int) -> Any:
        fresh = type(link).objects.select_related("time_point__episode").get(pk=link.pk)
        return answering.submit(fresh, definitions(fresh.time_point))

    with worker_database(tmp_path) as database:
        results = in_threads(database, submit, n=4)
        after = stored(database, time_point)

    completed = [r for r in results if isinstance(r, TimePoint)]
    refused = [r for r in results if isinstance(r, answering.AlreadySubmitted)]
    assert len(completed) == 1 and len(refused) == 3, results
    assert after["timeline"] == 1 and after["completed_at"] == completed[0].completed_at
