"""`visible rota import FILE --organisation ORG --as USERNAME`: a rota file's shifts added, all
or nothing, as that person (who must keep the organisation's rota: rota/actions.py
can_keep_rota), checked and audited as the "Upload a rota" page does.

Exit status: 0 added (or every shift already on the rota); 1 refused, nothing added, each
problem printed with its file, row and column; 2 a mistake in what was asked for (no such
file, organisation or person)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _organisation(text: str):
    """An organisation by its number, its authority's GSS code or its exact name."""
    from visible.agencies.models import Organisation

    text = text.strip()
    found = Organisation.objects.filter(pk=int(text)).first() if text.isdigit() else None
    found = (
        found
        or Organisation.objects.filter(authority__code=text.upper()).first()
        or Organisation.objects.filter(name__iexact=text).first()
    )
    if found is None:
        raise ValueError(
            f"there is no organisation '{text}': give its GSS code (e.g. E09000008) or its "
            "exact name (`visible organisations list` shows them)"
        )
    return found


def _viewer(username: str, organisation):
    from django.contrib.auth import get_user_model

    from visible.agencies.viewer import active_memberships, viewer_from

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValueError(f"there is no active user '{username}': give their username")
    memberships = active_memberships(user)
    if not any(m.organisation_id == organisation.pk for m in memberships):
        raise ValueError(f"{username} does not work for {organisation.name}")
    return viewer_from(user, memberships, organisation.pk)


def cmd_rota_import(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from .actions import import_shifts

    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"{path} is not a file: give the rota as .csv or .xlsx")
    viewer = _viewer(args.as_user, _organisation(args.organisation))
    try:
        result = import_shifts(viewer, path.name, path.read_bytes(), timezone.now())
    except PermissionDenied as error:
        raise ValueError(str(error)) from None
    if result.problems:
        count = len(result.problems)
        print(
            f"{path.name}: {count} problem{'s' if count != 1 else ''}; nothing has been added.",
            file=sys.stderr,
        )
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return 1
    already = len(result.already)
    print(
        f"Added {result.added} shift{'s' if result.added != 1 else ''} to the on-call rota of "
        f"{viewer.organisation.name if viewer.organisation else ''}; {already} already on the "
        f"rota, not added again."
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """`visible rota import`."""
    p = sub.add_parser("rota", help="an organisation's on-call rota")
    rota_sub = p.add_subparsers(dest="rota_command", required=True, metavar="ACTION")
    p = rota_sub.add_parser(
        "import",
        help="add the shifts of a rota file (CSV or XLSX) to an organisation's on-call rota",
        description="Add a rota file's shifts (columns: position, person, start date, start "
        "time, end date, end time, note) to an organisation's on-call rota, all or nothing, "
        "as a person who keeps it. A shift already on the rota is not added again. Exit code: "
        "0 added; 1 refused (every problem is listed); 2 a usage error. See docs/notifications.md.",
    )
    p.add_argument("file", metavar="FILE", help="the rota: .csv or .xlsx")
    p.add_argument(
        "--organisation",
        required=True,
        metavar="ORG",
        help="the council: its GSS code (e.g. E09000008) or its exact name",
    )
    p.add_argument(
        "--as",
        dest="as_user",
        required=True,
        metavar="USERNAME",
        help="the senior manager or organisation administrator adding it (audited as them)",
    )
    p.set_defaults(func=cmd_rota_import)
