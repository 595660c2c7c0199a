"""What the child's pack needs that the rest of the record does not hold (docs/child-pack.md):

- ``ChildContacts``: the child's own phone, whether it is safe to contact (a text message goes
  to a child only when someone has said it is), and the phone numbers of the people who help
  them (the social worker's, the guardian's, the carer's);
- ``CouncilContacts``: the council's out-of-hours number;
- ``CouncilTranslation``: a council's own checked translation of the pack into one language,
  used for its children instead of the shipped draft.
"""

from __future__ import annotations

from django.db import models

from visible.agencies.models import Organisation
from visible.children.models import Child


class PhoneSafety(models.TextChoices):
    UNKNOWN = "unknown", "Not known: do not text"
    NOT_SAFE = "not_safe", "Not safe: do not text"
    SAFE = "safe", "Safe to text"


class ChildContacts(models.Model):
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="pack_contacts")
    phone = models.CharField(
        "child's mobile",
        max_length=16,
        blank=True,
        help_text="A UK mobile number in international form (+447700900123)",
    )
    phone_safety = models.CharField(
        "safe to contact this phone?",
        max_length=16,
        choices=PhoneSafety.choices,
        default=PhoneSafety.UNKNOWN,
        help_text="Text messages go to the child only when this says safe",
    )
    phone_safety_reason = models.CharField(max_length=500, blank=True)
    social_worker_phone = models.CharField(max_length=40, blank=True)
    guardian_phone = models.CharField(max_length=40, blank=True)
    carer_name = models.CharField(max_length=200, blank=True)
    carer_phone = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "child contacts"

    def __str__(self) -> str:
        return f"Contacts for child {self.child_id}"

    @property
    def safe_to_text(self) -> bool:
        return bool(self.phone) and self.phone_safety == PhoneSafety.SAFE


class CouncilContacts(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="pack_contacts"
    )
    out_of_hours_phone = models.CharField("out-of-hours number", max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "council contacts"

    def __str__(self) -> str:
        return f"Contacts of {self.organisation}"


class CouncilTranslation(models.Model):
    """A council's own translation of the pack into one language, checked by a fluent speaker
    (named, with the date). Every block is present: the form takes all or nothing."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="pack_translations"
    )
    language = models.CharField(max_length=3, help_text="ISO 639-3, one of texts.LANGUAGES")
    blocks = models.JSONField(default=dict)
    checked_by = models.CharField("checked by", max_length=200)
    checked_on = models.DateField("checked on")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language"], name="one_pack_translation_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.language}"
