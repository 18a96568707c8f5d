"""One code per concept, chosen by the record (issue 7, item 7).

Before: sciatica showed both M54.3 and M54.4 (which exclude each other), and every
transforaminal epidural showed 64484, the add-on for each extra level, even at one level.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from spinepath.clinical.coding import (
    Coding,
    check_codebook,
    codebook,
    cpt_lines,
    load_codebook,
)


def _codes(concept_codings: tuple[Coding, ...]) -> list[str]:
    return [c.code for c in concept_codings]


def test_sciatica_is_one_icd10_code_chosen_by_back_pain() -> None:
    sciatica = codebook().conditions["sciatica"]
    assert _codes(sciatica.codings_for(back_pain=True)) == ["M54.4", "23056005"]
    assert _codes(sciatica.codings_for(back_pain=False)) == ["M54.3", "23056005"]
    assert _codes(sciatica.codings) == ["M54.3", "23056005"]  # not known: the default


def test_every_condition_has_at_most_one_code_per_system() -> None:
    book = codebook()
    for concept in book.conditions.values():
        for back_pain in (True, False, None):
            systems = [c.system for c in concept.codings_for(back_pain=back_pain)]
            assert len(systems) == len(set(systems)), concept.key


@pytest.mark.parametrize(
    ("procedure", "levels", "imaging", "side", "expected"),
    [
        ("transforaminal_epidural", 1, "fluoroscopy", "left", [("64483", 1, "")]),
        ("transforaminal_epidural", 0, "fluoroscopy", "left", [("64483", 1, "")]),
        ("transforaminal_epidural", 2, "fluoroscopy", "left", [("64483", 1, ""), ("64484", 1, "")]),
        ("transforaminal_epidural", 3, "ct", "bilateral", [("64483", 1, "50"), ("64484", 2, "50")]),
        ("facet_joint_injection", 1, "fluoroscopy", "right", [("64493", 1, "")]),
        ("medial_branch_block", 2, "fluoroscopy", "right", [("64493", 1, ""), ("64494", 1, "")]),
        (
            "facet_joint_injection",
            4,
            "fluoroscopy",
            "right",
            [("64493", 1, ""), ("64494", 1, ""), ("64495", 1, "")],
        ),
        (
            "radiofrequency_denervation",
            2,
            "fluoroscopy",
            "left",
            [("64635", 1, ""), ("64636", 1, "")],
        ),
        ("caudal_epidural", 0, "fluoroscopy", "not_applicable", [("62323", 1, "")]),
        ("interlaminar_epidural", 1, "ultrasound", "not_applicable", [("62322", 1, "")]),
        ("sacroiliac_joint_injection", 0, "fluoroscopy", "left", [("27096", 1, "")]),
    ],
)
def test_cpt_codes_follow_the_levels_imaging_and_side(
    procedure: str, levels: int, imaging: str, side: str, expected: list[tuple[str, int, str]]
) -> None:
    concept = codebook().procedures[procedure]
    lines = cpt_lines(concept, levels=levels, imaging=imaging, side=side)
    assert [(line.code, line.units, line.modifier) for line in lines] == expected


def test_the_file_check_refuses_two_codes_that_would_both_apply() -> None:
    book = load_codebook()
    sciatica = book.conditions["sciatica"]
    both = tuple(replace(c, when="", default=False) for c in sciatica.all_codings)
    broken = replace(
        book, conditions={**book.conditions, "sciatica": replace(sciatica, all_codings=both)}
    )
    assert check_codebook(book) == []
    assert any("sciatica" in p and "exactly one" in p for p in check_codebook(broken))


def test_the_file_check_wants_a_fhir_route_per_procedure_and_every_fhir_system() -> None:
    book = load_codebook()
    routes = {k: v for k, v in book.fhir.routes.items() if k != "caudal_epidural"}
    systems = {k: v for k, v in book.fhir.systems.items() if k != "nhs_number"}
    broken = replace(book, fhir=replace(book.fhir, routes=routes, systems=systems))
    assert check_codebook(broken) == [
        "procedure 'caudal_epidural' has no FHIR route in the coding file",
        "the FHIR system 'nhs_number' is missing from the coding file",
    ]
