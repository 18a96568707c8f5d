"""Every response tells the browser what the page may load and use (ASVS V3.4, V14.4)."""

from __future__ import annotations

import pytest

from spinepath.testing import setting_under_env

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_the_content_security_policy_allows_nothing_inline_and_no_framing(client):
    response = client.get("/accounts/login/")
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'none'"]
    assert not any(
        value in ("'unsafe-inline'", "'unsafe-eval'", "*")
        for values in policy.values()
        for value in values
    )


def test_staff_and_patient_pages_carry_the_policy_too(client, clinician_a):
    client.force_login(clinician_a)
    for url in ("/", "/information/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert "camera=()" in response.headers["Permissions-Policy"]


def test_the_permissions_policy_turns_off_device_features(client):
    features = dict(
        part.strip().split("=", 1)
        for part in client.get("/accounts/login/").headers["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def _proxy_header(**env: str) -> str:
    return setting_under_env("SECURE_PROXY_SSL_HEADER", **{"SPINEPATH_BEHIND_PROXY": "", **env})


def test_x_forwarded_proto_is_believed_only_when_a_proxy_is_said_to_be_in_front():
    assert _proxy_header(DEBUG="0") == "None"
    assert (
        _proxy_header(DEBUG="0", SPINEPATH_BEHIND_PROXY="1")
        == "('HTTP_X_FORWARDED_PROTO', 'https')"
    )
