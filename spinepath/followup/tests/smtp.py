"""A real SMTP server on the loopback address (aiosmtpd), for tests that read what arrived.

``refuse_next(n)`` makes the next ``n`` messages fail with a temporary error (451), as a busy or
unreachable mail relay would, so retries are tested against the real protocol.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Arrived:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


class Mailbox:
    """The aiosmtpd handler: keeps every message accepted, refuses on request."""

    def __init__(self) -> None:
        self.arrived: list[Arrived] = []
        self._refuse = 0
        self._lock = threading.Lock()

    def refuse_next(self, count: int) -> None:
        with self._lock:
            self._refuse = count

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self._refuse > 0:
                self._refuse -= 1
                return "451 4.3.0 Try again later"
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.arrived.append(Arrived(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()

    @property
    def arrived(self) -> list[Arrived]:
        return self.mailbox.arrived
