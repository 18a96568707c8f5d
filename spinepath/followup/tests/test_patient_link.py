"""A patient's link, refused in every way it should be, and answered once.

Each refusal is checked for what it writes: nothing (no answer, no completion, no change to the
time point), and the same page and status whatever the reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from spinepath.followup import links, patient_session
from spinepath.followup.models import FollowUpAnswer, FollowUpLink, TimePoint
from spinepath.followup.tests.factories import make_time_point

pytestmark = pytest.mark.django_db

DOB = {"dob_day": "17", "dob_month": "5", "dob_year": "1970"}
WRONG_DOB = {"dob_day": "18", "dob_month": "5", "dob_year": "1970"}


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def path_of(url: str) -> str:
    return "/f/" + token_of(url)


def nothing_written(time_point: TimePoint) -> None:
    time_point.refresh_from_db()
    assert time_point.completed_at is None
    assert time_point.scores == {}
    assert not FollowUpAnswer.objects.filter(time_point=time_point).exists()


def answer_everything(client: Client) -> Any:
    client.post("/f/questions/1", {"score": "3"})
    client.post("/f/questions/2", {"score": "2"})
    client.post("/f/questions/3", {"score": "2"})
    return client.post("/f/check")


def refused(response: Any) -> bool:
    return response.status_code == 404 and b"This link cannot be used" in response.content


@pytest.fixture
def time_point(clinic_a: Any) -> TimePoint:
    return make_time_point(clinic_a)


def test_the_token_is_256_random_bits_and_only_its_hash_is_stored(time_point):
    url = links.issue_link(time_point)
    token = token_of(url)
    assert url.startswith("http://") and "/f/" in url and len(token) == 43
    link = FollowUpLink.objects.get(time_point=time_point)
    assert link.token_hash == links.token_hash(token) and token not in link.token_hash
    # The address is the site, /f/ and the token: nothing else that could name anyone.
    assert url == f"http://127.0.0.1:8000/f/{token}"
    assert links.issue_link(time_point) != url


def test_the_link_is_exchanged_for_a_session_and_the_address_loses_the_token(client, time_point):
    url = links.issue_link(time_point)
    response = client.get(path_of(url))
    assert response.status_code == 302 and response["Location"] == "/f/date-of-birth"
    cookie = response.cookies[patient_session.COOKIE]
    assert cookie["path"] == "/f/" and cookie["httponly"] and token_of(url) not in cookie.value
    page = client.get("/f/date-of-birth")
    assert page.status_code == 200
    for name in ("dob_day", "dob_month", "dob_year"):
        assert f'name="{name}"'.encode() in page.content
    assert b"Clinic A" in page.content and b"Mary" not in page.content


def test_a_patient_answers_submits_and_sees_their_answers_read_only(client, time_point):
    client.get(path_of(links.issue_link(time_point)))
    response = client.post("/f/date-of-birth", DOB)
    assert response.status_code == 302 and response["Location"] == "/f/questions/1"
    assert client.post("/f/questions/1", {"score": "3"})["Location"] == "/f/questions/2"
    # Saved as the patient goes, before anything is submitted.
    assert FollowUpAnswer.objects.get(time_point=time_point, instrument="nrs_leg").value == 3
    client.post("/f/questions/2", {"score": "2"})
    assert client.post("/f/questions/3", {"score": "2"})["Location"] == "/f/check"
    check = client.get("/f/check")
    assert b"Check your answers" in check.content and b"Much improved" in check.content
    assert client.post("/f/check")["Location"] == "/f/done"
    time_point.refresh_from_db()
    assert time_point.completed_at is not None and not time_point.late
    assert time_point.scores == {"nrs_leg": 3, "nrs_back": 2, "pgic": 2}
    done = client.get("/f/done")
    assert b"your answers have been sent" in done.content and b"Much improved" in done.content
    assert b"<form" not in done.content


def test_unknown_tampered_expired_revoked_and_used_tokens_get_the_same_answer(
    client, time_point, clinic_a
):
    url = links.issue_link(time_point)
    token = token_of(url)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    expired_tp = make_time_point(
        clinic_a, due_on=timezone.localdate() - timedelta(days=40), nhs_number="9990000018"
    )
    expired = token_of(links.issue_link(expired_tp))
    answers = []
    for candidate in (links.new_token(), tampered, "short", token + "x", expired):
        answers.append(client.get(f"/f/{candidate}"))
    assert all(refused(r) for r in answers)
    assert len({r.content for r in answers}) == 1
    nothing_written(time_point)
    nothing_written(expired_tp)
    # After submitting, the same link is refused in the same way and writes nothing more.
    client.get(f"/f/{token}")
    client.post("/f/date-of-birth", DOB)
    answer_everything(client)
    time_point.refresh_from_db()
    completed = time_point.completed_at
    fresh = Client()
    again = fresh.get(f"/f/{token}")
    assert refused(again) and again.content == answers[0].content
    # ... and the old session posting again stores nothing new.
    client.post("/f/questions/1", {"score": "9"})
    client.post("/f/check")
    time_point.refresh_from_db()
    assert time_point.completed_at == completed
    assert FollowUpAnswer.objects.get(time_point=time_point, instrument="nrs_leg").value == 3


def test_a_link_expires_at_the_end_of_due_plus_21_days(time_point):
    token = token_of(links.issue_link(time_point))
    closes = links.window_closes(time_point)
    last_day = time_point.due_on + timedelta(days=21)
    assert timezone.localtime(closes - timedelta(seconds=1)).date() == last_day
    assert links.find_usable(token, at=closes - timedelta(seconds=1)) is not None
    assert links.find_usable(token, at=closes) is None


def test_five_wrong_dates_of_birth_lock_every_live_link_and_staff_can_see_it(client, time_point):
    first = links.issue_link(time_point)
    second = links.issue_link(time_point)  # a reminder's link to the same time point
    client.get(path_of(first))
    for tries_left in (4, 3):
        page = client.post("/f/date-of-birth", WRONG_DOB)
        assert page.status_code == 200
        assert f"You have {tries_left} tries left".encode() in page.content
    other = Client()
    other.get(path_of(second))
    other.post("/f/date-of-birth", WRONG_DOB)
    other.post("/f/date-of-birth", WRONG_DOB)
    last = other.post("/f/date-of-birth", WRONG_DOB)
    assert last.status_code == 403 and b"This link is now locked" in last.content
    assert links.is_locked(time_point)
    assert FollowUpLink.objects.filter(time_point=time_point, locked_at__isnull=False).count() == 2
    # The right date of birth no longer opens anything, through either link or session.
    assert refused(client.post("/f/date-of-birth", DOB))
    assert refused(Client().get(path_of(second)))
    nothing_written(time_point)


def test_a_date_that_is_not_real_asks_again_without_counting_a_try(client, time_point):
    client.get(path_of(links.issue_link(time_point)))
    for data, message in (
        ({}, b"Enter your date of birth"),
        ({"dob_day": "17", "dob_year": "1970"}, b"Date of birth must include a month"),
        ({"dob_day": "31", "dob_month": "2", "dob_year": "1970"}, b"must be a real date"),
        ({"dob_day": "1", "dob_month": "2", "dob_year": "70"}, b"Year must include 4 numbers"),
        ({"dob_day": "1", "dob_month": "2", "dob_year": "2999"}, b"must be in the past"),
    ):
        page = client.post("/f/date-of-birth", data)
        assert page.status_code == 200 and message in page.content, message
        assert b"There is a problem" in page.content
    assert FollowUpLink.objects.get(time_point=time_point).failed_dob_tries == 0


def test_pages_without_a_session_or_before_the_date_of_birth_show_nothing(client, time_point):
    for path in ("/f/date-of-birth", "/f/questions/1", "/f/check", "/f/done"):
        assert client.get(path).status_code == 403
    client.get(path_of(links.issue_link(time_point)))
    for path in ("/f/questions/1", "/f/check", "/f/done"):
        assert client.get(path)["Location"] == "/f/date-of-birth"
    assert client.post("/f/questions/1", {"score": "3"})["Location"] == "/f/date-of-birth"
    nothing_written(time_point)


def test_a_forged_or_altered_session_cookie_is_refused(client, time_point, clinic_a):
    client.get(path_of(links.issue_link(time_point)))
    client.post("/f/date-of-birth", DOB)
    signed = client.cookies[patient_session.COOKIE].value
    key = signed.split(":")[0]
    forged = Client()
    forged.cookies[patient_session.COOKIE] = key  # the key without its signature
    assert forged.get("/f/questions/1").status_code == 403
    forged.cookies[patient_session.COOKIE] = signed[:-2] + "xx"
    assert forged.post("/f/questions/1", {"score": "1"}).status_code == 403
    nothing_written(time_point)


def test_a_session_answers_only_its_own_time_point(client, time_point, clinic_a):
    other = make_time_point(clinic_a, label="6w", episode=time_point.episode)
    client.get(path_of(links.issue_link(time_point)))
    client.post("/f/date-of-birth", DOB)
    answer_everything(client)
    nothing_written(other)
    # Opening the other time point's link starts a new session that must check the date of
    # birth again before it shows or stores anything.
    client.get(path_of(links.issue_link(other)))
    assert client.post("/f/questions/1", {"score": "5"})["Location"] == "/f/date-of-birth"
    nothing_written(other)


def test_answers_after_the_on_time_window_are_accepted_and_marked_late(client, clinic_a):
    late = make_time_point(clinic_a, due_on=timezone.localdate() - timedelta(days=10))
    client.get(path_of(links.issue_link(late)))
    client.post("/f/date-of-birth", DOB)
    answer_everything(client)
    late.refresh_from_db()
    assert late.completed_at is not None and late.late


def test_a_missing_answer_asks_again_and_saves_nothing(client, time_point):
    client.get(path_of(links.issue_link(time_point)))
    client.post("/f/date-of-birth", DOB)
    page = client.post("/f/questions/1", {})
    assert page.status_code == 200 and b"Select a number from 0 to 10" in page.content
    assert client.post("/f/questions/1", {"score": "11"}).status_code == 200
    nothing_written(time_point)


def test_a_pain_diary_point_asks_about_pain_now_and_closes_after_a_day(client, clinic_a):
    block = timezone.now() - timedelta(hours=2)
    diary = make_time_point(
        clinic_a,
        label="diary",
        due_on=timezone.localdate(block),
        due_at=block + timedelta(minutes=60),
        instruments=["nrs_back"],
    )
    token = token_of(links.issue_link(diary))
    client.get(f"/f/{token}")
    client.post("/f/date-of-birth", DOB)
    page = client.get("/f/questions/1")
    assert b"How bad is your back pain right now?" in page.content
    assert b"last week" not in page.content
    assert client.post("/f/questions/1", {"score": "1"})["Location"] == "/f/check"
    assert client.post("/f/check")["Location"] == "/f/done"
    diary.refresh_from_db()
    assert diary.scores == {"nrs_back": 1} and diary.late  # answered an hour after its minute
    later = make_time_point(
        clinic_a,
        label="diary",
        due_on=timezone.localdate(block),
        due_at=block + timedelta(minutes=120),
        instruments=["nrs_back"],
        episode=diary.episode,
    )
    closes = links.window_closes(later)
    assert closes == later.due_at + timedelta(hours=24)
    assert links.find_usable(token_of(links.issue_link(later)), at=closes) is None


def test_licensed_wording_is_shown_once_loaded(client, time_point):
    from spinepath.questionnaires.models import LicensedWording

    time_point.instruments = ["odi"]
    time_point.save()
    client.get(path_of(links.issue_link(time_point)))
    client.post("/f/date-of-birth", DOB)
    assert b"stand-in wording" in client.get("/f/questions/1").content
    LicensedWording.objects.create(
        instrument="odi",
        wording={
            f"s{n}": {"text": f"Clinic wording {n}", "options": [f"Choice {v}" for v in range(6)]}
            for n in range(1, 11)
        },
        source_name="odi.json",
    )
    page = client.get("/f/questions/1").content
    assert b"stand-in wording" not in page and b"Clinic wording 3" in page and b"Choice 5" in page


def test_answers_taken_by_phone_meanwhile_close_the_link_without_counting_a_try(client, time_point):
    client.get(path_of(links.issue_link(time_point)))
    TimePoint.objects.filter(pk=time_point.pk).update(completed_at=timezone.now())
    assert refused(client.post("/f/date-of-birth", WRONG_DOB))
    link = FollowUpLink.objects.get(time_point=time_point)
    assert link.failed_dob_tries == 0 and link.locked_at is None
