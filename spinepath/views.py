"""Pages that belong to no one app, because they show every stage of the pathway.

The dashboard, the patient page and the episode page read patients, questionnaires, assessments,
onward actions, checklists and the steroid ledger together, so they sit above all the apps (the
layers in ``pyproject.toml``); the reference list is here because every cited source links to it.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from spinepath.accounts import access, audit
from spinepath.accounts.models import User
from spinepath.clinical.coding import codebook
from spinepath.clinical.rtt import breached_if_referred_by
from spinepath.clinical.sources import all_sources
from spinepath.lib import fragments
from spinepath.lib.dates import Writer
from spinepath.lib.prepared import Prepared
from spinepath.onward.actions import alert_for, alerts_for, needing_action
from spinepath.patients import scope
from spinepath.patients.forms import SearchForm
from spinepath.patients.models import Episode, Patient
from spinepath.patients.timeline import patient_timeline_html, timeline_html
from spinepath.procedures.ledger import patient_ledger
from spinepath.procedures.safety_check import checklist_history
from spinepath.questionnaires.baseline import latest_baseline
from spinepath.scheduling import waiting

WORKLIST_LIMIT = 15


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def references(request: HttpRequest) -> HttpResponse:
    return render(request, "references.html", {"sources": list(all_sources().values())})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.may_see_patients:
        return _analyst_dashboard(request, user)
    episodes = scope.episodes_for(user).open()
    # Decisions that stop the pathway and still need their referral or plan recorded come first,
    # most pressing first, and are flagged again wherever they sit in the stage lists.
    urgent = needing_action(scope.episodes_for(user))
    urgent_ids = {alert.episode.pk for alert in urgent}
    today = timezone.localdate()
    # Waits by stage, in the one grouped read that counts them: the longest wait since referral
    # and how many have waited longer than the referral-to-treatment standard (by the referral
    # date alone: the waiting list deducts the patient's pauses).
    standard = waiting.standard_days()
    waits = {
        row["stage"]: row
        for row in episodes.order_by()
        .values("stage")
        .annotate(
            n=Count("id"),
            oldest=Min("referral_date"),
            over=Count("id", filter=Q(referral_date__lte=breached_if_referred_by(today, standard))),
        )
    }
    counts = {stage: row["n"] for stage, row in waits.items()}
    by_stage: dict[str, list[Episode]] = {}
    for episode in _longest_waiting(episodes):
        episode.needs_action = episode.pk in urgent_ids  # type: ignore[attr-defined]
        by_stage.setdefault(episode.stage, []).append(episode)
    dates = Writer()
    worklists = [
        {
            "stage": stage,
            "label": label,
            "count": counts.get(stage, 0),
            "longest_weeks": (
                (today - waits[stage]["oldest"]).days // 7
                if stage in waits and waits[stage]["oldest"]
                else None
            ),
            "over_standard": waits[stage]["over"] if stage in waits else 0,
            "episodes": by_stage.get(stage, []),
            "rows": _worklist_rows(by_stage.get(stage, []), dates),
        }
        for stage, label in Episode.Stage.choices
        if stage != Episode.Stage.DISCHARGED
    ]
    # One list event for everyone the page shows, whichever section they appear in.
    shown_ids = {e.patient_id for w in worklists for e in w["episodes"]}
    shown_ids |= {alert.episode.patient_id for alert in urgent}
    if shown_ids:
        audit.record_list(request, Patient, sorted(shown_ids, key=str))
    return render(
        request,
        "patients/dashboard.html",
        {
            "urgent": urgent,
            "worklists": worklists,
            "today": today,
            "standard_weeks": standard // 7,
            "form": SearchForm(),
        },
    )


# One ``<li>`` of a stage's list in ``templates/patients/dashboard.html``.
WORKLIST_ROW = """
      <li><a href="{url}">{name}</a>{flag}
        <span class="meta">{condition} · since {since}</span></li>"""
NEEDS_ACTION_FLAG = ' <span class="badge flag-stop">Needs urgent action</span>'


_ANY_ID = UUID(int=0)


@lru_cache(maxsize=32)
def _url_format(name: str, prefix: str) -> str:
    """The URL of ``name`` for any one id, as a format string: one ``reverse`` per process."""
    return reverse(name, args=[_ANY_ID]).replace(str(_ANY_ID), "{}")


def _episode_url(episode_id: object) -> str:
    return _url_format("episode_detail", get_script_prefix()).format(episode_id)


def _worklist_rows(episodes: list[Episode], dates: Writer) -> SafeString:
    return fragments.rows(
        WORKLIST_ROW,
        (
            {
                "url": _episode_url(episode.pk),
                "name": episode.patient.full_name,
                "flag": fragments.safe(NEEDS_ACTION_FLAG if episode.needs_action else ""),  # type: ignore[attr-defined]
                "condition": episode.condition_display,
                "since": dates.day(episode.stage_changed_at),
            }
            for episode in episodes
        ),
    )


def _longest_waiting(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """The ``WORKLIST_LIMIT`` longest waiting at each stage, in one query (a window function)
    rather than one per stage; only the columns the worklists show."""
    rank = Window(RowNumber(), partition_by=F("stage"), order_by=[F("stage_changed_at"), F("pk")])
    return (
        episodes.select_related("patient")
        .only(
            "stage",
            "stage_changed_at",
            "condition",
            "patient__given_name",
            "patient__family_name",
            "patient__clinic_id",
        )
        .annotate(rank=rank)
        .filter(rank__lte=WORKLIST_LIMIT)
        .order_by("stage_changed_at", "pk")
    )


def _analyst_dashboard(request: HttpRequest, user: User) -> HttpResponse:
    """Counts only: analysts see the service's shape, never a patient."""
    episodes = Episode.objects.filter(patient__clinic_id=user.clinic_id)
    by_stage = dict(episodes.values_list("stage").annotate(n=Count("id")))
    by_condition = dict(episodes.values_list("condition").annotate(n=Count("id")))
    return render(
        request,
        "patients/analyst_dashboard.html",
        {
            "stages": [(label, by_stage.get(stage, 0)) for stage, label in Episode.Stage.choices],
            "conditions": [
                (concept.display, by_condition.get(key, 0))
                for key, concept in codebook().conditions.items()
            ],
            "total": episodes.count(),
        },
    )


