"""The aftercare leaflet is given when a procedure is recorded (``procedures.hooks``).

The hook runs inside the procedure's transaction (the patient is already locked), dated with the
record's own ``created_at`` (the workflow's ``at``), and writes one ``LeafletGiven`` row naming the
wording version in force, a timeline entry and an audit event. The patient's secure page shows
the leaflets given; staff print the same words from the procedure page.
"""

from __future__ import annotations

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.leaflets import aftercare_for
from spinepath.aftercare.models import LeafletGiven
from spinepath.patients.models import TimelineEvent
from spinepath.procedures.models import ProcedureRecord


def give_aftercare_leaflet(record: ProcedureRecord) -> LeafletGiven:
    """Record that the aftercare leaflet for ``record`` was given, at the procedure's ``at``."""
    at = record.created_at
    leaflet = aftercare_for(record)  # built now, so a wording problem fails the recording loudly
    given = LeafletGiven.objects.create(
        episode=record.episode,
        procedure=record,
        kind=LeafletGiven.Kind.AFTERCARE,
        version=leaflet.version,
        given_at=at,
    )
    record.episode.log(
        TimelineEvent.Kind.AFTERCARE,
        f"Aftercare leaflet given ({leaflet.version})",
        by=record.operator,
        detail={"procedure": record.pk, "leaflet": given.pk, "version": leaflet.version},
        at=at,
    )
    audit.record(None, AuditEvent.Action.CREATE, given, user=record.operator, at=at)
    return given
