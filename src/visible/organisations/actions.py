"""Every write to the organisations on Visible, each checked (policy.py), validated and audited
in one transaction: nothing is saved if any part fails, the audit event included.

Mistakes raise Django's ValidationError with the field they concern and words that say how to
fix them, as the pages show them. A refusal because of what is already there (a duplicate, an
organisation already deactivated, children a reorganisation cannot place) carries the code
``conflict`` (CONFLICT), so the command line can answer it with exit status 1 rather than 2,
which is for a mistake in what was asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from visible.agencies.councils import council_for
from visible.agencies.models import Membership, Organisation, OrganisationKind
from visible.agencies.police import POLICE_FORCES, force_area_codes
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.reference.load import AUTHORITIES_CSV
from visible.reference.models import Authority
from visible.sharing import actions as sharing

from . import policy
from .inputs import (
    CouncilInput,
    ForceInput,
    NationalBodyInput,
    ReorganisationInput,
    ServiceInput,
)

CONFLICT = "conflict"
SERVICE_KINDS = (OrganisationKind.GUARDIAN_SERVICE, OrganisationKind.NGO)
MAX_NAMED = 20  # children named in a refusal; the rest are counted
_GSS = re.compile(r"^[ENSW]\d{8}$|^NIHSCT-[A-Z]{3}$")


def _conflict(field_name: str | None, message: str) -> ValidationError:
    error = ValidationError(message, code=CONFLICT)
    return ValidationError({field_name: [error]}) if field_name else error


def is_conflict(error: ValidationError) -> bool:
    """True if every message of the error is a refusal because of what is already there."""
    errors = (
        [e for errors in error.error_dict.values() for e in errors]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return bool(errors) and all(e.code == CONFLICT for e in errors)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def tidy_code(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()


def _ended(authority: Authority, today: dt.date) -> bool:
    return authority.end_date is not None and authority.end_date <= today


def successors_of(authority: Authority) -> list[Authority]:
    """The authorities the reference data says replaced this one (its replaced-by column holds
    mySociety's three-letter codes), current ones first."""
    shorts = [s.strip() for s in (authority.replaced_by or "").split(",") if s.strip()]
    if not shorts:
        return []
    found = Authority.objects.filter(short_code__in=shorts)
    return sorted(found, key=lambda a: (a.end_date is not None, shorts.index(a.short_code)))


def _describe(authorities: list[Authority]) -> str:
    named = [f"{a.name} ({a.code})" for a in authorities]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _close_authorities(text: str, pool: list[Authority]) -> list[Authority]:
    """Authorities whose code or name is close to `text` (a mistyped code, or a name typed
    where the code was wanted)."""
    by_code = {a.code: a for a in pool}
    matches = difflib.get_close_matches(tidy_code(text), list(by_code), n=3, cutoff=0.75)
    found = [by_code[c] for c in matches]
    if re.search(r"[a-z]{3}", text or "", re.I) and not _GSS.match(tidy_code(text)):
        words = (text or "").strip().lower()
        by_name = {a.name.lower(): a for a in pool}
        named = [a for name, a in by_name.items() if words in name]
        named += [
            by_name[n] for n in difflib.get_close_matches(words, list(by_name), n=3, cutoff=0.7)
        ]
        for a in named:
            if a not in found:
                found.append(a)
    return found[:3]


def find_authority(
    text: str, field_name: str, today: dt.date, *, what: str = "authority"
) -> Authority:
    """The current children's services authority with this GSS code, or a ValidationError on
    `field_name` that says what is wrong: no such code (with the closest codes and names), a
    district (with the council that runs its children's services), an ended authority (with
    its successors)."""
    code = tidy_code(text)
    if not code:
        raise ValidationError(
            {field_name: [f"Enter the GSS code of the {what}, for example E10000016 for Kent"]}
        )
    authority = Authority.objects.filter(code=code).first()
    if authority is None:
        current = Authority.objects.childrens_services().filter(end_date__isnull=True)
        close = _close_authorities(text, list(current))
        hint = (
            f" Did you mean {' or '.join(f'{a.code} ({a.name})' for a in close)}?"
            if close
            else " A GSS code is a letter and eight digits, for example E10000016 for Kent"
            " (NIHSCT-BEL and the like for Northern Ireland's Trusts)."
        )
        raise ValidationError(
            {field_name: [f"There is no authority with the code \u2018{text.strip()}\u2019.{hint}"]}
        )
    if _ended(authority, today):
        after = successors_of(authority)
        instead = (
            f": it was replaced by {_describe(after)}. Use {'that' if len(after) == 1 else 'one of those'} instead"
            if after
            else ""
        )
        raise ValidationError(
            {
                field_name: [
                    f"{authority.name} ({authority.code}) ended on "
                    f"{authority.end_date:%-d %B %Y}{instead}"
                ]
            }
        )
    if not authority.runs_childrens_services:
        county = (
            Authority.objects.filter(short_code=_county_of(authority), end_date__isnull=True)
            .exclude(short_code="")
            .first()
        )
        runs = f": {county.name} ({county.code}) runs them there" if county else ""
        raise ValidationError(
            {
                field_name: [
                    f"{authority.name} ({authority.code}) is a {authority.kind.lower()}, which "
                    f"does not run children's services{runs}"
                ]
            }
        )
    return authority


def _county_of(authority: Authority) -> str:
    """The three-letter code of the county a district is in (the reference file's county-la),
    read from the source rows (the model keeps no such column)."""
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["gss-code"] == authority.code:
                return row["county-la"]
    return ""


def _audit_created(viewer: Viewer, organisation: Organisation, detail: dict) -> None:
    record(
        viewer,
        AuditAction.CREATE,
        object_type="organisation",
        object_id=organisation.pk,
        summary=f"Put {organisation.name} ({organisation.get_kind_display().lower()}) on Visible",
        detail={"name": organisation.name, "kind": organisation.kind, **detail},
    )


def _name_free(name: str, field_name: str = "name") -> None:
    taken = Organisation.objects.filter(name__iexact=name).first()
    if taken is not None:
        raise _conflict(
            field_name,
            f"There is already an organisation called \u2018{taken.name}\u2019 on Visible: "
            "choose another name",
        )


# --- councils and HSC Trusts -------------------------------------------------------------------


def _new_council(authority: Authority) -> Organisation:
    """The organisation for the authority, named as agencies.councils names it ("Kent
    children's services"; a Trust by its own name). Where that name belongs to the
    organisation of another authority (North Yorkshire Council after North Yorkshire County
    Council, Somerset Council after Somerset County Council: the reference data gives each
    pair one short name), the authority's official name tells them apart."""
    is_trust = authority.code.startswith("NIHSCT")
    name = authority.name if is_trust else f"{authority.name} children's services"
    if Organisation.objects.filter(name__iexact=name).exists() and authority.official_name:
        name = f"{authority.official_name} children's services"
    _name_free(name, "code")
    if name == (authority.name if is_trust else f"{authority.name} children's services"):
        return council_for(authority)
    return Organisation.objects.create(
        name=name,
        kind=OrganisationKind.HSC_TRUST if is_trust else OrganisationKind.COUNCIL,
        authority=authority,
    )


def add_council(
    viewer: Viewer, data: CouncilInput, *, today: dt.date | None = None
) -> Organisation:
    """Put a council's children's services (or a Northern Ireland HSC Trust) on Visible, by the
    GSS code of its authority in the reference data."""
    policy.require_organisation_manager(viewer, "add a council")
    authority = find_authority(data.code, "code", _today(today), what="council or HSC Trust")
    with transaction.atomic():
        existing = Organisation.objects.filter(authority=authority).first()
        if existing is not None:
            raise _conflict(
                "code",
                f"{authority.name} ({authority.code}) is already on Visible, as "
                f"\u2018{existing.name}\u2019"
                + ("" if existing.is_active else " (deactivated: reactivate it instead)"),
            )
        organisation = _new_council(authority)
        _audit_created(viewer, organisation, {"authority": authority.code})
    return organisation


# --- police forces -------------------------------------------------------------------------------


def force_named(text: str, field_name: str = "name") -> str:
    """The exact name of the UK police force `text` names (case and spacing aside), or a
    ValidationError with the closest names."""
    names = {name.lower(): name for name, _nation in POLICE_FORCES}
    wanted = " ".join((text or "").split()).lower()
    if not wanted:
        raise ValidationError(
            {field_name: ["Enter the police force's name, for example Kent Police"]}
        )
    if wanted in names:
        return names[wanted]
    close = [names[n] for n in difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)]
    close += [n for key, n in names.items() if wanted in key and n not in close]
    hint = (
        f" Did you mean {' or '.join(close[:3])}?"
        if close
        else " Visible knows the UK's 46 forces (visible organisations list --kind police)."
    )
    raise ValidationError(
        {field_name: [f"There is no UK police force called \u2018{text.strip()}\u2019.{hint}"]}
    )


