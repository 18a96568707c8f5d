from collections.abc import Callable

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
