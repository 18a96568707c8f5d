"""`make lint` runs `lint-imports`: a forbidden import fails it, naming the contract it breaks.

Each test copies the package and the contracts in ``pyproject.toml`` into a temporary folder,
adds one import, and runs the linter there; the unmodified copy passes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "spinepath",
        tmp_path / "spinepath",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "data", "en_GB"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _add_import(module: Path, line: str) -> None:
    text = module.read_text()
    head, _, rest = text.partition("from __future__ import annotations\n")
    module.write_text(f"{head}from __future__ import annotations\n\n{line}\n{rest}")


def test_the_package_as_it_stands_keeps_every_contract(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "chain"),
    [
        (
            "clinical/vocab.py",
            "import django  # noqa",
            "The clinical core imports no Django and no other spinepath package BROKEN",
            "spinepath.clinical.vocab -> django",
        ),
        (
            "clinical/steroids.py",
            "import spinepath.lib.dates  # noqa",
            "The clinical core imports no Django and no other spinepath package BROKEN",
            "spinepath.clinical.steroids -> spinepath.lib.dates",
        ),
        (
            "assessment/decisions.py",
            "import spinepath.procedures.models  # noqa",
            "Apps form layers in pathway order",
            "spinepath.assessment.decisions -> spinepath.procedures.models",
        ),
        (
            "accounts/access.py",
            "import spinepath.patients.models  # noqa",
            "Apps form layers in pathway order",
            "spinepath.accounts.access -> spinepath.patients.models",
        ),
        (
            "procedures/views.py",
            "import spinepath.demo.seed  # noqa",
            "Nothing imports the demo or the synthetic registry BROKEN",
            "spinepath.procedures.views -> spinepath.demo.seed",
        ),
        (
            "followup/outcomes.py",
            "import spinepath.registry.generate  # noqa",
            "Nothing imports the demo or the synthetic registry BROKEN",
            "spinepath.followup.outcomes -> spinepath.registry.generate",
        ),
    ],
)
def test_a_forbidden_import_fails_the_lint_naming_its_contract(
    tmp_path, module, line, contract, chain
):
    copy = _copy(tmp_path)
    _add_import(copy / "spinepath" / module, line)
    result = _lint(copy)
    assert result.returncode != 0
    assert contract in result.stdout
    assert chain in result.stdout
