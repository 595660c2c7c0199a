"""Page objects: what a person sees and does on each of Visible's pages, so that the tests read
as a user's steps. They find things the way a person (or a screen reader) does: by headings,
labels, legends and link text, not by CSS where that can be helped.

Every action that leads to a new page waits for that page to load before returning: the test
code then reads the database safely (on SQLite the live server shares the test's connection).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


class BasePage:
    def __init__(self, page: Page):
        self.page = page

    # --- what is on every page ---
    @property
    def h1(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def heading_text(self) -> str:
        return self.h1.inner_text().strip()

    @property
    def error_summary(self) -> Locator:
        return self.page.locator(".govuk-error-summary")

    def error_summary_messages(self) -> list[str]:
        return [t.strip() for t in self.error_summary.locator("li").all_inner_texts()]

    def expect_error_summary(self, *messages: str) -> None:
        expect(self.error_summary).to_be_visible()
        expect(self.error_summary.get_by_role("heading")).to_have_text("There is a problem")
        for message in messages:
            expect(self.error_summary.get_by_role("link", name=message)).to_be_visible()

    def success_message(self) -> str:
        banner = self.page.locator(".govuk-notification-banner--success")
        expect(banner).to_be_visible()
        return banner.locator(".govuk-notification-banner__heading").inner_text().strip()

    def important_message(self) -> str:
        """The plain notification banner ("Important"): news the person should know, such as a
        recovery code used, rather than the success of what they just did."""
        banner = self.page.locator(
            ".govuk-notification-banner:not(.govuk-notification-banner--success)"
            ":not([data-testid=alert-banner])"  # the banner for a new alert (test_live_pages.py)
        )
        expect(banner).to_be_visible()
        expect(banner.locator(".govuk-notification-banner__title")).to_have_text("Important")
        return banner.locator(".govuk-notification-banner__heading").inner_text().strip()

    def signed_in_as(self) -> str:
        return self.page.get_by_test_id("signed-in-as").inner_text().strip()

    def navigate(self, action) -> None:
        """Do something that loads a new page, and wait until it has loaded."""
        with self.page.expect_navigation():
            action()

    def follow(self, link_text: str, *, exact: bool = True) -> None:
        self.navigate(
            lambda: self.page.get_by_role("link", name=link_text, exact=exact).first.click()
        )

    def nav(self, label: str) -> None:
        self.follow(label)

    def sign_out(self) -> SignInPage:
        self.navigate(lambda: self.page.get_by_role("button", name="Sign out").click())
        return SignInPage(self.page)

    # --- forms, GOV.UK style ---
    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def group(self, legend: str) -> Locator:
        return self.page.get_by_role("group", name=legend, exact=True)

    def fill_date(
        self, legend: str, day: dt.date | None = None, *, parts: tuple[str, str, str] | None = None
    ) -> None:
        """The three GOV.UK date boxes under a legend."""
        group = self.group(legend)
        values = parts or (str(day.day), str(day.month), str(day.year))
        for label, value in zip(("Day", "Month", "Year"), values, strict=True):
            group.get_by_label(label, exact=True).fill(value)

    def choose(self, legend: str, option: str) -> None:
        self.group(legend).get_by_label(option, exact=True).check()

    def select(self, label: str, option: str) -> None:
        self.page.get_by_label(label, exact=True).select_option(label=option)

    def tick(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()

    def press(self, button: str) -> None:
        self.navigate(lambda: self.page.get_by_role("button", name=button, exact=True).click())

    def field_error(self, field_id: str) -> str:
        return self.page.locator(f"#{field_id}-error").inner_text().replace("Error:", "", 1).strip()


# --- signing in ----------------------------------------------------------------------------


class SignInPage(BasePage):
    path = "/sign-in"

    @classmethod
    def open(cls, page: Page) -> SignInPage:
        page.goto(cls.path)
        return cls(page)

    def sign_in(self, username: str, password: str, *, second_factor: bool = True) -> None:
        """Username and password; then, if they were right, the second step as the person
        would do it: set up the authenticator the first time, else enter its code."""
        self.fill("Username", username)
        self.fill("Password", password)
        self.press("Sign in")
        if not second_factor:
            return
        heading = self.heading_text()
        if heading == SetUpAuthenticatorPage.heading:
            SetUpAuthenticatorPage(self.page).set_up().carry_on()
        elif heading == SecondFactorPage.heading:
            SecondFactorPage(self.page).enter_code(SecondFactorPage.code_for(username))


class SecondFactorPage(BasePage):
    heading = "Enter the code from your authenticator app"
    label = heading

    @staticmethod
    def code_for(username: str) -> str:
        """What the person's authenticator app shows now (the next code if this one was used)."""
        from django.contrib.auth import get_user_model

        from tests.security.totp import fresh_code

        return fresh_code(get_user_model().objects.get(username=username))

    def enter_code(self, code: str) -> None:
        self.fill(self.label, code)
        self.press("Continue")


