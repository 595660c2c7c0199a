"""Test data made the way the pages make it: every helper here calls the real domain action
(children/actions.py, missing/actions.py, sharing/actions.py, api/tokens.py) with the same
values a form would send, as the typed input the action takes (children/inputs.py,
missing/inputs.py), so validation runs and the audit is written, as it would be for a person.

Fixtures stay in the conftest files and call these; test modules import from here (never from
a conftest, which pytest loads itself: `tests/test_layout.py` checks it). Keyword arguments
give the variations tests need; everything else takes a plain, synthetic default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils import timezone
from faker import Faker
from rest_framework.test import APIClient

from visible.agencies.models import Membership, Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer, viewer_for
from visible.children.inputs import ChildInput, PlacementInput
from visible.dates import years_before
from visible.missing.inputs import ReportMissingInput, ReturnInput
from visible.reference.models import Authority

CROYDON = "E09000008"  # ONS codes of the two councils most tests use
KENT = "E10000016"
COUNCIL_A_CODE = CROYDON
COUNCIL_B_CODE = KENT
PASSWORD = "test-password-123"
FAKER_SEED = 20161


def fake_people() -> Faker:
    """The synthetic-name generator the `fake` fixture gives each test (seeded: the same names
    on every run)."""
    generator = Faker("en_GB")
    generator.seed_instance(FAKER_SEED)
    return generator


# --- organisations and the people in them ----------------------------------------------------


def make_council(code: str) -> Organisation:
    """The children's services of the authority with this ONS code (created once)."""
    authority = Authority.objects.get(code=code)
    organisation, _ = Organisation.objects.get_or_create(
        authority=authority,
        defaults={
            "name": f"{authority.name} children's services",
            "kind": OrganisationKind.COUNCIL,
        },
    )
    return organisation


def make_user(username: str, organisation: Organisation, role: str):
    """A member of `organisation` with `role`, whose password is PASSWORD."""
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.split(".")[0].title()
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def as_viewer(user) -> Viewer:
    """The Viewer every action takes, for `user` (as the pages build it for a request)."""
    return viewer_for(user)


# --- children ----------------------------------------------------------------------------------


def child_values(fake: Faker | None = None, **overrides) -> dict:
    """What the add-a-child form sends: a 16-year-old Vietnamese boy, looked after for 200
    days under section 20, with names from `fake`; `overrides` replace any field."""
    fake = fake or fake_people()
    today = timezone.localdate()
    values = {
        "given_names": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": years_before(today, 16) - dt.timedelta(days=40),
        "dob_basis": "claimed",
        "sex": "M",
        "gender": "boy",
        "nationality": "VNM",
        "first_language": "vie",
        "other_languages": [],
        "interpreter_needed": True,
        "looked_after_from": today - dt.timedelta(days=200),
        "legal_status": "V2",
    }
    values.update(overrides)
    return values


def child_input(fake: Faker | None = None, **overrides) -> ChildInput:
    """`child_values` as the input children.actions.create_child takes."""
    return ChildInput.from_mapping(child_values(fake, **overrides))


def create_child(
    user, fake: Faker | None = None, other_names: Iterable[tuple[str, str]] = (), **overrides
):
    """A child of `user`'s council, through children.actions.create_child. Pass the test's
    `fake` when a test makes several children, so that each has its own name."""
    from visible.children import actions

    return actions.create_child(as_viewer(user), child_input(fake, **overrides), list(other_names))


def record_flag(
    user,
    child,
    kind: str,
    start: dt.date,
    evidence: str = "Referral from the police (synthetic test data)",
    *,
    ended: dt.date | None = None,
    end_reason: str = "Ended for the test",
):
    """A flag from `start`, through children.actions.record_flag; ended on `ended` if given."""
    from visible.children import actions

    flag = actions.record_flag(as_viewer(user), child, kind, start, evidence)
    if ended is not None:
        flag = actions.end_flag(as_viewer(user), flag, ended, end_reason)
    return flag


