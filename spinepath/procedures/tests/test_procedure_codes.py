"""The procedure record's codes come from the record (issue 7, item 7)."""

from __future__ import annotations

import re

import pytest

from spinepath.testing import assess, check_today, record_procedure, take_consent

pytestmark = pytest.mark.django_db


def _codes_section(client, record) -> str:
    page = client.get(f"/procedures/{record.pk}/").content.decode()
    return re.search(r'<section aria-labelledby="codes-h".*?</section>', page, re.S).group(0)


def test_two_levels_get_one_add_on_and_no_back_pain_is_sciatica_alone(
    client, episode_a, clinician_a
):
    consent = take_consent(
        assess(episode_a, clinician_a, nrs_back=0), clinician_a, levels=["L4/L5", "L5/S1"]
    )
    check_today(consent, clinician_a)
    record = record_procedure(episode_a, clinician_a, levels=["L4/L5", "L5/S1"])
    client.force_login(clinician_a)
    codes = _codes_section(client, record)
    assert "M54.3" in codes and "M54.4" not in codes
    assert '<span class="code cpt">64483</span>' in codes
    assert '<span class="code cpt">64484</span> Transforaminal' in codes  # one extra level


def test_one_level_with_back_pain_is_lumbago_with_sciatica_and_no_add_on(
    client, episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a, nrs_back=6), clinician_a)
    check_today(consent, clinician_a)
    record = record_procedure(episode_a, clinician_a)
    client.force_login(clinician_a)
    codes = _codes_section(client, record)
    assert "M54.4" in codes and "M54.3" not in codes
    assert "64483" in codes and "64484" not in codes
