"""The people and children the load benchmark acts as and on (run by bench/load/run.py, in a
process with Django set up on the benchmark's database, after `visible generate`).

Each simulated person is a real account: a social worker of the generated council with a
password and an authenticator already set up, whose secret is written to the accounts file
so that the locustfile can compute codes (pyotp) and sign in as a person does: the password
page, then the code page. Each account gets a slice of the council's children of its own to
report missing and bring back, so no two simulated people act on one child.

    python -m bench.load.prepare ACCOUNTS.json --accounts 100 --authority E09000008
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--authority", default="E09000008")
    args = parser.parse_args()

    import django

    django.setup()
    import pyotp
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from visible.agencies.councils import council_for
    from visible.agencies.models import Membership, Role
    from visible.children.models import Child
    from visible.missing.models import Episode
    from visible.reference.models import Authority
    from visible.security.models import TotpDevice

    council = council_for(Authority.objects.get(code=args.authority))
    # (Not exclude(episodes__returned_at__isnull=True): that also drops every child never missing.)
    missing_now = Episode.objects.filter(returned_at__isnull=True).values("child_id")
    children = list(
        Child.objects.filter(responsible_organisation=council)
        .exclude(pk__in=missing_now)  # free to report
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    surnames = sorted(
        {
            name
            for name in Child.objects.filter(responsible_organisation=council).values_list(
                "family_name", flat=True
            )[:2000]
            if name
        }
    )[:300]
    if len(children) < args.accounts * 2:
        raise SystemExit(f"only {len(children)} children to act on for {args.accounts} accounts")
    password = "load-benchmark-password-" + os.urandom(6).hex()
    hashed = make_password(password)  # one hash for all: argon2 is slow on purpose
    User = get_user_model()
    accounts = []
    share = len(children) // args.accounts
    with transaction.atomic():
        for number in range(args.accounts):
            username = f"load.{number:03d}"
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"password": hashed, "first_name": "Load", "last_name": f"{number:03d}"},
            )
            Membership.objects.get_or_create(
                user=user, organisation=council, defaults={"role": Role.SOCIAL_WORKER}
            )
            secret = pyotp.random_base32()
            TotpDevice.objects.update_or_create(
                user=user,
                defaults={"secret": secret, "confirmed_at": timezone.now(), "last_used_step": 0},
            )
            accounts.append(
                {
                    "username": username,
                    "password": password,
                    "secret": secret,
                    "children": children[number * share : (number + 1) * share],
                }
            )
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"accounts": accounts, "surnames": surnames}, handle)
    print(
        f"{len(accounts)} accounts in {council}, {share} children each to act on, "
        f"{len(surnames)} surnames to search for",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
