"""Page objects for the missing-episode pages: reporting, the episode, the missing-now board,
the alerts inbox, the safety plan and the risk settings. Built on tests/e2e/pages.py.

The episode is a summary and one page per task, linked by a sub-navigation; `EpisodePage`
follows it to the page each reader or form is on. A form is reached through its own
`FormSection`.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations


def uk_day_and_time(instant: dt.datetime) -> tuple[dt.date, str]:
    """What a person types for an instant: the UK date and the 24-hour time."""
    local = timezone.localtime(instant)
    return local.date(), f"{local:%H:%M}"


def uk_words(instant: dt.datetime) -> str:
    """An instant as the pages show it: '14:05 on 3 March 2026'."""
    local = timezone.localtime(instant)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


class FormSection:
    """GOV.UK form controls inside one form (or part of a page)."""

    def __init__(self, owner: BasePage, root: Locator):
        self.owner = owner
        self.root = root

    def fill(self, label: str, value: str) -> None:
        self.root.get_by_label(label, exact=True).fill(value)

    def group(self, legend: str) -> Locator:
        return self.root.get_by_role("group", name=legend, exact=True)

    def fill_date(self, legend: str, day: dt.date) -> None:
        group = self.group(legend)
        for label, value in zip(
            ("Day", "Month", "Year"), (str(day.day), str(day.month), str(day.year)), strict=True
        ):
            group.get_by_label(label, exact=True).fill(value)

    def fill_when(self, date_legend: str, time_label: str, instant: dt.datetime) -> None:
        day, time = uk_day_and_time(instant)
        self.fill_date(date_legend, day)
        self.fill(time_label, time)

    def choose(self, legend: str, option: str) -> None:
        self.group(legend).get_by_label(option, exact=True).check()

    def tick(self, label: str) -> None:
        self.root.get_by_label(label, exact=True).check()

    def select(self, label: str, option: str) -> None:
        self.root.get_by_label(label, exact=True).select_option(label=option)

    def press(self, button: str) -> None:
        self.owner.navigate(
            lambda: self.root.get_by_role("button", name=button, exact=True).click()
        )


# --- reporting -----------------------------------------------------------------------------


class ReportMissingPage(BasePage):
    @classmethod
    def open(cls, page: Page, child_pk: int) -> ReportMissingPage:
        page.goto(f"/children/{child_pk}/report-missing")
        return cls(page)

    @property
    def form(self) -> FormSection:
        return FormSection(self, self.page.locator("main form"))

    def report(
        self,
        *,
        category: str = "Missing: whereabouts not known",
        last_seen: dt.datetime | None = None,
        place: str = "",
        with_whom: str = "",
        clothing: str = "",
        circumstances: str = "",
        reporter: str = "",
        reporter_role: str = "Carer or placement staff",
        factors: tuple[str, ...] = (),
    ) -> ReportMissingPage:
        form = self.form
        form.choose("Is the child missing or away from placement?", category)
        if last_seen is not None:
            form.fill_when("Date last seen", "Time last seen", last_seen)
        if place:
            form.fill("Where were they last seen?", place)
        if with_whom:
            form.fill("Who were they with? (optional)", with_whom)
        if clothing:
            form.fill("What were they wearing? (optional)", clothing)
        if circumstances:
            form.fill("What happened? (optional)", circumstances)
        if reporter:
            form.fill("Name of the person reporting", reporter)
        if reporter_role:
            form.choose("Who is reporting?", reporter_role)
        for factor in factors:
            form.tick(factor)
        return self

    def submit(self) -> EpisodePage:
        self.press("Report and see the risk grade")
        return EpisodePage(self.page)


# --- the episode ---------------------------------------------------------------------------


class EpisodePage(BasePage):
    """A missing episode: the summary and its task pages (risk grade, search log, police
    report, return, return interview), reached through the sub-navigation. Each reader goes to
    the page that shows what it reads; each form is filled on its own page and saving returns
    to the summary."""

    @classmethod
    def open(cls, page: Page, pk: int) -> EpisodePage:
        page.goto(f"/episodes/{pk}/")
        return cls(page)

    @property
    def sub_navigation(self) -> Locator:
        return self.page.get_by_test_id("episode-navigation")

    def current_task(self) -> str:
        current = self.sub_navigation.locator("[aria-current=page]")
        return current.inner_text().strip() if current.count() else ""

    def go_to(self, task: str) -> EpisodePage:
        """Follow the sub-navigation to `task` ("Summary", "Risk grade", "Search log", "Police
        report", "Return", "Return interview"), unless already there."""
        if self.current_task() != task:
            link = self.sub_navigation.get_by_role("link", name=task, exact=True)
            self.navigate(lambda: link.click())
            expect(self.sub_navigation.locator("[aria-current=page]")).to_have_text(task)
        return self

    def label(self) -> str:
        return self.go_to("Summary").heading_text()

    def status(self) -> str:
        self.go_to("Summary")
        return self.page.get_by_test_id("episode-status").inner_text().strip()

    def grade_in_force(self) -> str:
        self.go_to("Summary")
        return (
            self.page.get_by_test_id("grade-in-force")
            .locator("[data-testid=grade-tag]")
            .inner_text()
            .strip()
        )

    def proposal(self) -> str:
        self.go_to("Risk grade")
        return self.page.get_by_test_id("proposal").inner_text().strip()

    def reasons(self) -> list[list[str]]:
        """Each reason as [reason, what it does] (its source heads its group: reason-source)."""
        self.go_to("Risk grade")
        rows = self.page.get_by_test_id("reason").all()
        return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows]

    def reason_row(self, text: str) -> Locator:
        self.go_to("Risk grade")
        return self.page.get_by_test_id("reason").filter(
            has=self.page.locator(
                "td:first-child strong", has_text=re.compile(rf"^{re.escape(text)}$")
            )
        )

    def markers(self) -> list[str]:
        self.go_to("Risk grade")
        markers = self.page.get_by_test_id("markers")
        return (
            [t.strip() for t in markers.locator(".govuk-tag").all_inner_texts()]
            if markers.count()
            else []
        )

    def gradings(self) -> list[list[str]]:
        self.go_to("Risk grade")
        rows = self.page.get_by_test_id("grading-row").all()
        return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows]

    def log_entries(self) -> list[str]:
        self.go_to("Search log")
        return [t.strip() for t in self.page.get_by_test_id("log-entry").all_inner_texts()]

    def police_summary(self) -> str:
        self.go_to("Summary")
        return self.page.get_by_test_id("police-summary").inner_text().strip()

    def return_summary(self) -> str:
        self.go_to("Summary")
        return self.page.get_by_test_id("return-summary").inner_text().strip()

    def risk_review(self) -> str:
        self.go_to("Risk grade")
        return self.page.get_by_test_id("risk-review").inner_text().strip()

    def section(self, testid: str) -> FormSection:
        return FormSection(self, self.page.get_by_test_id(testid))

    def grab_pack_link(self) -> Locator:
        self.go_to("Summary")
        return self.page.get_by_role("link", name="Grab pack for the police (printable)")

    def grab_pack_pdf_link(self) -> Locator:
        self.go_to("Summary")
        return self.page.get_by_role("link", name="download the grab pack as a PDF")

    # the forms
    def grades_offered(self) -> list[str]:
        self.go_to("Risk grade")
        group = self.section("grade-form").group("Grade")
        return [t.strip() for t in group.locator("label").all_inner_texts()]

    def grade_hint(self) -> Locator:
        self.go_to("Risk grade")
        return self.section("grade-form").group("Grade").locator(".govuk-hint")

    def set_grade(self, grade: str, reason: str = "") -> EpisodePage:
        form = self.go_to("Risk grade").section("grade-form")
        form.choose("Grade", grade)
        if reason:
            form.fill("Why? (needed if you choose a lower grade than proposed)", reason)
        form.press("Save the grade")
        return self

    def log(self, kind: str, at: dt.datetime, text: str) -> EpisodePage:
        form = self.go_to("Search log").section("log-form")
        form.choose("What kind of entry is it?", kind)
        form.fill_when("Date it happened", "Time it happened", at)
        form.fill("What happened?", text)
        form.press("Add to the log")
        return self

    def record_police_report(self, force: str, at: dt.datetime, reference: str) -> EpisodePage:
        form = self.go_to("Police report").section("police-form")
        form.select("Police force", force)
        form.fill_when("Date the police were told", "Time the police were told", at)
        form.fill("Police reference (optional)", reference)
        form.press("Save the police report")
        return self

    def record_return(
        self,
        at: dt.datetime,
        found_by: str,
        place: str = "",
        authority: str = "",
        condition: str = "",
    ) -> EpisodePage:
        form = self.go_to("Return").section("return-form")
        form.fill_when("Date they came back or were found", "Time they came back or were found", at)
        form.choose("Who found them?", found_by)
        if place:
            form.fill("Where were they found? (optional)", place)
        if authority:
            form.select("Council area they were found in (optional)", authority)
        if condition:
            form.fill("How were they when they came back? (optional)", condition)
        form.press("Record the return")
        return self

    def record_interview(
        self,
        *,
        outcome: str,
        offered: dt.datetime,
        held: dt.datetime | None = None,
        interviewer: str = "",
        organisation: str = "",
        independent: bool = False,
        language: str = "",
        interpreter: bool = False,
        where_been: str = "",
        who_with: str = "",
        indicators: tuple[str, ...] = (),
        flags: tuple[str, ...] = (),
        notes: str = "",
    ) -> EpisodePage:
        form = self.go_to("Return interview").section("interview-form")
        form.choose("What happened to the offer?", outcome)
        form.fill_when("Date the interview was offered", "Time the interview was offered", offered)
        if held is not None:
            form.fill_when(
                "Date the interview was held (if held)",
                "Time the interview was held (if held)",
                held,
            )
        if interviewer:
            form.fill("Interviewer's name", interviewer)
        if organisation:
            form.fill("Interviewer's organisation (optional)", organisation)
        if independent:
            form.tick("The interviewer is independent of the child's care team")
        if language:
            form.select("Language the interview was held in (optional)", language)
        if interpreter:
            form.tick("An interpreter was used")
        if where_been:
            form.fill("Where had the child been? (optional)", where_been)
        if who_with:
            form.fill("Who were they with? (optional)", who_with)
        for indicator in indicators:
            form.tick(indicator)
        for flag in flags:
            form.tick(flag)
        if notes:
            form.fill("Anything else learnt (optional)", notes)
        form.press("Save the return interview")
        return self