def add_force(viewer: Viewer, data: ForceInput) -> Organisation:
    """Put a police force on Visible with its area (police.py). Every force is loaded with the
    reference data (agencies migration 0002), so this is for a database where one is missing;
    a force already there is refused, saying so."""
    policy.require_organisation_manager(viewer, "add a police force")
    name = force_named(data.name)
    with transaction.atomic():
        existing = Organisation.objects.filter(name=name).first()
        if existing is not None:
            raise _conflict(
                "name",
                f"{name} is already on Visible (every UK police force is loaded with the "
                f"reference data), with {existing.areas.count()} authorities in its area",
            )
        organisation = Organisation.objects.create(name=name, kind=OrganisationKind.POLICE)
        codes = force_area_codes()[name]
        organisation.areas.set(Authority.objects.filter(code__in=codes))
        _audit_created(viewer, organisation, {"areas": sorted(codes)})
    return organisation


# --- guardian and NGO services, the national body ------------------------------------------------


def coverage(
    codes: tuple[str, ...] | list[str], today: dt.date, field_name: str = "areas"
) -> list[Authority]:
    """The authorities these GSS codes name, each a current children's services authority; a
    ValidationError naming every code that is not."""
    tidied = list(dict.fromkeys(tidy_code(c) for c in codes if tidy_code(c)))
    if not tidied:
        raise ValidationError({field_name: ["Choose at least one authority the service works in"]})
    found, problems = [], []
    for code in tidied:
        try:
            found.append(find_authority(code, field_name, today))
        except ValidationError as error:
            problems += [m for errors in error.message_dict.values() for m in errors]
    if problems:
        raise ValidationError({field_name: problems})
    return found


