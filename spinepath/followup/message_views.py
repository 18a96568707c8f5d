"""Staff pages about the messages: every invitation, reminder and resend with what became of it,
and the "Send a new link" action of the worklist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.followup.models import MessageLog, TimePoint
from spinepath.followup.sending import ResendRefused, resend_link
from spinepath.lib.dates import moment

SHOWN = 200
FILTERS = {
    "": ("All messages", {}),
    "failed": ("Failed", {"status": MessageLog.Status.FAILED}),
    "queued": ("Waiting to be sent", {"status": MessageLog.Status.QUEUED}),
    "sent": ("Sent", {"status": MessageLog.Status.SENT}),
}


def outcome(message: MessageLog) -> str:
    """What became of a message, in words."""
    Status = MessageLog.Status
    if message.status == Status.SENT and message.sent_at is not None:
        tries = f" (attempt {message.attempts})" if message.attempts > 1 else ""
        return f"Sent {moment(message.sent_at)}{tries}"
    if message.status == Status.QUEUED:
        return "Waiting to be sent" if message.next_attempt_at else "Being sent"
    if message.attempts == 0:
        return message.last_error or "Not sent"
    if message.next_attempt_at is not None:
        return (
            f"Failed {message.attempts} time{'s' if message.attempts > 1 else ''}; "
            f"trying again {moment(message.next_attempt_at)}"
        )
    return f"Failed {message.attempts} times; not tried again: resend the link or phone"


@access.patient_staff_required
def message_log(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    shown = request.GET.get("status", "")
    if shown not in FILTERS:
        shown = ""
    rows = list(
        MessageLog.objects.filter(
            time_point__episode__patient__clinic_id=user.clinic_id, **FILTERS[shown][1]
        )
        .select_related("time_point__episode__patient")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    audit.record_list(request, TimePoint, sorted({m.time_point_id for m in rows}))
    return render(
        request,
        "followup/message_log.html",
        {
            "rows": [{"message": m, "outcome": outcome(m)} for m in rows],
            "filters": [(key, title) for key, (title, _) in FILTERS.items()],
            "shown": shown,
            "shown_title": FILTERS[shown][0],
            "limit": SHOWN,
        },
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("followup_worklist")


@require_POST
@access.patient_staff_required
def resend(request: HttpRequest, time_point_id: int) -> HttpResponse:
    """Withdraw the patient's earlier links (lifting a lock) and send a new one."""
    user: User = request.user  # type: ignore[assignment]
    access.ensure_may(user, Task.FOLLOW_UP)
    point: Any = access.get_for_user(
        request,
        TimePoint.objects.select_related("episode__patient__clinic"),
        time_point_id,
        patient_path="episode__patient",
        what="follow-up time point",
        log_read=False,
    )
    try:
        sent = resend_link(point, by=user)
    except ResendRefused as refused:
        messages.error(request, str(refused))
    else:
        how = " and ".join(m.get_channel_display().lower() for m in sent)
        messages.success(
            request,
            f"A new link for the {point.get_label_display()} questionnaire is on its way by "
            f"{how}. Earlier links no longer work.",
        )
    return redirect(_back(request))
