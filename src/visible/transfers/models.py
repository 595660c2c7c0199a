"""National Transfer Scheme transfers (referral, the packet that travels, arrival and the two
acknowledgements) and long-term missing cases (an episode open 28 days: reviews, the UK
Missing Persons Unit referral, the NRM status and the guardian's engagement).

Writes go through transfers/actions.py; docs/transfers.md says what each field is for.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from visible.agencies.models import Organisation
from visible.children.models import Child
from visible.missing.models import Episode
from visible.sharing.models import Transfer


class Outcome(models.TextChoices):
    """How a transfer ended without the child arriving: the receiving council declined the
    referral, or the sending council withdrew it."""

    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Neither arrived nor ended: the transfer the child may have only one of.
IN_PROGRESS = Q(arrived_on__isnull=True, ended_on__isnull=True)


class NtsTransfer(models.Model):
    """One child's transfer under the National Transfer Scheme, from referral to arrival. The
    packet is a snapshot of what travels, taken when the transfer is referred: the receiving
    council and the receiving area's police force read it (and acknowledge it) before the
    child's record itself is theirs."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="nts_transfers")
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="nts_transfers_out"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="nts_transfers_in"
    )
    receiving_force = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nts_transfers_policed",
        help_text="The police force whose area the receiving council is in",
    )
    referred_on = models.DateField("date of the referral")
    reference = models.CharField("NTS reference", max_length=60, blank=True)
    nation = models.CharField(
        max_length=32, help_text="The receiving council's nation: its bank holidays"
    )
    referred_by_name = models.CharField(max_length=150)
    packet = models.JSONField(default=dict, help_text="What travels with the child")
    packet_prepared_at = models.DateTimeField()
    arrived_on = models.DateField(null=True, blank=True)
    arrival_recorded_by_name = models.CharField(max_length=150, blank=True)
    arrival_recorded_at = models.DateTimeField(null=True, blank=True)
    transfer = models.OneToOneField(
        Transfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nts",
        help_text="The move of the record, made on arrival",
    )
    outcome = models.CharField(
        max_length=16,
        choices=Outcome.choices,
        blank=True,
        help_text="Declined or withdrawn: the transfer ended without the child arriving",
    )
    ended_on = models.DateField("date declined or withdrawn", null=True, blank=True)
    ended_reason = models.TextField("why it was declined or withdrawn", blank=True)
    ended_by_name = models.CharField(max_length=150, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    council_acknowledged_at = models.DateTimeField(null=True, blank=True)
    council_acknowledged_by_name = models.CharField(max_length=150, blank=True)
    force_acknowledged_at = models.DateTimeField(null=True, blank=True)
    force_acknowledged_by_name = models.CharField(max_length=150, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-pk"]
        constraints = [
            # One transfer in progress per child: two would be two stories about one move. A
            # declined or withdrawn one is over, so the child may be referred again.
            models.UniqueConstraint(
                fields=["child"],
                condition=IN_PROGRESS,
                name="one_nts_transfer_in_progress_per_child",
            ),
            models.CheckConstraint(
                condition=Q(arrived_on__isnull=True) | Q(arrived_on__gte=models.F("referred_on")),
                name="nts_arrival_on_or_after_referral",
            ),
            # A transfer ends one way: the child arrives, or it is declined or withdrawn.
            models.CheckConstraint(
                condition=Q(arrived_on__isnull=True) | Q(ended_on__isnull=True),
                name="nts_arrived_or_ended_not_both",
            ),
            # Ended means all of it: the outcome, the day (not before the referral), the reason.
            models.CheckConstraint(
                condition=Q(outcome="", ended_on__isnull=True, ended_reason="")
                | (
                    Q(outcome__in=Outcome.values, ended_on__gte=models.F("referred_on"))
                    & ~Q(ended_reason="")
                ),
                name="nts_ended_with_outcome_day_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"NTS transfer of {self.child_id} referred {self.referred_on}"

    @property
    def has_arrived(self) -> bool:
        return self.arrived_on is not None

    @property
    def has_ended(self) -> bool:
        """Declined or withdrawn: over without the child arriving."""
        return self.ended_on is not None

    @property
    def in_progress(self) -> bool:
        return not self.has_arrived and not self.has_ended


class LongTermCase(models.Model):
    """An episode open 28 days or more. Opened by the transfers sweep (or the first record
    made on it); closed only by the child's return, never by a birthday."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="long_term_case")
    became_long_term_on = models.DateField()
    ukmpu_referred_on = models.DateField("referred to the UK Missing Persons Unit", null=True)
    ukmpu_reference = models.CharField("UKMPU reference", max_length=60, blank=True)
    ukmpu_recorded_by_name = models.CharField(max_length=150, blank=True)
    guardian_name = models.CharField(max_length=200, blank=True)
    guardian_engaged_until = models.DateField(
        "guardian engaged until",
        null=True,
        blank=True,
        help_text="How long the guardian stays engaged while the child is missing",
    )
    guardian_note = models.TextField(blank=True)
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["became_long_term_on", "pk"]

    def __str__(self) -> str:
        return f"Long-term missing case for episode {self.episode_id}"


class LongTermReview(models.Model):
    """A multi-agency review of a long-term missing case."""

    case = models.ForeignKey(LongTermCase, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    agencies = models.TextField("who took part")
    outcome = models.TextField("what was agreed")
    recorded_by_name = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review on {self.held_on}"
