"""What the SSDA903 import keeps besides the register itself.

- ReturnDetail / EpisodeDetail: the return's columns the register has no field for (ETHNIC,
  UPN, HOME_POST, MOTHER, MC_DOB; an episode's RNE, CIN, PLACE_PROVIDER, REASON_PLACE_CHANGE, URN),
  kept as the case system sent them so that the next export writes them back rather than
  Visible's "not known" codes.
- ImportRun: one row per import (903 or CIN factors) that went in: who, when, which files and
  how many records it added or changed; KeptFile: a table Visible reads no data from (Reviews,
  OC2, ...), kept as it came so nothing the authority sent is lost, for
  VISIBLE_SSDA903_KEPT_FILE_DAYS (security/retention.py deletes it after, and takes a child's
  rows out of it when the child is deleted: ssda903/kept.py).
- ProblemReport: an upload's problems, kept for VISIBLE_SSDA903_PROBLEM_REPORT_DAYS, likewise.
"""

from __future__ import annotations

from django.db import models

from visible.agencies.models import Organisation
from visible.children.models import Child, Placement


class ReturnDetail(models.Model):
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="return_detail")
    ethnic = models.CharField("SSDA903 ETHNIC", max_length=4, blank=True)
    upn = models.CharField("unique pupil number", max_length=13, blank=True)
    home_postcode = models.CharField("SSDA903 HOME_POST", max_length=8, blank=True)
    mother = models.CharField("SSDA903 MOTHER", max_length=1, blank=True)
    mc_dob = models.DateField("SSDA903 MC_DOB", null=True, blank=True)

    def __str__(self) -> str:
        return f"SSDA903 details of child {self.child_id}"


class EpisodeDetail(models.Model):
    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, related_name="return_detail"
    )
    rne = models.CharField("SSDA903 RNE", max_length=1, blank=True)
    cin = models.CharField("SSDA903 CIN", max_length=2, blank=True)
    place_provider = models.CharField("SSDA903 PLACE_PROVIDER", max_length=3, blank=True)
    reason_place_change = models.CharField("SSDA903 REASON_PLACE_CHANGE", max_length=6, blank=True)
    urn = models.CharField("Ofsted URN", max_length=8, blank=True)

    def __str__(self) -> str:
        return f"SSDA903 details of placement {self.placement_id}"


class ImportKind(models.TextChoices):
    SSDA903 = "ssda903", "SSDA903 return"
    CIN_FACTORS = "cin_factors", "CIN census factors"


class ImportRun(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="import_runs"
    )
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    collection_year = models.PositiveIntegerField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by_name = models.CharField(max_length=150)
    files = models.JSONField(default=list, help_text="Name, table, rows and encoding of each file")
    counts = models.JSONField(
        default=dict, help_text="Records added, changed and left as they were"
    )
    warnings = models.JSONField(default=list)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.imported_at:%d/%m/%Y %H:%M}"


class KeptFile(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="kept_files")
    name = models.CharField(max_length=255)
    table = models.CharField(max_length=32)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.name


class ProblemReport(models.Model):
    """The full report of an upload that was refused, kept so the page can offer it as a CSV
    download (without JavaScript, the download is a second request)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_name = models.CharField(max_length=150)
    csv_text = models.TextField()

    def __str__(self) -> str:
        return f"Problems found {self.created_at:%d/%m/%Y %H:%M}"
