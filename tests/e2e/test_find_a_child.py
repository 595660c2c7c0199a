"""Finding a child fast: transliteration- and misspelling-tolerant name search, identifiers,
and filters that narrow the list."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.missing_pages import check_page
from tests.e2e.pages import ChildrenListPage
from tests.e2e.support import e2e_db
from tests.factories import COUNCIL_A_CODE, COUNCIL_B_CODE

pytestmark = [pytest.mark.e2e, e2e_db]

ENTERED_WITH_DIACRITICS = "NGUYỄN, Văn Anh"
ENTERED_WITHOUT = "NGUYEN, Thi Hoa"
ERITREAN = "TESFAYE, Dawit"
OTHER = "WALKER, Harriet"


@pytest.fixture
def register(sw_a, make_child, flag, place, years_old):
    """Four children of council A (Croydon), made through children.actions."""
    anh = make_child(
        sw_a,
        given_names="Văn Anh",
        family_name="Nguyễn",
        nationality="VNM",
        council_id="CR-5501",
        date_of_birth=years_old(16),
    )
    flag(sw_a, anh, "trafficked_suspected")
    place(sw_a, anh, COUNCIL_B_CODE)  # in Kent: out of area
    hoa = make_child(
        sw_a,
        given_names="Thi Hoa",
        family_name="Nguyen",
        nationality="VNM",
        council_id="CR-5502",
        sex="F",
        gender="girl",
        date_of_birth=years_old(12),
    )
    flag(sw_a, hoa, "uasc")
    place(sw_a, hoa, COUNCIL_A_CODE)
    dawit = make_child(
        sw_a,
        given_names="Dawit",
        family_name="Tesfaye",
        nationality="ERI",
        first_language="tir",
        date_of_birth=years_old(15),
    )
    flag(sw_a, dawit, "uasc")
    place(sw_a, dawit, COUNCIL_B_CODE)
    make_child(
        sw_a,
        given_names="Harriet",
        family_name="Walker",
        nationality="GBR",
        first_language="eng",
        sex="F",
        gender="girl",
        date_of_birth=years_old(17),
    )
    return {"anh": anh, "hoa": hoa, "dawit": dawit}


def test_search_tolerates_transliteration_and_misspelling_and_finds_identifiers(
    new_page, sw_a, register
):
    children = ChildrenListPage.open(new_page(sw_a))
    assert children.count() == 4

    # Typed without diacritics, finds the name entered with them (and the plain spelling).
    children.search("Nguyen")
    assert sorted(children.names()) == sorted([ENTERED_WITH_DIACRITICS, ENTERED_WITHOUT])
    # ...and the other way round.
    children.search("Nguyễn")
    assert sorted(children.names()) == sorted([ENTERED_WITH_DIACRITICS, ENTERED_WITHOUT])
    # A misspelling still finds them.
    children.search("Ngyuen")
    assert sorted(children.names()) == sorted([ENTERED_WITH_DIACRITICS, ENTERED_WITHOUT])
    # Full name in another order and case, diacritics dropped, narrows to the one child.
    children.search("anh nguyen")
    assert children.names() == [ENTERED_WITH_DIACRITICS]
    # A council case ID finds exactly that child.
    children.search("CR-5501")
    assert children.count() == 1
    assert children.names() == [ENTERED_WITH_DIACRITICS]
    expect(children.page.get_by_label("Name or identifier", exact=True)).to_have_value("CR-5501")
    # Someone not on the register.
    children.search("Zebedee")
    assert children.count() == 0
    expect(children.page.get_by_text("No children match.", exact=False)).to_be_visible()

    record = ChildrenListPage.open(children.page).search("Tesfay").open_child(ERITREAN)
    expect(record.h1).to_have_text("Dawit Tesfaye")


def test_filters_narrow_the_list(new_page, sw_a, register):
    children = ChildrenListPage.open(new_page(sw_a))
    assert children.count() == 4

    children.filter(Flag="Unaccompanied asylum-seeking child (UASC)")
    assert sorted(children.names()) == sorted([ENTERED_WITHOUT, ERITREAN])

    children.clear().filter(Nationality="Vietnam")
    assert sorted(children.names()) == sorted([ENTERED_WITH_DIACRITICS, ENTERED_WITHOUT])

    children.clear().filter(Placed_out_of_area="Yes: placed in another authority's area")
    assert sorted(children.names()) == sorted([ENTERED_WITH_DIACRITICS, ERITREAN])
    for name in (ENTERED_WITH_DIACRITICS, ERITREAN):
        expect(children.row_for(name).locator(".govuk-tag", has_text="Out of area")).to_have_count(
            1
        )

    children.clear().filter(Age="14 to 15")
    assert children.names() == [ERITREAN]

    children.clear().filter(Age="16 to 17")
    assert sorted(children.names()) == sorted([ENTERED_WITH_DIACRITICS, OTHER])

    # Filters combine, and with a name search; the page says what it is filtered by.
    children.clear().filter(
        Flag="Unaccompanied asylum-seeking child (UASC)",
        Placed_out_of_area="Yes: placed in another authority's area",
    )
    assert children.names() == [ERITREAN]
    expect(children.page.get_by_text("Filtered by:", exact=False)).to_contain_text(
        "Placed out of area"
    )
    children.filter(Placed_out_of_area="Any", Nationality="Vietnam")
    assert children.names() == [ENTERED_WITHOUT]
    children.search("Nguyen")  # the filters stay on while searching
    assert children.names() == [ENTERED_WITHOUT]

    assert children.clear().count() == 4


def test_a_search_says_which_name_matched_best_match_first_with_the_date_of_birth(
    new_page, sw_a, make_child, place
):
    """Issue 16, point 10: namesakes told apart by the name that matched (highlighted) and the
    date of birth; the exact match first, then a name's start, then tolerant spellings."""
    tolerant = make_child(
        sw_a, given_names="Muhammad", family_name="Noori", date_of_birth=dt.date(2010, 1, 9)
    )
    make_child(
        sw_a, given_names="Muhamadou", family_name="Diallo", date_of_birth=dt.date(2011, 7, 30)
    )
    exact = make_child(
        sw_a, given_names="Muhamad", family_name="Karimi", date_of_birth=dt.date(2010, 5, 14)
    )
    make_child(
        sw_a,
        given_names="Reza",
        family_name="Rahimi",
        date_of_birth=dt.date(2009, 3, 2),
        other_names=[("Muhamad Rahimi", "alias")],
    )
    place(sw_a, exact, COUNCIL_B_CODE)
    place(sw_a, tolerant, COUNCIL_A_CODE)

    children = ChildrenListPage.open(new_page(sw_a)).search("Muhamad")
    assert children.count() == 4
    assert sorted(children.names()[:2]) == ["KARIMI, Muhamad", "RAHIMI, Reza"]
    assert children.names()[2:] == ["DIALLO, Muhamadou", "NOORI, Muhammad"]
    karimi = children.row_for("KARIMI, Muhamad")
    expect(karimi.locator("mark")).to_have_text("Muhamad")
    expect(karimi).to_contain_text("14 May 2010")
    expect(karimi).to_contain_text("U4: Foster placement with other foster carer: long term, Kent")
    rahimi = children.row_for("RAHIMI, Reza")
    expect(rahimi.get_by_test_id("matched")).to_have_text(
        "Matched alias or name used: Muhamad Rahimi"
    )
    expect(rahimi.locator("mark")).to_have_text("Muhamad")
    expect(children.row_for("NOORI, Muhammad").locator("mark")).to_have_text("Muhammad")
    expect(children.page.locator("thead")).to_contain_text("Date of birth")
    check_page(children.page, "Children: a search with matched names")
