"""What the demo's invented clinicians write, kept as data in ``wording.toml``."""

import tomllib
from pathlib import Path
from typing import Any

WORDING: dict[str, Any] = tomllib.loads((Path(__file__).parent / "wording.toml").read_text())
