"""Text messages behind a pluggable backend, chosen by ``settings.SPINEPATH_SMS_BACKEND``.

Email has Django's own backends; SMS providers differ in every detail, so spinepath asks only for
a class with ``send(to, body)`` that raises on failure. A clinic plugs in its provider's class;
development and the demo print messages to the console.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from django.conf import settings
from django.utils.module_loading import import_string


class SMSBackend(Protocol):
    def send(self, to: str, body: str) -> None:
        """Deliver ``body`` to the phone number ``to``; raise ``SMSError`` when it cannot."""


class SMSError(Exception):
    """The provider refused or could not be reached; the sender logs it and tries again later."""


class ConsoleSMSBackend:
    """Writes each text message to standard output instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, to: str, body: str) -> None:
        self.stream.write(f"--- SMS to {to} ---\n{body}\n---\n")
        self.stream.flush()


class MemorySMSBackend:
    """Keeps sent messages in ``outbox`` (class-wide, like Django's locmem email backend)."""

    outbox: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> None:
        MemorySMSBackend.outbox.append((to, body))


def sms_backend() -> SMSBackend:
    backend: SMSBackend = import_string(settings.SPINEPATH_SMS_BACKEND)()
    return backend