class SetUpAuthenticatorPage(BasePage):
    heading = "Set up your authenticator app"

    def secret(self) -> str:
        """The setup key, as a person copies it into their app."""
        return self.page.get_by_test_id("totp-secret").inner_text().replace(" ", "")

    def code_from_app(self) -> str:
        import pyotp

        return pyotp.TOTP(self.secret()).now()

    def enter_code(self, code: str) -> None:
        self.fill("2. Enter the 6-digit code from the app", code)
        self.press("Continue")

    def set_up(self) -> RecoveryCodesPage:
        self.enter_code(self.code_from_app())
        return RecoveryCodesPage(self.page)


class RecoveryCodesPage(BasePage):
    heading = "Save your recovery codes"

    def codes(self) -> list[str]:
        return [
            t.strip()
            for t in self.page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
        ]

    def carry_on(self) -> None:
        self.follow("I have saved my codes: continue")


# --- the list ------------------------------------------------------------------------------


class ChildrenListPage(BasePage):
    path = "/children/"

    @classmethod
    def open(cls, page: Page, query: str = "") -> ChildrenListPage:
        page.goto(cls.path + (f"?{query}" if query else ""))
        expect(page.get_by_role("heading", level=1)).to_have_text("Children")
        return cls(page)

    def search(self, text: str) -> ChildrenListPage:
        self.fill("Name or identifier", text)
        self.press("Search")
        return self

    def open_filters(self) -> None:
        details = self.page.locator("details.govuk-details")
        if details.get_attribute("open") is None:
            self.page.get_by_text("Filter the list", exact=True).click()
        expect(self.page.get_by_label("Flag", exact=True)).to_be_visible()

    def filter(self, **choices: str) -> ChildrenListPage:
        """filter(Flag="Separated", Nationality="Vietnam") chooses by label and searches."""
        self.open_filters()
        for label, option in choices.items():
            self.select(label.replace("_", " "), option)
        self.press("Search")
        return self

    def clear(self) -> ChildrenListPage:
        self.follow("Clear search and filters")
        return self

    def results_heading(self) -> str:
        return self.page.locator("#results-heading").inner_text().strip()

    def count(self) -> int:
        match = re.fullmatch(r"([\d,]+) (child|children) found", self.results_heading())
        assert match, f"Unexpected results heading: {self.results_heading()!r}"
        return int(match.group(1).replace(",", ""))

    @property
    def rows(self) -> Locator:
        return self.page.get_by_test_id("child-row")

    def names(self) -> list[str]:
        """Names as listed: 'FAMILY, Given'."""
        return [t.strip() for t in self.rows.locator("td:first-child a").all_inner_texts()]

    def row_for(self, name: str) -> Locator:
        return self.rows.filter(has=self.page.get_by_role("link", name=name, exact=True))

    def open_child(self, name: str) -> ChildRecordPage:
        self.follow(name)
        return ChildRecordPage(self.page)

    def add_child(self) -> ChildFormPage:
        self.navigate(lambda: self.page.get_by_role("button", name="Add a child").click())
        return ChildFormPage(self.page)


# --- adding and changing a child -----------------------------------------------------------


