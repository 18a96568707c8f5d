"""``{% submission_token %}``: the hidden field that makes a create form's submission count once.

Put it beside ``{% csrf_token %}`` in a form that creates a record. Each rendering of the form
mints a new random token; every copy of that one submission (a double click, a resend) carries the
same token, and ``accounts.idempotency.SubmissionMiddleware`` records it once and answers the
copies with the first record. Installed as a template builtin (settings), like ``url``.
"""

from __future__ import annotations

import secrets

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

FIELD = "submission_token"

register = template.Library()


def new_token() -> str:
    return secrets.token_urlsafe(24)


@register.simple_tag
def submission_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
