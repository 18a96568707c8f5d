"""Template filters that put the clinical core's text into words for people.

Load with ``{% load wording %}``.

- ``source_links``: citations such as ``[19][21]`` become links to the references page.
- ``plain_dates``: ISO dates in a message (``2026-12-04``) read as ``4 Dec 2026``.
- ``unconfirmed``: the specification's ``(verify)`` marks read as "source not yet confirmed".
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from spinepath.clinical.sources import split_citations
from spinepath.lib.dates import day

register = template.Library()

ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_VERIFY_WHAT = re.compile(r"\bverify (\w+)\)")
_TO_VERIFY = re.compile(r"\b(?:code )?to verify\b")
_VERIFY = re.compile(r"\bverify\)")


def _escaped(text: object) -> str:
    return str(conditional_escape("" if text is None else str(text)))


@register.filter
def source_links(text: object) -> SafeString:
    """Each known citation ``[n]`` as a link to its entry on the references page."""
    page = reverse("references")
    html = []
    for piece, source in split_citations("" if text is None else str(text)):
        if source is None:
            html.append(_escaped(piece))
        else:
            html.append(
                format_html(
                    '<a href="{}#{}" title="{}">[{}]</a>',
                    page,
                    source.anchor,
                    plain_dates_text(source.citation),
                    source.key,
                )
            )
    return mark_safe(
        "".join(html)
        # Every plain piece is escaped above (bandit B308, B703).
    )  # nosec B308 B703


def plain_dates_text(text: str) -> str:
    def words(match: re.Match[str]) -> str:
        try:
            return day(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            return match.group(0)

    return ISO_DATE.sub(words, text)


@register.filter(is_safe=True)
def plain_dates(text: object) -> str:
    """``2026-12-04`` in a message becomes ``4 Dec 2026``."""
    return plain_dates_text("" if text is None else str(text))


def unconfirmed_text(text: str) -> str:
    text = _VERIFY_WHAT.sub(r"source of the \1 not yet confirmed)", text)
    text = _TO_VERIFY.sub("source not yet confirmed", text)
    return _VERIFY.sub("source not yet confirmed)", text)


@register.filter(is_safe=True)
def unconfirmed(text: object) -> str:
    """``(verify)`` becomes ``(source not yet confirmed)``; ``(verify threshold)`` becomes
    ``(source of the threshold not yet confirmed)``."""
    return unconfirmed_text("" if text is None else str(text))


def mg(value: float) -> str:
    """``value|floatformat:"-2"`` without the template: two decimals unless it is whole."""
    exact = Decimal(repr(value))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
