"""A new council, from an empty database to its social worker recording a child, as the README's
production section says ("From an empty database to a council's first child"), in a real
browser: once with the README's own commands (read out of the README and run as written,
`visible serve` and `visible worker` stood in for by the test's live server), once with the
national administrator's pages instead (adding Kent, then inviting its first administrator from
Kent's page).

Then, both ways: Kent's administrator opens the emailed link, chooses a password, sets up the
second factor and lands on People; invites a social worker and a coordinator, who accept the same
way; deactivates the coordinator, whose open session is refused at their next click; the social
worker adds a child. axe-core on the pages not checked elsewhere."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.core import mail
from faker import Faker
from playwright.sync_api import expect

from tests.e2e.organisation_pages import OrganisationsPage
from tests.e2e.pages import (
    BasePage,
    ChildFormPage,
    ChildRecordPage,
    SetUpAuthenticatorPage,
    SignInPage,
)
from tests.e2e.support import e2e_db
from tests.e2e.test_accessibility import check_page
from tests.people.support import link_in
from visible.agencies.models import Membership, Organisation, Role
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main
from visible.dates import years_before

pytestmark = [pytest.mark.e2e, e2e_db]

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### From an empty database to a council's first child"
# What the README starts as services; the test's live server (and, for invitations, which are
# sent at once, nothing at all) stands in for them.
SERVICES = [["visible", "serve"], ["visible", "worker"]]
KENT = "Kent children's services"
PASSWORD = "a synthetic passphrase typed in the browser"


def readme_commands() -> tuple[list[list[str]], list[list[str]]]:
    """The README section's shell block as commands (continuations joined, comments dropped,
    `a & b &` split): the ones to run, and the services it starts."""
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"the README has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's walk-through has no ```sh block"
    commands: list[list[str]] = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words: list[str] = []
        for word in shlex.split(line, comments=True) + ["&"]:
            if word == "&":
                if words:
                    commands.append(words)
                words = []
            else:
                words.append(word)
    services = [c for c in commands if c in SERVICES]
    return [c for c in commands if c not in SERVICES], services


def run(command: list[str], capsys) -> str:
    assert command[0] == "visible", f"the README's walk-through runs {command[0]!r}"
    status = main(command[1:])
    out, err = capsys.readouterr()
    assert status == 0, f"`{shlex.join(command)}` exited {status}: {err or out}"
    return out


def sign_in_for_the_first_time(page, username: str, password: str) -> None:
    SignInPage.open(page).sign_in(username, password, second_factor=False)
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.h1).to_have_text(SetUpAuthenticatorPage.heading)
    set_up.set_up().carry_on()


def accept_invitation(page, email: str) -> BasePage:
    """Open the link in the person's newest email, choose a password, set up the authenticator."""
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    screen = BasePage(page)
    screen.navigate(lambda: page.goto(link_in(message)))
    expect(screen.h1).to_have_text("Set up your Visible account")
    screen.fill("Choose a password", PASSWORD)
    screen.fill("Type the password again", PASSWORD)
    screen.press("Continue")
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.h1).to_have_text(SetUpAuthenticatorPage.heading)
    set_up.set_up().carry_on()
    return screen


def invite(screen: BasePage, email: str, first: str, last: str, role: str) -> None:
    screen.press("Invite someone")
    expect(screen.h1).to_have_text("Invite someone")
    screen.fill("Email address", email)
    screen.fill("First name", first)
    screen.fill("Last name", last)
    screen.choose("Role", role)
    screen.press("Send invitation")
    assert screen.success_message().startswith(f"Invitation sent to {email}")
    screen.follow("Back to people")


def the_national_administrator_adds_kent_and_invites_its_administrator(page, admin) -> None:
    organisations = OrganisationsPage(page)
    kent = organisations.add_council("E10000016")
    expect(kent.h1).to_have_text(KENT)
    assert kent.summary("People with access") == "0"
    kent.follow("Invite its first administrator")
    form = BasePage(page)
    expect(form.h1).to_have_text("Invite an organisation's administrator")
    check_page(page, "Invite an organisation's administrator")
    # Kent is chosen already.
    expect(page.get_by_label("Organisation", exact=True)).to_have_value(
        str(Organisation.objects.get(name=KENT).pk)
    )
    form.fill("Email address", admin["email"])
    form.fill("First name", admin["first"])
    form.fill("Last name", admin["last"])
    form.press("Send invitation")
    assert form.success_message() == (
        f"Invitation sent to {admin['email']} as an administrator of {KENT}"
    )


