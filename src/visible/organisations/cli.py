"""`visible setup` and `visible organisations ...`: thin wrappers over setup.py, actions.py and
queries.py, acting as the operator at the server (policy.operator), audited as such.

Exit status: 0 done (or already as asked, for setup); 1 refused because of what is there
already (a duplicate, an organisation already deactivated, children a reorganisation cannot
place), nothing changed; 2 a mistake in what was asked for (an unknown or ended code, a bad
option, a demo's database), nothing changed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError

KINDS = ("council", "hsc_trust", "police", "ngo", "guardian_service", "national_body")


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages in error.message_dict.values() for m in messages]
    return list(error.messages)


def _guarded(name: str, command: Callable[[argparse.Namespace], int]):
    """Run `command`; an action's ValidationError becomes its messages on stderr and exit
    status 1 (a conflict with what is there) or 2 (a mistake in what was asked)."""

    def run(args: argparse.Namespace) -> int:
        from .actions import is_conflict

        try:
            return command(args)
        except ValidationError as error:
            for message in _messages(error):
                print(f"visible {name}: {message}", file=sys.stderr)
            return 1 if is_conflict(error) else 2

    return run


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _organisation(text: str):
    """An organisation by its number, its authority's GSS code or its exact name (case
    aside); a ValueError with the closest names otherwise."""
    import difflib

    from visible.agencies.models import Organisation

    text = (text or "").strip()
    found = None
    if text.isdigit():
        found = Organisation.objects.filter(pk=int(text)).first()
    found = (
        found
        or Organisation.objects.filter(authority__code=text.upper()).first()
        or Organisation.objects.filter(name__iexact=text).first()
    )
    if found is None:
        names = {n.lower(): n for n in Organisation.objects.values_list("name", flat=True)}
        wanted = text.lower()
        close = [names[n] for n in difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)]
        close += [
            n
            for key, n in names.items()
            if wanted and (wanted in key or key.startswith(wanted[:4]))
        ]
        close = list(dict.fromkeys(close))[:3]
        hint = (
            f"; did you mean {' or '.join(repr(c) for c in close)}?"
            if close
            else "; `visible organisations list` shows them"
        )
        raise ValueError(
            f"there is no organisation '{text}' (give its number, its GSS code or its exact name){hint}"
        )
    return found


# --- setup ----------------------------------------------------------------------------------------


def cmd_setup(args: argparse.Namespace) -> int:
    from .policy import operator
    from .setup import Options, set_up

    done = set_up(
        Options(
            national_body=args.national_body or "",
            username=args.admin_username or "",
            email=args.admin_email or "",
            first_name=args.admin_first_name or "",
            last_name=args.admin_last_name or "",
        ),
        operator(),
    )
    for line in done.lines:
        print(line)
    if done.administrator:
        print()
        print(done.administrator)
        print(
            "Shown once, and not stored: give it to them by a second channel. At their first "
            "sign-in they set up an authenticator app (the second factor) and get ten recovery "
            "codes; then they change the password (Change your password, at the top of every page)."
        )
    else:
        print("Visible is set up.")
    return 0


# --- organisations --------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from .queries import organisations

    found = list(organisations(kind=args.kind or "", status=args.status or "", q=args.search or ""))
    rows = [
        [
            str(o.pk),
            o.name,
            o.get_kind_display(),
            o.authority.code if o.authority else "",
            "active" if o.is_active else "deactivated",
            str(getattr(o, "people", "")),  # annotated by queries.organisations
            str(getattr(o, "administrators", "")),
        ]
        for o in found
    ]
    print(_table(["No.", "Name", "Kind", "GSS code", "Status", "People", "Administrators"], rows))
    print(f"{len(rows)} organisation{'s' if len(rows) != 1 else ''}.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from .queries import summary

    organisation = _organisation(args.organisation)
    seen = summary(organisation)
    status = "active"
    if not organisation.is_active:
        status = "deactivated" + (
            f" on {timezone.localtime(organisation.deactivated_at):%-d %B %Y}"
            if organisation.deactivated_at
            else ""
        )
    fields = [
        ("Number", str(organisation.pk)),
        ("Name", organisation.name),
        ("Kind", organisation.get_kind_display()),
        (
            "Authority",
            f"{organisation.authority.name} ({organisation.authority.code})"
            if organisation.authority
            else "",
        ),
        ("Status", status),
        ("People with access", str(seen.people)),
        ("API clients", str(seen.api_clients)),
        ("Children's records held", str(seen.children)),
    ]
    for label, value in fields:
        if value:
            print(f"{label + ':':<26}{value}")
    print(f"{'Administrators:':<26}{'none yet' if not seen.administrators else ''}")
    for person in seen.administrators:
        print(f"  {person.name} ({person.username}, {person.email or 'no email'}), {person.role}")
    if seen.areas:
        print(f"{'Area (' + str(len(seen.areas)) + ' authorities):':<26}")
        for authority in seen.areas:
            print(f"  {authority.code}  {authority.name}")
    return 0


def cmd_add_council(args: argparse.Namespace) -> int:
    from .actions import add_council
    from .inputs import CouncilInput
    from .policy import operator

    organisation = add_council(operator(), CouncilInput(code=args.code))
    code = organisation.authority.code if organisation.authority else args.code
    print(f"Added {organisation.name} ({code}), number {organisation.pk}.")
    return 0


def cmd_add_force(args: argparse.Namespace) -> int:
    from .actions import add_force
    from .inputs import ForceInput
    from .policy import operator

    organisation = add_force(operator(), ForceInput(name=" ".join(args.name)))
    print(
        f"Added {organisation.name}, number {organisation.pk}, with "
        f"{organisation.areas.count()} authorities in its area."
    )
    return 0


def cmd_add_service(args: argparse.Namespace) -> int:
    from .actions import add_service
    from .inputs import ServiceInput
    from .policy import operator

    codes = [c for given in args.area or [] for c in given.split(",")]
    organisation = add_service(
        operator(), ServiceInput(name=args.name, kind=args.kind, areas=tuple(codes))
    )
    print(
        f"Added {organisation.name} ({organisation.get_kind_display().lower()}), number "
        f"{organisation.pk}, working in {organisation.areas.count()} "
        f"authorit{'y' if organisation.areas.count() == 1 else 'ies'}."
    )
    return 0


def cmd_add_national_body(args: argparse.Namespace) -> int:
    from .actions import add_national_body
    from .inputs import NationalBodyInput
    from .policy import operator

    organisation = add_national_body(operator(), NationalBodyInput(name=args.name))
    print(f"Added the national body, {organisation.name}, number {organisation.pk}.")
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    from .actions import deactivate
    from .policy import operator

    ended = deactivate(operator(), _organisation(args.organisation), args.reason or "")
    print(
        f"Deactivated {ended.organisation.name}: {ended.people} "
        f"{'person' if ended.people == 1 else 'people'} lost access (signed out at their next "
        f"page) and {ended.api_clients} API client{'s' if ended.api_clients != 1 else ''} "
        "stopped. Its records stay with it; `visible organisations reactivate` restores access."
    )
    return 0


def cmd_reactivate(args: argparse.Namespace) -> int:
    from .actions import reactivate
    from .policy import operator

    back = reactivate(operator(), _organisation(args.organisation), args.reason or "")
    print(
        f"Reactivated {back.organisation.name}: {back.people} "
        f"{'person has' if back.people == 1 else 'people have'} access again."
    )
    return 0


def read_assignments(path: Path) -> tuple[tuple[str, str], ...]:
    """A CSV with the columns visible_number and successor (a GSS code), one row a child. A
    problem is a ValueError naming the file, the row and the column."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        headers = [h.strip().lower() for h in reader.fieldnames or []]
        if "visible_number" not in headers or "successor" not in headers:
            raise ValueError(
                f"{path}, row 1: the header must name the columns visible_number and successor "
                f"(it has {', '.join(reader.fieldnames or []) or 'none'})"
            )
        found = []
        for number, row in enumerate(reader, start=2):
            values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if not any(values.values()):
                continue
            if not values.get("visible_number", "").isdigit():
                raise ValueError(
                    f"{path}, row {number}, column visible_number: "
                    f"'{values.get('visible_number', '')}' is not a Visible number (digits only)"
                )
            if not values.get("successor"):
                raise ValueError(
                    f"{path}, row {number}, column successor: give the successor's GSS code"
                )
            found.append((values["visible_number"], values["successor"]))
    return tuple(found)