class ChildFormPage(BasePage):
    path = "/children/new"

    @classmethod
    def open(cls, page: Page) -> ChildFormPage:
        page.goto(cls.path)
        return cls(page)

    def fill_details(
        self,
        *,
        given_names: str | None = None,
        family_name: str | None = None,
        preferred_name: str | None = None,
        other_names: str | None = None,
        date_of_birth: dt.date | None = None,
        dob_basis: str | None = None,
        sex: str | None = None,
        gender: str | None = None,
        nationality: str | None = None,
        first_language: str | None = None,
        interpreter: bool = False,
        looked_after_from: dt.date | None = None,
        legal_status: str | None = None,
        council_id: str | None = None,
    ) -> ChildFormPage:
        if given_names is not None:
            self.fill("Given names", given_names)
        if family_name is not None:
            self.fill("Family name", family_name)
        if preferred_name is not None:
            self.fill("Name the child prefers to be called (optional)", preferred_name)
        if other_names is not None:
            self.fill("Other names and spellings (optional)", other_names)
        if date_of_birth is not None:
            self.fill_date("Date of birth", date_of_birth)
        if dob_basis is not None:
            self.choose("How is the date of birth known?", dob_basis)
        if sex is not None:
            self.choose("Sex", sex)
        if gender is not None:
            self.choose("Gender", gender)
        if nationality is not None:
            self.select("Nationality", nationality)
        if first_language is not None:
            self.select("First language", first_language)
        if interpreter:
            self.tick("The child needs an interpreter")
        if looked_after_from is not None:
            self.fill_date("Date became looked after", looked_after_from)
        if legal_status is not None:
            self.select("Legal status (optional)", legal_status)
        if council_id is not None:
            self.fill("Council case ID (optional)", council_id)
        return self

    def add(self) -> None:
        self.press("Add child")

    def save(self) -> None:
        self.press("Save changes")


# --- one child's record --------------------------------------------------------------------


class ChildRecordPage(BasePage):
    @classmethod
    def open(cls, page: Page, pk: int) -> ChildRecordPage:
        page.goto(f"/children/{pk}/")
        return cls(page)

    def detail(self, key: str) -> str:
        """The value beside a summary-list key, e.g. detail("Nationality")."""
        row = self.page.locator(".govuk-summary-list__row").filter(
            has=self.page.locator("dt", has_text=re.compile(rf"^{re.escape(key)}$"))
        )
        return row.locator("dd.govuk-summary-list__value").first.inner_text().strip()

    def has_detail(self, key: str) -> bool:
        return (
            self.page.locator(
                "dt.govuk-summary-list__key", has_text=re.compile(rf"^{re.escape(key)}$")
            ).count()
            > 0
        )

    def active_flags(self) -> list[str]:
        return [
            t.strip()
            for t in self.page.get_by_test_id("active-flags")
            .locator(".govuk-tag")
            .all_inner_texts()
        ]

    def other_names(self) -> str:
        return self.page.get_by_test_id("other-names").inner_text()

    def section(self, heading: str) -> Locator:
        return self.page.get_by_role("heading", name=heading, exact=True, level=2)

    def limited_view_banner(self) -> Locator:
        return self.page.get_by_test_id("limited-view")

    # flags
    def flag_row(self, kind_label: str) -> Locator:
        return self.page.get_by_test_id("flag-row").filter(
            has=self.page.locator(".govuk-tag", has_text=re.compile(rf"^{re.escape(kind_label)}$"))
        )

    def flag_cells(self, kind_label: str) -> list[str]:
        return [t.strip() for t in self.flag_row(kind_label).locator("td").all_inner_texts()]

    def record_flag(self) -> SubFormPage:
        self.navigate(lambda: self.page.get_by_role("button", name="Record a flag").click())
        return SubFormPage(self.page)

    def end_flag(self, kind_label: str) -> SubFormPage:
        self.follow(f"End flag {kind_label}")
        return SubFormPage(self.page)

    # placements
    @property
    def placement_rows(self) -> Locator:
        return self.page.get_by_test_id("placements-table").locator("tbody tr")

    def placement_row(self, code: str) -> Locator:
        return self.placement_rows.filter(
            has=self.page.locator("td:first-child strong", has_text=re.compile(rf"^{code}$"))
        )

    def record_placement(self) -> SubFormPage:
        self.navigate(lambda: self.page.get_by_role("button", name="Record a placement").click())
        return SubFormPage(self.page)

    def end_placement(self, code: str) -> SubFormPage:
        self.follow(f"End placement {code}")
        return SubFormPage(self.page)

    # NRM, age assessment, guardians
    def nrm_referrals(self) -> Locator:
        return self.page.get_by_test_id("nrm-referral")

    def nrm_value(self, key: str, index: int = 0) -> str:
        referral = self.nrm_referrals().nth(index)
        row = referral.locator(".govuk-summary-list__row").filter(
            has=self.page.locator("dt", has_text=key)
        )
        return row.locator("dd.govuk-summary-list__value").inner_text().strip()

    def record_nrm_referral(self) -> SubFormPage:
        self.navigate(
            lambda: self.page.get_by_role("button", name="Record an NRM referral").click()
        )
        return SubFormPage(self.page)

    def update_nrm_referral(self, referred_on: dt.date) -> SubFormPage:
        self.follow(f"Update NRM referral of {referred_on.day} {referred_on:%B %Y}")
        return SubFormPage(self.page)

    def record_age_assessment(self) -> SubFormPage:
        self.navigate(
            lambda: self.page.get_by_role("button", name="Record age assessment status").click()
        )
        return SubFormPage(self.page)

    def age_assessment_rows(self) -> list[list[str]]:
        rows = self.page.get_by_test_id("age-assessments-table").locator("tbody tr")
        return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]

    def assign_guardian(self) -> SubFormPage:
        self.navigate(
            lambda: self.page.get_by_role("button", name="Assign a guardian or advocate").click()
        )
        return SubFormPage(self.page)

    def guardian_rows(self) -> list[list[str]]:
        rows = self.page.get_by_test_id("guardians-table").locator("tbody tr")
        return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]

    # changing details, history
    def change_personal_details(self) -> ChildFormPage:
        self.follow("Change personal details", exact=False)
        return ChildFormPage(self.page)

    def history(self) -> HistoryPage:
        self.follow("See every change to this record", exact=False)
        return HistoryPage(self.page)


