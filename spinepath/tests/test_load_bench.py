"""The load bench's pieces (``bench/load.py``) work: the reference views are mounted only by the
bench's settings, the seed step makes links a patient can submit through, the duplicate check
finds a duplicate, one POST in ten of B2 is a duplicate, and the soak's 70 users cover every role
of both clinics and every page of a patient's link, each request answering as the soak expects
(so the soak cannot drift onto login redirects or 404s unnoticed). No timing here: the bench
measures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from bench import load, reference_views
from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.followup import patient_session
from spinepath.followup.models import TimePoint
from spinepath.followup.tests.helpers import backdate, treated
from spinepath.patients.models import TimelineEvent
from spinepath.testing import make_episode, make_patient


def test_the_reference_views_are_mounted_by_the_bench_settings_only():
    with pytest.raises(Resolver404):
        resolve("/ref/f/check")
    with override_settings(ROOT_URLCONF="bench.reference_urls"):
        assert resolve("/ref/f/check").func is reference_views.submit
        page = reverse("ref_patient", args=["9b2f3c1e-0000-4000-8000-000000000001"])
        assert resolve(page).func is reference_views.patient_reads
        # The product's pages stay reachable there: the reads build links to them.
        assert reverse("episode_detail", args=["9b2f3c1e-0000-4000-8000-000000000001"])


@pytest.fixture
def treated_episode(clinic_a: Any, clinician_a: Any) -> Any:
    episode = make_episode(make_patient(clinic_a))
    backdate(treated(episode, clinician_a), days=1)
    return episode


def _client(cookie: str) -> Client:
    client = Client()
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    client.cookies[name]["path"] = patient_session.PATH
    return client


@pytest.mark.django_db
def test_the_seed_step_makes_links_each_submittable_once(treated_episode):
    cookies = load.make_links(3)
    assert len(set(cookies)) == 3
    points = TimePoint.objects.filter(label="diary", episode=treated_episode)
    assert points.count() == 3 and not points.filter(completed_at__isnull=False).exists()
    for cookie in cookies:
        client = _client(cookie)
        assert client.get("/f/check").status_code == 200  # verified session, answer saved
        response = client.post("/f/check")
        assert response.status_code == 302 and response["Location"] == "/f/done"
        again = client.post("/f/check")  # the duplicate: the same page again, nothing stored
        assert again.status_code == 302 and again["Location"] == "/f/done"
    assert points.filter(completed_at__isnull=False).count() == 3
    assert load.duplicates_stored() == {"timeline": 0, "audit": 0, "answers": 0}


@pytest.mark.django_db
def test_the_reference_submit_does_the_submission_once(treated_episode):
    (cookie,) = load.make_links(1)
    with override_settings(ROOT_URLCONF="bench.reference_urls"):
        client = _client(cookie)
        assert client.post("/ref/f/check").content == b"submitted"
        assert client.post("/ref/f/check").content == b"already submitted"
    point = TimePoint.objects.get(label="diary", episode=treated_episode)
    assert point.completed_at is not None and point.scores == {"nrs_leg": 3}
    assert load.duplicates_stored() == {"timeline": 0, "audit": 0, "answers": 0}


@pytest.mark.django_db
def test_the_duplicate_check_finds_a_time_point_completed_twice(treated_episode):
    (cookie,) = load.make_links(1)
    _client(cookie).post("/f/check")
    point = TimePoint.objects.get(label="diary", episode=treated_episode)
    assert load.duplicates_stored() == {"timeline": 0, "audit": 0, "answers": 0}
    point.episode.log(TimelineEvent.Kind.FOLLOW_UP, "again", detail={"time_point": point.pk})
    assert load.duplicates_stored()["timeline"] == 1
    audit.record(None, AuditEvent.Action.UPDATE, point, changed_fields=["completed_at"])
    assert load.duplicates_stored()["audit"] == 1
    later = timezone.now() + timedelta(hours=1)  # rows before ``since`` are not counted
    assert load.duplicates_stored(since=later) == {"timeline": 0, "audit": 0, "answers": 0}


def test_one_b2_post_in_ten_is_a_duplicate_and_each_link_is_sent():
    cookies = [f"spinepath_followup=c{n}" for n in range(90)]
    steps = load.submissions(cookies, "/f/check", "x" * 32, threads=2)
    sent = [s.cookie.split(";")[0] for s in steps]
    assert set(sent) == set(cookies)
    assert len(sent) - len(set(sent)) == len(steps) // load.DUPLICATE_EVERY
    # Half the duplicates follow their first POST at once (sent concurrently on two connections).
    adjacent = sum(1 for a, b in zip(steps, steps[1:], strict=False) if a.cookie == b.cookie)
    assert adjacent >= (len(sent) - len(set(sent))) // 2
    assert sum(s.loop for s in steps) == 2  # each thread's list ends in its loop
    assert all(len(s.line().split("\t")) == 6 for s in steps)


# --- The soak's users (bench/load.py's soak): every role, every patient-link page --------------


@pytest.fixture
def demo(db: Any) -> None:
    """A small demo, as the bench seeds it (both clinics, an account per role in each)."""
    from io import StringIO

    from django.core.management import call_command

    with override_settings(DEBUG=True):  # the demo is never seeded on a live system
        call_command("seed_demo", "--patients", "12", "--seed", "3", stdout=StringIO())


CSRF = "c" * 32  # Django accepts an unmasked secret as the form's token


@pytest.mark.django_db
def test_the_soak_mix_is_every_role_of_both_clinics_and_patients_on_new_links(demo):
    links = load.LinkSource()
    users = load.soak_users(CSRF, links)
    assert len(users) == 70 == sum(load.SOAK_MIX.values())
    assert {(u.role, u.account) for u in users if u.role != "patient"} == {
        (role, f"{role}-{clinic}")
        for role in ("clinician", "physiotherapist", "admin", "analyst")
        for clinic in "ab"
    }
    patients = [u for u in users if u.role == "patient"]
    assert len(patients) == 30 and links.issued == 0  # a link is issued when it is wanted
    # A staff user goes round their pages.
    staff = users[0]
    path = staff.path(CSRF)
    assert [next(path) for _ in range(2 * len(staff.visits))] == staff.visits * 2
    # A patient goes through every page of a new link, then starts on the next one.
    walk = patients[0].path(CSRF)
    first = [next(walk) for _ in range(8)]
    assert {resolve(v.path).url_name for v in first} == {
        "followup_patient_link",
        "followup_patient_dob",
        "followup_patient_question",
        "followup_patient_check",
        "followup_patient_done",
    }
    assert {v.method for v in first} == {"GET", "POST"}
    second = next(walk)
    assert second.kind == "patient opens link" and second.path != first[0].path
    # After an error the patient gives up on that link: the next request opens a new one.
    next(walk)
    patients[0].abandon = True
    third = next(walk)
    assert third.kind == "patient opens link" and third.path not in {first[0].path, second.path}
    assert links.issued == 3
    assert TimePoint.objects.filter(label="diary", links__isnull=False).distinct().count() == 3


@pytest.mark.django_db
def test_every_staff_request_of_the_soak_answers_as_expected_for_its_role(demo):
    users = load.soak_users(CSRF, load.LinkSource())
    accounts = {u.account: u for u in users if u.role != "patient"}
    assert len(accounts) == 8
    for account, user in accounts.items():
        client = Client(enforce_csrf_checks=True)
        for name, value in user.cookies.items():
            client.cookies[name] = value
        for visit in user.visits:
            response = client.generic(
                visit.method,
                visit.path,
                visit.body,
                content_type="application/x-www-form-urlencoded",
            )
            assert response.status_code == visit.expect, (account, visit, response.status_code)


@pytest.mark.django_db
def test_a_soak_patient_answers_through_a_fresh_link_page_by_page(demo):
    (link,) = load.issue_links(1)
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF
    visits = load.patient_visits(link, CSRF)
    for visit, following in zip(visits, [*visits[1:], None], strict=True):
        response = client.generic(
            visit.method, visit.path, visit.body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == visit.expect, (visit, response.status_code)
        if visit.expect == 302:  # the pages' own redirect is the soak's next request
            assert following is not None and response["Location"] == following.path
    point = TimePoint.objects.get(links__token_hash__isnull=False, label="diary")
    assert point.completed_at is not None and point.scores == {"nrs_leg": 4}


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 95) == 95
    assert load.percentile(values, 99) == 99
    assert load.percentile([7.0], 99) == 7
    assert load.percentile([], 50) == 0
