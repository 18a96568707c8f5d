"""FHIR over HTTP: ``application/fhir+json`` bodies, OperationOutcome errors, staff auth.

Plain Django views rather than the Ninja API: FHIR has its own content type and error resource,
and every refusal here must be an ``OperationOutcome`` (never Ninja's ``{"detail": …}``).
The same staff bearer tokens as ``/api/v1/`` work, and so does a signed-in session (the
patient page's "Download FHIR bundle" link).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from spinepath.accounts import access
from spinepath.accounts.models import ApiToken, User

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"


@dataclass(frozen=True)
class Issue:
    """One problem, as an ``OperationOutcome.issue``: FHIR's issue-type ``code``, the words,
    and where (a FHIRPath ``expression``) when it is inside the request body."""

    code: str
    diagnostics: str
    expression: str = ""
    severity: str = "error"

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class Refused(Exception):
    """Answer with ``status`` and an OperationOutcome of ``issues`` (nothing written)."""

    def __init__(self, status: int, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.diagnostics for i in issues))
        self.status = status
        self.issues = issues


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in issues]}


def fhir_response(
    body: Any,
    *,
    status: int = 200,
    content_type: str = FHIR_JSON,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=f"{content_type}; charset=utf-8",
        headers=headers,
    )
    response["Cache-Control"] = "no-store"
    return response


def outcome_response(status: int, *issues: Issue) -> HttpResponse:
    return fhir_response(operation_outcome(list(issues)), status=status)


def _authenticate(request: HttpRequest) -> tuple[User | None, bool]:
    """The staff user and whether they came by token (``None`` when neither works)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer":
        secret = secret.strip()
        user = ApiToken.objects.authenticate(secret) if secret and "\x00" not in secret else None
        return user, True
    if request.user.is_authenticated:
        return request.user, False  # type: ignore[return-value]
    return None, False


def fhir_view(
    *methods: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Staff only (token or session, session writes CSRF-checked), ``methods`` only, and every
    refusal as an OperationOutcome: 401, 403 (audited), 404, 405, or the view's own."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = outcome_response(
                    405, Issue("not-supported", f"{request.method} is not supported here.")
                )
                response["Allow"] = ", ".join(methods)
                return response
            user, by_token = _authenticate(request)
            if user is None:
                response = outcome_response(
                    401,
                    Issue("login", "A valid staff API token or a signed-in session is required."),
                )
                response["WWW-Authenticate"] = "Bearer"
                return response
            request.user = user
            if not by_token and request.method not in ("GET", "HEAD"):
                refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                    request, view, args, kwargs
                )
                if refused is not None:
                    return outcome_response(
                        403, Issue("security", "The form's CSRF token is missing or wrong.")
                    )
            try:
                access.ensure_patient_role(user)
                return view(request, *args, **kwargs)
            except Refused as exc:
                return outcome_response(exc.status, *exc.issues)
            except PermissionDenied as exc:
                access.record_refusal(request, exc)
                return outcome_response(
                    403, Issue("forbidden", str(exc) or "Your role does not allow this.")
                )
            except Http404 as exc:
                return outcome_response(404, Issue("not-found", str(exc) or "Not found."))

        return csrf_exempt(wrapper)

    return decorator