def add_service(
    viewer: Viewer, data: ServiceInput, *, today: dt.date | None = None
) -> Organisation:
    """Put a guardian or advocacy service, or an NGO, on Visible with the authorities it works
    in (its coverage, Organisation.areas)."""
    policy.require_organisation_manager(viewer, "add a guardian or NGO service")
    problems: dict[str, list[str]] = {}
    name = " ".join((data.name or "").split())
    if not name:
        problems["name"] = ["Enter the service's name"]
    elif len(name) > 200:
        problems["name"] = ["The name must be 200 characters or fewer"]
    if data.kind not in SERVICE_KINDS:
        problems["kind"] = ["Choose whether it is a guardian or advocacy service or an NGO"]
    try:
        areas = coverage(data.areas, _today(today))
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        _name_free(name)
        organisation = Organisation.objects.create(name=name, kind=data.kind)
        organisation.areas.set(areas)
        _audit_created(viewer, organisation, {"areas": [a.code for a in areas]})
    return organisation


def national_body() -> Organisation | None:
    return Organisation.objects.filter(kind=OrganisationKind.NATIONAL_BODY).order_by("pk").first()


def add_national_body(viewer: Viewer, data: NationalBodyInput) -> Organisation:
    """Put the national body on Visible (there is one): its analysts see the national
    monitoring, its national administrators put organisations on Visible."""
    policy.require_organisation_manager(viewer, "add the national body")
    name = " ".join((data.name or "").split())
    if not name:
        raise ValidationError({"name": ["Enter the national body's name"]})
    if len(name) > 200:
        raise ValidationError({"name": ["The name must be 200 characters or fewer"]})
    with transaction.atomic():
        existing = national_body()
        if existing is not None:
            raise _conflict(
                "name",
                f"The national body is already on Visible, as \u2018{existing.name}\u2019: "
                "there is one",
            )
        _name_free(name)
        organisation = Organisation.objects.create(name=name, kind=OrganisationKind.NATIONAL_BODY)
        _audit_created(viewer, organisation, {})
    return organisation


# --- deactivation and reactivation ---------------------------------------------------------------


@dataclass(frozen=True)
class AccessEnded:
    organisation: Organisation
    people: int  # active memberships whose access ended (or came back)
    api_clients: int


def _people(organisation: Organisation) -> int:
    return Membership.objects.filter(organisation=organisation, is_active=True).count()


def _clients(organisation: Organisation) -> int:
    """Its API clients not revoked (api.models.ApiClient, read through the relation: the
    services layer does not import the API's modules)."""
    return organisation.api_clients.filter(revoked_at__isnull=True).count()


