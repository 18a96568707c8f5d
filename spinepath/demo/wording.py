"""The demo's data: what its invented clinicians write (``wording.toml``) and the scenarios its
invented patients meet (``scenarios.toml``)."""

import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
WORDING: dict[str, Any] = tomllib.loads((HERE / "wording.toml").read_text())
SCENARIOS: dict[str, Any] = tomllib.loads((HERE / "scenarios.toml").read_text())
