"""A booking's pre-procedure instructions, from the core (``clinical.preprocedure``)."""

from __future__ import annotations

from datetime import datetime

from spinepath.clinical.booking import holds_for
from spinepath.clinical.preprocedure import Instruction, instructions
from spinepath.clinical.vocab import IONISING_IMAGING, Antithrombotic, Imaging, Procedure
from spinepath.scheduling.booking import plan_for
from spinepath.scheduling.models import Booking


def instructions_for(booking: Booking, *, at: datetime) -> list[Instruction]:
    """What the patient must do before ``booking``'s session, with calendar dates, under the
    clinic's rule set in force at ``at`` (when the patient reads them)."""
    session = booking.session
    plan = plan_for(booking.episode)
    assessment, source = plan.assessment, plan.source
    drugs = (
        [Antithrombotic(row["drug"]) for row in assessment.antithrombotics]
        if assessment is not None and assessment.medication_recorded
        else []
    )
    procedure = Procedure(booking.procedure)
    holds = holds_for(
        procedure,
        drugs,
        session.date,
        booking.episode.patient.clinic.ruleset(at=at),
        assessment.crcl_ml_min if assessment else None,
    )
    return instructions(
        session_date=session.date,
        start=session.start_time,
        holds=holds,
        steroid_planned=bool(source and source.steroid),
        diabetes=assessment.diabetes if assessment else None,
        ionising_imaging=Imaging(session.modality) in IONISING_IMAGING,
    )
