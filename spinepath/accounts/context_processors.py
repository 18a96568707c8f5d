from typing import Any

from django.http import HttpRequest


def staff(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from spinepath.accounts.access import capabilities

    return {"staff_user": user, "staff_clinic": user.clinic, "can": capabilities(user)}
