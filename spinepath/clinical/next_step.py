"""What may come next when an injection's relief has ended or never came (followup.md).

Five options; two have conditions. A repeat injection is offered only when the previous one gave
at least 50% relief [32][33] (the steroid checks then run before it is planned). The diagnostic
block → radiofrequency pathway is for facet joint pain, and not offered after radiofrequency
itself (a repeat is the choice there).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from spinepath.clinical.vocab import Condition, Procedure

REPEAT_MIN_RELIEF_PERCENT = 50.0


class NextStep(StrEnum):
    REPEAT_INJECTION = "repeat_injection"
    DIAGNOSTIC_BLOCK_RF = "diagnostic_block_rf"
    PHYSIOTHERAPY = "physiotherapy"
    SURGICAL_OPINION = "surgical_opinion"
    DISCHARGE = "discharge"


@dataclass(frozen=True)
class StepOption:
    step: NextStep
    offered: bool
    why_not: str = ""


FACET_PAIN = frozenset({Condition.FACET_JOINT_ARTHRITIS})


def options(
    *, best_relief_percent: float | None, condition: Condition, procedure: Procedure
) -> tuple[StepOption, ...]:
    """Every option in followup.md's order, each saying whether it is offered and why not."""
    if best_relief_percent is None:
        repeat = StepOption(
            NextStep.REPEAT_INJECTION, False, "relief after the injection was not measured"
        )
    elif best_relief_percent < REPEAT_MIN_RELIEF_PERCENT:
        repeat = StepOption(
            NextStep.REPEAT_INJECTION,
            False,
            f"the injection gave {best_relief_percent:.0f}% relief at best; a repeat needs "
            f"at least {REPEAT_MIN_RELIEF_PERCENT:.0f}%",
        )
    else:
        repeat = StepOption(NextStep.REPEAT_INJECTION, True)
    if condition not in FACET_PAIN:
        block = StepOption(NextStep.DIAGNOSTIC_BLOCK_RF, False, "only for facet joint pain")
    elif procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        block = StepOption(
            NextStep.DIAGNOSTIC_BLOCK_RF, False, "radiofrequency denervation was already done"
        )
    else:
        block = StepOption(NextStep.DIAGNOSTIC_BLOCK_RF, True)
    return (
        repeat,
        block,
        StepOption(NextStep.PHYSIOTHERAPY, True),
        StepOption(NextStep.SURGICAL_OPINION, True),
        StepOption(NextStep.DISCHARGE, True),
    )
