import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from spinepath.lib.batched import deferred_inserts


class NoStoreMiddleware:
    """Pages showing patient data must not linger in shared browser or proxy caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class AuditFlushMiddleware:
    """A request's audited looks (reads, lists, refusals) written together, once, before its
    response leaves: one INSERT however many records the page or API call read.

    The events are collected by ``accounts.audit`` (``lib.batched.defer``) while the view runs
    and written when it returns, whatever it returned (a refusal's 404 included). If writing
    them fails, the error propagates and Django answers 500 instead of the page: nothing is
    shown that was not logged. Writes are not held here: their events are written with them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with deferred_inserts():
            return self.get_response(request)


SIGNED_IN_AT = "spinepath_signed_in_at"
SEEN_AT = "spinepath_seen_at"
SEEN_RESOLUTION_SECONDS = 60


def start_session_clocks(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """Signing in starts both clocks (connected to ``user_logged_in`` by the app config), so the
    first page after it writes nothing more to the session."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = time.time()


class SessionTimeoutMiddleware:
    """Ends a staff session after a spell without requests and, whatever happens, some hours
    after signing in (ASVS 7.3.1, 7.3.2).

    The session keeps when it began and when it was last used. "Last used" is written at most
    once a minute (a write on every request would make every page an UPDATE), so the idle limit
    is kept to the minute. An ended session is signed out before the view runs: the view then
    treats the request as anyone else's without a session (the sign-in page, or a 401 from the
    API), and the sign-in page says why.

    Signing in (``django.contrib.auth.login``) starts both clocks; a session from before this
    middleware starts them on its next request. A deactivated user's session ends at once in any
    case: the authentication backend refuses an inactive user on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None or seen_at is None:
            session[SIGNED_IN_AT] = session[SEEN_AT] = now
            return
        idle = settings.SPINEPATH_SESSION_IDLE_MINUTES * 60
        absolute = settings.SPINEPATH_SESSION_ABSOLUTE_HOURS * 3600
        if now - seen_at > idle or now - signed_in_at > absolute:
            why = (
                f"after {settings.SPINEPATH_SESSION_IDLE_MINUTES} minutes without activity"
                if now - seen_at > idle
                else f"{settings.SPINEPATH_SESSION_ABSOLUTE_HOURS} hours after signing in"
            )
            logout(request)
            messages.info(request, f"You were signed out {why}. Please sign in again.")
            return
        if now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