def _reason(reason: str, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [f"Say why you are {what} it"]})
    if len(reason) > 500:
        raise ValidationError({"reason": ["The reason must be 500 characters or fewer"]})
    return reason


def deactivate(
    viewer: Viewer, organisation: Organisation, reason: str, *, now: dt.datetime | None = None
) -> AccessEnded:
    """Its people lose access at once (their next page signs them out: web/common.py) and its
    API clients stop working; its records stay with it, unchanged, and come back with a
    reactivation. Refused for the organisation the administrator acts for."""
    policy.require_organisation_manager(viewer, f"deactivate {organisation.name}")
    reason = _reason(reason, "deactivating")
    if viewer.organisation_id == organisation.pk:
        raise _conflict(
            None,
            f"You act for {organisation.name}: deactivating it would end your own access. "
            "Ask another national administrator, or use the command line at the server",
        )
    at = now or timezone.now()
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if not locked.is_active:
            since = (
                f", on {timezone.localtime(locked.deactivated_at):%-d %B %Y}"
                if locked.deactivated_at
                else ""
            )
            raise _conflict(None, f"{locked.name} was deactivated already{since}")
        people, clients = _people(locked), _clients(locked)
        locked.is_active = False
        locked.deactivated_at = at
        locked.save(update_fields=["is_active", "deactivated_at"])
        record(
            viewer,
            AuditAction.END,
            object_type="organisation",
            object_id=locked.pk,
            summary=f"Deactivated {locked.name}: {reason}",
            detail={
                "reason": reason,
                "people_lost_access": people,
                "api_clients_stopped": clients,
                "deactivated_at": at.isoformat(),
            },
        )
    organisation.refresh_from_db()
    return AccessEnded(organisation, people, clients)


def reactivate(viewer: Viewer, organisation: Organisation, reason: str) -> AccessEnded:
    """Its people (those whose own membership is still active) and API clients have access
    again."""
    policy.require_organisation_manager(viewer, f"reactivate {organisation.name}")
    reason = _reason(reason, "reactivating")
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.is_active:
            raise _conflict(None, f"{locked.name} is active already")
        since = locked.deactivated_at
        locked.is_active = True
        locked.deactivated_at = None
        locked.save(update_fields=["is_active", "deactivated_at"])
        people, clients = _people(locked), _clients(locked)
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="organisation",
            object_id=locked.pk,
            summary=f"Reactivated {locked.name}: {reason}",
            detail={
                "reason": reason,
                "changes": {"is_active": [False, True]},
                "deactivated_at": since.isoformat() if since else None,
                "people_with_access": people,
                "api_clients": clients,
            },
        )
    organisation.refresh_from_db()
    return AccessEnded(organisation, people, clients)


# --- reorganisations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    child_id: int
    to: Organisation
    why: str  # "only successor", "assigned", "placement"


@dataclass
class Plan:
    """What a reorganisation would do: each of the predecessor's children and where it goes."""

    predecessor: Authority
    from_organisation: Organisation
    successors: list[Authority]
    to_organisations: dict[str, Organisation]  # successor GSS code -> its organisation
    moves: list[Move] = field(default_factory=list)
    reason: str = ""

    def counts(self) -> dict[str, int]:
        """Children going to each successor, by its organisation's name (every successor
        listed)."""
        going = Counter(m.to.name for m in self.moves)
        return {org.name: going.get(org.name, 0) for org in self.to_organisations.values()}

    def counts_by_rule(self) -> dict[str, int]:
        return dict(Counter(m.why for m in self.moves))


def _successors(predecessor: Authority, asked: tuple[str, ...], today: dt.date) -> list[Authority]:
    known = successors_of(predecessor)
    if not asked:
        if not known:
            raise ValidationError(
                {
                    "successors": [
                        f"The reference data names no successor of {predecessor.name}: give "
                        "the successor's GSS code (for example --to E06000063)"
                    ]
                }
            )
        return [a for a in known if not _ended(a, today)] or known
    chosen = []
    for text in dict.fromkeys(asked):
        authority = find_authority(text, "successors", today, what="successor")
        if known and authority not in known:
            raise ValidationError(
                {
                    "successors": [
                        f"{authority.name} ({authority.code}) did not replace "
                        f"{predecessor.name}: the reference data says {_describe(known)} did"
                    ]
                }
            )
        chosen.append(authority)
    return chosen


def _child_label(child: Child) -> str:
    """How a refusal names a child to a national administrator, who does not see children:
    by the Visible number, which the predecessor council can look up."""
    return f"Visible number {child.pk}"


