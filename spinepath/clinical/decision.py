"""Run the rules over a facts object and produce the decision the clinician sees.

``evaluate`` is a pure function of the facts and the rule-set configuration: it never reads the
database or the clock (the assessment date is in the facts), so a stored decision can always be
reproduced from its facts snapshot and rule-set version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from spinepath.clinical.facts import Facts
from spinepath.clinical.rules import RULES, Reason, Rule, steroid_check_for, validate_ruleset
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.steroids import SteroidCheck
from spinepath.clinical.vocab import Outcome, most_restrictive

__all__ = ["Decision", "Reason", "RuleSetRef", "evaluate", "validate_ruleset"]


class RuleSetRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    version: str


class Decision(BaseModel):
    """The response of ``POST /api/v1/decision-support/evaluate`` (api.md)."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    ruleset: RuleSetRef
    reasons: list[Reason]
    steroid: SteroidCheck | None = None

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    @property
    def overridable(self) -> bool:
        """Whether a clinician may proceed against this outcome with a documented reason."""
        return self.outcome.overridable

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def evaluate(
    facts: Facts, config: RuleSetConfig = DEFAULT, rules: Sequence[Rule] = RULES
) -> Decision:
    """Every reason that fires, most restrictive first (then in rule order), and the outcome.

    A rule the configuration switches off is skipped only when the rule allows it
    (``Rule.switchable``); red flags, absolute contraindications and safety rules always run.
    """
    off = set(config.disabled_rules)
    found = [
        reason
        for rule in rules
        if not (rule.switchable and rule.code in off)
        for reason in rule.check(facts, config)
    ]
    # sorted() is stable, so reasons of equal severity keep the order of ``rules``.
    reasons = sorted(found, key=lambda reason: -reason.outcome.severity)
    return Decision(
        outcome=most_restrictive([reason.outcome for reason in reasons]),
        ruleset=RuleSetRef(name=config.name, version=config.version),
        reasons=reasons,
        steroid=steroid_check_for(facts, config),
    )


def reasons_to_justify_on_the_day(
    day_reasons: Sequence[Reason],
    *,
    earlier_outcome: Outcome | None = None,
    earlier_reasons: Sequence[Reason] = (),
) -> list[Reason]:
    """Reasons on the day of the procedure that still need a written reason to proceed.

    Steroid reasons are left out: the steroid check runs again at the point of injection with
    what is actually given, and a block there has its own override. A reason to proceed written
    against the earlier decision (pass its outcome and reasons only when one was recorded) still
    covers the day when it named every remaining code and the day's outcome is no worse.
    """
    remaining = [r for r in day_reasons if not r.code.startswith("STEROID_")]
    worst = most_restrictive([r.outcome for r in remaining])
    if worst is Outcome.SUITABLE:
        return []
    covered = (
        earlier_outcome is not None
        and worst.severity <= earlier_outcome.severity
        and {r.code for r in remaining} <= {r.code for r in earlier_reasons}
    )
    return [] if covered else remaining
