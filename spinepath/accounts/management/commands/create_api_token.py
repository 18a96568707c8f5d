from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spinepath.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue a new API token for an active staff user. The token is the last line printed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="How many days it works (1-366; default SPINEPATH_API_TOKEN_DAYS, 90).",
        )

    def handle(
        self, *args: Any, username: str, name: str, days: int | None, **options: Any
    ) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called {username!r}.")
        try:
            token, secret = ApiToken.objects.issue(user, name=name, days=days)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"Token {token.prefix}… for {user.username}, works until "
            f"{token.expires_at:%d %B %Y %H:%M} UTC. Store it now: it is not shown again."
        )
        self.stdout.write(secret)