def _named(children: list[Child]) -> str:
    shown = ", ".join(_child_label(c) for c in children[:MAX_NAMED])
    more = len(children) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def plan_reorganisation(
    viewer: Viewer, data: ReorganisationInput, *, today: dt.date | None = None
) -> Plan:
    """Check a reorganisation and say what it would do, changing nothing: the predecessor
    (an authority that has ended) and its organisation on Visible, its successors (the
    reference data's, each on Visible and active), and for each of its children the successor
    it goes to. With one successor every child goes to it; with more, a child goes where
    `assignments` says (by Visible number), else to the successor its current placement is
    in. Refused, naming them by Visible number, if any child has no successor or has an
    identifier (council case ID, SSDA903 CHILD, Home Office or NRM reference) a child of its
    successor already has."""
    policy.require_organisation_manager(viewer, "reorganise councils")
    day = _today(today)
    code = tidy_code(data.predecessor)
    if not code:
        raise ValidationError(
            {
                "predecessor": [
                    "Enter the GSS code of the authority that ended, for example E10000006 for Cumbria"
                ]
            }
        )
    predecessor = Authority.objects.filter(code=code).first()
    if predecessor is None:
        close = _close_authorities(data.predecessor, list(Authority.objects.childrens_services()))
        hint = (
            f" Did you mean {' or '.join(f'{a.code} ({a.name})' for a in close)}?" if close else ""
        )
        raise ValidationError(
            {
                "predecessor": [
                    f"There is no authority with the code \u2018{data.predecessor.strip()}\u2019.{hint}"
                ]
            }
        )
    if not _ended(predecessor, day):
        when = (
            f"ends on {predecessor.end_date:%-d %B %Y}: reorganise it on or after that day"
            if predecessor.end_date
            else "has not ended in the reference data (after a new release, run "
            "`visible reference load`)"
        )
        raise ValidationError({"predecessor": [f"{predecessor.name} ({predecessor.code}) {when}"]})
    from_organisation = Organisation.objects.filter(authority=predecessor).first()
    if from_organisation is None:
        raise _conflict(
            "predecessor",
            f"{predecessor.name} ({predecessor.code}) was never on Visible: it has no children to move",
        )
    successors = _successors(predecessor, data.successors, day)
    to_organisations: dict[str, Organisation] = {}
    missing = []
    for authority in successors:
        organisation = Organisation.objects.filter(authority=authority).first()
        if organisation is None or not organisation.is_active:
            missing.append(authority)
        else:
            to_organisations[authority.code] = organisation
    if missing:
        raise _conflict(
            "successors",
            f"{_describe(missing)} {'is' if len(missing) == 1 else 'are'} not on Visible "
            "(or deactivated): add "
            + ("it" if len(missing) == 1 else "them")
            + " first (visible organisations add-council "
            + " ".join(a.code for a in missing)
            + ")",
        )
    children = list(Child.objects.filter(responsible_organisation=from_organisation).order_by("pk"))
    by_number = {str(c.pk): c for c in children}
    assigned: dict[int, Organisation] = {}
    problems = []
    for number, target in data.assignments:
        number = number.strip()
        child = by_number.get(number)
        target_code = tidy_code(target)
        if child is None:
            problems.append(
                f"Visible number {number} is not one of the children of {from_organisation.name}"
            )
        elif target_code not in to_organisations:
            problems.append(
                f"Visible number {number}: \u2018{target.strip()}\u2019 is not one of the successors "
                f"({', '.join(to_organisations)})"
            )
        else:
            assigned[child.pk] = to_organisations[target_code]
    if problems:
        raise ValidationError({"assignments": problems})
    placed_in = _current_placement_authorities([c.pk for c in children])
    moves, unplaced = [], []
    for child in children:
        if len(to_organisations) == 1:
            moves.append(Move(child.pk, next(iter(to_organisations.values())), "only successor"))
        elif child.pk in assigned:
            moves.append(Move(child.pk, assigned[child.pk], "assigned"))
        elif placed_in.get(child.pk) in to_organisations:
            moves.append(Move(child.pk, to_organisations[placed_in[child.pk]], "placement"))
        else:
            unplaced.append(child)
    if unplaced:
        raise _conflict(
            "assignments",
            f"{len(unplaced)} of the children of {from_organisation.name} "
            f"{'has' if len(unplaced) == 1 else 'have'} no successor: "
            f"{_named(unplaced)}. Their current placement is in none of "
            f"{_describe(successors)}; say where each goes in the assignments "
            "(a CSV of Visible number and successor GSS code)",
        )
    clashes = _identifier_clashes(children, moves)
    if clashes:
        raise _conflict(
            "assignments",
            "Some children have an identifier a child of their successor already has, so "
            f"the successor would hold two records with it: {clashes}. Correct the "
            "identifiers first, then reorganise",
        )
    reason = " ".join((data.reason or "").split()) or (
        f"Local government reorganisation: {predecessor.name} replaced by "
        f"{_describe(successors)} on {predecessor.end_date:%-d %B %Y}"
    )
    return Plan(predecessor, from_organisation, successors, to_organisations, moves, reason[:500])


