"""The hazard log in docs/safety-case.md names, for every control, the test that proves it.

A control is only as good as its test, so a hazard that names a test which has been renamed or
deleted (or names none) must fail the build until the log is brought up to date.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAFETY_CASE = ROOT / "docs" / "safety-case.md"
HAZARD = re.compile(r"^### (H\d+) (.+)$", re.M)
REFERENCE = re.compile(r"`(spinepath/[\w/]+\.py)::(test_\w+)`")


def hazards(text: str) -> dict[str, list[tuple[str, str]]]:
    """Each hazard's id and the (file, test) references in its section, in order."""
    found: dict[str, list[tuple[str, str]]] = {}
    headings = list(HAZARD.finditer(text))
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        section = text[heading.end() : following.start() if following else len(text)]
        found[heading.group(1)] = REFERENCE.findall(section)
    return found


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def problems(text: str, root: Path = ROOT) -> list[str]:
    """Every reason the log is out of date: a hazard with no test, a missing file or test."""
    found = hazards(text)
    wrong: list[str] = []
    if not found:
        wrong.append("no hazard headings ('### H<n> <name>') found")
    for hazard, references in found.items():
        if not references:
            wrong.append(f"{hazard} names no test")
        for file, test in references:
            path = root / file
            if not path.name.startswith("test_") or not path.is_file():
                wrong.append(f"{hazard}: {file} is not a test module")
            elif test not in _test_names(path):
                wrong.append(f"{hazard}: {file} has no {test}")
    return wrong


def test_every_hazard_names_tests_that_exist() -> None:
    assert problems(SAFETY_CASE.read_text()) == []


def test_the_log_covers_the_hazards_the_issue_names() -> None:
    titles = " ".join(
        heading.group(2).lower() for heading in HAZARD.finditer(SAFETY_CASE.read_text())
    )
    for hazard in (
        "wrong patient",
        "wrong side",
        "missed red flag",
        "steroid over-exposure",
        "anticoagulant not held",
        "lost or duplicated follow-up answer",
        "wrong relief figure",
        "identifiable data reaches an analyst",
    ):
        assert hazard in titles


def test_a_renamed_test_or_a_hazard_without_tests_is_reported() -> None:
    real = "`spinepath/tests/test_safety_case.py::test_every_hazard_names_tests_that_exist`"
    assert problems(f"### H1 Fine\n{real}\n") == []
    assert problems(f"### H1 Renamed\n{real.replace('exist`', 'exists`')}\n") == [
        "H1: spinepath/tests/test_safety_case.py has no test_every_hazard_names_tests_that_exists"
    ]
    assert problems("### H1 Untested\nno reference here\n") == ["H1 names no test"]
    assert problems("### H1 Gone\n`spinepath/tests/test_gone.py::test_x`\n") == [
        "H1: spinepath/tests/test_gone.py is not a test module"
    ]
