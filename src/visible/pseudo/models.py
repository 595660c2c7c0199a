"""What the national body holds of each authority's pseudonymised child-level submission.

No names, no full dates of birth, no full postcodes and no identifiers are stored here: a child
is a keyed hash (``pseudo_id``, see pseudonymise.py and docs/pseudonymisation.md), a month and
year of birth, gender, nationality, a postcode district and the FOI groups they were in for the
period. An episode is its category, the month it started, its length in whole hours and band.

A submission covers one authority and one period. Each upload is a new ``Submission`` row
(versioned); storing it supersedes that authority's earlier submission for the same period in
the same transaction, and the superseded child-level rows are deleted then (the national body
keeps no more child-level data than the tables need; the superseded Submission row keeps who
sent what, when, how many rows and a digest of the content). Only the current submission of
an authority and period counts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from visible.reference.models import Authority


class KeyBasis(models.TextChoices):
    """Which identifier the child's pseudo id was made from (priority order). The first three
    are national and link a child across authorities; the last three are the authority's own
    and never do (LOCAL_BASES): Visible never links on a date of birth alone."""

    HOME_OFFICE = "home_office", "Home Office reference"
    NRM = "nrm", "NRM reference"
    NAME_DOB = "name_dob", "Folded name and date of birth"
    AUTHORITY_903 = (
        "authority_903",
        "The authority's own SSDA903 CHILD id: no name, Home Office or NRM reference",
    )
    AMBIGUOUS = (
        "ambiguous",
        "The authority's own SSDA903 CHILD id: another child of the authority has the same "
        "name and date of birth (or reference)",
    )
    AUTHORITY_RECORD = (
        "authority_record",
        "The authority's own register record: no name, reference or SSDA903 CHILD id",
    )


# The bases that cannot link a child across authorities (the id is made with the authority's
# GSS code), in the order the tables show them.
LOCAL_BASES = (KeyBasis.AUTHORITY_903, KeyBasis.AMBIGUOUS, KeyBasis.AUTHORITY_RECORD)
LINKING_BASES = (KeyBasis.HOME_OFFICE, KeyBasis.NRM, KeyBasis.NAME_DOB)
# The rule a submission's pseudo ids were made under. 1: a child without a Home Office or NRM
# reference was linked on name and date of birth, whatever the name, so children imported
# from an SSDA903 return (which carries no name) were linked, and merged, on date of birth
# alone. 2 (from December 2026): never on date of birth alone; without a name or a national
# reference, by the authority's own SSDA903 CHILD id. The tables refuse to count a period in
# which a current submission made under rule 1 holds name-and-date ids (tables.check_one_rule).
LINKAGE_RULE = 2


class Submission(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="pseudo_submissions"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveIntegerField(
        help_text="1 for the authority's first upload for the period, then 2, 3..."
    )
    is_current = models.BooleanField(
        default=True, help_text="The latest upload: the one the tables count"
    )
    submitted_at = models.DateTimeField()
    submitted_by = models.CharField(max_length=150)
    submitted_by_organisation = models.CharField(max_length=200, blank=True)
    key_id = models.CharField(
        max_length=16, help_text="Fingerprint of the pseudonymisation key (never the key)"
    )
    children = models.PositiveIntegerField(default=0)
    episodes = models.PositiveIntegerField(default=0)
    records_merged = models.PositiveIntegerField(
        default=0,
        help_text="Register records that shared a pseudo id with another and were merged into it",
    )
    digest = models.CharField(
        max_length=64, help_text="SHA-256 of the submitted records, canonical JSON"
    )
    linkage_rule = models.PositiveSmallIntegerField(
        default=LINKAGE_RULE,
        help_text="The rule the pseudo ids were made under (LINKAGE_RULE): 1 linked children "
        "without a name on date of birth alone; 2 never does",
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["authority", "-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "period_start", "period_end", "version"],
                name="pseudo_submission_version_unique",
            ),
            models.UniqueConstraint(
                fields=["authority", "period_start", "period_end"],
                condition=Q(is_current=True),
                name="pseudo_one_current_submission",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "period_end", "is_current"])]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.period_start}..{self.period_end} v{self.version}"


class PseudoChild(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    pseudo_id = models.CharField(
        max_length=32, help_text="HMAC-SHA256 of the best identifier, first 128 bits, hex"
    )
    key_basis = models.CharField(max_length=16, choices=KeyBasis.choices)
    birth_month = models.DateField(help_text="Month and year of birth: always the 1st of the month")
    gender = models.CharField(max_length=16)
    nationality = models.CharField(
        max_length=3, help_text="ISO 3166-1 alpha-3; XXA stateless, XXX not known"
    )
    district = models.CharField(
        max_length=4, blank=True, help_text="Postcode district of the placement, or blank"
    )
    placed_in = models.CharField(
        max_length=16, blank=True, help_text="GSS code of the placement's authority"
    )
    # The FOI return's groups (returns/foi.py GROUPS), each in force on a day of the period.
    in_trafficked_identified = models.BooleanField(default=False)
    in_trafficked_suspected = models.BooleanField(default=False)
    in_trafficked = models.BooleanField(default=False)
    in_uasc = models.BooleanField(default=False)
    in_separated = models.BooleanField(default=False)
    in_unaccompanied = models.BooleanField(default=False)
    in_uasc_or_separated = models.BooleanField(default=False)
    in_any = models.BooleanField(default=False)
    # A summary of the child's episodes below, written with them: the tables about children
    # read one row per child instead of grouping two million episodes.
    incidents_missing = models.PositiveIntegerField(default=0)
    incidents_away = models.PositiveIntegerField(default=0)
    still_missing = models.BooleanField(
        default=False, help_text="An incident open at the end of the period"
    )
    turned_18_missing = models.BooleanField(
        default=False, help_text="Still missing, and turned 18 while missing"
    )
    # Another authority's current submission for the period holds the same pseudo id. Kept
    # up to date by actions.store for every pseudo id a submission adds or removes, so the
    # tables read the few linked children instead of grouping a million by pseudo id.
    linked = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "pseudo_id"], name="pseudo_child_once_per_submission"
            ),
        ]
        indexes = [
            models.Index(fields=["pseudo_id"]),
            models.Index(
                fields=["submission"], condition=Q(linked=True), name="pseudo_child_linked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pseudo_id[:8]}… ({self.authority_id})"


class PseudoEpisode(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(PseudoChild, on_delete=models.CASCADE, related_name="episodes")
    category = models.CharField(max_length=1, help_text="M missing, A away (SSDA903)")
    start_month = models.DateField(
        help_text="Month the child was last seen: always the 1st of the month"
    )
    hours = models.PositiveIntegerField(
        help_text="Length in whole hours (to the end of the period if still missing)"
    )
    band = models.CharField(max_length=16, help_text="returns.foi DURATION_BANDS code")
    still_missing = models.BooleanField(default=False)
    turned_18 = models.BooleanField(
        default=False, help_text="Turned 18 while missing, in or before the period"
    )
    started_before = models.BooleanField(default=False, help_text="Started before the period")
    # The child's FOI groups again, as bits (bit i is returns.foi GROUPS[i]; groups_mask): an
    # incident is counted in its child's groups, and with them here the tables count two
    # million incidents without joining them to a million children.
    groups = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.category} {self.start_month:%m/%Y} {self.hours}h"
