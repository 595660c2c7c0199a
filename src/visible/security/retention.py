"""The retention schedule (rulebook §9; docs/security.md has the sources).

A looked-after child's case record is kept until a birthday that depends on the nation of the
responsible authority: the 75th in England, Wales and Northern Ireland, the 100th in Scotland.
Where the nation is not known the longest period applies. Where the date of birth is disputed
the latest recorded date (the child's own, or an age assessment's) is used, so no record goes
early. A record is past retention from the day after that birthday.

Deleting is a separate, deliberate step (``visible retention delete --confirm``): in one
transaction it deletes each child past retention with everything held about them (names,
flags, placements, episodes, alerts, photograph...) and appends one audit event per child that
holds nothing but the child's id and the rule applied. The audit log itself is never edited or
pruned, so ``visible audit verify`` still passes afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, record, record_many
from visible.children.models import Child
from visible.reference.models import Nation

REPORT = "retention_report"
DELETE = "retention_delete"


@dataclass(frozen=True)
class Rule:
    birthday: int
    label: str
    source: str


ENGLAND_AND_WALES = Rule(75, "England and Wales: until the 75th birthday",
                         "Care Planning, Placement and Case Review (England) Regulations 2010 reg. 50; "
                         "(Wales) Regulations 2015 reg. 64 (rulebook §9)")
SCOTLAND = Rule(100, "Scotland: until the 100th birthday", "Looked After Children (Scotland) Regulations 2009 reg. 43 (rulebook §9)")
NORTHERN_IRELAND = Rule(75, "Northern Ireland: until the 75th birthday",
                        "Arrangements for Placement of Children (General) Regulations (NI) 1996 reg. 9; "
                        "DoH NI Good Management, Good Records disposal schedule")
NATION_NOT_KNOWN = Rule(100, "Nation not known: the longest period, until the 100th birthday", "the longest rule, to be safe")

RULES = {
    Nation.ENGLAND: ENGLAND_AND_WALES,
    Nation.WALES: ENGLAND_AND_WALES,
    Nation.SCOTLAND: SCOTLAND,
    Nation.NORTHERN_IRELAND: NORTHERN_IRELAND,
}
SHORTEST = min(rule.birthday for rule in (*RULES.values(), NATION_NOT_KNOWN))


def birthday(dob: dt.date, years: int) -> dt.date:
    """The `years`th birthday; someone born on 29 February has it on 1 March in other years
    (the later of the two possible days, so nothing goes a day early)."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dt.date(dob.year + years, 3, 1)


@dataclass(frozen=True)
class Due:
    child_id: int
    organisation: str
    council_id: str
    rule: Rule
    keep_until: dt.date


@dataclass(frozen=True)
class Report:
    as_at: dt.date
    due: list[Due]
    checked: int

    def describe(self) -> str:
        lines = [f"Retention schedule as at {self.as_at:%d/%m/%Y}: {len(self.due)} child record"
                 f"{'s' if len(self.due) != 1 else ''} past retention ({self.checked} old enough to check)."]
        if self.due:
            lines.append(f"  {'child id':>9}  {'kept until':<10}  {'council case ID':<16}  responsible organisation; rule")
        for due in self.due:
            lines.append(f"  {due.child_id:>9}  {due.keep_until:%d/%m/%Y}  {due.council_id or '-':<16}  "
                         f"{due.organisation}; {due.rule.label}")
        if self.due:
            lines.append("Delete them with `visible retention delete --confirm` (one audit event per child).")
        return "\n".join(lines)


def rule_for(child: Child) -> Rule:
    authority = child.responsible_organisation.authority
    return RULES.get(authority.nation if authority else None, NATION_NOT_KNOWN)


def _past_retention(as_at: dt.date) -> tuple[list[Due], int]:
    # Only children old enough for the shortest rule can be due: a cheap first cut.
    cutoff = birthday(as_at, -SHORTEST) if not (as_at.month == 2 and as_at.day == 29) else dt.date(as_at.year - SHORTEST, 2, 28)
    candidates = (Child.objects.filter(date_of_birth__lt=cutoff)
                  .select_related("responsible_organisation__authority")
                  .annotate(latest_assessed_dob=Max("age_assessments__assessed_date_of_birth"))
                  .order_by("pk"))
    due, checked = [], 0
    for child in candidates:
        checked += 1
        dob = max(d for d in (child.date_of_birth, child.latest_assessed_dob) if d is not None)
        rule = rule_for(child)
        keep_until = birthday(dob, rule.birthday)
        if as_at > keep_until:
            due.append(Due(child.pk, child.responsible_organisation.name, child.council_id, rule, keep_until))
    return due, checked


def report(as_at: dt.date | None = None, viewer: Viewer | None = None) -> Report:
    as_at = as_at or timezone.localdate()
    due, checked = _past_retention(as_at)
    record(viewer or Viewer.system("retention"), REPORT, object_type="retention",
           summary=f"Retention report as at {as_at:%d/%m/%Y}: {len(due)} child records past retention",
           detail={"as_at": as_at.isoformat(), "child_ids": [d.child_id for d in due]})
    return Report(as_at, due, checked)


def delete_past_retention(by: str = "", as_at: dt.date | None = None) -> list[int]:
    """Delete every child record past retention today, all or nothing. Returns their ids."""
    as_at = as_at or timezone.localdate()
    viewer = Viewer.system(by or "retention")
    with transaction.atomic():
        due, _ = _past_retention(as_at)
        photos = []
        for item in due:
            child = Child.objects.select_for_update().get(pk=item.child_id)
            if child.photo:
                photos.append((child.photo.storage, child.photo.name))
            try:
                child.delete()
            except ProtectedError as error:
                blocking = sorted({type(obj).__name__ for obj in error.protected_objects})
                raise ValueError(f"child {item.child_id} cannot be deleted while {', '.join(blocking)} records point "
                                 "at it; nothing was deleted") from None
        record_many(viewer, [
            Entry(DELETE, object_type="child", object_id=item.child_id, child_id=item.child_id,
                  summary=f"Deleted under the retention schedule ({item.rule.label})",
                  detail={"rule": item.rule.label, "as_at": as_at.isoformat()})
            for item in due
        ])

        def remove_photos() -> None:
            for storage, name in photos:
                storage.delete(name)

        transaction.on_commit(remove_photos)
    return [item.child_id for item in due]
