"""A submission recorded once, however often it arrives (issue 17, item 8).

A double click, a browser's retry or a client's retry after a timeout sends the same request
again. Where a record has a natural key (one patient per NHS number in a clinic, one procedure per
episode, side and level on a day, one answer set per time point, one booking per episode…) the
workflow's constraint or the patient's lock already refuses the copy. Everything else is protected
here, by a key the client sends with the request:

* pages: the hidden ``submission_token`` field that ``{% submission_token %}`` (``lib.submission``)
  puts in a create form when it is rendered, so every copy of one submission carries the same
  token, claimed for the signed-in user, or else for the sender's session: a hook in ``SCOPES``
  (the patient's follow-up session, registered by the follow-up app) or Django's session;
* the API: an optional ``Idempotency-Key`` header.

``SubmissionMiddleware`` inserts a ``SubmissionClaim`` for the key first thing inside a transaction
and runs the view inside the same transaction, so the claim and the record commit together. A
copy that arrives meanwhile waits at the claim's unique constraint (PostgreSQL) or for the write
lock (SQLite, whose transactions are ``BEGIN IMMEDIATE``), then finds the first claim and answers
as the first request did: a page redirects to the first record with "already recorded"; the API
replays the first status and JSON (and answers 422 when the same key came with another body).

Only a success is kept: a page's redirect, an API 2xx. A refusal or an invalid form releases the
key (the view's answer stands and the client may correct and resend); a server error rolls back
everything the request wrote. Requests without a key are untouched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, OperationalError, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import ApiToken, AuditEvent, SubmissionClaim, User
from spinepath.lib.submission import FIELD

API_PREFIX = "/api/"
HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces
ALREADY_RECORDED = "This was already recorded the first time it was sent: nothing was saved twice."
REPLAYED_HEADER = "Idempotent-Replayed"


SCOPES: list[Callable[[HttpRequest], str | None]] = []
"""Who sent a form when nobody is signed in, for the layers above that keep their own session
(the follow-up app's patient session, which is not Django's): each hook returns a scope of at
most 80 characters, or ``None`` when the request is not in its session. Tried in turn, before
Django's session."""


class _Claimed(Exception):
    """Another request holds (or held) this key."""


