"""Send the reminders due two days before each session (cron, daily)."""

from django.core.management.base import BaseCommand

from spinepath.scheduling import messages


class Command(BaseCommand):
    help = "Email the reminders for sessions two days from today."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{messages.send_due()} reminder(s) sent.")
