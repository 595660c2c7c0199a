"""The demo: a database with reference data, two councils, their staff and a synthetic
register. Idempotent: running it again keeps what is there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from visible.agencies.councils import council_for
from visible.agencies.models import Membership, Role
from visible.reference.load import load_authorities
from visible.reference.models import Authority

# Shown on screen and in the README: demo logins only, for a local database of synthetic people.
DEMO_PASSWORD = "visible-demo-password"

COUNCIL_A = "E09000008"  # Croydon: the report's authorities with the most UASC include it
COUNCIL_B = "E10000016"  # Kent


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    authority_code: str  # a council's GSS code, or the name of another organisation (ORGANISATIONS)
    role: str


MET = "Metropolitan Police Service"  # the force Croydon's children are reported missing to
GUARDIANS = "Independent Child Trafficking Guardians (synthetic)"
NATIONAL = "National missing children monitoring (synthetic)"
ORGANISATIONS = {GUARDIANS: "guardian_service", NATIONAL: "national_body"}


DEMO_USERS = [
    DemoUser("sw.croydon", "Priya", "Shah", COUNCIL_A, Role.SOCIAL_WORKER),
    DemoUser("coordinator.croydon", "Tom", "Ellis", COUNCIL_A, Role.MISSING_COORDINATOR),
    DemoUser("manager.croydon", "Grace", "Okafor", COUNCIL_A, Role.SENIOR_MANAGER),
    DemoUser("admin.croydon", "Hannah", "Reid", COUNCIL_A, Role.ORGANISATION_ADMIN),
    # The out-of-hours team manager: on-call manager on the demo's rota (demo/rota.py).
    DemoUser("oncall.croydon", "Femi", "Adeyemi", COUNCIL_A, Role.SENIOR_MANAGER),
    DemoUser("sw.kent", "Owen", "Hughes", COUNCIL_B, Role.SOCIAL_WORKER),
    DemoUser("officer.met", "Dan", "Price", MET, Role.POLICE_OFFICER),
    DemoUser("spoc.met", "Aisha", "Malik", MET, Role.TRAFFICKING_SPOC),
    DemoUser("guardian.ictg", "Ruth", "Mensah", GUARDIANS, Role.GUARDIAN),
    DemoUser("analyst.national", "Ben", "Carter", NATIONAL, Role.ANALYST),
]


def organisation_for(demo: DemoUser):
    """The demo user's organisation: a council by GSS code, a police force (loaded with the
    reference data), or a demo guardian service or national body, made here."""
    from visible.agencies.models import Organisation

    if demo.authority_code in ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(
            name=demo.authority_code, defaults={"kind": ORGANISATIONS[demo.authority_code]}
        )
        return organisation
    force = Organisation.objects.filter(name=demo.authority_code).first()
    return force or council_for(Authority.objects.get(code=demo.authority_code))


@transaction.atomic
def create_demo_users() -> list[DemoUser]:
    """The demo staff, each with the demo password, an example.org address (for trying the
    password reset: the email is printed in the terminal) and an authenticator already set up
    with a secret made for this database (printed by print_logins)."""
    import pyotp
    from django.utils import timezone

    from visible.security.models import TotpDevice

    User = get_user_model()
    for demo in DEMO_USERS:
        organisation = organisation_for(demo)
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": demo.role}
        )
        TotpDevice.objects.get_or_create(
            user=user, defaults={"secret": pyotp.random_base32(), "confirmed_at": timezone.now()}
        )
    return DEMO_USERS


def set_up_demo(seed: int, children: int, out: TextIO) -> None:
    """Migrate, load the reference data, make the demo's users and fill the register: only on
    an empty database or one this made before. Any other is refused with
    installation.NotADemoDatabase before a record is written (and, once the database records
    its mode, before it is even migrated)."""
    from visible import installation
    from visible.children.models import Child

    from .synthetic.generate import generate

    if installation.can_record():
        # Before migrating, so that a refusal changes nothing at all. (A database from before
        # the mode was recorded is migrated first: the migration marks an earlier demo.)
        installation.refuse_unless_demo_or_empty()
    out.write("Setting up the database...\n")
    call_command("migrate", interactive=False, verbosity=0)
    installation.mark_demo("visible demo")
    load_authorities()
    create_demo_users()
    from .rota import set_up_rota_demo

    set_up_rota_demo(council_for(Authority.objects.get(code=COUNCIL_A)), out)
    if not Child.objects.exists():
        out.write(f"Generating a synthetic register of {children} children (seed {seed})...\n")
        summary = generate(
            authorities=[COUNCIL_A, COUNCIL_B],
            national=False,
            children=children,
            seed=seed,
            progress=True,
        )
        out.write(summary.describe() + "\n")
        from visible.missing.sweep import sweep_all

        swept = sweep_all()
        out.write(f"Raised the alerts now due: {swept.alerts_raised:,} open alerts.\n")
        from .sharing import set_up_sharing_demo

        set_up_sharing_demo(council_for(Authority.objects.get(code=COUNCIL_A)), MET, GUARDIANS, out)
    else:
        out.write(f"Keeping the existing register ({Child.objects.count()} children).\n")
    from visible.agencies.viewer import viewer_for

    from .national import set_up_national_demo

    analyst = get_user_model().objects.get(username="analyst.national")
    set_up_national_demo(viewer_for(analyst), [COUNCIL_A, COUNCIL_B], out)
    set_up_headline_features(out)
    print_logins(out)


def set_up_headline_features(out: TextIO) -> None:
    """What every demo login should find on its pages (demo/features.py): safety plans with a
    missing route map for the demo councils' children, the partnership's annual report, and a
    child's pack in Tigrinya or Arabic with its contacts (demo/childpack.py)."""
    from django.utils import timezone

    from visible.agencies.viewer import viewer_for

    from .features import set_up_partnership, set_up_safety_plans

    today = timezone.localdate()
    users = get_user_model().objects
    for code, social_worker in ((COUNCIL_A, "sw.croydon"), (COUNCIL_B, "sw.kent")):
        council = council_for(Authority.objects.get(code=code))
        set_up_safety_plans(council, viewer_for(users.get(username=social_worker)), MET, today, out)
    set_up_partnership([COUNCIL_A], viewer_for(users.get(username="manager.croydon")), today, out)
    from .childpack import set_up_child_packs

    set_up_child_packs(
        council_for(Authority.objects.get(code=COUNCIL_A)),
        viewer_for(users.get(username="sw.croydon")),
        viewer_for(users.get(username="admin.croydon")),
        out,
    )
    from .sharing import set_up_police_grades_demo

    set_up_police_grades_demo(
        council_for(Authority.objects.get(code=COUNCIL_A)),
        viewer_for(users.get(username="sw.croydon")),
        viewer_for(users.get(username="spoc.met")),
        MET,
        out,
    )
    from .transfers import set_up_transfers_demo

    set_up_transfers_demo(
        council_for(Authority.objects.get(code=COUNCIL_A)),
        council_for(Authority.objects.get(code=COUNCIL_B)),
        out,
    )
    from .arrival import set_up_arrival_demo

    set_up_arrival_demo(
        council_for(Authority.objects.get(code=COUNCIL_A)),
        viewer_for(users.get(username="sw.croydon")),
        timezone.now(),
        out,
    )


def print_logins(out: TextIO) -> None:
    from visible.agencies.models import Role as R
    from visible.security.models import TotpDevice
    from visible.security.second_factor import grouped

    secrets = dict(
        TotpDevice.objects.filter(user__username__in=[d.username for d in DEMO_USERS]).values_list(
            "user__username", "secret"
        )
    )
    out.write("Demo logins (synthetic data only), password for all: " + DEMO_PASSWORD + "\n")
    out.write(
        "Each needs a second-factor code too: add the user's setup key to an authenticator app (time-based),\n"
        "or run `.venv/bin/visible totp-code USERNAME` for the current code.\n"
    )
    for demo in DEMO_USERS:
        authority = Authority.objects.filter(code=demo.authority_code).first()
        out.write(
            f"  {demo.username:<22} {R(demo.role).label:<36} {authority.name if authority else demo.authority_code}\n"
        )
        secret = secrets.get(demo.username)
        out.write(
            f"  {'':<22} setup key: {grouped(secret) if secret else '(set up at first sign-in)'}\n"
        )