# The patient page's episodes, in the model's order, compiled once (lib/prepared.py).
_PATIENT_EPISODES = Prepared(
    lambda patient: Episode.objects.filter(patient=patient),
    patient=(Patient._meta.pk, _ANY_ID, UUID(int=1)),  # type: ignore[arg-type]
)
_EPISODE_PATIENT = Episode._meta.get_field("patient")


@access.patient_staff_required
def patient_detail(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = scope.get_patient_for_user(request, patient_id)
    episodes = _PATIENT_EPISODES(patient=patient.pk)
    for episode in episodes:
        _EPISODE_PATIENT.set_cached_value(episode, patient)  # as patient.episodes.all() does
    timeline = patient_timeline_html(patient.pk)
    ledger = patient_ledger(patient, today=timezone.localdate())
    alerts = alerts_for(episodes)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "episodes": episodes,
            "timeline": timeline,
            "ledger": ledger,
            "alerts": alerts,
        },
    )


@access.patient_staff_required
def episode_detail(request: HttpRequest, episode_id: str) -> HttpResponse:
    episode = scope.get_episode_for_user(request, episode_id)
    return render(
        request,
        "patients/episode_detail.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "timeline": timeline_html(episode.timeline.order_by("-at", "-id")),
            "stages": Episode.Stage.choices,
            "alert": alert_for(episode),
            "baseline": list(latest_baseline(episode).values()),
            "assessments": episode.assessments.select_related("clinician").prefetch_related(
                "decisions"
            ),
            "checklists": checklist_history(episode),
        },
    )
