"""Check the audit log's hash chain: every row unchanged, none removed, added or back-dated.

Prints each row where the chain stops holding (by position and id, never its contents) and
exits non-zero; on success prints the head (position and hash). Note the head somewhere the
database's owner cannot write (a ticket, a log shipped elsewhere) and pass it back later as
``--anchor SEQ:HASH``: rows removed from the end, or a chain rebuilt from scratch, are found
only that way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spinepath.accounts.chain import link
from spinepath.accounts.models import AuditEvent
from spinepath.lib.hashchain import GENESIS, Link, verify

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain; exit 1 naming each changed, missing or back-dated row."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--anchor",
            default="",
            help="SEQ:HASH of a head noted earlier: that row must still be in the chain as it was.",
        )

    def handle(self, *args: Any, anchor: str, **options: Any) -> None:
        wanted: tuple[int, str] | None = None
        if anchor:
            match = re.fullmatch(r"(\d+):([0-9a-f]{64})", anchor.strip())
            if not match:
                raise CommandError("--anchor is SEQ:HASH, e.g. 1234:9f86d0…(64 hex digits).")
            wanted = (int(match[1]), match[2])
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)
        seen = {"count": 0, "head": (0, GENESIS), "anchored": False}

        def links() -> Iterator[Link]:
            for event in events:
                seen["count"] = int(seen["count"]) + 1
                seen["head"] = (event.seq, event.hash)
                if wanted and event.seq == wanted[0]:
                    seen["anchored"] = event.hash == wanted[1]
                yield link(event)

        problems = 0
        for problem in verify(links()):
            problems += 1
            if problems <= SHOWN:
                self.stderr.write(
                    f"position {problem.seq} ({problem.key}): {problem.kind}: {problem.message}"
                )
        if wanted and not seen["anchored"]:
            problems += 1
            self.stderr.write(
                f"position {wanted[0]}: anchor: the noted head is not in the chain as it was "
                "(rows were removed from the end, or the chain was rebuilt)"
            )
        if problems:
            more = f" (first {SHOWN} shown)" if problems > SHOWN else ""
            raise CommandError(f"The audit log fails verification: {problems} problem(s){more}.")
        seq, digest = seen["head"]  # type: ignore[misc]
        self.stdout.write(
            f"Audit log verified: {seen['count']} event(s), chain unbroken. Head {seq}:{digest}"
        )
