"""Who is asked about pregnancy: one answer for the decision rules and the day-of checklist.

``rules.md`` (PREGNANCY_NOT_ASSESSED) asks anyone who could be pregnant — sex ``female`` or
``other`` — aged within the rule set's range, before ionising imaging. A sex that is not known is
read as ``other`` (``sex_for_rules``), so it is asked too; an unknown age counts as inside the
range. The decision, the day-of checklist and the assessment form all call these functions, so
they cannot disagree about who is asked.
"""

from __future__ import annotations

from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.vocab import IONISING_IMAGING, Imaging, Sex

COULD_BE_PREGNANT_SEXES: frozenset[Sex] = frozenset({Sex.FEMALE, Sex.OTHER})


def sex_for_rules(recorded: str) -> Sex:
    """A patient's recorded sex as the rules and the checklist see it.

    The core knows female, male and other; anything else ("not known", blank) is read as other,
    so the pregnancy question is asked (and its absence defers ionising imaging) unless the
    patient is recorded as male.
    """
    try:
        return Sex(recorded)
    except ValueError:
        return Sex.OTHER


def may_be_asked_about_pregnancy(sex: Sex) -> bool:
    """Whether the pregnancy question applies to this sex at all (age aside)."""
    return sex in COULD_BE_PREGNANT_SEXES


def could_be_pregnant(sex: Sex, age: int | None, config: RuleSetConfig = DEFAULT) -> bool:
    """Sex female or other, and an age in the rule set's range (unknown age: in range)."""
    if sex not in COULD_BE_PREGNANT_SEXES:
        return False
    if age is None:
        return True
    return config.pregnancy_check_min_age <= age <= config.pregnancy_check_max_age


def pregnancy_enquiry_needed(
    sex: Sex, age: int | None, imaging: Imaging, config: RuleSetConfig = DEFAULT
) -> bool:
    """Whether pregnancy must be asked and recorded before this imaging."""
    return imaging in IONISING_IMAGING and could_be_pregnant(sex, age, config)
