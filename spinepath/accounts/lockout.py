"""Sign-in lockout by account and by address, each with its own limit.

django-axes counts failures for each lockout parameter (``AXES_LOCKOUT_PARAMETERS``: one
username from one address, and one address across all usernames) but compares them all with one
limit. One account needs a low limit (``AXES_FAILURE_LIMIT``, 5); an address needs a higher one
(``SPINEPATH_ADDRESS_FAILURE_LIMIT``, 20), because a clinic's staff may share an address. This
handler reports the address's failures in the account limit's units, so axes' one comparison
(``failures >= AXES_FAILURE_LIMIT``) locks exactly when either count reaches its own limit:
``floor(a * L / A) >= L`` if and only if ``a >= A``.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def scaled_failures(
    by_account: int, by_address: int, account_limit: int, address_limit: int
) -> int:
    """The failure count axes compares with ``account_limit``."""
    return max(by_account, by_address * account_limit // address_limit)


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return scaled_failures(
            by_account,
            by_address,
            settings.AXES_FAILURE_LIMIT,
            settings.SPINEPATH_ADDRESS_FAILURE_LIMIT,
        )
