"""Start-up checks: malformed instrument definitions or a broken rule set stop the app."""

from typing import Any

from django.conf import settings
from django.core import checks

from spinepath.clinical.decision import validate_ruleset
from spinepath.clinical.instruments import validate_instruments
from spinepath.clinical.rules import RULES
from spinepath.clinical.ruleset import RuleSetConfigError, config_with_overrides


@checks.register()
def instruments_are_well_formed(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error(p, id="spinepath.E010") for p in validate_instruments()]


@checks.register()
def ruleset_is_well_formed(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        config = config_with_overrides(settings.SPINEPATH_RULESET_OVERRIDES)
    except RuleSetConfigError as exc:
        return [
            checks.Error(f"SPINEPATH_RULESET_OVERRIDES: {p}", id="spinepath.E020")
            for p in exc.problems
        ]
    return [checks.Error(p, id="spinepath.E021") for p in validate_ruleset(RULES, config)]
