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
- ImportJob: an upload made on the page, imported by the background worker (imports.py): who
  asked, for which organisation, the files' names and sizes, how far it has gone (its state
  and counter, written by the job as it works, read by the upload's status page) and how it
  ended; UploadedFile: the files themselves, kept only until the job has run.
"""

from __future__ import annotations

from django.conf import settings
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
    # the episode's own legal status (the register keeps the child's latest, Child.legal_status),
    # so that the export writes each episode's as the return gave it
    ls = models.CharField("SSDA903 LS", max_length=2, blank=True)

    def __str__(self) -> str:
        return f"SSDA903 details of placement {self.placement_id}"


class ImportKind(models.TextChoices):
    SSDA903 = "ssda903", "SSDA903 return"
    CIN_FACTORS = "cin_factors", "CIN census factors"
    REGISTER = "register", "Register from the case system"  # visible.register


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


class ImportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    READING = "reading", "Reading the files"
    CHECKING = "checking", "Checking the rows"
    COMPARING = "comparing", "Comparing with the register"
    WRITING = "writing", "Writing to the register"
    DONE = "done", "Imported"
    REFUSED = "refused", "Not imported: there are problems in the files"
    FAILED = "failed", "Stopped: nothing was imported"


RUNNING_STATES = (
    ImportState.READING,
    ImportState.CHECKING,
    ImportState.COMPARING,
    ImportState.WRITING,
)
FINISHED_STATES = (ImportState.DONE, ImportState.REFUSED, ImportState.FAILED)


class ImportJob(models.Model):
    """An upload on the page, imported by a job in the background worker."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    collection_year = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    role = models.CharField(max_length=40, help_text="The role the upload was made in")
    files = models.JSONField(default=list, help_text="Name and size of each file uploaded")
    state = models.CharField(
        max_length=16, choices=ImportState.choices, default=ImportState.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(default=0, help_text="How far through the state")
    total = models.PositiveIntegerField(default=0, help_text="Out of how many (0: not counted)")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(
        help_text="When the job last said how far it had gone: a job whose worker died stops "
        "saying so (VISIBLE_IMPORT_STALE_MINUTES)"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="The worker that ran it")
    counts = models.JSONField(default=dict, help_text="Records added, changed and unchanged")
    summary = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    problems = models.ForeignKey(
        ProblemReport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Every problem found, for the page and its CSV download",
    )
    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failure = models.TextField(blank=True, help_text="Why it stopped, for people")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} upload {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES


class UploadedFile(models.Model):
    """A file of an upload, until its job has run (then deleted with the job's outcome)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="uploaded_files")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        ordering = ["job", "position"]

    def __str__(self) -> str:
        return self.name
