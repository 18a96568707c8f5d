"""A demo of any size leaves invitations due and unsent at its today, for ``send_followups``."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from spinepath.demo.seed import build_demo
from spinepath.followup.sending import send_due


@pytest.mark.parametrize(("seed", "patients", "today"), [(3, 30, date(2026, 3, 9))])
def test_a_small_demo_also_leaves_messages_for_the_sender(
    db: Any, seed: int, patients: int, today: date
) -> None:
    build_demo(patients=patients, seed=seed, today=today)
    now = timezone.make_aware(datetime.combine(today, time(10)))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert send_due(at=now).sent > 0
        assert send_due(at=now).sent == 0
