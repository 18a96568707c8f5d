"""The short session a patient's link is exchanged for, so the token leaves the address bar.

Opening ``/f/<token>`` starts a server-side session (Django's database session store, a new key
each time) holding only the link's id, whether the date of birth has been checked, and nothing
about the patient. The browser keeps the session key in its own cookie, signed with the site's
secret and limited to ``/f/``, apart from the staff login session: a member of staff opening a
patient's link on their own computer never mixes the two. The session ends after
``SPINEPATH_FOLLOWUP_SESSION_MINUTES`` without a request, and is scoped to one link, so one
time point: every page reads the time point from here, never from the address or the form.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse

from spinepath.followup.models import FollowUpLink
from spinepath.lib.prepared import Prepared

COOKIE = "spinepath_followup"
SALT = "spinepath.followup.patient-session"
PATH = "/f/"


# Compiled once (lib/prepared.py): every page of the patient's link reads it.
_LINK = Prepared(
    lambda pk: FollowUpLink.objects.select_related("time_point__episode__patient__clinic").filter(
        pk=pk
    ),
    pk=(FollowUpLink._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def _max_age() -> int:
    return int(settings.SPINEPATH_FOLLOWUP_SESSION_MINUTES) * 60


@dataclass
class PatientSession:
    store: SessionStore
    link: FollowUpLink

    @property
    def verified(self) -> bool:
        return bool(self.store.get("verified"))

    def mark_verified(self, at: datetime) -> None:
        # A new key once the date of birth is proven: a key seen before it is worth nothing after.
        self.store["verified"] = True
        self.store["verified_at"] = at.isoformat()
        self.store.cycle_key()


def start(response: HttpResponse, link: FollowUpLink) -> PatientSession:
    """A new session for ``link``, its key set in the response's cookie."""
    store = SessionStore()
    store["link"] = link.pk
    store["verified"] = False
    store.set_expiry(_max_age())
    store.create()
    session = PatientSession(store, link)
    write_cookie(response, session)
    return session


def write_cookie(response: HttpResponse, session: PatientSession) -> None:
    """Save the session and (re)set its cookie: every page keeps the session alive."""
    session.store.set_expiry(_max_age())
    session.store.save()
    response.set_signed_cookie(
        COOKIE,
        session.store.session_key,
        salt=SALT,
        max_age=_max_age(),
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def current(request: HttpRequest) -> PatientSession | None:
    """The request's patient session, or ``None`` when there is none, it was tampered with, or
    it has run out."""
    key = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=_max_age())
    if not key:
        return None
    store = SessionStore(session_key=key)
    link_id = store.get("link")  # an expired or unknown key loads as an empty session
    if link_id is None:
        return None
    link = _LINK.first(pk=link_id)
    if link is None:
        return None
    return PatientSession(store, link)


def submission_scope(request: HttpRequest) -> str | None:
    """Who sent a patient page's form, for its submission token (``accounts.idempotency.SCOPES``):
    the patient's session, hashed, when the request carries a good session cookie. Without it a
    patient is nobody to the submission middleware (no staff login, no Django session), and ten
    copies of "Save" on the aftercare page would each log an exercise session."""
    key = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=_max_age())
    if not key:
        return None
    return "p:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def end(response: HttpResponse, session: PatientSession | None) -> None:
    if session is not None:
        session.store.flush()
    response.delete_cookie(COOKIE, path=PATH, samesite="Lax")
