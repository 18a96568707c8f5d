"""Send every follow-up invitation and reminder due now, retry failures whose wait is over, exit.

Running it twice sends nothing new (``sending.send_due``). ``--at`` replays another moment, e.g.
``--at 2027-01-15T09:30`` (clinic time unless an offset is given).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from spinepath.followup import sending


def parse_moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--at: not a date and time such as 2027-01-15T09:30 ({text!r})") from (
            error
        )
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class Command(BaseCommand):
    help = "Send the follow-up invitations and reminders that are due now, then exit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            type=parse_moment,
            default=None,
            help="Act as if it were this moment (ISO 8601, clinic time unless an offset is given).",
        )

    def handle(self, *args: Any, at: datetime | None = None, **options: Any) -> None:
        report = sending.send_due(at=at)
        self.stdout.write(
            f"Follow-up messages: {report.sent} sent, {report.failed} failed"
            f" (retried later while attempts remain), {report.skipped} no longer needed;"
            f" {report.planned} newly due."
        )
