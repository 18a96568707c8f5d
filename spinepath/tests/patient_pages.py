"""What every patient-facing page must pass on a phone, checked the same way by every test.

The patient pages (follow-up links, aftercare) are opened on a phone by people who may use a
screen reader or large text: no WCAG 2.2 A/AA violation (axe-core), no ARIA reference to a missing
id, no sideways scrolling, and every answer target at least 44 px square.
"""

from __future__ import annotations

from typing import Any

from spinepath.tests.test_browser_every_page import (
    DANGLING_REFERENCES,
    SIDEWAYS,
    WCAG_TAGS,
    _screenshot,
)

PHONE = {"width": 390, "height": 844}
SMALLEST_TARGET_PX = 44


def patient_page_problems(page: Any, name: str, axe: Any, *, targets: str) -> list[str]:
    """Every problem found on ``page`` as it stands, each named by ``name`` (empty: none).

    ``targets`` selects the controls a patient taps, which must each be at least 44 px square.
    """
    page.wait_for_load_state()
    _screenshot(page, f"patient {name}", PHONE["width"])
    problems = [f"{name}: dangling {reference}" for reference in page.evaluate(DANGLING_REFERENCES)]
    measured = page.evaluate(SIDEWAYS)
    if measured["page"] > measured["viewport"]:
        problems.append(f"{name}: {measured['page']} px wide ({measured['widest']})")
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            problems.append(f"{name}: {violation['id']} {' '.join(node['target'])}")
    for target in page.locator(targets).all():
        box = target.bounding_box()
        if box is not None and min(box["height"], box["width"]) < SMALLEST_TARGET_PX:
            problems.append(f"{name}: a target is {box['width']:.0f}×{box['height']:.0f} px")
    return problems
