"""Governed rule sets: what a clinic's clinical lead may change, and what a change would do.

A clinic's rule set is versioned: its clinical lead proposes a new version, a second clinician
of the clinic approves it, and it takes effect on its effective date. This module is the policy
of that process, stated once (the accounts app stores versions; the pages and the API ask here):

* **which settings may change** (``locked_settings``): every threshold a clinic may set, except
  those that decide a red flag, an absolute contraindication or a safety ("not assessed is not
  'no'") rule, and the lengths of the steroid windows, which define "12 months" rather than set
  a limit;
* **which rules may be switched off** (``Rule.switchable``, ``Rule.never_off_because``): only
  guideline cautions that allow it; never a red flag, an absolute contraindication or a safety
  rule, whatever a stored configuration says (``decision.evaluate`` runs them regardless);
* **whether a proposal is valid** (``check_proposal``): every problem is listed, in words;
* **what it changes** (``differences``), in words and units, against the version before;
* **what it would do** (``impact``): stored facts re-evaluated under the rule set in force and
  under the proposal, listing every case whose outcome or reasons would change. Pure: nothing
  is read or written, and the caller chooses the cases (the clinic's last N decisions).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import Facts
from spinepath.clinical.rules import RULES, Rule, validate_ruleset
from spinepath.clinical.ruleset import (
    RuleSetConfig,
    RuleSetConfigError,
    config_with_overrides,
    threshold,
)
from spinepath.clinical.vocab import Outcome

HOLDS = "antithrombotic_hold_hours"
NOT_THRESHOLDS = frozenset({"name", "version", "disabled_rules"})

DEFINITIONS: Mapping[str, str] = {
    "window_6m_days": "it defines what '6 months' means, it is not a limit",
    "window_12m_days": "it defines what '12 months' means, it is not a limit",
    "window_36m_days": "it defines what '36 months' means, it is not a limit",
}
"""Settings that are definitions rather than thresholds: no clinic changes them."""


def setting_keys(config: RuleSetConfig) -> tuple[str, ...]:
    """Every threshold of ``config`` as one key each; holds per drug (``…hold_hours.apixaban``)."""
    keys: list[str] = []
    for name in RuleSetConfig.model_fields:
        if name in NOT_THRESHOLDS:
            continue
        if name == HOLDS:
            keys += [f"{HOLDS}.{drug.value}" for drug in config.antithrombotic_hold_hours]
        else:
            keys.append(name)
    return tuple(keys)


def settings_of(config: RuleSetConfig) -> dict[str, float]:
    """``{key: value}`` for every threshold of ``config`` (the keys of ``setting_keys``)."""
    values: dict[str, float] = {}
    for key in setting_keys(config):
        name, _, drug = key.partition(".")
        value: Any = getattr(config, name)
        values[key] = value[next(d for d in value if d.value == drug)] if drug else value
    return values


def locked_settings(rules: Sequence[Rule] = RULES) -> dict[str, str]:
    """``{key: why}`` for every setting a clinic may not change (top level; holds as one key)."""
    locked = dict(DEFINITIONS)
    for rule in rules:
        why = rule.protected_because
        if why is None:
            continue
        for key in rule.thresholds:
            locked.setdefault(key, f"it decides {rule.code}, and {why}")
    return locked


def locked_because(key: str, rules: Sequence[Rule] = RULES) -> str | None:
    """Why a clinic may not change the setting ``key``; ``None`` when it may."""
    return locked_settings(rules).get(key.partition(".")[0])


def switchable_rules(rules: Sequence[Rule] = RULES) -> tuple[Rule, ...]:
    """The rules a clinic may switch off, in rule order."""
    return tuple(rule for rule in rules if rule.never_off_because is None)


class ProposalRefused(ValueError):
    """A proposed rule set breaks the policy above; ``problems`` says each way, in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check_proposal(
    current: RuleSetConfig,
    values: Mapping[str, Any],
    disabled_rules: Collection[str],
    *,
    name: str,
    version: str,
    rules: Sequence[Rule] = RULES,
) -> RuleSetConfig:
    """The rule set ``current`` becomes with ``values`` (threshold keys as ``setting_keys``;
    a key left out keeps its value) and exactly ``disabled_rules`` switched off.

    Raises ``ProposalRefused`` listing every problem: an unknown setting or rule, a locked setting
    changed, a rule switched off that may never be off, a value the rule set refuses, or no change
    at all. Nothing else is checked here and nothing is stored.
    """
    problems: list[str] = []
    before = settings_of(current)
    known = {rule.code: rule for rule in rules}
    for key in sorted(set(values) - set(before)):
        problems.append(f"There is no setting {key!r}.")
    for key, value in values.items():
        if key not in before or value == before[key]:
            continue
        why = locked_because(key, rules)
        if why is not None:
            problems.append(f"{threshold(key).label} cannot be changed by a clinic: {why}.")
    for code in sorted(set(disabled_rules)):
        found = known.get(code)
        if found is None:
            problems.append(f"There is no rule {code!r}.")
        elif (why := found.never_off_because) is not None:
            problems.append(f"{code} cannot be switched off: {why}.")
    if problems:
        raise ProposalRefused(problems)
    overrides: dict[str, Any] = {"name": name, "version": version}
    for key, value in values.items():
        field, _, drug = key.partition(".")
        if drug:
            overrides.setdefault(HOLDS, {})[drug] = value
        else:
            overrides[field] = value
    overrides["disabled_rules"] = tuple(sorted(set(disabled_rules)))
    try:
        proposed = config_with_overrides(overrides, base=current)
    except RuleSetConfigError as error:
        raise ProposalRefused([_in_words(problem) for problem in error.problems]) from error
    if not differences(current, proposed, rules):
        raise ProposalRefused(["The proposal changes nothing: change a threshold or a rule."])
    problems = validate_ruleset(rules, proposed)
    if problems:
        raise ProposalRefused(problems)
    return proposed


