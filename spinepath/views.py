"""Pages that belong to no one app, because they show every stage of the pathway.

The dashboard, the patient page and the episode page read patients, questionnaires, assessments,
onward actions, checklists and the steroid ledger together, so they sit above all the apps (the
layers in ``pyproject.toml``); the reference list is here because every cited source links to it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from spinepath.accounts import access, audit
from spinepath.accounts.models import Clinic, User
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
    # Decisions that stop the pathway and still need their referral or plan recorded come first,
    # most pressing first, and are flagged again wherever they sit in the stage lists.
    urgent = needing_action(user.clinic_id)
    urgent_ids = {alert.episode.pk for alert in urgent}
    today = timezone.localdate()
    standard = waiting.standard_days()
    waits = _stage_waits(user.clinic_id, today, standard)
    dates = Writer()
    worklists = []
    shown_ids = {alert.episode.patient_id for alert in urgent}
    for stage, label in OPEN_STAGES:
        rows = _STAGE_LIST(clinic=user.clinic_id, stage=stage)
        shown_ids.update(row[1] for row in rows)
        count, oldest, over = waits.get(stage, (0, None, 0))
        worklists.append(
            {
                "stage": stage,
                "label": label,
                "count": count,
                "longest_weeks": (today - oldest).days // 7 if oldest else None,
                "over_standard": over,
                "shown": len(rows),
                "rows": _worklist_rows(rows, urgent_ids, dates),
            }
        )
    # One list event for everyone the page shows, whichever section they appear in.
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


# The stages that have a worklist, in the pathway's order.
OPEN_STAGES = [(s, label) for s, label in Episode.Stage.choices if s != Episode.Stage.DISCHARGED]
_CLINIC = (Clinic._meta.pk, 1, 2)
_STAGE = (Episode._meta.get_field("stage"), "referred", "assessed")
_REFERRED_BY = (Episode._meta.get_field("referral_date"), date(2001, 1, 1), date(2002, 2, 2))

# The columns of a worklist row (``WORKLIST_ROW``).
WORKLIST_COLUMNS = (
    "pk",
    "patient_id",
    "condition",
    "stage_changed_at",
    "patient__given_name",
    "patient__family_name",
)


def stage_worklist(clinic_id: object, stage: str) -> QuerySet[Episode]:
    """One stage's worklist, longest waiting at that stage first, as ``WORKLIST_COLUMNS``.

    The database walks the ``(stage, stage_changed_at)`` index in order, keeps the clinic's rows
    (checked on each row's patient) and stops at the page's end, so a page costs the rows it
    shows, not the clinic's episodes."""
    return (
        # Restricted records (patients/rights.py) are not listed; the waits below still count
        # them: the patient is still waiting, and referral-to-treatment figures must say so.
        Episode.objects.filter(
            patient__clinic_id=clinic_id, stage=stage, patient__restricted_at__isnull=True
        )
        .order_by("stage_changed_at", "pk")
        .values_list(*WORKLIST_COLUMNS)
    )


# The worklists page's part of each stage, compiled once (lib/prepared.py).
_STAGE_LIST = Prepared(
    lambda clinic, stage: stage_worklist(clinic, stage)[:WORKLIST_LIMIT],
    clinic=_CLINIC,  # type: ignore[arg-type]
    stage=_STAGE,  # type: ignore[arg-type]
)

# Waits by stage in one grouped read: how many, the longest wait since referral and how many
# have waited longer than the referral-to-treatment standard (by the referral date alone: the
# waiting list deducts the patient's pauses). Each column it reads is in the episodes'
# ``(stage, patient, referral_date)`` index and the patients' ``(id, clinic)`` index, so SQLite
# counts from the two indexes without reading a row of either table.
_STAGE_WAITS = Prepared(
    lambda clinic, breach: (
        Episode.objects.filter(patient__clinic_id=clinic, stage__in=[s for s, _l in OPEN_STAGES])
        .order_by()
        .values_list("stage")
        .annotate(
            n=Count("stage"),
            oldest=Min("referral_date"),
            over=Count("referral_date", filter=Q(referral_date__lte=breach)),
        )
    ),
    clinic=_CLINIC,  # type: ignore[arg-type]
    breach=_REFERRED_BY,  # type: ignore[arg-type]
)


def _stage_waits(clinic_id: object, today: date, standard: int) -> dict[str, tuple[Any, ...]]:
    """``stage: (how many, the earliest referral date, how many over the standard)``."""
    breach = breached_if_referred_by(today, standard)
    return {row[0]: row[1:] for row in _STAGE_WAITS(clinic=clinic_id, breach=breach)}


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


def _worklist_rows(rows: list[tuple[Any, ...]], urgent_ids: set[Any], dates: Writer) -> SafeString:
    """``WORKLIST_ROW`` for each of ``stage_worklist``'s rows."""
    conditions = codebook().conditions
    return fragments.rows(
        WORKLIST_ROW,
        (
            {
                "url": _episode_url(pk),
                "name": f"{given} {family}",  # Patient.full_name
                "flag": fragments.safe(NEEDS_ACTION_FLAG if pk in urgent_ids else ""),
                "condition": conditions[condition].display,  # Episode.condition_display
                "since": dates.day(changed),
            }
            for pk, _patient, condition, changed, given, family in rows
        ),
    )


STAGE_PAGE_SIZE = 50


@access.patient_staff_required
def stage_worklist_page(request: HttpRequest, stage: str) -> HttpResponse:
    """Everyone at one stage, longest waiting first, a page at a time: the worklists page shows
    each stage's first ``WORKLIST_LIMIT`` and links here for the rest."""
    labels = dict(OPEN_STAGES)
    if stage not in labels:
        raise Http404("No such worklist")
    user = _user(request)
    page = Paginator(stage_worklist(user.clinic_id, stage), STAGE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    urgent_ids = {alert.episode.pk for alert in needing_action(user.clinic_id)}
    if rows:
        audit.record_list(request, Patient, sorted({row[1] for row in rows}, key=str))
    return render(
        request,
        "patients/stage_worklist.html",
        {
            "stage": stage,
            "label": labels[stage],
            "page": page,
            "rows": _worklist_rows(rows, urgent_ids, Writer()),
        },
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
    now = timezone.now()
    ledger = patient_ledger(patient, today=timezone.localdate(now), at=now)
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