class SubFormPage(BasePage):
    """The one-question-set forms for a child's flags, placements, NRM referrals and so on."""

    def submit(self, button: str) -> None:
        self.press(button)

    def saved(self) -> ChildRecordPage:
        """After a successful submit: back on the record, with a success banner."""
        record = ChildRecordPage(self.page)
        expect(self.page.locator(".govuk-notification-banner--success")).to_be_visible()
        return record


class HistoryPage(BasePage):
    @classmethod
    def open(cls, page: Page, pk: int) -> HistoryPage:
        page.goto(f"/children/{pk}/history")
        return cls(page)

    def entries(self) -> list[dict]:
        """Newest first: when, who, what and the field changes ('Field: old → new')."""
        out = []
        for row in self.page.get_by_test_id("history-row").all():
            cells = row.locator("td")
            out.append(
                {
                    "when": cells.nth(0).inner_text().strip(),
                    "who": cells.nth(1).inner_text().strip().splitlines()[0],
                    "what": cells.nth(2).inner_text().strip(),
                    "changes": [t.strip() for t in cells.nth(3).locator("li").all_inner_texts()],
                }
            )
        return out


# --- counts --------------------------------------------------------------------------------


class CountsPage(BasePage):
    path = "/counts/"

    @classmethod
    def open(cls, page: Page) -> CountsPage:
        page.goto(cls.path)
        return cls(page)

    def set_period(self, start: dt.date, end: dt.date) -> CountsPage:
        self.fill_date("From", start)
        self.fill_date("To", end)
        self.press("Show counts")
        return self

    def period_heading(self) -> str:
        return self.page.locator("#period").inner_text().strip()

    def _flag_cell(self, label: str) -> Locator:
        row = (
            self.page.get_by_test_id("counts-by-flag")
            .locator("tbody tr")
            .filter(has=self.page.get_by_role("rowheader", name=label, exact=True))
        )
        return row.locator("td")

    def count_for_flag(self, label: str) -> int:
        text = self._flag_cell(label).inner_text().strip()
        match = re.match(r"[\d,]+", text)
        assert match, f"No number for {label!r}: {text!r}"
        return int(match.group(0).replace(",", ""))

    def open_flag(self, label: str) -> ChildrenListPage:
        self.navigate(lambda: self._flag_cell(label).get_by_role("link").click())
        return ChildrenListPage(self.page)


# --- accessibility -------------------------------------------------------------------------


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; return the violations of the given impacts.

    The app's Content-Security-Policy forbids inline scripts, so axe is not added as a <script>
    tag: it is evaluated through the DevTools protocol, which CSP does not govern."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate("""async () => {
        const r = await window.axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                      summary: n.failureSummary}))}));
    }""")
    return [v for v in results if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)
