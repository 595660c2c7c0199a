"""What the register import keeps: each organisation's column mapping (its case system's own
column headings for Visible's fields, saved once). The uploads themselves are
ssda903.ImportJob rows of kind "register", and each import that went in an ssda903.ImportRun,
like the SSDA903 return's (ADR 0015, ADR 0018)."""

from __future__ import annotations

from django.db import models

from visible.agencies.models import Organisation


class ColumnMapping(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="register_mapping"
    )
    headings = models.JSONField(
        default=dict,
        help_text="Visible's field name -> the heading of the column that holds it in the "
        "council's file (fields left out are read from Visible's own headings)",
    )
    updated_at = models.DateTimeField()
    updated_by_name = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"Register column mapping of {self.organisation}"
