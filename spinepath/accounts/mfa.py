"""A second factor for every staff sign-in: an authenticator app's six-digit code (TOTP, RFC 6238)
or one of ten single-use recovery codes (ASVS 6.3.3, 6.5).

django-otp keeps the devices, checks the codes and slows down guessing (each failure doubles the
wait before the next try). This module adds what a clinic needs around it: after the password,
every staff page leads to ``/mfa/`` until the session is verified; a first sign-in enrols (a QR
code drawn on the server and the key in words, then a code to prove the app has it) and shows the
recovery codes once.

Required whenever ``DEBUG`` is off (``SPINEPATH_MFA_REQUIRED``, settings.py); in development it is
off unless asked for. A verified session carries the device's id in the server-side session, so
pages check it without a query; signing out or a session timeout ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
# Pages a signed-in but unverified user may still open: the second step itself and the way out.
OPEN_PREFIXES = ("/mfa/", "/logout/", "/login/", "/static/", "/information/", "/f/", "/b/")
# Recovery codes to show once, kept in the session between enrolment and the page that shows them.
SHOW_CODES = "spinepath_recovery_codes"


def is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


class MfaRequiredMiddleware:
    """Sends a signed-in, unverified staff member to the second step before any staff page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.SPINEPATH_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not request.path.startswith("/api/")  # tokens, not sessions
            and not is_verified(request)
        ):
            return HttpResponseRedirect(f"{reverse('mfa')}?next={request.get_full_path()}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="Six digits from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return "/"


def _pending_totp(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator, made once so the QR code stays the same on reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_svg(url: str) -> str:
    """The enrolment address as an inline SVG QR code (no image request, no script)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg: str = image.to_string(encoding="unicode")
    return svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1
    )


def key_in_groups(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def new_recovery_codes(user: Any) -> list[str]:
    """Ten fresh single-use codes; any earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def mfa(request: HttpRequest) -> HttpResponse:
    """Verify with a code, or, with no confirmed authenticator yet, enrol one."""
    if is_verified(request):
        return redirect(_next(request))
    user = request.user
    enrolled = any(isinstance(d, TOTPDevice) for d in devices_for_user(user, confirmed=True))
    form = CodeForm(request.POST or None)
    if not enrolled:
        device = _pending_totp(user)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                if device.verify_token(form.cleaned_data["code"]):
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    request.session[SHOW_CODES] = new_recovery_codes(user)
                    otp_login(request, device)
                    return redirect(f"{reverse('mfa_recovery_codes')}?next={_next(request)}")
            form.add_error("code", "That code is not right. Type the code the app shows now.")
        return render(
            request,
            "accounts/mfa_enrol.html",
            {
                "form": form,
                "qr": qr_svg(device.config_url),
                "key": key_in_groups(device),
                "next": _next(request),
            },
        )
    if request.method == "POST" and form.is_valid():
        device = _matching_device(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error(
            "code",
            "That code is not right, or too many wrong codes were tried: wait a moment and type "
            "the code the app shows now.",
        )
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next(request)})


def _matching_device(user: Any, code: str) -> Any:
    """The confirmed device (authenticator or recovery codes) that accepts ``code``, checked one
    device at a time in a transaction so each device's throttle is kept."""
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        with transaction.atomic():
            if device.verify_token(code):
                return device
    return None


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows the codes made at enrolment once; a verified user may make a new set."""
    if not is_verified(request):
        return redirect(f"{reverse('mfa')}?next={request.get_full_path()}")
    codes = request.session.pop(SHOW_CODES, None)
    if request.method == "POST":
        codes = new_recovery_codes(request.user)
    return render(
        request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _next(request)}
    )