def _in_words(problem: str) -> str:
    """``rf_min_back_pain_nrs: Input should be …`` with the setting's label in place of its key."""
    key, sep, rest = problem.partition(": ")
    if sep and key in RuleSetConfig.model_fields and key not in NOT_THRESHOLDS:
        return f"{threshold(key).label}: {rest}"
    return problem


def overrides_from(base: RuleSetConfig, config: RuleSetConfig) -> dict[str, Any]:
    """The smallest overrides that make ``config`` from ``base`` (``config_with_overrides``),
    as JSON-ready values: name and version always, then each setting that differs."""
    ours, theirs = config.model_dump(mode="json"), base.model_dump(mode="json")
    out: dict[str, Any] = {"name": config.name, "version": config.version}
    for key, value in ours.items():
        if key in ("name", "version") or value == theirs.get(key):
            continue
        if key == HOLDS:
            out[key] = {
                drug: hours for drug, hours in value.items() if theirs[key].get(drug) != hours
            }
        else:
            out[key] = value
    return out


class SettingChange(NamedTuple):
    """One difference between two rule sets, in words: a threshold or a rule on/off."""

    key: str
    label: str
    before: str
    after: str


def _shown(key: str, value: float) -> str:
    return threshold(key).describe(value).split(": ", 1)[1]


def differences(
    before: RuleSetConfig, after: RuleSetConfig, rules: Sequence[Rule] = RULES
) -> list[SettingChange]:
    """What ``after`` changes from ``before``: thresholds in ``setting_keys`` order, then rules
    switched off or back on in rule order. Name and version are not differences."""
    old, new = settings_of(before), settings_of(after)
    changes = [
        SettingChange(
            key,
            threshold(key).label,
            "not set" if key not in old else _shown(key, old[key]),
            "not set" if key not in new else _shown(key, new[key]),
        )
        for key in dict.fromkeys([*old, *new])
        if old.get(key) != new.get(key)
    ]
    was_off, now_off = set(before.disabled_rules), set(after.disabled_rules)
    for rule in [rule for rule in rules if rule.code in was_off ^ now_off]:
        code = rule.code
        changes.append(
            SettingChange(
                code,
                rule.title or code.replace("_", " ").capitalize(),
                "off" if code in was_off else "on",
                "off" if code in now_off else "on",
            )
        )
    return changes


K = TypeVar("K")


@dataclass(frozen=True)
class Changed(Generic[K]):
    """One case whose decision the proposal would change: outcome, reason codes or both."""

    key: K
    before: Outcome
    after: Outcome
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def outcome_changes(self) -> bool:
        return self.before is not self.after


@dataclass(frozen=True)
class Impact(Generic[K]):
    """What a proposal would do to ``considered`` cases: every one that changes, in the order
    given, and the keys of the cases whose facts no longer validate (never silently dropped)."""

    considered: int
    changed: list[Changed[K]]
    unreadable: list[K]

    @property
    def outcomes_changed(self) -> int:
        return sum(1 for change in self.changed if change.outcome_changes)


def impact(
    cases: Iterable[tuple[K, Facts | Mapping[str, Any]]],
    current: RuleSetConfig,
    proposed: RuleSetConfig,
    rules: Sequence[Rule] = RULES,
) -> Impact[K]:
    """Re-evaluate each case's facts under ``current`` and ``proposed``; list what differs.

    A stored facts snapshot (a JSON mapping) is validated first; one that the core now refuses is
    reported in ``unreadable`` rather than guessed at.
    """
    changed: list[Changed[K]] = []
    unreadable: list[K] = []
    considered = 0
    for key, given in cases:
        considered += 1
        try:
            facts = given if isinstance(given, Facts) else Facts.model_validate(given)
        except ValueError:
            unreadable.append(key)
            continue
        now, then = evaluate(facts, current, rules), evaluate(facts, proposed, rules)
        old_codes, new_codes = now.codes, then.codes
        if now.outcome is then.outcome and old_codes == new_codes:
            continue
        changed.append(
            Changed(
                key=key,
                before=now.outcome,
                after=then.outcome,
                added=tuple(c for c in dict.fromkeys(new_codes) if c not in old_codes),
                removed=tuple(c for c in dict.fromkeys(old_codes) if c not in new_codes),
            )
        )
    return Impact(considered=considered, changed=changed, unreadable=unreadable)
