"""The demo's scenario data (``scenarios.toml``: what happens to whom, and how often) and the
drawing of its values, for the assessments, the procedure day and the year of follow-up."""

import random
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinepath.demo.wording import WORDING

SCENARIOS: dict[str, Any] = tomllib.loads((Path(__file__).parent / "scenarios.toml").read_text())


def weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _number(bound: int | float | str, names: Mapping[str, Any]) -> Any:
    name, _, less = str(bound).partition(" - ")
    return bound if not isinstance(bound, str) else names[name] - float(less or 0)


def draw(rng: random.Random, value: Any, names: Mapping[str, Any] | None = None) -> Any:
    """A value of the data: drawn where it says so, with "{name}" filled in."""
    if isinstance(value, str) and names is not None:
        inner = value[1:-1]
        if value.startswith("{") and value.endswith("}") and inner.isidentifier():
            return names[inner]
        return value.format_map(names)
    if isinstance(value, list):
        return [draw(rng, item, names) for item in value]
    if not isinstance(value, dict):
        return value
    if "int" in value:
        low, high = (int(_number(bound, names)) for bound in value["int"])
        return rng.randint(low, high) + (names[value["plus"]] if "plus" in value else 0)
    if "one_of" in value:
        return draw(rng, rng.choices(value["one_of"], value.get("weights"))[0], names)
    if "wording" in value:
        return rng.choice(WORDING[value["wording"]])
    if "uniform" in value:
        return round(rng.uniform(*value["uniform"]), 1)
    if "min" in value:
        return min(_number(bound, names) for bound in value["min"])
    return {key: draw(rng, item, names) for key, item in value.items()}