def create_uasc_child(
    user,
    fake: Faker | None = None,
    *,
    given_names: str = "Dawit",
    family_name: str = "Tekle",
    nationality: str = "ERI",
    days_in_care: int = 200,
    evidence: str = "Asylum claim (synthetic)",
    **overrides,
):
    """An unaccompanied asylum-seeking child (Dawit Tekle, Eritrean unless told otherwise),
    looked after and flagged UASC for the last `days_in_care` days."""
    since = timezone.localdate() - dt.timedelta(days=days_in_care)
    child = create_child(
        user,
        fake,
        given_names=given_names,
        family_name=family_name,
        nationality=nationality,
        looked_after_from=since,
        **overrides,
    )
    record_flag(user, child, "uasc", since, evidence)
    return child


def record_placement(
    user,
    child,
    authority_code: str,
    start: dt.date,
    *,
    place_code: str = "U4",
    provider: str = "Example Fostering (synthetic)",
    **values,
):
    """A placement in the authority with `authority_code` from `start`, as the page records
    it (sharing.actions.record_placement: the placement, and the council of the area told);
    `values` add or replace form fields (postcode, ...)."""
    from visible.sharing import actions

    return actions.record_placement(
        as_viewer(user),
        child,
        PlacementInput(
            place_code=place_code,
            start_date=start,
            authority=Authority.objects.get(code=authority_code),
            provider=provider,
            **values,
        ),
    )


# --- missing episodes --------------------------------------------------------------------------


def missing_report(
    hours_ago: float = 3, force: Organisation | None = None, **overrides
) -> ReportMissingInput:
    """What the report-missing form sends: last seen `hours_ago` hours ago at West Croydon bus
    station, reported by the carer; reported to `force` an hour after last seen, if given."""
    now = timezone.now()
    values = {
        "category": "M",
        "last_seen_at": now - dt.timedelta(hours=hours_ago),
        "last_seen_place": "West Croydon bus station",
        "with_whom": "",
        "clothing": "Grey hoodie",
        "circumstances": "Did not come back from college",
        "reported_by_name": "Carer (synthetic)",
        "reported_by_role": "carer",
        "police_force": force,
        "police_reported_at": now - dt.timedelta(hours=hours_ago - 1) if force else None,
        "police_reference": "MPS-1" if force else "",
    } | overrides
    return ReportMissingInput.from_mapping(values)


def report_missing(
    user, child, *, hours_ago: float = 3, force: Organisation | None = None, **overrides
):
    """(episode, grading): the child reported missing through missing.actions.report_missing,
    with `missing_report`'s values (`overrides` replace any of them, last_seen_at included)."""
    from visible.missing import actions

    return actions.report_missing(
        as_viewer(user), child, missing_report(hours_ago, force, **overrides)
    )


def missing_episode(
    user,
    child,
    *,
    hours_ago: float = 3,
    force: Organisation | None = None,
    returned_hours_ago: float | None = None,
    returned_at: dt.datetime | None = None,
    found_by: str = "self",
    **overrides,
):
    """The episode `report_missing` opens, closed through missing.actions.record_return when
    `returned_at` (or `returned_hours_ago`) is given."""
    from visible.missing import actions

    episode, _ = report_missing(user, child, hours_ago=hours_ago, force=force, **overrides)
    if returned_hours_ago is not None:
        returned_at = timezone.now() - dt.timedelta(hours=returned_hours_ago)
    if returned_at is not None:
        episode = actions.record_return(
            as_viewer(user), episode, ReturnInput(returned_at=returned_at, found_by=found_by)
        )
    return episode


# --- API clients -------------------------------------------------------------------------------


def make_api_client(organisation, role=Role.SENIOR_MANAGER, name="Case management system"):
    """A case system registered for `organisation`, through api.tokens.create_client (the
    result carries the bearer secret, shown once)."""
    from visible.api import tokens

    return tokens.create_client(organisation.name, role, name, by="test")


def bearer(secret: str) -> APIClient:
    """A DRF test client that sends `secret` as its bearer token."""
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return http