# --- the board and the inbox ---------------------------------------------------------------


class MissingNowPage(BasePage):
    @classmethod
    def open(cls, page: Page) -> MissingNowPage:
        page.goto("/missing-now/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Missing now")
        return cls(page)

    def rows(self) -> list[dict]:
        out = []
        for row in self.page.get_by_test_id("missing-row").all():
            cells = [c.strip() for c in row.locator("td").all_inner_texts()]
            out.append(
                {
                    "name": row.locator("th").inner_text().strip().splitlines()[0],
                    "grade": cells[0],
                    "category": cells[1],
                    "last_seen": cells[2],
                    "missing_for": cells[3],
                    "police": cells[4],
                }
            )
        return out

    def open_episode(self, name: str) -> EpisodePage:
        self.follow(name)
        return EpisodePage(self.page)


class AlertsPage(BasePage):
    @classmethod
    def open(cls, page: Page, show: str = "") -> AlertsPage:
        page.goto("/alerts/" + (f"?show={show}" if show else ""))
        expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
        return cls(page)

    def check_for_new_alerts(self) -> AlertsPage:
        self.press("Check for new alerts now")
        return self

    def cards(self) -> Locator:
        return self.page.get_by_test_id("alert")

    def texts(self) -> list[str]:
        return [t.strip() for t in self.page.get_by_test_id("alert-text").all_inner_texts()]

    def card(self, containing: str) -> Locator:
        return self.cards().filter(
            has=self.page.get_by_test_id("alert-text").filter(has_text=containing)
        )

    def acknowledge(self, containing: str) -> AlertsPage:
        card = self.card(containing)
        self.navigate(lambda: card.get_by_role("button", name=re.compile(r"^Acknowledge")).click())
        return self

    def resolve(self, containing: str, resolution: str) -> AlertsPage:
        card = self.card(containing)
        card.get_by_label("What was done?", exact=True).fill(resolution)
        self.navigate(lambda: card.get_by_role("button", name=re.compile(r"^Resolve")).click())
        return self

    def show(self, tab: str) -> AlertsPage:
        self.navigate(
            lambda: (
                self.page.get_by_test_id("alert-tabs")
                .get_by_role("link", name=re.compile(rf"^{tab}"))
                .click()
            )
        )
        return self


