"""The JSON API under /api/v1/: one NinjaAPI, one router per app.

Every route needs a staff bearer token; handlers reach patient data only through
``spinepath.accounts.access`` so the API is scoped exactly like the web pages.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from spinepath.accounts import access
from spinepath.accounts.models import ApiToken


class StaffToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.objects.authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="spinepath API",
    version="1",
    urls_namespace="api",
    auth=StaffToken(),
    docs_url=None,  # served by ``api_docs`` below, behind the staff login
    description=(
        "Staff API for spinepath. Authenticate with `Authorization: Bearer <token>`; create a "
        "token with `python manage.py create_api_token USERNAME`. Invalid input gives HTTP 422 "
        "naming each bad field."
    ),
)


@login_required
def api_docs(request: HttpRequest) -> HttpResponse:
    """Interactive docs for signed-in staff: Swagger UI vendored in static/vendor/swagger-ui."""
    context = {"api": api, "openapi_url": reverse("api:openapi-json")}
    return render(request, "api_docs.html", context)


@api.exception_handler(ValidationError)
def validation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": [_describe(error) for error in exc.errors]},
        status=422,
    )


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    # Ninja prefixes locations with the parameter source ("body", "payload"); keep the field path
    # and say it in words as well so a person can read the response.
    loc = [str(part) for part in error.get("loc", ())]
    field_path = [p for p in loc if p not in {"body", "payload", "query", "path"}]
    return {
        "loc": loc,
        "field": ".".join(field_path),
        "msg": error.get("msg", "invalid"),
        "type": error.get("type", "value_error"),
    }


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Not found"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    access.record_refusal(request, exc)
    return api.create_response(
        request, {"detail": str(exc) or "Your role does not allow this."}, status=403
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:
        access.record_refusal(request, exc)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "A valid staff API token is required."}, status=401
    )


def _register_routers() -> None:
    from spinepath.analytics.api import router as analytics_router
    from spinepath.assessment.api import router as assessment_router
    from spinepath.assessment.ruleset_api import router as ruleset_router
    from spinepath.followup.api import router as followup_router
    from spinepath.onward.api import router as onward_router
    from spinepath.patients.api import router as patients_router
    from spinepath.prediction.api import router as prediction_router
    from spinepath.procedures.api import router as consent_router
    from spinepath.procedures.ledger_api import router as ledger_router
    from spinepath.scheduling.api import router as scheduling_router

    api.add_router("/", patients_router)
    api.add_router("/", assessment_router)
    api.add_router("/", ruleset_router)
    api.add_router("/", consent_router)
    api.add_router("/", ledger_router)
    api.add_router("/", onward_router)
    api.add_router("/", followup_router)
    api.add_router("/", analytics_router)
    api.add_router("/", scheduling_router)
    api.add_router("/", prediction_router)


_register_routers()