def _digest(*parts: bytes | str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


class Claim:
    def __init__(self, kind: str, scope: str, key: str, fingerprint: str) -> None:
        self.kind, self.scope, self.key, self.fingerprint = kind, scope, key, fingerprint


def claim_for(request: HttpRequest) -> Claim | HttpResponse | None:
    """The claim ``request`` makes, an error answer for a malformed key, or ``None``."""
    if request.method != "POST":
        return None
    if request.path.startswith(API_PREFIX):
        raw = request.META.get(HEADER)
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        if raw is None or not auth:
            return None  # no key, or no token (the API answers 401 itself)
        if not KEY_PATTERN.fullmatch(raw):
            return _bad_key()
        fingerprint = _digest(request.method, request.path, request.body)
        return Claim(SubmissionClaim.API, "t:" + _digest(auth)[:32], _digest(raw), fingerprint)
    token = request.POST.get(FIELD, "")
    if not token or len(token) > 200:
        return None
    scope = _sender(request)
    if scope is None:
        return None  # nobody to scope it to: a form with no session cannot be replayed
    return Claim(SubmissionClaim.FORM, scope, _digest(request.path, token), "")


def _sender(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    for hook in SCOPES:
        scope = hook(request)
        if scope is not None:
            return scope
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    return "s:" + _digest(session_key)[:32] if session_key else None


def _bad_key() -> HttpResponse:
    return JsonResponse(
        {
            "detail": [
                {
                    "loc": ["header", "Idempotency-Key"],
                    "field": "Idempotency-Key",
                    "msg": "Idempotency-Key must be 1 to 255 printable ASCII characters.",
                    "type": "value_error",
                }
            ]
        },
        status=422,
    )


def _kept(claim: Claim, response: HttpResponse) -> bool:
    if getattr(response, "streaming", False):
        return False
    if claim.kind == SubmissionClaim.API:
        return 200 <= response.status_code < 300
    return 300 <= response.status_code < 400 and bool(response.get("Location"))


class SubmissionMiddleware:
    """Runs a keyed POST inside one transaction with its claim; answers copies from the claim."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        claim = claim_for(request)
        if claim is None:
            return self.get_response(request)
        if isinstance(claim, HttpResponse):
            return claim
        for _ in range(3):
            try:
                return self._first(request, claim)
            except _Claimed:
                pass
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                return _busy(claim.kind == SubmissionClaim.API)
            first = SubmissionClaim.objects.filter(scope=claim.scope, key=claim.key).first()
            if first is not None:
                return _replay(request, claim, first)
            # The holder failed and released the key between our attempt and this read: try again.
        return _busy(claim.kind == SubmissionClaim.API)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view whose wait for the write lock timed out ("database is locked": SQLite's busy
        timeout on a loaded machine, a request with no key as well as one with a key) answers
        503 with ``Retry-After``, not 500: nothing was recorded and the same request may simply
        be sent again. (Inside a keyed request's transaction the 503 rolls the claim back too.)"""
        if isinstance(exception, OperationalError) and "locked" in str(exception):
            return _busy(request.path.startswith(API_PREFIX))
        return None

    def _first(self, request: HttpRequest, claim: Claim) -> HttpResponse:
        using = router.db_for_write(SubmissionClaim)
        with transaction.atomic(using=using):
            try:
                with transaction.atomic(using=using):
                    row = SubmissionClaim.objects.create(
                        kind=claim.kind,
                        scope=claim.scope,
                        key=claim.key,
                        fingerprint=claim.fingerprint,
                        status=0,
                        created_at=timezone.now(),
                    )
            except IntegrityError:
                raise _Claimed from None
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True, using=using)
            elif _kept(claim, response):
                row.status = response.status_code
                row.location = response.get("Location", "")[:2000]
                if claim.kind == SubmissionClaim.API:
                    row.content_type = response.get("Content-Type", "")[:100]
                    row.body = response.content.decode()
                row.save(update_fields=["status", "location", "content_type", "body"])
            else:
                row.delete()
        return response


def _replay(request: HttpRequest, claim: Claim, first: SubmissionClaim) -> HttpResponse:
    if claim.kind == SubmissionClaim.API:
        if first.fingerprint != claim.fingerprint:
            return JsonResponse(
                {
                    "detail": [
                        {
                            "loc": ["header", "Idempotency-Key"],
                            "field": "Idempotency-Key",
                            "msg": "This Idempotency-Key was already used for a different request.",
                            "type": "value_error",
                        }
                    ]
                },
                status=422,
            )
        # The token must still be good (it may have been revoked or expired since), and the
        # replayed answer is a read of what it shows: audited like any other.
        user = _api_user(request)
        if user is None:
            return JsonResponse({"detail": "A valid staff API token is required."}, status=401)
        audit.record(
            request,
            AuditEvent.Action.READ,
            first,
            user=user,
            channel=AuditEvent.Channel.API,
            detail={"replayed": request.path, "status": first.status},
        )
        response = HttpResponse(
            first.body, status=first.status, content_type=first.content_type or None
        )
        if first.location:
            response["Location"] = first.location
        response[REPLAYED_HEADER] = "true"
        return response
    messages.info(request, ALREADY_RECORDED)
    return HttpResponseRedirect(first.location)


def _api_user(request: HttpRequest) -> User | None:
    scheme, _, secret = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return ApiToken.objects.authenticate(secret.strip())


def _busy(api: bool) -> HttpResponse:
    message = "The service is busy: nothing was recorded. Please try again in a moment."
    if api:
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "2"
    return response


def purge(*, at: datetime | None = None) -> int:
    """Delete claims older than ``SPINEPATH_SUBMISSION_CLAIM_HOURS``; the number deleted."""
    now = at or timezone.now()
    cutoff = now - timedelta(hours=settings.SPINEPATH_SUBMISSION_CLAIM_HOURS)
    deleted, _ = SubmissionClaim.objects.filter(created_at__lt=cutoff).delete()
    return deleted
