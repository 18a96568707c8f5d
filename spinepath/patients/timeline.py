"""The timeline as the pages show it: each event's words worked out once, in Python.

The pages list up to hundreds of events; reading them as plain rows (no model objects, no JSON
detail, the actor's name from the same query) and formatting their dates here leaves the
template nothing but text to place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from spinepath.lib import fragments
from spinepath.lib.dates import Writer
from spinepath.lib.prepared import Prepared
from spinepath.patients.models import Patient, TimelineEvent

KIND_LABELS = dict(TimelineEvent.Kind.choices)

# One ``<li>`` of ``templates/patients/timeline.html``'s list.
EVENT = """
  <li class="event kind-{kind}">
    <time datetime="{iso}">{when}</time>
    <span class="kind">{kind_label}</span>
    <span class="summary">{summary}</span>
    {actor}
  </li>"""
ACTOR = '<span class="actor">by {}</span>'


@dataclass(frozen=True, slots=True)
class TimelineRow:
    kind: str
    kind_label: str
    iso: str
    when: str
    summary: str
    actor: str


COLUMNS = ("at", "kind", "summary", "actor__username", "actor__first_name", "actor__last_name")
PATIENT_LIMIT = 200  # the patient page shows a patient's latest events, every episode's

# The patient page's events, compiled once (lib/prepared.py).
_PATIENT_EVENTS = Prepared(
    lambda patient: (
        TimelineEvent.objects.filter(episode__patient=patient)
        .order_by("-at", "-id")
        .values_list(*COLUMNS)[:PATIENT_LIMIT]
    ),
    patient=(Patient._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
)


def patient_timeline_html(patient_id: Any) -> SafeString:
    """The latest ``PATIENT_LIMIT`` events of every episode of the patient, newest first."""
    return _html(_rows(_PATIENT_EVENTS(patient=patient_id)))


def timeline_rows(events: QuerySet[TimelineEvent]) -> list[TimelineRow]:
    """The events (already filtered, ordered and sliced) as rows, in their order: one query."""
    return _rows(events.values_list(*COLUMNS))


def _rows(rows: Iterable[tuple[Any, ...]]) -> list[TimelineRow]:
    dates = Writer()
    return [
        TimelineRow(
            kind=kind,
            kind_label=KIND_LABELS.get(kind, kind),
            iso=dates.iso(at),
            when=dates.moment(at),
            summary=summary,
            # User.display_name: the full name, else the username.
            actor=f"{first} {last}".strip() or username if username else "",
        )
        for at, kind, summary, username, first, last in rows
    ]


def timeline_html(events: QuerySet[TimelineEvent]) -> SafeString:
    """The ``<li>`` of each event (``timeline_rows``), for ``templates/patients/timeline.html``."""
    return _html(timeline_rows(events))


def _html(rows: list[TimelineRow]) -> SafeString:
    return fragments.rows(
        EVENT,
        (
            {
                "kind": row.kind,
                "iso": row.iso,
                "when": row.when,
                "kind_label": row.kind_label,
                "summary": row.summary,
                "actor": fragments.safe(
                    ACTOR.format(fragments.text(row.actor)) if row.actor else ""
                ),
            }
            for row in rows
        ),
    )
