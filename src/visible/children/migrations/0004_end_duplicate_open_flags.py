"""End duplicate open flags, so that 0005 can make the database hold "one open flag of a kind
per child".

Before 0005, two requests racing past record_flag's check could each record an open flag of the
same kind on one child (eight parallel requests made eight). The unique constraint cannot be
added while such pairs exist, so this migration settles them first. What it does, and why:

- It keeps the earliest open flag of each kind on each child (earliest start date, then the
  first recorded): it covers the longest period, so every day on which the child had the flag
  still counts.
- It ends every other open flag of that kind on its own start date, a day the kept flag already
  covers, so no count of children changes. Its end reason says it was a duplicate of the kept
  flag (by number) and was ended by this migration; ended_by_name is "<migration
  children.0004>". Nothing is deleted: the duplicate's evidence, source and who recorded it stay
  on its row and in the child's history, for a person to read and, if it said something the
  kept flag does not, to copy across.
- Each ended flag gets an "end" event on the audit chain (by the system, as end_flag would
  write it), and the child's version moves on, so an ETag read before no longer matches.

Not chosen: deleting the duplicates (it would lose their evidence and who recorded them), and
refusing to migrate until a person has ended them (it would hold back the fix for the race over
rows a person would settle in the same way: the facts are the same flag, recorded twice).

Reversing leaves the ended duplicates ended: they were duplicates, and reopening them would
break the rule 0005 adds.
"""

import datetime as dt

from django.db import migrations
from django.db.models import Count, F
from django.utils import timezone

ENDED_BY = "<migration children.0004>"


def end_duplicate_open_flags(apps, schema_editor):
    Flag = apps.get_model("children", "Flag")
    Child = apps.get_model("children", "Child")
    pairs = (
        Flag.objects.filter(end_date__isnull=True)
        .values("child_id", "kind")
        .annotate(open_flags=Count("id"))
        .filter(open_flags__gt=1)
    )
    now = timezone.now()
    ended = []
    for pair in pairs:
        kept, *duplicates = Flag.objects.filter(
            end_date__isnull=True, child_id=pair["child_id"], kind=pair["kind"]
        ).order_by("start_date", "recorded_at", "pk")
        for flag in duplicates:
            flag.end_date = flag.start_date
            flag.end_reason = (
                f"Duplicate of flag {kept.pk} (open from {kept.start_date:%d/%m/%Y}): two open flags of "
                "one kind were recorded at the same moment. Ended when Visible began to allow only one; "
                "this flag's evidence is kept here."
            )
            flag.ended_by_name = ENDED_BY
            flag.ended_at = now
            flag.save(update_fields=["end_date", "end_reason", "ended_by_name", "ended_at"])
            ended.append((flag, kept))
    if not ended:
        return
    for child_id in {flag.child_id for flag, _ in ended}:
        Child.objects.filter(pk=child_id).update(version=F("version") + 1, updated_at=now)
    _audit(apps, ended)


def _audit(apps, ended):
    """One "end" event per flag, appended to the hash-chained log exactly as the log's own
    writer would (visible.audit.log.event_values computes each event and its hash)."""
    from visible.agencies.viewer import Viewer
    from visible.audit.log import Entry, event_values

    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    viewer = Viewer.system("migration children.0004")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    at = timezone.now().astimezone(dt.UTC)
    seq, last_hash = head.last_seq, head.last_hash
    for flag, kept in ended:
        seq += 1
        entry = Entry(
            "end",
            object_type="flag",
            object_id=flag.pk,
            child_id=flag.child_id,
            summary=f"Ended duplicate open flag {flag.kind} on {flag.end_date:%d/%m/%Y}",
            detail={
                "record": "flag",
                "flag": flag.kind,
                "duplicate_of": kept.pk,
                "changes": {
                    "end_date": [None, flag.end_date.isoformat()],
                    "end_reason": [None, flag.end_reason],
                },
            },
        )
        values = event_values(viewer, entry, seq, at, last_hash)
        AuditEvent.objects.create(**values)
        last_hash = values["hash"]
    head.last_seq, head.last_hash = seq, last_hash
    head.save(update_fields=["last_seq", "last_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0003_guardianassignment_organisation"),
        ("audit", "0004_keyed_chain_and_anchors"),  # events are written keyed, with their key id
    ]

    operations = [
        migrations.RunPython(end_duplicate_open_flags, migrations.RunPython.noop),
    ]
