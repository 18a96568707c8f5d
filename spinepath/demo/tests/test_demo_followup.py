"""The demo's year of follow-up, next steps, programmes and exercise logs (issues 11.8, 12.6).

One demo is built for the module (``module_db``: flushed after it); what the tests look at is
gathered from it first, as plain data.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.models import AdherenceLog, Programme
from spinepath.demo.seed import build_demo
from spinepath.followup.models import MessageLog, NextStepPlan, TimePoint
from spinepath.followup.outcomes import procedure_relief
from spinepath.followup.sending import send_due
from spinepath.patients.models import Episode, Patient
from spinepath.procedures.models import ProcedureRecord

TODAY = date(2026, 11, 24)
LABELS = ("2w", "6w", "3m", "6m", "12m")


def _gather() -> dict[str, Any]:
    closed = TODAY - timedelta(days=22)  # every link of these points has expired
    due = TimePoint.objects.active().filter(label__in=LABELS, due_on__lt=closed)
    rates = {
        label: (
            due.filter(label=label).completed().count(),
            due.filter(label=label).count(),
        )
        for label in LABELS
    }
    reliefs = [procedure_relief(r) for r in ProcedureRecord.objects.all()]
    programmes = {p.episode_id: p for p in Programme.objects.all()}
    logs = Counter(AdherenceLog.objects.values_list("programme__episode_id", flat=True))
    answered = Counter(
        TimePoint.objects.completed().filter(label__in=LABELS).values_list("episode_id", flat=True)
    )
    disordered = []
    for episode in Episode.objects.all():
        times = list(episode.timeline.order_by("id").values_list("at", flat=True))
        if times != sorted(times) or timezone.localdate(times[-1]) >= TODAY:
            disordered.append(episode.pk)
    for patient_id in Patient.objects.values_list("pk", flat=True):
        events = AuditEvent.objects.filter(patient_id=str(patient_id)).order_by("id")
        times = list(events.values_list("at", flat=True))
        if times != sorted(times):
            disordered.append(patient_id)
    now = timezone.make_aware(datetime.combine(TODAY, time(12)))
    sent_before = MessageLog.objects.filter(status=MessageLog.Status.SENT).count()
    first, second = send_due(at=now), send_due(at=now)
    from spinepath.analytics.facts import stale_procedures
    from spinepath.analytics.models import ProcedureOutcome, TimePointOutcome

    return {
        "stale_facts": stale_procedures(),
        "facts": ProcedureOutcome.objects.count(),
        "answered_facts": TimePointOutcome.objects.filter(completed=True).count(),
        "disordered": disordered,
        "rates": rates,
        "fading": sum(1 for r in reliefs if r.result.ended is not None),
        "lasting": sum(1 for r in reliefs if r.result.censored),
        "non_responders": sum(
            1
            for r in reliefs
            if any(t.completed for t in r.result.timepoints) and not r.result.responder
        ),
        "plans": Counter(NextStepPlan.objects.values_list("choice", flat=True)),
        "repeats_done": sum(
            1
            for plan in NextStepPlan.objects.filter(choice="repeat_injection")
            if plan.episode.procedures.filter(performed_at__gt=plan.decided_at).exists()
        ),
        "plans_on_timeline": all(
            p.episode.timeline.filter(kind="plan", detail__plan=p.pk).exists()
            for p in NextStepPlan.objects.all()
        ),
        "discharged_by_plan": NextStepPlan.objects.filter(
            choice="discharge", episode__stage="discharged"
        ).count(),
        "treated": set(ProcedureRecord.objects.values_list("episode_id", flat=True)),
        "programmes": set(programmes),
        "programme_makers": set(Programme.objects.values_list("created_by__role", flat=True)),
        "logs": logs,
        "answered": answered,
        "late": TimePoint.objects.filter(late=True).count(),
        "sent_before": sent_before,
        "first_send": first.sent,
        "second_send": second.sent,
        "staff_entered_count": TimePoint.objects.filter(staff_entered=True)
        .exclude(label="baseline")
        .count(),
    }


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seen(module_db: None) -> Any:
    outbox = list(getattr(mail, "outbox", []))
    build_demo(patients=120, seed=5, today=TODAY)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        gathered = _gather()
    mail.outbox = outbox
    return gathered


def test_timelines_and_audit_logs_are_written_in_date_order_before_today(seen: Any) -> None:
    assert seen["disordered"] == []


def test_responses_fall_from_most_at_two_weeks_to_about_half_at_six_to_twelve_months(
    seen: Any,
) -> None:
    rates = seen["rates"]
    share = {label: done / total for label, (done, total) in rates.items() if total}
    assert share["2w"] > 0.7
    assert share["2w"] > share["6w"] > share["3m"]
    # Few patients of a small demo reach 12 months: 6 and 12 months pooled.
    done, total = (sum(rates[label][n] for label in ("6m", "12m")) for n in (0, 1))
    assert total >= 30
    assert 0.35 <= done / total <= 0.65


def test_relief_fades_for_some_lasts_for_some_and_never_comes_for_others(seen: Any) -> None:
    assert seen["fading"] >= 5
    assert seen["lasting"] >= 3
    assert seen["non_responders"] >= 5


def test_answers_come_late_and_by_phone_as_well(seen: Any) -> None:
    assert seen["late"] >= 3
    assert seen["staff_entered_count"] >= 1


def test_next_steps_are_recorded_when_relief_ends_or_never_comes(seen: Any) -> None:
    plans = seen["plans"]
    assert plans["repeat_injection"] >= 1
    assert plans["physiotherapy"] + plans["surgical_opinion"] >= 3
    assert seen["plans_on_timeline"]
    assert seen["repeats_done"] >= 1
    assert seen["discharged_by_plan"] == plans["discharge"]


def test_invitations_due_at_today_are_left_unsent_for_the_sender(seen: Any) -> None:
    assert seen["sent_before"] > 0  # the sender's last weeks were replayed
    assert seen["first_send"] > 0
    assert seen["second_send"] == 0


def test_treated_patients_have_a_physiotherapists_programme_and_log_sessions(seen: Any) -> None:
    assert seen["programmes"] <= seen["treated"]
    assert len(seen["programmes"]) >= 0.8 * len(seen["treated"])
    assert seen["programme_makers"] == {"physiotherapist"}
    assert sum(seen["logs"].values()) > len(seen["programmes"])


def test_patients_who_keep_answering_log_more_sessions(seen: Any) -> None:
    logs, answered = seen["logs"], seen["answered"]
    keen = [logs[e] for e in seen["programmes"] if answered[e] >= 3]
    silent = [logs[e] for e in seen["programmes"] if answered[e] == 0]
    assert keen and silent
    assert sum(keen) / len(keen) > 2 * sum(silent) / len(silent)


def test_every_replayed_procedure_has_its_outcome_facts(seen: Any) -> None:
    """The demo holds the analytics hooks and rebuilds once at the end: nothing is left out."""
    assert seen["stale_facts"] == []
    assert seen["facts"] > 0 and seen["answered_facts"] > 0