@pytest.mark.parametrize("way", ["the README's commands", "the national administrator's pages"])
def test_a_new_council_from_nothing_to_its_social_worker_recording_a_child(
    way, new_page, capsys, today
):
    fake = Faker("en_GB")
    fake.seed_instance(2016)
    commands, services = readme_commands()
    assert services == SERVICES, "the walk-through starts the web server and the worker"
    setup, *rest = commands
    assert setup[:2] == ["visible", "setup"]

    # The first national administrator, with a temporary password printed once.
    out = run(setup, capsys)
    username = setup[setup.index("--admin-username") + 1]
    password = re.search(rf"^{re.escape(username)} \(.*\): temporary password (\S+)$", out, re.M)
    assert password, out
    national = new_page()
    sign_in_for_the_first_time(national, username, password.group(1))
    expect(OrganisationsPage(national).h1).to_have_text("Organisations")

    if way == "the README's commands":
        for command in rest:
            run(command, capsys)
        invited = rest[-1]
        admin = {"email": invited[-1], "first": "", "last": ""}
        assert invited[:3] == ["visible", "users", "invite"]
        OrganisationsPage(national).navigate(lambda: national.reload())
        assert KENT in OrganisationsPage(national).names()
    else:
        admin = {
            "email": "kent.admin@kent.example",
            "first": fake.first_name(),
            "last": fake.last_name(),
        }
        the_national_administrator_adds_kent_and_invites_its_administrator(national, admin)
    [invitation] = [m for m in mail.outbox if m.to == [admin["email"]]]
    assert "Kent" in invitation.subject

    # Kent's administrator: a password, the second factor, and their people.
    admin_page = new_page()
    screen = accept_invitation(admin_page, admin["email"])
    expect(screen.h1).to_have_text("People")
    expect(admin_page.get_by_role("link", name="Children", exact=True)).to_have_count(0)
    worker = (fake.first_name(), fake.last_name())
    coordinator = (fake.first_name(), fake.last_name())
    invite(screen, "social.worker@kent.example", *worker, "Social worker")
    invite(screen, "coordinator@kent.example", *coordinator, "Missing-children coordinator")
    rows = admin_page.get_by_test_id("person-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="social.worker@kent.example")).to_contain_text("Invited")

    worker_page = new_page()
    worker_screen = accept_invitation(worker_page, "social.worker@kent.example")
    expect(worker_screen.h1).to_have_text("Children")
    assert " ".join(worker) in worker_screen.signed_in_as()
    coordinator_page = new_page()
    expect(accept_invitation(coordinator_page, "coordinator@kent.example").h1).to_have_text(
        "Children"
    )

    # The coordinator leaves: deactivated at once, and their open session ends at the next click.
    leaver = " ".join(coordinator)
    screen.navigate(lambda: admin_page.reload())
    expect(rows.filter(has_text="coordinator@kent.example")).to_contain_text("Active")
    screen.follow(leaver)
    screen.press(f"Deactivate {leaver}")
    screen.press("Deactivate now")
    assert screen.success_message().startswith(f"{leaver} has been deactivated")
    gone = BasePage(coordinator_page)
    gone.nav("Missing now")
    expect(gone.h1).to_have_text("Sign in to Visible")
    expect(coordinator_page.get_by_test_id("timed-out")).to_contain_text(
        "your access to Visible has ended"
    )
    deactivated = AuditEvent.objects.filter(summary__startswith=f"Deactivated {leaver}").get()
    assert deactivated.actor_username == admin["email"]

    # The social worker records Kent's first child.
    given, family = fake.first_name(), fake.last_name()
    form = ChildFormPage.open(worker_page)
    expect(form.h1).to_have_text("Add a child to the register")
    born = years_before(today, 15)
    form.fill_details(
        given_names=given,
        family_name=family,
        date_of_birth=born,
        dob_basis="Claimed by the child",
        sex="Female",
        gender="Girl or young woman",
        nationality="Eritrea",
        first_language="Tigrinya",
        looked_after_from=today,
    )
    form.add()
    record = ChildRecordPage(worker_page)
    expect(record.h1).to_have_text(f"{given} {family}")
    assert record.success_message() == f"{given} {family} has been added to the register"
    child = Child.objects.get(given_names=given, family_name=family)
    assert child.responsible_organisation.name == KENT
    assert Membership.objects.get(user__username="social.worker@kent.example").role == (
        Role.SOCIAL_WORKER
    )