def _current_placement_authorities(child_ids: list[int]) -> dict[int, str]:
    """Each child's current (open) placement's authority code."""
    from visible.children.models import Placement

    found: dict[int, str] = {}
    rows = (
        Placement.objects.filter(child_id__in=child_ids, end_date__isnull=True)
        .exclude(authority__isnull=True)
        .order_by("child_id", "start_date", "pk")
        .values_list("child_id", "authority__code")
    )
    for child_id, code in rows:
        found[child_id] = code  # the latest open placement wins
    return found


IDENTIFIERS = {
    "council_id": "council case ID",
    "child_903_id": "SSDA903 CHILD",
    "home_office_ref": "Home Office reference",
    "nrm_ref": "NRM reference",
}


def _identifier_clashes(children: list[Child], moves: list[Move]) -> str:
    """The children whose identifier a child of their successor (already there, or moving
    there with them) has: the per-organisation unique constraints would refuse the move."""
    by_pk = {c.pk: c for c in children}
    clashes = []
    for organisation in {m.to.pk: m.to for m in moves}.values():
        going = [by_pk[m.child_id] for m in moves if m.to.pk == organisation.pk]
        for name, label in IDENTIFIERS.items():
            values = [getattr(c, name) for c in going if getattr(c, name)]
            held = set(
                Child.objects.filter(
                    responsible_organisation=organisation, **{f"{name}__in": values}
                ).values_list(name, flat=True)
            )
            seen: set[str] = set()
            for child in going:
                value = getattr(child, name)
                if value and (value in held or value in seen):
                    clashes.append(
                        f"{_child_label(child)} ({label} already at {organisation.name})"
                    )
                seen.add(value)
    shown = "; ".join(clashes[:MAX_NAMED])
    return shown + (f" and {len(clashes) - MAX_NAMED} more" if len(clashes) > MAX_NAMED else "")


@dataclass(frozen=True)
class Reorganised:
    plan: Plan
    moved: dict[str, int]  # successor organisation's name -> children moved to it


def reorganise(
    viewer: Viewer, data: ReorganisationInput, *, today: dt.date | None = None
) -> Reorganised:
    """Move every child of a predecessor authority to its successor(s) in one transaction, each
    as a transfer with its history (sharing.actions.move_responsibility: the record stays one
    record, its open alerts go with it, the successor is told, the predecessor keeps a
    read-only view for the transfer period), and record the reorganisation itself. Checked
    first by plan_reorganisation, and again inside the transaction; if any child cannot move,
    none has moved. Run again, it finds nothing left to move."""
    policy.require_organisation_manager(viewer, "reorganise councils")  # audited, not rolled back
    with transaction.atomic():
        # One reorganisation of a predecessor at a time: a second waits here, then plans
        # again from what the first left (nothing, if it moved every child).
        Organisation.objects.select_for_update().filter(
            authority__code=tidy_code(data.predecessor)
        ).first()
        plan = plan_reorganisation(viewer, data, today=today)
        children = {
            c.pk: c
            for c in Child.objects.select_related("responsible_organisation").filter(
                pk__in=[m.child_id for m in plan.moves]
            )
        }
        for move in plan.moves:
            sharing.move_responsibility(viewer, children[move.child_id], move.to, plan.reason)
        moved = plan.counts()
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="organisation",
            object_id=plan.from_organisation.pk,
            summary=(
                f"Reorganisation: moved {len(plan.moves)} children of {plan.from_organisation.name} "
                f"to {', '.join(f'{name} ({n})' for name, n in moved.items())}"
            ),
            detail={
                "predecessor": plan.predecessor.code,
                "successors": [a.code for a in plan.successors],
                "moved": moved,
                "by_rule": plan.counts_by_rule(),
                "reason": plan.reason,
            },
        )
    return Reorganised(plan, moved)
