"""`visible`: the command line. Each subcommand is a thin wrapper over the same functions the
web pages use.

    visible demo                      set up the database and demo data, print the logins
    visible serve                     serve Visible on 127.0.0.1:8000 (gunicorn; the logins: demo only)
    visible worker                    the background worker: the sweep every minute, and jobs
    visible status                    is Visible ready? (the checks of /readyz; exit 1 if not)
    visible generate ...              make a synthetic register (deterministic with --seed)

(`demo` and `generate` need the optional extra `demo`, and an empty or demo database:
visible.installation.)
    visible audit verify [--anchors]  check the audit log's hash chain (and its anchors)
    visible audit seal                seal the events waiting into the chain now
    visible audit anchor              copy the chain's head to the anchor file now
    visible audit rekey               once: re-hash a chain written before it was keyed
    visible reference load            load or refresh the authorities reference data
    visible setup ...                 a new service: migrations, reference data, the national
                                      body and its first national administrator (idempotent)
    visible organisations ...         list, add, show, deactivate, reactivate, reorganise
    visible import 903|factors ...    import an SSDA903 return or CIN census factors
    visible import register FILE ...  import a council's register from its case system
    visible rota import FILE ...      add a rota file's shifts to an organisation's on-call rota
    visible nrm-pilot show|add|end    a council's dates in the NRM decision-making pilot
    visible export 903 ...            write an SSDA903 return
    visible foi-return ...            the report's data request (Appendix 1), answered
    visible sso show|check|disable ORG  an organisation's single sign-on (docs/sso.md)
    visible manage ARGS...            any Django management command
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEV_SETTINGS = "visible.config.settings.dev"
PRODUCTION_SETTINGS = "visible.config.settings.production"


def _choose_settings(command: str | None) -> str:
    """DJANGO_SETTINGS_MODULE when set; otherwise production, which refuses to start without
    its secrets. Only the local demo's own commands (`visible demo`, as `make run` runs it, and
    `visible totp-code`, which prints a demo user's code) mean the development settings without
    being told; `totp-code` still refuses any database that is not a demo."""
    if command in ("demo", "totp-code"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEV_SETTINGS)
    return os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION_SETTINGS)


def _setup_django(command: str | None = None) -> None:
    _choose_settings(command)
    import django

    django.setup()


class DemoNotInstalled(ValueError):
    def __init__(self) -> None:
        super().__init__(
            "the demo is not installed with this copy of Visible (it needs Faker): "
            "install it with pip install 'visible[demo]', then run this again"
        )


def _demo_module(name: str):
    """A module of the demo (visible.demo), which only the demo's commands import: it needs
    the optional extra `demo` (Faker), which a production install leaves out."""
    import importlib

    try:
        import faker  # noqa: F401
    except ImportError:
        raise DemoNotInstalled() from None
    return importlib.import_module(name)


def cmd_demo(args: argparse.Namespace) -> int:
    set_up_demo = _demo_module("visible.demo.setup").set_up_demo
    set_up_demo(seed=args.seed, children=args.children, out=sys.stdout)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from visible.installation import is_demo

    print(f"\nVisible is running at http://{args.host}:{args.port}/  (Ctrl+C to stop)\n")
    if is_demo():  # the demo's published logins, never a real service's
        from visible.demo.setup import print_logins

        print_logins(sys.stdout)
    sys.stdout.flush()
    return _exec_gunicorn(args)


def gunicorn_command(args: argparse.Namespace) -> list[str]:
    """Gunicorn with Visible's settings (visible/config/gunicorn.py), on the address asked for."""
    host = f"[{args.host}]" if ":" in args.host else args.host
    command = [sys.executable, "-m", "gunicorn", "--config", "python:visible.config.gunicorn"]
    command += ["--bind", f"{host}:{args.port}"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    return command


def _exec_gunicorn(args: argparse.Namespace) -> int:
    """Become gunicorn's master (same process, so a service manager's SIGTERM and SIGHUP reach
    it). It starts without Django: the settings checked here are loaded again in each worker,
    and the database connection used here is closed, never inherited."""
    from django.db import connections

    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    command = gunicorn_command(args)
    os.execv(command[0], command)
    return 1  # not reached: execv replaces this process or raises OSError


def cmd_generate(args: argparse.Namespace) -> int:
    from django.db import transaction

    from visible.installation import mark_demo

    module = _demo_module("visible.demo.synthetic.generate")
    shared = module.SHARED_BIRTHDAYS if args.shared_birthdays is None else args.shared_birthdays
    with transaction.atomic():  # the demo mark only with the register it was made for
        mark_demo("visible generate")
        summary = module.generate(
            authorities=args.authority or None,
            national=args.national,
            children=args.children,
            seed=args.seed,
            progress=not args.quiet,
            shared_birthdays=shared,
        )
    print(summary.describe())
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from visible.missing.sweep import sweep_all
    from visible.transfers.sweep import sweep_transfers

    summary = sweep_all(progress=not args.quiet)
    print(summary.describe())
    print(sweep_transfers().describe())
    _anchor_after("sweep")
    return 0


def _anchor_after(work: str) -> None:
    """Copy the chain's head to the anchor file once a command's work is done; if that fails
    the work still stands (the error is logged, and said here)."""
    from visible.audit.anchors import anchor_file, anchor_now

    anchor, error = anchor_now(f"after {work}")
    if anchor is not None:
        print(f"Audit chain head anchored: {anchor.describe()}, in {anchor_file()}.")
    else:
        print(f"The audit chain head was NOT anchored: {error}", file=sys.stderr)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from visible.audit.log import verify
    from visible.audit.models import AuditEvent

    total = AuditEvent.objects.count()
    with tqdm(
        total=total, unit=" events", disable=args.quiet or total < 10000, file=sys.stderr
    ) as bar:
        result = verify(progress=bar)
    if result.broken is None:
        print(
            f"Audit chain intact: {result.events_checked} events checked. Head hash {result.head_hash}"
        )
    else:
        print(f"Audit chain BROKEN at {result.broken}", file=sys.stderr)
        print(f"{result.events_checked} events before it are intact.", file=sys.stderr)
    for altered in result.altered:
        print(f"Audit event ALTERED: {altered}", file=sys.stderr)
    if result.altered_count > len(result.altered):
        print(
            f"{result.altered_count} events in all no longer match their digests.", file=sys.stderr
        )
    tail = result.tail
    if tail is not None and not tail.young:
        print(f"Audit events NOT SEALED: {tail.problem()}.", file=sys.stderr)
    elif tail is not None and tail.count:
        print(f"Not yet sealed, and within the limit: {tail.describe()}.")
    anchors_ok = _check_anchors(Path(args.anchors)) if args.anchors else True
    return 0 if result.ok and anchors_ok else 1


def cmd_audit_seal(args: argparse.Namespace) -> int:
    from visible.audit.seal import seal_pending

    sealed = seal_pending()
    head = f"the chain's newest event is #{sealed.head_seq}"
    if sealed.events:
        print(f"Sealed {sealed.events} events into the audit chain: {head}.")
    else:
        print(f"Nothing to seal: every event is in the chain; {head}.")
    return 0


def _check_anchors(path: Path) -> bool:
    from visible.audit.anchors import check_anchors

    check = check_anchors(path)
    for problem in check.problems:
        print(f"Anchors DO NOT MATCH: {problem}", file=sys.stderr)
    if check.mismatched > 1:
        print(
            f"{check.mismatched} of {check.anchors_checked} anchors no longer match.",
            file=sys.stderr,
        )
    if check.ok:
        newest = f" The newest: {check.newest.describe()}." if check.newest else ""
        count = f"{check.anchors_checked} anchor{'s' if check.anchors_checked != 1 else ''}"
        print(
            f"Anchors match: the database still holds every head anchored in {path} ({count}).{newest}"
        )
        if check.unanchored_events:
            print(
                f"{check.unanchored_events} events written since the newest anchor are protected by the key alone "
                "until the next one."
            )
    for gap in check.gaps:
        print(f"Warning: {gap}", file=sys.stderr)
    return check.ok


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    from visible.audit.anchors import anchor_file, write_anchor

    try:
        anchor = write_anchor()
    except OSError as error:
        raise ValueError(
            f"could not write to the anchor file {anchor_file()}: {error.strerror}; "
            "check the path in VISIBLE_AUDIT_ANCHOR_FILE and that Visible may append to it"
        ) from None
    print(f"Audit chain head anchored: {anchor.describe()}, in {anchor_file()}.")
    return 0


def cmd_audit_rekey(args: argparse.Namespace) -> int:
    import getpass

    from visible.agencies.viewer import Viewer
    from visible.audit.rekey import rekey

    try:
        operator = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        operator = "cli"
    done = rekey(Viewer(user_id=None, username=operator, organisation=None, role=None))
    print(
        f"Audit chain re-hashed with its key (key id {done.key_id}): {done.events} events checked with the old "
        f"hashing and re-hashed. Old head hash {done.old_head_hash}, new {done.new_head_hash}; the rekey is itself "
        "an audit event."
    )
    _anchor_after("rekey")
    return 0


def cmd_reference_load(args: argparse.Namespace) -> int:
    from visible.agencies.police import set_force_areas
    from visible.reference.load import ATTRIBUTION, load_authorities

    created, updated = load_authorities()
    areas = set_force_areas()
    print(
        f"Authorities: {created} added, {updated} updated; police force areas: {areas} changed. "
        f"{ATTRIBUTION}"
    )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["visible manage", *args.rest])
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="visible", description="Visible: keep children in care visible."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo", help="create the database, load reference and demo data, print the demo logins"
    )
    p.add_argument(
        "--seed", type=int, default=2016, help="random seed for the demo register (default 2016)"
    )
    p.add_argument(
        "--children", type=int, default=2500, help="children across the demo authorities"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve Visible (gunicorn; see visible/config/gunicorn.py)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers",
        type=_positive,
        help="worker processes (default: VISIBLE_WEB_WORKERS, or one per CPU plus one)",
    )
    p.add_argument(
        "--threads",
        type=_positive,
        help="threads per worker (default: VISIBLE_WEB_THREADS, or 4)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "generate", help="generate a synthetic register (Faker en_GB and others; deterministic)"
    )
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "--authority",
        action="append",
        metavar="CODE",
        help="GSS code of an authority to fill (repeatable)",
    )
    scope.add_argument(
        "--national", action="store_true", help="every current UK children's services authority"
    )
    p.add_argument("--children", type=int, required=True, help="how many children in all")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same register)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--shared-birthdays",
        type=float,
        default=None,
        metavar="SHARE",
        help="share of children (0 to 1) born on the same day as another child of the same age, "
        "in their authority or another (default 0.05; 0: dates drawn as they come)",
    )
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser(
        "sweep",
        help="raise the time-based alerts now due and close those no longer due, for every child",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("audit", help="the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = audit_sub.add_parser(
        "verify",
        help="check the hash chain; name the first broken link; fail if events wait too long "
        "to be sealed",
    )
    v.add_argument(
        "--anchors",
        metavar="FILE",
        help="also check that the database still holds every head anchored in FILE "
        "(the anchor file, VISIBLE_AUDIT_ANCHOR_FILE, or a copy from syslog)",
    )
    v.add_argument("--quiet", action="store_true")
    v.set_defaults(func=cmd_audit_verify)
    v = audit_sub.add_parser(
        "seal",
        help="seal the events waiting into the chain now (the worker does it every minute)",
    )
    v.set_defaults(func=cmd_audit_seal)
    v = audit_sub.add_parser(
        "anchor", help="append the chain's head to the anchor file (and syslog) now, e.g. from cron"
    )
    v.set_defaults(func=cmd_audit_anchor)
    v = audit_sub.add_parser(
        "rekey",
        help="once, after upgrading: check a chain written before it was keyed, "
        "then re-hash it with VISIBLE_AUDIT_KEY",
    )
    v.set_defaults(func=cmd_audit_rekey)

    p = sub.add_parser("reference", help="reference data")
    ref_sub = p.add_subparsers(dest="reference_command", required=True, metavar="ACTION")
    r = ref_sub.add_parser("load", help="load or refresh the UK authorities")
    r.set_defaults(func=cmd_reference_load)

    p = sub.add_parser(
        "import",
        help="import statutory data (SSDA903 return, CIN census factors) or a council's register",
    )
    import_sub = p.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    p = sub.add_parser("export", help="export statutory data (SSDA903 return)")
    export_sub = p.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    from visible.ssda903.cli import add_export_commands, add_import_commands

    add_import_commands(import_sub)
    add_export_commands(export_sub)
    __import__("visible.register.cli", fromlist=["x"]).add_import_commands(import_sub)

    from visible.returns.cli import add_commands as add_return_commands

    add_return_commands(sub)
    __import__("visible.security.cli", fromlist=["add_commands"]).add_commands(
        sub,
        extend_users=__import__("visible.people.cli", fromlist=["x"]).add_user_commands,
    )  # users (with the people commands), totp-code, retention
    from visible.pseudo.cli import add_commands as add_pseudo_commands

    add_pseudo_commands(sub)  # noqa: E702, I001
    from visible.api.cli import add_commands as add_api_commands

    add_api_commands(sub)  # noqa: E702, I001
    from visible.worker.cli import add_commands as add_worker_commands

    add_worker_commands(sub)  # worker, status
    from visible.sso.cli import add_commands as add_sso_commands

    add_sso_commands(sub)
    from visible.organisations.cli import add_commands as add_organisation_commands

    add_organisation_commands(sub)  # setup, organisations
    from visible.rota.cli import add_commands as add_rota_commands

    add_rota_commands(sub)  # rota import
    from visible.children.cli import add_commands as add_nrm_pilot_commands

    add_nrm_pilot_commands(sub)  # nrm-pilot
    from visible.national.cli import add_commands as add_national_commands

    add_national_commands(sub)  # national-2024

    p = sub.add_parser(
        "manage", help="run a Django management command, e.g. 'visible manage migrate'"
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management.base import CommandError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _setup_django(args.command)
    except ImproperlyConfigured as error:
        # Production settings without their secrets, or a setting that cannot be read: one
        # line that says which settings and what to set, not a traceback.
        module = os.environ.get("DJANGO_SETTINGS_MODULE")
        hint = (
            f" (settings: {module}; for the local demo use `make run`, or set "
            f"DJANGO_SETTINGS_MODULE={DEV_SETTINGS})"
            if module == PRODUCTION_SETTINGS
            else f" (settings: {module})"
        )
        print(f"visible {args.command}: {error}{hint}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, CommandError) as error:
        # A mistake in what was asked for (an unknown authority code, a bad number): say
        # what was wrong and how to fix it, without a traceback.
        print(f"visible {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
