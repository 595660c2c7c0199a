"""The grab pack in a real browser: the page shows parts 1 and 2, prints without the screen-only
parts, passes axe-core, and its PDF downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.pages import axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.factories import as_viewer, missing_episode
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.missing import actions
from visible.missing.inputs import ReturnInput, SafetyPlanInput

pytestmark = [pytest.mark.e2e, e2e_db]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), (180, 60, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_grab_pack_page_shows_both_parts_and_its_pdf_downloads(
    new_page, sw_a, make_child, flag, place, days_ago, tmp_path
):
    child = make_child(
        sw_a,
        given_names="Kidane",
        family_name="Tesfay",
        council_id="CRO-9001",
        nationality="ERI",
        first_language="tir",
        looked_after_from=days_ago(300),
    )
    viewer = as_viewer(sw_a)
    flag(sw_a, child, "uasc", 300)
    place(sw_a, child, "E09000008", 290)
    register.set_photo(viewer, child, ContentFile(png_bytes(), name="kidane.png"), days_ago(10))
    actions.save_safety_plan(
        viewer,
        child,
        SafetyPlanInput(
            description="Tall, thin, short hair",
            phone_numbers="07700 900777\n07700 900778",
            places="West Croydon bus station\nVictoria coach station",
            associates="Cousin in Leeds (synthetic)",
            contingency="Police: 101",
        ),
        expected_version=None,
    )
    now = timezone.now()
    earlier = missing_episode(sw_a, child, hours_ago=60 * 24, last_seen_place="College")
    actions.record_return(
        viewer,
        earlier,
        ReturnInput(
            returned_at=now - dt.timedelta(days=59),
            found_by="police",
            found_place="Victoria coach station",
        ),
    )
    episode = missing_episode(
        sw_a,
        child,
        hours_ago=4,
        last_seen_place="Outside Thornton Heath library",
        clothing="Green parka, black jeans",
    )

    page = new_page(sw_a)
    page.goto(f"/episodes/{episode.pk}/grab-pack")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kidane Tesfay")
    expect(
        page.get_by_text("OFFICIAL-SENSITIVE: contains personal data of a child").first
    ).to_be_visible()
    part1 = page.get_by_test_id("part-1")
    part2 = page.get_by_test_id("part-2")
    expect(part1.get_by_role("heading", name="Part 1: prepared in advance")).to_be_visible()
    expect(part1.get_by_test_id("phone-numbers")).to_contain_text("07700 900777")
    expect(part1.get_by_role("table", name="Places and routes the child may use")).to_contain_text(
        "West Croydon bus station"
    )
    expect(part1.get_by_test_id("history")).to_contain_text("Victoria coach station")
    expect(part2.get_by_role("heading", name="Part 2: this episode")).to_be_visible()
    expect(part2.get_by_test_id("last-seen")).to_contain_text("Outside Thornton Heath library")
    expect(part2.get_by_test_id("last-seen")).to_contain_text("Green parka, black jeans")
    expect(part2.get_by_test_id("grade")).to_contain_text("High")
    photo = page.get_by_role("img", name="Photograph of Kidane Tesfay", exact=False)
    expect(photo).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", photo.element_handle()) == 120
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    # Printing leaves out the menus and the screen-only links; the print stylesheet loads under the CSP.
    page.emulate_media(media="print")
    expect(page.get_by_test_id("pack-actions")).to_be_hidden()
    expect(page.get_by_test_id("signed-in-as")).to_be_hidden()
    expect(part2.get_by_test_id("last-seen")).to_be_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the grab pack as a PDF").click()
    download = info.value
    assert download.failure() is None
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert len(data) > 0 and data.startswith(b"%PDF")
    assert "CRO-9001" in download.suggested_filename and "Tesfay" not in download.suggested_filename
    assert AuditEvent.objects.filter(
        action="export",
        object_type="episode",
        object_id=str(episode.pk),
        purpose="grab pack",
        actor_username="sw.a",
    ).exists()
