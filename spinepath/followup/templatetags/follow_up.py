"""``{% follow_up_section episode %}``: the episode page's follow-up, relief and chart.

A template tag, so the episode page (patients app, a lower layer) shows follow-up without
importing it."""

from __future__ import annotations

from typing import Any

from django import template

from spinepath.followup.episode import episode_follow_up
from spinepath.followup.forms import NextStepForm

register = template.Library()


@register.inclusion_tag("followup/_episode_section.html", takes_context=True)
def follow_up_section(context: template.Context, episode: Any) -> dict[str, Any]:
    return {
        "episode": episode,
        "follow_up": episode_follow_up(episode),
        "can": context.get("can", {}),
        "csrf_token": context.get("csrf_token"),
        "next_step_form": NextStepForm(),
    }
