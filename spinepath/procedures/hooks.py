"""What happens after a procedure is recorded: an explicit list, not signals.

Aftercare and follow-up scheduling register here, e.g. in their ``AppConfig.ready()``::

    from spinepath.procedures import hooks

    hooks.ON_PROCEDURE_RECORDED.append(schedule_follow_up)

Each hook is called with the saved ``ProcedureRecord`` inside the transaction that recorded it,
in the order registered. A hook that raises rolls the whole recording back, so a procedure is
never saved without the follow-up its hooks promise; keep hooks small and let them fail loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spinepath.procedures.models import ProcedureRecord

ON_PROCEDURE_RECORDED: list[Callable[[ProcedureRecord], None]] = []
"""Called after a procedure is recorded; aftercare and follow-up scheduling register here."""


ON_PROCEDURE_ENTERED_IN_ERROR: list[Callable[[ProcedureRecord, datetime], None]] = []
"""Called with the record and the workflow's ``at`` when a procedure is marked entered in error
(follow-up cancels the questionnaires it still owes), inside that transaction."""

ON_PROCEDURE_AMENDED: list[Callable[[ProcedureRecord, datetime], None]] = []
"""Called with the record and ``at`` when its discharge or late complications are amended,
inside that transaction (analytics refreshes the procedure's complication codes)."""

MEASURED_RELIEF: list[Callable[[Sequence[ProcedureRecord], date | None], Mapping[int, float]]] = []
"""Providers of measured relief: ``{procedure pk: best relief %}`` for the records they can
measure from answers given on or before the date (None: all). Follow-up registers here, so the
injection history (and through it the decision rules' "previous injection relief") reads relief
measured by questionnaires without this app importing the layer above it."""


def procedure_recorded(record: ProcedureRecord) -> None:
    """Run every registered hook for a newly recorded procedure."""
    for hook in list(ON_PROCEDURE_RECORDED):
        hook(record)


def procedure_entered_in_error(record: ProcedureRecord, at: datetime) -> None:
    for hook in list(ON_PROCEDURE_ENTERED_IN_ERROR):
        hook(record, at)


def procedure_amended(record: ProcedureRecord, at: datetime) -> None:
    for hook in list(ON_PROCEDURE_AMENDED):
        hook(record, at)


def measured_relief(
    records: Sequence[ProcedureRecord], on_or_before: date | None = None
) -> dict[int, float]:
    """Relief measured after each procedure, where any provider could measure it."""
    found: dict[int, float] = {}
    for provider in list(MEASURED_RELIEF):
        found.update(provider(records, on_or_before))
    return found
