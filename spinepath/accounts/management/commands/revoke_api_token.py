from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spinepath.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke API tokens by their prefix (as shown in the admin) or all of a user's tokens."

    def add_arguments(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--prefix")
        group.add_argument("--user")

    def handle(self, *args: Any, prefix: str | None, user: str | None, **options: Any) -> None:
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        tokens = tokens.filter(prefix=prefix) if prefix else tokens.filter(user__username=user)
        if not tokens.exists():
            raise CommandError("No active token matches.")
        for token in tokens:
            token.revoke()
            self.stdout.write(f"Revoked {token.prefix}… ({token.user.username})")