def cmd_reorganise(args: argparse.Namespace) -> int:
    from .actions import plan_reorganisation, reorganise
    from .inputs import ReorganisationInput
    from .policy import operator

    data = ReorganisationInput(
        predecessor=args.from_code,
        successors=tuple(args.to or ()),
        assignments=read_assignments(Path(args.assignments)) if args.assignments else (),
        reason=args.reason or "",
    )
    if args.dry_run:
        plan = plan_reorganisation(operator(), data)
        print(
            f"Would move {len(plan.moves)} children of {plan.from_organisation.name}: "
            + "; ".join(f"{name}: {n}" for name, n in plan.counts().items())
            + ". Nothing changed (--dry-run)."
        )
        return 0
    done = reorganise(operator(), data)
    plan = done.plan
    if not plan.moves:
        print(
            f"Nothing to move: {plan.from_organisation.name} has no children on Visible "
            "(moved already, or none recorded)."
        )
        return 0
    print(
        f"Moved {len(plan.moves)} children of {plan.from_organisation.name}, each as a transfer "
        "with its history: "
        + "; ".join(f"{name}: {n}" for name, n in done.moved.items())
        + f". {plan.from_organisation.name} can read their records for 90 days; deactivate it "
        "(`visible organisations deactivate`) once its people have moved."
    )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "setup",
        help="set up a new service on an empty database: migrations, reference data, the "
        "national body and its first national administrator (idempotent)",
        description="Set up Visible on an empty production database: apply the migrations, "
        "load the reference data, mark the database as a real service's, put the national body "
        "on Visible and make its first national administrator, whose temporary password is "
        "printed once (they set up their second factor at their first sign-in). Run again, it "
        "changes nothing and says what is there. Refuses a demo's database.",
    )
    p.add_argument("--national-body", metavar="NAME", help="the national body's name")
    p.add_argument(
        "--admin-username", metavar="USERNAME", help="the first national administrator's username"
    )
    p.add_argument("--admin-email", metavar="ADDRESS", help="their email address")
    p.add_argument("--admin-first-name", metavar="NAME", default="", help="their first name")
    p.add_argument("--admin-last-name", metavar="NAME", default="", help="their last name")
    p.set_defaults(func=_guarded("setup", cmd_setup))

    p = sub.add_parser(
        "organisations",
        help="councils, HSC Trusts, police forces, guardian and NGO services, the national "
        "body: list, add, deactivate, reactivate, reorganise",
    )
    orgs = p.add_subparsers(dest="organisations_command", required=True, metavar="ACTION")
    name = "organisations"

    o = orgs.add_parser("list", help="list the organisations on Visible, as a table")
    o.add_argument("--kind", choices=KINDS, help="only this kind")
    o.add_argument(
        "--status", choices=("active", "deactivated"), help="only active or deactivated ones"
    )
    o.add_argument("--search", metavar="TEXT", help="a piece of the name, or a GSS code")
    o.set_defaults(func=_guarded(name, cmd_list))

    o = orgs.add_parser("show", help="one organisation: its people, administrators and area")
    o.add_argument("organisation", metavar="ORGANISATION", help="its number, GSS code or name")
    o.set_defaults(func=_guarded(name, cmd_show))

    o = orgs.add_parser(
        "add-council",
        help="put a council's children's services (or a Northern Ireland HSC Trust) on Visible",
        description="Put a council's children's services, or a Northern Ireland Health and "
        "Social Care Trust, on Visible, by the GSS code of its authority (E10000016 for Kent; "
        "NIHSCT-BEL for the Belfast Trust). An authority that has ended is refused with its "
        "successors; an unknown code with the closest ones.",
    )
    o.add_argument("code", metavar="GSS_CODE")
    o.set_defaults(func=_guarded(name, cmd_add_council))

    o = orgs.add_parser(
        "add-force",
        help="put a police force on Visible with its area (every UK force is there from the start)",
    )
    o.add_argument("name", nargs="+", metavar="NAME", help="the force's name, e.g. Kent Police")
    o.set_defaults(func=_guarded(name, cmd_add_force))

    o = orgs.add_parser(
        "add-service",
        help="put a guardian or advocacy service, or an NGO, on Visible with the authorities it covers",
    )
    o.add_argument("name", metavar="NAME")
    o.add_argument(
        "--kind",
        required=True,
        choices=("guardian_service", "ngo"),
        help="guardian_service (guardian or advocacy service) or ngo",
    )
    o.add_argument(
        "--area",
        action="append",
        required=True,
        metavar="GSS_CODE",
        help="an authority it works in (repeat, or separate codes with commas)",
    )
    o.set_defaults(func=_guarded(name, cmd_add_service))

    o = orgs.add_parser("add-national-body", help="put the national body on Visible (there is one)")
    o.add_argument("name", metavar="NAME")
    o.set_defaults(func=_guarded(name, cmd_add_national_body))

    o = orgs.add_parser(
        "deactivate",
        help="end an organisation's access now (its people, its API clients); its records stay",
    )
    o.add_argument("organisation", metavar="ORGANISATION", help="its number, GSS code or name")
    o.add_argument("--reason", required=True, help="why (kept in the audit log)")
    o.set_defaults(func=_guarded(name, cmd_deactivate))

    o = orgs.add_parser("reactivate", help="give a deactivated organisation its access back")
    o.add_argument("organisation", metavar="ORGANISATION", help="its number, GSS code or name")
    o.add_argument("--reason", required=True, help="why (kept in the audit log)")
    o.set_defaults(func=_guarded(name, cmd_reactivate))

    o = orgs.add_parser(
        "reorganise",
        help="move an ended authority's children to its successor(s), each as a transfer",
        description="Local government reorganisation: move every child of an authority that "
        "has ended (e.g. Cumbria, E10000006) to its successor(s) in one step, each as a transfer "
        "with its history. The successors default to the reference data's and must be on "
        "Visible. With two or more, each child goes where --assignments says, else to the "
        "successor its current placement is in; if any child has neither, nothing moves and "
        "the children are named by Visible number.",
    )
    o.add_argument(
        "--from",
        dest="from_code",
        required=True,
        metavar="GSS_CODE",
        help="the authority that ended",
    )
    o.add_argument(
        "--to",
        action="append",
        metavar="GSS_CODE",
        help="a successor (repeat for each; default: the reference data's successors)",
    )
    o.add_argument(
        "--assignments",
        metavar="CSV",
        help="a CSV with the columns visible_number and successor (GSS code), for a split",
    )
    o.add_argument("--reason", help="why (default: the reorganisation, from the reference data)")
    o.add_argument("--dry-run", action="store_true", help="say what would move; change nothing")
    o.set_defaults(func=_guarded(name, cmd_reorganise))
