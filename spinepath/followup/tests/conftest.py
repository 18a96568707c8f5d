from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from spinepath.followup.sms import MemorySMSBackend
from spinepath.followup.tests.smtp import SMTPServer


@pytest.fixture
def smtp(settings: Any) -> Iterator[SMTPServer]:
    """Django's SMTP backend pointed at a real local SMTP server."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        settings.SPINEPATH_SMS_BACKEND = "spinepath.followup.sms.MemorySMSBackend"
        yield server


@pytest.fixture
def texts(settings: Any) -> Iterator[list[tuple[str, str]]]:
    settings.SPINEPATH_SMS_BACKEND = "spinepath.followup.sms.MemorySMSBackend"
    MemorySMSBackend.outbox = []
    yield MemorySMSBackend.outbox
    MemorySMSBackend.outbox = []
