"""The last demo step: retell each episode's stage moves at the times its records were made.

Earlier steps set each episode's final stage first and then backfill the records, so their stage
events jump straight from "Referred" to the final stage. This step replaces those events with one
event per stage passed, dated by the record that moved it (first decision, first consent, first
procedure), so a demo timeline reads the way a real one would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from spinepath.assessment.models import Decision
from spinepath.patients.models import Episode, TimelineEvent

if TYPE_CHECKING:
    from spinepath.demo.seed import DemoWorld

ORDER = [stage for stage, _ in Episode.Stage.choices]


def _moments(episode: Episode) -> dict[str, datetime | None]:
    decision = (
        Decision.objects.filter(assessment__episode=episode)
        .exclude(context=Decision.Context.DAY_OF_PROCEDURE)
        .order_by("evaluated_at")
        .first()
    )
    consent = episode.consents.filter(decision="permit").order_by("created_at").first()
    procedure = episode.procedures.counted().order_by("performed_at").first()
    return {
        Episode.Stage.ASSESSED: decision.evaluated_at if decision else None,
        Episode.Stage.CONSENTED: consent.created_at if consent else None,
        Episode.Stage.TREATED: procedure.performed_at if procedure else None,
    }


def retell_stage_moves(world: DemoWorld) -> None:
    for episode in world.episodes:
        episode.refresh_from_db()
        TimelineEvent.objects.filter(episode=episode, kind=TimelineEvent.Kind.STAGE).delete()
        final = ORDER.index(episode.stage)
        moments = _moments(episode)
        previous_at = episode.timeline.order_by("at").values_list("at", flat=True).first()
        last_at = episode.stage_changed_at
        for index in range(1, final + 1):
            stage = ORDER[index]
            at = moments.get(stage) if index < final else last_at
            if at is None or previous_at is None or at < previous_at:
                # No record to date it by: place it between the last move and the final one.
                at = (previous_at or last_at) + timedelta(minutes=30)
            at = min(at, last_at) if index < final else at
            episode.log(
                TimelineEvent.Kind.STAGE,
                f"Stage changed from {Episode.Stage(ORDER[index - 1]).label} to "
                f"{Episode.Stage(stage).label}",
                at=at + timedelta(minutes=1),
            )
            previous_at = at