# --- safety plan ---------------------------------------------------------------------------


class SafetyPlanPage(BasePage):
    @classmethod
    def open(cls, page: Page, child_pk: int) -> SafetyPlanPage:
        page.goto(f"/children/{child_pk}/safety-plan")
        return cls(page)

    def edit(self) -> SafetyPlanFormPage:
        self.navigate(
            lambda: self.page.get_by_role(
                "button", name=re.compile(r"(Change|Write) (the|a) safety plan")
            ).click()
        )
        return SafetyPlanFormPage(self.page)

    def value(self, key: str) -> str:
        row = self.page.locator(".govuk-summary-list__row").filter(
            has=self.page.locator("dt", has_text=re.compile(rf"^{re.escape(key)}$"))
        )
        return row.locator("dd").inner_text().strip()


class SafetyPlanFormPage(BasePage):
    @property
    def form(self) -> FormSection:
        return FormSection(self, self.page.locator("main form"))

    def save(self) -> None:
        self.press("Save the safety plan")


# --- checks --------------------------------------------------------------------------------


def check_page(page: Page, name: str, *, error: bool = False) -> None:
    """One h1, a title ending '– Visible' (starting 'Error:' when errors show), and no serious
    or critical axe-core violation."""
    expect(page.locator("h1")).to_have_count(1)
    title = page.title()
    assert title.endswith(" – Visible"), f"{name}: title {title!r} does not end with '– Visible'"
    if error:
        assert title.startswith("Error: "), (
            f"{name}: a page showing errors must have a title starting 'Error:', not {title!r}"
        )
        expect(page.locator(".govuk-error-summary")).to_be_visible()
    else:
        assert not title.startswith("Error:"), f"{name}: title {title!r} says there is an error"
    violations = axe_violations(page)
    assert not violations, (
        f"{name} ({page.url}) has serious or critical accessibility problems:\n"
        + describe_violations(violations)
    )
