"""The patient's link pages ask the database a fixed number of questions however long the
patient's record grows (issue 17): the question page, the answer, the check page and the submit
cost the same for a first follow-up as for one after many answered and many links sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinepath.followup import links
from spinepath.followup.models import TimePoint
from spinepath.followup.responses import time_point_submit
from spinepath.followup.tests.factories import make_time_point
from spinepath.testing import make_episode, make_patient

pytestmark = pytest.mark.django_db

DOB = {"dob_day": "17", "dob_month": "5", "dob_year": "1970"}
ANSWERS = {"nrs_leg": {"score": 3}, "nrs_back": {"score": 2}, "pgic": {"score": 2}}


def _owed(clinic: Any, mrn: str, answered: int) -> TimePoint:
    """A time point owed by a patient who has already answered ``answered`` others (each with
    its own links, answers, timeline event and audit rows)."""
    episode = make_episode(make_patient(clinic, nhs_number="", mrn=mrn))
    today = timezone.localdate()
    for n in range(answered):
        earlier = make_time_point(clinic, episode=episode, due_on=today - timedelta(days=30 + n))
        links.issue_link(earlier)
        links.issue_link(earlier)
        time_point_submit(None, earlier, answers=ANSWERS)
    return make_time_point(clinic, episode=episode)


def _counts(point: TimePoint) -> dict[str, int]:
    """Queries of each step of answering ``point`` through a newly issued link."""
    client = Client()
    client.get("/f/" + links.issue_link(point).rsplit("/", 1)[1])
    assert client.post("/f/date-of-birth", DOB).status_code == 302
    steps = {
        "question page": lambda: client.get("/f/questions/1"),
        "answer": lambda: client.post("/f/questions/1", {"score": "3"}),
        "last answers": lambda: (
            client.post("/f/questions/2", {"score": "2"}),
            client.post("/f/questions/3", {"score": "2"}),
        )[-1],
        "check page": lambda: client.get("/f/check"),
        "submit": lambda: client.post("/f/check"),
        "thank-you page": lambda: client.get("/f/done"),
    }
    counts = {}
    for name, step in steps.items():
        with CaptureQueriesContext(connection) as queries:
            response = step()
        assert response.status_code in (200, 302), name
        counts[name] = len(queries)
    point.refresh_from_db()
    assert point.completed_at is not None
    return counts


def test_answering_through_a_link_asks_as_many_queries_for_a_long_record_as_for_a_new_one(
    clinic_a,
):
    _counts(_owed(clinic_a, "WARM", answered=1))  # caches filled before anything is counted
    short = _counts(_owed(clinic_a, "SHORT", answered=0))
    long = _counts(_owed(clinic_a, "LONG", answered=6))
    assert long == short
    # The neighbour: the submit does write (answers, completion, timeline, audit), so a step
    # that stopped writing would show here as far fewer queries than the page that reads.
    assert short["submit"] > short["thank-you page"]
