"""Reference data: the UK's children's services authorities, with their dates.

Authorities change over time (Cumbria split in 2023, Bournemouth and Poole merged in 2019), so
each carries its start and end date: returns for a past period name authorities that no longer
exist. Source: mySociety (CC BY 4.0), plus the five Northern Ireland Health and Social Care
Trusts, which run children's services there and are not in that file.
"""

from __future__ import annotations

import datetime as dt

from django.db import models


class Nation(models.TextChoices):
    ENGLAND = "England"
    WALES = "Wales"
    SCOTLAND = "Scotland"
    NORTHERN_IRELAND = "Northern Ireland"


class AuthorityQuerySet(models.QuerySet["Authority"]):
    def childrens_services(self) -> AuthorityQuerySet:
        return self.filter(runs_childrens_services=True)

    def in_force_on(self, day: dt.date) -> AuthorityQuerySet:
        return self.filter(
            models.Q(start_date__isnull=True) | models.Q(start_date__lte=day),
            models.Q(end_date__isnull=True) | models.Q(end_date__gt=day),
        )


class Authority(models.Model):
    """A UK local authority (or NI Health and Social Care Trust)."""

    code = models.CharField(
        max_length=16,
        unique=True,
        help_text="GSS code (E06..., W06..., S12...); Visible's own NIHSCT-... code for NI Trusts.",
    )
    short_code = models.CharField(max_length=8, blank=True, help_text="mySociety three-letter code")
    name = models.CharField(max_length=200)
    official_name = models.CharField(max_length=200, blank=True)
    nation = models.CharField(max_length=32, choices=Nation.choices)
    region = models.CharField(
        max_length=64, help_text="ONS region in England; the nation elsewhere"
    )
    kind = models.CharField(max_length=64, help_text="e.g. London borough, County, HSC Trust")
    runs_childrens_services = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    replaced_by = models.CharField(max_length=64, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.end_date is None
