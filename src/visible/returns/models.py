"""Safeguarding partnership areas and the sections they write for their annual report.

A partnership area (a safeguarding children partnership in England; a child protection
committee in Scotland; the SBNI in Northern Ireland) covers one or more authorities. Its
annual report (Heading back to harm, Rec 6.i) is counted from the register; the coordinated
response is written by the partnership and stored here, one row per section per year, so the
words are kept with the numbers they describe. Writes go through returns/actions.py.
"""

from __future__ import annotations

from django.db import models

from visible.reference.models import Authority


class PartnershipKind(models.TextChoices):
    SCP = "safeguarding_children_partnership", "Safeguarding children partnership"
    CPC = "child_protection_committee", "Child protection committee"
    SBNI = "sbni", "Safeguarding Board for Northern Ireland"


class PartnershipArea(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(
        max_length=40, choices=PartnershipKind.choices, default=PartnershipKind.SCP
    )
    authorities = models.ManyToManyField(Authority, related_name="partnerships")
    year_start_month = models.PositiveSmallIntegerField(
        default=4, help_text="The month the reporting year starts (4: April to March)"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SectionKey(models.TextChoices):
    # The coordinated response (Rec 6.i): what the partnership writes itself.
    ARRANGEMENTS = "arrangements", "Multi-agency arrangements"
    RESPONSE = "response", "The coordinated response to children who go missing"
    LEARNING = "learning", "What we learnt, including from return interviews"
    PRIORITIES = "priorities", "Priorities for next year"


class PartnershipSection(models.Model):
    partnership = models.ForeignKey(
        PartnershipArea, on_delete=models.CASCADE, related_name="sections"
    )
    year = models.PositiveSmallIntegerField(
        help_text="The reporting year, by the calendar year it starts in"
    )
    key = models.CharField(max_length=32, choices=SectionKey.choices)
    text = models.TextField(blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Incremented on every change; edits carry it"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=150, blank=True)
    updated_by_organisation = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["partnership", "year", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "year", "key"], name="one_section_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partnership}: {self.get_key_display()} ({self.year})"
