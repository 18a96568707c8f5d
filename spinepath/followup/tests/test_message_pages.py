"""Staff see every message and failure of their own clinic, and send a new link from the
worklist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from spinepath.followup import links, sending
from spinepath.followup.models import MessageLog
from spinepath.followup.tests.factories import make_time_point
from spinepath.testing import audit_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_yesterday(clinic_a: Any) -> Any:
    return make_time_point(clinic_a, due_on=timezone.localdate() - timedelta(days=1))


def test_the_message_page_shows_sends_and_failures_of_the_clinic_only(
    client, smtp, due_yesterday, clinician_a, clinician_b, clinic_b
):
    other = make_time_point(
        clinic_b, due_on=due_yesterday.due_on, given_name="Brian", nhs_number="4010232137"
    )
    smtp.mailbox.refuse_next(1)  # the first message planned (Mary's, created first) fails
    sending.send_due()
    mine = MessageLog.objects.get(time_point=due_yesterday)
    assert mine.status == "failed"
    assert MessageLog.objects.get(time_point=other).status == "sent"
    client.force_login(clinician_a)
    page = client.get("/follow-up/messages/")
    text = page.content.decode()
    assert page.status_code == 200 and "Mary Jones" in text and "Brian" not in text
    assert "Invitation" in text and "Failed 1 time; trying again" in text and "451" in text
    assert "mary.jones" not in text
    assert "Mary Jones" in client.get("/follow-up/messages/?status=failed").content.decode()
    assert "Mary Jones" not in client.get("/follow-up/messages/?status=sent").content.decode()
    assert audit_events(action="list", model="followup.TimePoint")


def test_staff_send_a_new_link_from_the_worklist(client, smtp, due_yesterday, clinician_a):
    sending.send_due()
    old = links.live_links(due_yesterday)[0]
    client.force_login(clinician_a)
    worklist = client.get("/follow-up/")
    assert b"Send a new link" in worklist.content
    response = client.post(
        f"/follow-up/time-points/{due_yesterday.pk}/resend/", {"next": "/follow-up/"}
    )
    assert response.status_code == 302 and response["Location"] == "/follow-up/"
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert MessageLog.objects.filter(time_point=due_yesterday, kind="resend").exists()
    page = client.get("/follow-up/")
    assert b"A new link for the 2 weeks questionnaire is on its way by email" in page.content


def test_resend_is_refused_to_analysts_and_other_clinics(
    client, due_yesterday, analyst_a, clinician_b
):
    url = f"/follow-up/time-points/{due_yesterday.pk}/resend/"
    client.force_login(analyst_a)
    assert client.post(url).status_code == 403
    client.force_login(clinician_b)
    assert client.post(url).status_code == 404
    assert client.get("/follow-up/messages/").status_code == 200
    assert not MessageLog.objects.exists()


def test_a_resend_with_no_address_on_file_says_so(client, clinic_a, clinician_a):
    point = make_time_point(clinic_a, email="", due_on=timezone.localdate())
    client.force_login(clinician_a)
    page = client.post(f"/follow-up/time-points/{point.pk}/resend/", follow=True)
    assert b"there is no email address" in page.content
    assert not MessageLog.objects.exists()
