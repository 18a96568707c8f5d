"""The sender, against a real SMTP server on the loopback address, with time as a parameter.

Each test moves ``at`` through a time point's days and reads what actually arrived.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from spinepath.followup import links, sending
from spinepath.followup.models import FollowUpLink, MessageLog, TimePoint
from spinepath.followup.tests.factories import make_time_point
from spinepath.procedures.tests.test_concurrent_recording import in_threads, worker_database

pytestmark = pytest.mark.django_db

DUE = date(2027, 1, 11)
LINK = re.compile(r"http://127\.0\.0\.1:8000/f/([A-Za-z0-9_-]{43})")


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def days(n: int) -> date:
    return DUE + timedelta(days=n)


@pytest.fixture
def time_point(clinic_a: Any) -> TimePoint:
    return make_time_point(clinic_a, due_on=DUE)


def sent_kinds(time_point: TimePoint) -> list[str]:
    return list(
        MessageLog.objects.filter(time_point=time_point, status="sent")
        .order_by("sent_at")
        .values_list("kind", flat=True)
    )


def test_invitation_on_the_due_day_then_reminders_at_3_and_7_days(smtp, time_point):
    timeline = [
        (at(days(-1)), 0),
        (at(DUE, 8, 59), 0),
        (at(DUE, 9), 1),  # the invitation
        (at(DUE, 17), 1),
        (at(days(2), 23, 59), 1),
        (at(days(3)), 2),  # first reminder
        (at(days(6)), 2),
        (at(days(7)), 3),  # second reminder
        (at(days(8)), 3),
        (at(days(20)), 3),
    ]
    for moment, expected in timeline:
        sending.send_due(at=moment)
        assert len(smtp.arrived) == expected, moment
    assert sent_kinds(time_point) == ["invitation", "reminder_3", "reminder_7"]
    invitation, first, second = smtp.arrived
    assert invitation.recipients == ["mary.jones@example.com"]
    assert invitation.subject == "Your follow-up questionnaire from Clinic A"
    assert first.subject == second.subject == "Reminder: your follow-up questionnaire from Clinic A"
    for arrived in smtp.arrived:
        found = LINK.findall(arrived.body)
        assert len(found) == 1 and arrived.body.count("http") == 1
        for identifier in ("Mary", "Jones", "9434765919", "1970", "sciatica", "injection"):
            assert identifier not in arrived.body and identifier not in arrived.subject
        assert "your follow-up questionnaire from clinic a" in arrived.body.lower()
        assert "1 Feb 2027" in arrived.body  # the last day the link works: due + 21 days
    # Every link sent opens the questionnaire (earlier ones keep working after a reminder).
    tokens = [LINK.findall(a.body)[0] for a in smtp.arrived]
    assert all(links.find_usable(t, at=at(days(8))) for t in tokens)


def test_no_reminder_once_the_questionnaire_is_answered(smtp, time_point):
    sending.send_due(at=at(DUE))
    time_point.completed_at = at(days(1))
    time_point.save()
    for n in (3, 7, 8):
        sending.send_due(at=at(days(n)))
    assert sent_kinds(time_point) == ["invitation"] and len(smtp.arrived) == 1


def test_a_sender_that_was_down_for_a_week_sends_one_message_not_three(smtp, time_point):
    report = sending.send_due(at=at(days(8)))
    assert report.sent == 1 and sent_kinds(time_point) == ["reminder_7"]
    # The first message the patient gets reads as an invitation, not a reminder.
    assert smtp.arrived[0].subject == "Your follow-up questionnaire from Clinic A"
    assert "reminder" not in smtp.arrived[0].body.lower()
    sending.send_due(at=at(days(9)))
    assert len(smtp.arrived) == 1


def test_nothing_is_sent_without_an_address_or_after_the_window(smtp, clinic_a, time_point):
    no_email = make_time_point(clinic_a, due_on=DUE, email="", nhs_number="9990000018")
    old = make_time_point(clinic_a, due_on=DUE - timedelta(days=30), nhs_number="9990000026")
    sending.send_due(at=at(DUE))
    assert [a.recipients for a in smtp.arrived] == [["mary.jones@example.com"]]
    assert not MessageLog.objects.filter(time_point__in=[no_email, old]).exists()


def test_a_refused_send_is_logged_and_retried_with_back_off_then_given_up(smtp, time_point):
    smtp.mailbox.refuse_next(1)
    report = sending.send_due(at=at(DUE))
    assert report.failed == 1 and smtp.arrived == []
    message = MessageLog.objects.get(time_point=time_point)
    assert message.status == "failed" and message.attempts == 1
    assert "451" in message.last_error and "mary.jones" not in message.last_error
    assert message.next_attempt_at == at(DUE, 9, 5)
    # The link made for the failed message never reached anyone: it is withdrawn.
    assert FollowUpLink.objects.get(time_point=time_point).revoked_at == at(DUE)
    sending.send_due(at=at(DUE, 9, 4))
    assert smtp.arrived == []
    report = sending.send_due(at=at(DUE, 9, 5))
    assert report.sent == 1 and len(smtp.arrived) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and message.last_error == ""
    assert links.find_usable(LINK.findall(smtp.arrived[0].body)[0], at=at(DUE, 10))

    # A relay that keeps refusing: tried after 5, 30 and 120 minutes, then given up.
    smtp.mailbox.refuse_next(10)
    moment = at(days(3))
    sending.send_due(at=moment)
    reminder = MessageLog.objects.get(time_point=time_point, kind="reminder_3")
    waits = []
    while reminder.next_attempt_at is not None:
        waits.append(reminder.next_attempt_at - moment)
        moment = reminder.next_attempt_at
        sending.send_due(at=moment)
        reminder.refresh_from_db()
    assert waits == [timedelta(minutes=m) for m in (5, 30, 120)]
    assert reminder.status == "failed" and reminder.attempts == 4
    assert len(smtp.arrived) == 1


def test_send_followups_twice_sends_once(smtp, time_point, capsys):
    call_command("send_followups", "--at", "2027-01-11T09:30")
    call_command("send_followups", "--at", "2027-01-11T09:30")
    call_command("send_followups", "--at", "2027-01-11T10:30")
    assert len(smtp.arrived) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Follow-up messages: 1 sent") and "0 sent" in out[1]


def test_text_messages_carry_the_one_link_too(smtp, clinic_a, texts):
    make_time_point(clinic_a, due_on=DUE, email="", phone="07700 900123")
    sending.send_due(at=at(DUE))
    assert smtp.arrived == [] and len(texts) == 1
    number, body = texts[0]
    assert number == "07700 900123" and len(LINK.findall(body)) == 1
    assert body.startswith("Your follow-up questionnaire from Clinic A")


def test_pain_diary_points_are_invited_at_their_minute_without_reminders(smtp, clinic_a):
    block = timezone.make_aware(datetime(2027, 1, 11, 10, 0))
    diary = make_time_point(
        clinic_a,
        label="diary",
        due_on=DUE,
        due_at=block + timedelta(minutes=30),
        instruments=["nrs_back"],
    )
    sending.send_due(at=block + timedelta(minutes=29))
    assert smtp.arrived == []
    sending.send_due(at=block + timedelta(minutes=30))
    assert len(smtp.arrived) == 1 and "pain diary" in smtp.arrived[0].body
    for n in (3, 7):
        sending.send_due(at=block + timedelta(days=n))
    assert sent_kinds(diary) == ["invitation"]
    token = LINK.findall(smtp.arrived[0].body)[0]
    assert links.find_usable(token, at=block + timedelta(hours=24))
    assert links.find_usable(token, at=block + timedelta(hours=25)) is None


def test_no_patient_identifier_reaches_the_logs(smtp, time_point, caplog):
    smtp.mailbox.refuse_next(1)
    with caplog.at_level(logging.DEBUG):
        sending.send_due(at=at(DUE))
        sending.send_due(at=at(DUE, 9, 5))
    # Everything logged on our side (the test SMTP server's own log, "mail.log", is not ours).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "Follow-up message" in text
    for identifier in ("mary", "Jones", "9434765919", "/f/"):
        assert identifier not in text


def test_staff_resend_withdraws_old_links_lifts_a_lock_and_sends_a_new_one(
    smtp, time_point, clinician_a, clinician_b
):
    sending.send_due(at=at(DUE))
    old = LINK.findall(smtp.arrived[0].body)[0]
    FollowUpLink.objects.filter(time_point=time_point).update(locked_at=at(DUE, 10))
    assert links.is_locked(time_point)
    with pytest.raises(sending.ResendRefused):
        sending.resend_link(time_point, by=clinician_b, at=at(days(1)))
    messages = sending.resend_link(time_point, by=clinician_a, at=at(days(1)))
    assert [m.kind for m in messages] == ["resend"] and not links.is_locked(time_point)
    assert links.find_usable(old, at=at(days(1))) is None
    sending.send_due(at=at(days(1)))
    assert len(smtp.arrived) == 2 and "new link" in smtp.arrived[1].body
    new = LINK.findall(smtp.arrived[1].body)[0]
    assert links.find_usable(new, at=at(days(1), 10))
    assert time_point.episode.timeline.filter(kind="follow_up", actor=clinician_a).exists()
    time_point.completed_at = at(days(2))
    time_point.save()
    with pytest.raises(sending.ResendRefused, match="already answered"):
        sending.resend_link(time_point, by=clinician_a, at=at(days(2)))


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_message_once(smtp, clinic_a, tmp_path):
    """The worker and a manual ``send_followups`` at the same moment: every message goes once."""
    for n in range(4):
        make_time_point(clinic_a, due_on=DUE, nhs_number=f"999000{n:03d}{(n * 7) % 10}")
    with worker_database(tmp_path) as database:
        reports = in_threads(database, lambda i: sending.send_due(at=at(DUE)), n=3)
        statuses = in_threads(
            database, lambda _: list(MessageLog.objects.values_list("status", flat=True)), n=1
        )[0]
    assert not [r for r in reports if isinstance(r, Exception)], reports
    assert sum(r.sent for r in reports) == 4 and sum(r.planned for r in reports) == 4
    assert len(smtp.arrived) == 4 and sorted(statuses) == ["sent"] * 4
