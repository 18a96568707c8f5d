"""A follow-up answer is counted into the outcome facts by the background worker, not in the
patient's request (``facts.on_time_point_submitted``, ``facts.rebuild_pending``): the to-do and
its task commit with the answer or not at all, the worker counts a burst of answers once per
procedure, nothing is lost while it is down, and the pages that show figures say what is still
being counted."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from spinepath.analytics import facts
from spinepath.analytics.facts import pending, rebuild_outcomes, rebuilt_once, stale_procedures
from spinepath.analytics.models import PendingAnswer, ProcedureOutcome, TimePointOutcome
from spinepath.analytics.tasks import rebuild_pending_outcomes
from spinepath.analytics.tests.registry import NHS_NUMBERS, count_waiting_answers
from spinepath.followup import hooks
from spinepath.followup.models import FollowUpAnswer
from spinepath.followup.tests.helpers import answer, backdate, point, treated
from spinepath.testing import make_clinic, make_episode, make_patient, make_staff

pytestmark = pytest.mark.django_db


run_worker = count_waiting_answers


def rebuild_tasks(status: str | None = None) -> int:
    found = DBTaskResult.objects.filter(task_path=rebuild_pending_outcomes.module_path)
    return (found.filter(status=status) if status else found).count()


def facts_of(record, label: str) -> TimePointOutcome:
    return TimePointOutcome.objects.get(outcome_id=record.pk, label=label)


@pytest.fixture
def world():
    clinic = make_clinic("pa", "Pending Clinic")
    clinician = make_staff("penny", "clinician", clinic)
    record = backdate(treated(make_episode(make_patient(clinic)), clinician), 100)
    return clinic, clinician, record


def test_an_answer_waits_for_the_worker_then_counts(world):
    clinic, _, record = world
    assert facts_of(record, "2w").completed is False
    answer(record, "2w", nrs_leg=2, nrs_back=3)

    # Stored with its to-do and one task; the facts do not count it yet, and say so.
    assert point(record, "2w").completed_at is not None
    (waiting,) = PendingAnswer.objects.all()
    assert (waiting.procedure_id, waiting.clinic_id) == (record.pk, clinic.pk)
    assert rebuild_tasks("READY") == 1
    assert facts_of(record, "2w").completed is False
    lag = pending({clinic.pk})
    assert lag is not None and lag.answers == 1
    assert lag.since == point(record, "2w").completed_at
    assert pending({clinic.pk + 1000}) is None  # another clinic's figures do not lag
    assert stale_procedures() == []  # a queued rebuild is not an error

    run_worker()
    assert facts_of(record, "2w").completed is True
    assert facts_of(record, "2w").nrs_leg == 2
    assert not PendingAnswer.objects.exists()
    assert pending() is None
    assert rebuild_tasks("SUCCESSFUL") == 1
    assert stale_procedures() == []


def test_a_burst_of_answers_is_one_rebuild_per_procedure(world):
    _, clinician, record = world
    second = make_patient(world[0], nhs_number=NHS_NUMBERS[1], mrn="MRN-2")
    other = backdate(treated(make_episode(second), clinician), 100)
    answer(record, "2w", nrs_leg=2, nrs_back=3)
    answer(record, "6w", nrs_leg=3, nrs_back=3)
    answer(other, "2w", nrs_leg=5, nrs_back=3)
    assert PendingAnswer.objects.count() == 3
    assert rebuild_tasks() == 1  # the later answers found the first one's task waiting

    with mock.patch.object(facts, "rebuild_outcomes", wraps=rebuild_outcomes) as rebuild:
        run_worker()
    rebuild.assert_called_once_with([record.pk, other.pk])
    assert facts_of(record, "6w").nrs_leg == 3
    assert facts_of(other, "2w").nrs_leg == 5
    assert not PendingAnswer.objects.exists()


def test_a_failure_after_the_enqueue_rolls_back_the_answer_and_its_to_do(world):
    _, _, record = world

    def fails_later(point, at):
        assert PendingAnswer.objects.exists()  # analytics' hook has run before this one
        raise RuntimeError("a later step of the submission failed")

    with (
        mock.patch.object(
            hooks, "ON_TIME_POINT_SUBMITTED", [*hooks.ON_TIME_POINT_SUBMITTED, fails_later]
        ),
        pytest.raises(RuntimeError),
    ):
        answer(record, "2w", nrs_leg=2, nrs_back=3)
    assert point(record, "2w").completed_at is None
    assert not FollowUpAnswer.objects.filter(time_point__procedure=record).exists()
    assert not PendingAnswer.objects.exists()
    assert rebuild_tasks() == 0
    assert stale_procedures() == []


def test_a_failed_rebuild_is_reported_and_the_next_answer_queues_another(world):
    _, _, record = world
    answer(record, "2w", nrs_leg=2, nrs_back=3)
    DBTaskResult.objects.update(status="FAILED")  # the task ran and raised
    assert stale_procedures() == [record.pk]  # answers left with nothing to count them
    answer(record, "6w", nrs_leg=4, nrs_back=3)
    assert rebuild_tasks("READY") == 1
    assert stale_procedures() == []
    run_worker()
    assert facts_of(record, "2w").nrs_leg == 2  # the earlier answer is counted too
    assert facts_of(record, "6w").nrs_leg == 4


def test_a_full_rebuild_counts_the_waiting_answers(world):
    _, _, record = world
    answer(record, "2w", nrs_leg=2, nrs_back=3)
    rebuild_outcomes()
    assert facts_of(record, "2w").completed is True
    assert not PendingAnswer.objects.exists()


def test_a_held_block_rebuilds_itself_and_leaves_nothing_waiting(world):
    _, _, record = world
    with rebuilt_once(at=record.performed_at):
        answer(record, "2w", nrs_leg=2, nrs_back=3)
        assert facts_of(record, "2w").completed is False
    assert facts_of(record, "2w").completed is True
    assert not PendingAnswer.objects.exists()
    assert rebuild_tasks() == 0


def test_the_worker_takes_only_the_rows_it_read(world):
    """An answer committed after the worker listed its rows keeps its row for the next task."""
    _, _, record = world
    answer(record, "2w", nrs_leg=2, nrs_back=3)
    real = facts.rebuild_outcomes

    def answer_meanwhile(ids, **kwargs):
        answer(record, "6w", nrs_leg=4, nrs_back=3)  # after the worker listed the rows
        return real(ids, **kwargs)

    with mock.patch.object(facts, "rebuild_outcomes", side_effect=answer_meanwhile):
        assert facts.rebuild_pending() == 1
    (left,) = PendingAnswer.objects.all()  # the 6-week answer's
    assert left.answered_at == point(record, "6w").completed_at
    assert rebuild_tasks("READY") == 1
    run_worker()
    assert facts_of(record, "6w").nrs_leg == 4
    assert not PendingAnswer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_is_down_loses_nothing(world):
    """Committed answers wait, with their task, for as long as the worker is down; the
    dashboard says how many are not yet counted; the worker counts them when it starts."""
    clinic, clinician, record = world
    answer(record, "2w", nrs_leg=2, nrs_back=3)
    answer(record, "6w", nrs_leg=3, nrs_back=3)
    assert not transaction.get_connection().in_atomic_block  # each answer has committed
    assert PendingAnswer.objects.count() == 2 and rebuild_tasks("READY") == 1
    client = Client()
    client.force_login(clinician)
    page = client.get("/outcomes/").content.decode()
    assert "2 follow-up answers given since" in page
    assert "are still being counted" in page

    run_worker()
    assert facts_of(record, "2w").nrs_leg == 2 and facts_of(record, "6w").nrs_leg == 3
    assert not PendingAnswer.objects.exists()
    assert "still being counted" not in client.get("/outcomes/").content.decode()
    assert ProcedureOutcome.objects.get(record=record).measured is True


def test_another_clinics_dashboard_does_not_show_the_lag(world):
    _, _, record = world
    answer(record, "2w", nrs_leg=2, nrs_back=3)
    elsewhere = make_staff("otto", "clinician", make_clinic("pb", "Other Clinic"))
    client = Client()
    client.force_login(elsewhere)
    assert "still being counted" not in client.get("/outcomes/").content.decode()
