"""The navigation at the widths people use (issue 16, point 8): for every role, the service
navigation never wraps onto a second row mid-list (one row on a desktop, one column behind the
Menu button on a tablet or phone), the account links (who is signed in, switching organisation,
Sign out) are in the header and not among the service's sections, and the current section is
marked for screen readers (aria-current)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import e2e_db
from tests.factories import create_uasc_child, make_council, make_user, missing_episode
from tests.organisations.support import make_national_admin
from visible.agencies.models import Membership, Organisation, OrganisationKind, Role, Team

pytestmark = [pytest.mark.e2e, e2e_db]

WIDTHS = (1280, 768, 320)


def nav_rows(page: Page) -> list[tuple[str, float, float]]:
    """The service navigation's items as (label, top, right edge), opening its Menu first when
    the navigation is collapsed behind one."""
    toggle = page.locator(".govuk-service-navigation__toggle")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        # Closed, the menu hides its items; opened, it shows them.
        expect(page.locator(".govuk-service-navigation__list")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    items = page.locator(".govuk-service-navigation__item")
    rows = []
    for index in range(items.count()):
        item = items.nth(index)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box is not None
        rows.append((item.inner_text().strip(), box["y"], box["x"] + box["width"]))
    return rows


def assert_one_row_or_one_column(role: str, width: int, rows) -> None:
    tops = [round(top) for _, top, _ in rows]
    labels = [label for label, _, _ in rows]
    one_row = max(tops) - min(tops) <= 2
    one_column = all(later > earlier + 10 for earlier, later in zip(tops, tops[1:], strict=False))
    assert one_row or one_column, (
        f"{role} at {width}px: the navigation wraps mid-list: "
        + ", ".join(f"{label} (top {top})" for label, top in zip(labels, tops, strict=True))
    )
    for label, _, right in rows:
        assert right <= width, f"{role} at {width}px: {label!r} runs off the page (right {right})"


def assert_account_in_header(page: Page, role: str, width: int) -> None:
    header = page.locator(".govuk-header")
    service_navigation = page.locator(".govuk-service-navigation")
    expect(service_navigation.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(service_navigation.get_by_test_id("signed-in-as")).to_have_count(0)
    sign_out = header.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    expect(header.get_by_test_id("signed-in-as")).to_be_visible()
    box = sign_out.bounding_box()
    assert box and box["x"] + box["width"] <= width, f"{role} at {width}px: Sign out is cut off"


def _people():
    """One of each role, the council's in a team (so "My team's children" is offered) and with
    open alerts (so the alerts entry carries its count), as the navigation is at its longest."""
    croydon = make_council("E09000008")
    team = Team.objects.create(organisation=croydon, name="UASC team")
    people = {}
    for username, role in (
        ("sw.croydon", Role.SOCIAL_WORKER),
        ("coordinator.croydon", Role.MISSING_COORDINATOR),
        ("manager.croydon", Role.SENIOR_MANAGER),
        ("admin.croydon", Role.ORGANISATION_ADMIN),
    ):
        people[username] = make_user(username, croydon, role)
        Membership.objects.filter(user=people[username]).update(team=team)
    met = Organisation.objects.get(name="Metropolitan Police Service")
    people["officer.met"] = make_user("officer.met", met, Role.POLICE_OFFICER)
    people["spoc.met"] = make_user("spoc.met", met, Role.TRAFFICKING_SPOC)
    guardians = Organisation.objects.create(
        name="Guardian service (synthetic)", kind=OrganisationKind.GUARDIAN_SERVICE
    )
    people["guardian"] = make_user("guardian.ictg", guardians, Role.GUARDIAN)
    people["national admin"] = make_national_admin("admin.national")
    national = Organisation.objects.get(kind=OrganisationKind.NATIONAL_BODY)
    people["analyst.national"] = make_user("analyst.national", national, Role.ANALYST)
    for _ in range(3):
        missing_episode(people["sw.croydon"], create_uasc_child(people["sw.croydon"]))
    return people


def test_every_roles_navigation_stays_on_one_row_with_the_account_in_the_header(new_page):
    people = _people()
    for role, user in people.items():
        for width in WIDTHS:
            page = new_page(user)
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/")
            assert_account_in_header(page, role, width)
            rows = nav_rows(page)
            assert rows, f"{role} at {width}px has no navigation"
            assert_one_row_or_one_column(role, width, rows)
            # The section of the page it lands on is marked (aria-current: "page" on the
            # section's own page, "true" on a page within it).
            expect(page.locator(".govuk-service-navigation [aria-current]")).to_have_count(1)
            if width == WIDTHS[0]:
                # Every section it offers marks itself as the current one once opened.
                hrefs = page.locator(".govuk-service-navigation__link").evaluate_all(
                    "links => links.map(link => [link.innerText.trim(), link.getAttribute('href')])"
                )
                for label, href in hrefs:
                    page.goto(href)
                    current = page.locator(".govuk-service-navigation [aria-current=page]")
                    expect(current, f"{role}: {label} is not marked current").to_have_count(1)
                    expect(current).to_have_text(label)
            page.context.close()
