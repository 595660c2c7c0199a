"""The long-term missing case on the episode page (web/transfers/_long_term_section.html): the
engine's reading of the episode now, with what is recorded on its case."""

from __future__ import annotations

from django import template
from django.utils import timezone

from visible.transfers import actions

register = template.Library()


@register.simple_tag
def long_term_case(episode) -> dict | None:
    view = actions.long_term_view(episode, timezone.now())
    if view is None:
        return None
    case = getattr(episode, "long_term_case", None)
    return {
        "days_missing": view.days_missing,
        "became_long_term_at": view.became_long_term_at,
        "next_review_on": view.next_review_on,
        "ukmpu_referred_on": case.ukmpu_referred_on if case else None,
    }
