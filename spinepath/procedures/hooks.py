"""What happens after a procedure is recorded: an explicit list, not signals.

Aftercare and follow-up scheduling register here, e.g. in their ``AppConfig.ready()``::

    from spinepath.procedures import hooks

    hooks.ON_PROCEDURE_RECORDED.append(schedule_follow_up)

Each hook is called with the saved ``ProcedureRecord`` inside the transaction that recorded it,
in the order registered. A hook that raises rolls the whole recording back, so a procedure is
never saved without the follow-up its hooks promise; keep hooks small and let them fail loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spinepath.procedures.models import ProcedureRecord

ON_PROCEDURE_RECORDED: list[Callable[[ProcedureRecord], None]] = []
"""Called after a procedure is recorded; aftercare and follow-up scheduling register here."""


def procedure_recorded(record: ProcedureRecord) -> None:
    """Run every registered hook for a newly recorded procedure."""
    for hook in list(ON_PROCEDURE_RECORDED):
        hook(record)
