"""Page objects of the national administrator's organisation pages (tests/e2e/pages.py has
the rest): what a person sees and does there."""

from __future__ import annotations

from playwright.sync_api import Locator

from tests.e2e.pages import BasePage


class OrganisationsPage(BasePage):
    heading = "Organisations"

    def table(self) -> Locator:
        return self.page.get_by_test_id("organisations")

    def names(self) -> list[str]:
        return [
            t.strip() for t in self.table().locator("tbody tr td:first-child").all_inner_texts()
        ]

    def row_for(self, name: str) -> list[str]:
        row = (
            self.table()
            .locator("tbody tr")
            .filter(has=self.page.get_by_role("link", name=name, exact=True))
        )
        return [t.strip() for t in row.locator("td").all_inner_texts()]

    def filter(
        self, *, name_or_code: str = "", kind: str = "", status: str = ""
    ) -> OrganisationsPage:
        if name_or_code:
            self.fill("Name or GSS code", name_or_code)
        if kind:
            self.select("Kind", kind)
        if status:
            self.select("Status", status)
        self.press("Apply filters")
        return self

    def open(self, name: str) -> OrganisationPage:
        self.follow(name)
        return OrganisationPage(self.page)

    def add_council(self, code: str) -> OrganisationPage:
        self.follow("Add an organisation")
        self.choose(
            "What kind of organisation?",
            "A council's children's services, or a Northern Ireland HSC Trust",
        )
        self.press("Continue")
        self.fill("GSS code of the authority", code)
        self.press("Add the council")
        return OrganisationPage(self.page)


class OrganisationPage(BasePage):
    def summary(self, key: str) -> str:
        row = self.page.get_by_test_id("organisation-summary").locator(
            ".govuk-summary-list__row", has=self.page.locator("dt", has_text=key)
        )
        return row.locator("dd").inner_text().strip()

    def deactivate(self, reason: str) -> OrganisationPage:
        name = self.heading_text()
        self.follow(f"Deactivate {name}")
        self.fill("Why", reason)
        self.press(f"Deactivate {name}")
        return self
