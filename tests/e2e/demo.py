"""The demo (visible demo) built in the test database, small, for the browser tests that look
at every role's pages as the demo's logins see them (test_demo_pages.py, test_responsive.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass

DEMO_CHILDREN = 300  # as many as every kind of record the demo makes needs (a Croydon child
# missing now, reported to the police), quick to build


@dataclass(frozen=True)
class DemoPages:
    """Pages of the built demo that hold its headline records."""

    child: int  # a Croydon child missing now, reported to the police, with a safety plan
    episode: int  # that child's open episode
    partnership_report: str
    national_tables: str


def build_demo() -> DemoPages:
    from django.urls import reverse
    from django.utils import timezone

    from visible.dates import reporting_year
    from visible.demo.features import PARTNERSHIP
    from visible.demo.setup import COUNCIL_A, set_up_demo
    from visible.missing.models import Episode
    from visible.national.models import Collection
    from visible.returns.models import PartnershipArea

    set_up_demo(seed=2016, children=DEMO_CHILDREN, out=io.StringIO())
    episode = (
        Episode.objects.filter(
            returned_at__isnull=True,
            child__responsible_organisation__authority__code=COUNCIL_A,
            police_force__isnull=False,
            child__safety_plan__isnull=False,
        )
        .order_by("pk")
        .first()
    )
    assert episode is not None, (
        "the demo has no Croydon child missing now and reported to the police"
    )
    area = PartnershipArea.objects.get(name=PARTNERSHIP)
    year = reporting_year(timezone.localdate(), area.year_start_month)
    latest = Collection.objects.order_by("-period_to").first()
    return DemoPages(
        child=episode.child_id,
        episode=episode.pk,
        partnership_report=reverse("web:partnership-report", args=[area.pk, year]),
        national_tables=reverse("web:national-tables", args=[latest.pk]),
    )


def demo_user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
