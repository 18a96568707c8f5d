"""What the patient must do before a booked injection, in plain words, with calendar dates.

Built from the booking's holds (``booking.holds_for``, itself the rule set's hold hours) and the
plan; the words are for the patient, so no codes and no doses. The service gives no sedation, so
there is no fasting; an injection can numb the leg for some hours, so nobody drives home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from spinepath.clinical.booking import Hold


@dataclass(frozen=True)
class Instruction:
    code: str
    heading: str
    text: str


def _day(d: dt.date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def instructions(
    *,
    session_date: dt.date,
    start: dt.time | None,
    holds: Sequence[Hold],
    steroid_planned: bool,
    diabetes: bool | None,
    ionising_imaging: bool,
) -> list[Instruction]:
    """The instructions for an injection on ``session_date``, most urgent first."""
    when = _day(session_date) + (f" at {start:%H:%M}" if start else "")
    items = [
        Instruction("appointment", "Your appointment", f"Your injection is on {when}."),
    ]
    for hold in sorted(holds, key=lambda h: h.stop_on):
        restart = (
            f"{hold.restart_after_hours} hours after the injection"
            if hold.restart_after_hours != 24
            else "the day after the injection"
        )
        items.append(
            Instruction(
                f"stop_{hold.drug.value}",
                f"Stop {hold.name}",
                f"Take your last dose of {hold.name} on {_day(hold.last_dose_on)}. Do not take "
                f"any from {_day(hold.stop_on)} until after the injection. Start again "
                f"{restart}, unless we tell you otherwise. If a doctor told you that stopping "
                f"{hold.name} is risky for you (for example because of a heart valve, a recent "
                "stent or a recent clot), call us before you stop.",
            )
        )
    if diabetes and steroid_planned:
        items.append(
            Instruction(
                "diabetes",
                "If you have diabetes",
                "The steroid in the injection can raise your blood sugar for up to two weeks. "
                "Check your blood sugar more often than usual during that time and bring your "
                "meter on the day.",
            )
        )
    items.append(
        Instruction(
            "eating",
            "Eating and drinking",
            "You can eat and drink as normal. Take your other medicines as usual.",
        )
    )
    items.append(
        Instruction(
            "driving",
            "Getting home",
            "Do not drive yourself home: your leg may be numb for a few hours. Arrange for an "
            "adult to take you home.",
        )
    )
    bring = (
        "a list of your medicines, your glasses if you need them to read, and something to wear "
    )
    bring += "that is easy to take off"
    if ionising_imaging:
        bring += "; tell us on the day if you might be pregnant, as the injection uses X-rays"
    items.append(Instruction("bring", "What to bring", bring[0].upper() + bring[1:] + "."))
    return items
