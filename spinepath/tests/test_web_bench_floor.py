"""The web bench's audited floor (``bench/reference_views.audited_floor``) keeps the security a
patient page keeps, so its throughput is a fair ceiling for one: mounted only by the bench's
settings, refused without a sign-in, sent to the second step when it is required and not done, a
404 for another clinic's patient, and one audited read written per request. No timing here."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench import reference_views
from spinepath.accounts.models import AuditEvent

FLOOR = "/bench/audited-floor/{}/"
BENCH_URLS = override_settings(ROOT_URLCONF="bench.web_urls")


def test_the_floor_is_mounted_by_the_bench_settings_only(patient_a: Any) -> None:
    with pytest.raises(Resolver404):
        resolve(FLOOR.format(patient_a.pk))
    with BENCH_URLS:
        assert resolve(FLOOR.format(patient_a.pk)).func is reference_views.audited_floor
        # Every product address resolves as in production, the floor's after them.
        assert resolve(f"/patients/{patient_a.pk}/").url_name == "patient_detail"


@BENCH_URLS
def test_the_floor_shows_the_patient_and_audits_the_read(
    client: Any, clinician_a: Any, patient_a: Any
) -> None:
    client.force_login(clinician_a)
    before = AuditEvent.objects.count()
    response = client.get(FLOOR.format(patient_a.pk))
    assert response.status_code == 200
    assert patient_a.family_name in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response
    read = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert (read.action, read.object_id, read.user) == ("read", str(patient_a.pk), clinician_a)


@BENCH_URLS
def test_the_floor_refuses_anyone_signed_out_and_another_clinics_patient(
    client: Any, clinician_a: Any, patient_b: Any, patient_a: Any
) -> None:
    response = client.get(FLOOR.format(patient_a.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(clinician_a)
    assert client.get(FLOOR.format(patient_b.pk)).status_code == 404


@BENCH_URLS
@override_settings(SPINEPATH_MFA_REQUIRED=True)
def test_the_floor_needs_the_second_step(client: Any, clinician_a: Any, patient_a: Any) -> None:
    client.force_login(clinician_a)
    response = client.get(FLOOR.format(patient_a.pk))
    assert response.status_code == 302 and response["Location"].startswith("/mfa/")
    device = TOTPDevice.objects.create(user=clinician_a, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(FLOOR.format(patient_a.pk)).status_code == 200
