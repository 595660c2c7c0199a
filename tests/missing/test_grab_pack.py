"""The Philomena Protocol grab pack: the page and the PDF show part 1 (record and safety plan)
and part 2 (this episode); only those who may see the child get it; every view and download
is audited."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import as_viewer, report_missing
from visible.agencies.models import Organisation
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import GuardianInput, PlacementInput
from visible.missing import actions, grabpack
from visible.missing.inputs import ReturnInput, SafetyPlanInput
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

pytestmark = pytest.mark.django_db
NOW = timezone.now

PHONES = ["07700 900123 (own phone)", "07700 900456 (friend's phone he borrows)"]
PLACES = [
    "Croydon bus garage, Brighton Road",
    "East Croydon station, platform 3",
    "Speedy Cabs office, London Road",
    "Luton: a house on Dunstable Road",
]
SOCIAL = ["Instagram: @synthetic_dawit_17", "TikTok: @dawit.synthetic"]
ASSOCIATES = [
    "Older man called 'Sami' (synthetic), drives a grey car",
    "Friend from college, Yonas (synthetic)",
]
CONTINGENCY = [
    "Metropolitan Police, missing persons unit: 101",
    "Home Office case worker (synthetic): 0300 000 0000",
    "NRM single competent authority contact (synthetic)",
]


def png(size=(120, 160), colour=(30, 100, 180), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def police(name="Metropolitan Police Service") -> Organisation:
    return Organisation.objects.get(name=name, kind="police")


@pytest.fixture
def child(sw_a, make_child):
    """A UASC boy with a full record, a safety plan, a photograph, three previous episodes and
    one open now, reported to the police."""
    today = timezone.localdate()
    viewer = as_viewer(sw_a)
    kid = make_child(
        sw_a,
        other_names=[("Dawit Tekle Haile", "alias"), ("Dawid Tekley", "other_spelling")],
        given_names="Dawit",
        family_name="Tekle",
        preferred_name="Dawi",
        nationality="ERI",
        first_language="tir",
        other_languages=["ara"],
        interpreter_needed=True,
        looked_after_from=today - dt.timedelta(days=400),
        council_id="CRO-4471",
        child_903_id="C4471",
        home_office_ref="HO-T123456",
        police_ref="MPS-CRN-889",
        nrm_ref="NRM-22-0415",
        sex="M",
        gender="boy",
    )
    register.record_flag(
        viewer, kid, "uasc", today - dt.timedelta(days=400), "Asylum claim at Croydon"
    )
    cse = register.record_flag(
        viewer, kid, "cse", today - dt.timedelta(days=300), "Strategy meeting"
    )
    register.end_flag(viewer, cse, today - dt.timedelta(days=200), "Concerns addressed")
    sharing_actions.record_placement(
        viewer,
        kid,
        PlacementInput(
            place_code="U4",
            start_date=today - dt.timedelta(days=380),
            authority=Authority.objects.get(code="E09000008"),
            postcode="CR0 2AB",
            provider="Example Fostering (synthetic)",
        ),
    )
    register.assign_guardian(
        viewer,
        kid,
        GuardianInput(
            kind="ictg",
            guardian_name="Grace Guardian (synthetic)",
            service="ICTG service (synthetic)",
            start_date=today - dt.timedelta(days=350),
        ),
    )
    register.set_photo(
        viewer, kid, ContentFile(png(), name="dawit.png"), today - dt.timedelta(days=20)
    )
    actions.save_safety_plan(
        viewer,
        kid,
        SafetyPlanInput(
            agreed_on=today - dt.timedelta(days=30),
            child_views="Dawi says he goes to the station when he feels unsafe",
            description="About 170 cm, slim build, short black curly hair, brown eyes",
            distinguishing_features="Scar above the left eyebrow",
            medical_needs="Asthma: needs his blue inhaler",
            phone_numbers="\n".join(PHONES),
            social_media="\n".join(SOCIAL),
            places="\n".join(PLACES),
            associates="\n".join(ASSOCIATES),
            contingency="\n".join(CONTINGENCY),
        ),
        expected_version=None,
    )
    for days_ago, found in (
        (300, "Birmingham New Street station"),
        (150, "Birmingham New Street station"),
        (40, "Luton bus station"),
    ):
        episode, _ = report_missing(sw_a, kid, hours_ago=days_ago * 24)
        actions.record_return(
            viewer,
            episode,
            ReturnInput(
                returned_at=NOW() - dt.timedelta(hours=days_ago * 24 - 30),
                found_by="police",
                found_place=found,
            ),
        )
    return kid


@pytest.fixture
def episode(sw_a, child):
    episode, _ = report_missing(
        sw_a,
        child,
        hours_ago=3,
        last_seen_place="Outside West Croydon bus station",
        with_whom="Two older men in a grey car",
        clothing="Red hoodie, grey joggers, white trainers",
        circumstances="Left the foster home after a phone call",
    )
    actions.record_police_report(
        as_viewer(sw_a), episode, police(), NOW() - dt.timedelta(hours=2), "MPS-240311-0042"
    )
    episode.refresh_from_db()
    return episode


def document_text(document) -> str:
    """All the text WeasyPrint laid out on the PDF's pages, margin boxes included."""
    from weasyprint.formatting_structure import boxes

    words = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox):
                words.append(box.text)
    return re.sub(r"\s+", " ", " ".join(words))


def images_in(document) -> list:
    from weasyprint.formatting_structure import boxes

    return [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.InlineReplacedBox | boxes.BlockReplacedBox)
    ]


def text_of(response) -> str:
    html = response.content.decode()
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )


# --- the page ------------------------------------------------------------------------------


def test_the_page_shows_every_part_1_and_part_2_item(client, sw_a, child, episode):
    client.force_login(sw_a)
    response = client.get(reverse("web:grab-pack", args=[episode.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert html.count("<h1") == 1
    assert "OFFICIAL-SENSITIVE: contains personal data of a child" in text
    assert "Generated" in text and "by Sw," in text and "sw.a" not in text
    part1 = text[text.index("Part 1: prepared in advance") : text.index("Part 2: this episode")]
    part2 = text[text.index("Part 2: this episode") :]
    # Part 1: identity, languages, description, photograph
    for expected in (
        "Dawit Tekle",
        "Dawi",
        "Dawit Tekle Haile",
        "Dawid Tekley",
        child.date_of_birth.strftime("%-d %B %Y"),
        f"Age {child.age_on(timezone.localdate())}",
        "Male",
        "Boy or young man",
        "Eritrea",
        "Tigrinya",
        "Arabic",
        "Needs an interpreter",
        "About 170 cm, slim build",
        "Scar above the left eyebrow",
        f"Taken {(timezone.localdate() - dt.timedelta(days=20)).strftime('%-d %B %Y')}",
    ):
        assert expected in part1, expected
    assert f'src="/children/{child.pk}/photo"' in html
    # identifiers, flags in force (not the ended one), placement
    for expected in (
        "CRO-4471",
        "C4471",
        "HO-T123456",
        "MPS-CRN-889",
        "NRM-22-0415",
        "Unaccompanied asylum-seeking child (UASC)",
        "Croydon",
        "CR0 2AB",
        "Example Fostering (synthetic)",
    ):
        assert expected in part1, expected
    assert "Child sexual exploitation" not in part1
    # safety plan: phones, social media, route map, associates, medical needs, whom to notify
    for expected in (
        *PHONES,
        *SOCIAL,
        *PLACES,
        *ASSOCIATES,
        *CONTINGENCY,
        "Asthma: needs his blue inhaler",
        "Grace Guardian (synthetic)",
        "Dawi says he goes to the station",
    ):
        assert expected in part1, expected
    assert "<caption" in html and "Places and routes the child may use" in part1
    # missing history: the three previous episodes, not the open one
    assert "3 previous episodes" in part1
    assert "Birmingham New Street station 2" in part1  # where found before, and how often
    assert "Luton bus station" in part1 and "1 day 6 hours" in part1
    # Part 2: this episode
    for expected in (
        "Missing: whereabouts not known",
        "Outside West Croydon bus station",
        "Two older men in a grey car",
        "Red hoodie, grey joggers, white trainers",
        "Left the foster home after a phone call",
        "Carer (synthetic)",
        "Metropolitan Police Service",
        "MPS-240311-0042",
        "High",
        "Rec 5.ii",
    ):
        assert expected in part2, expected
    assert "Download the grab pack as a PDF" in text
    assert reverse("web:grab-pack-pdf", args=[episode.pk]) in html
    assert "<script" not in html.split('id="main-content"')[1].split("</main>")[0]
    assert 'style="' not in html and "<style" not in html
    event = AuditEvent.objects.filter(
        action="view", object_type="episode", object_id=str(episode.pk)
    ).get()
    assert (
        event.purpose == "grab pack"
        and event.child_id == child.pk
        and event.actor_username == "sw.a"
    )


def test_the_pack_prepared_in_advance_has_part_1_only_and_points_to_an_open_episode(
    client, sw_a, child
):
    client.force_login(sw_a)
    text = text_of(client.get(reverse("web:child-grab-pack", args=[child.pk])))
    assert "Part 1: prepared in advance" in text and "Part 2" not in text
    assert "07700 900123" in text and "3 previous episodes" in text
    assert AuditEvent.objects.filter(
        action="view", object_type="child", object_id=str(child.pk), purpose="grab pack"
    ).exists()
    episode, _ = report_missing(sw_a, child, hours_ago=1)
    html = client.get(reverse("web:child-grab-pack", args=[child.pk])).content.decode()
    assert reverse("web:grab-pack", args=[episode.pk]) in html


def test_a_child_with_no_safety_plan_or_photo_still_gets_a_pack_that_says_so(
    client, sw_a, make_child
):
    bare = make_child(sw_a, given_names="Amina", family_name="Noor")
    client.force_login(sw_a)
    text = text_of(client.get(reverse("web:child-grab-pack", args=[bare.pk])))
    assert "No safety plan is recorded" in text and "No photograph on record" in text
    assert "No previous episodes" in text
    response = client.get(reverse("web:child-grab-pack-pdf", args=[bare.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- the PDF -------------------------------------------------------------------------------


def test_the_pdf_is_a_real_pdf_named_without_the_childs_name_and_audited_as_an_export(
    client, sw_a, child, episode
):
    client.force_login(sw_a)
    response = client.get(reverse("web:grab-pack-pdf", args=[episode.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and b"%%EOF" in response.content[-1024:]
    disposition = response["Content-Disposition"]
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert (
        disposition.startswith("attachment;") and "CRO-4471" in disposition and today in disposition
    )
    assert "Dawit" not in disposition and "Tekle" not in disposition
    event = AuditEvent.objects.get(
        action="export", object_type="episode", object_id=str(episode.pk)
    )
    assert event.purpose == "grab pack" and event.child_id == child.pk
    assert '"format":"pdf"' in event.detail and f'"bytes":{len(response.content)}' in event.detail
    assert not AuditEvent.objects.filter(
        action="view", object_type="episode", object_id=str(episode.pk)
    ).exists()


def test_the_pdf_holds_the_name_last_seen_place_phone_numbers_and_the_photograph(
    sw_a, child, episode
):
    pack = grabpack.grab_pack_for(as_viewer(sw_a), episode)
    document = grabpack.pdf_document(pack)
    text = document_text(document)
    for expected in (
        "Dawit Tekle",
        "Outside West Croydon bus station",
        *PHONES,
        "MPS-240311-0042",
        "OFFICIAL-SENSITIVE: contains personal data of a child",
        "Part 1: prepared in advance",
        "Part 2: this episode",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert "Download the grab pack" not in text  # screen-only links are left out
    pictures = images_in(document)
    assert len(pictures) == 1
    assert document.pages[0].width == pytest.approx(210 / 25.4 * 96, abs=1)  # A4, in CSS pixels
    assert grabpack.grab_pack_pdf(pack).startswith(b"%PDF")


def test_the_photo_is_read_from_storage_and_large_ones_are_scaled(sw_a, make_child):
    kid = make_child(sw_a)
    register.set_photo(
        as_viewer(sw_a), kid, ContentFile(png(size=(2400, 3200), fmt="JPEG"), name="big.jpg"), None
    )
    uri = grabpack.photo_data_uri(kid.photo.name)
    assert uri.startswith("data:image/jpeg;base64,")
    import base64

    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as scaled:
        assert max(scaled.size) <= grabpack.PHOTO_MAX_PX
    small = grabpack.photo_data_uri(
        register.set_photo(as_viewer(sw_a), kid, ContentFile(png(), name="s.png"), None).photo.name
    )
    assert small.startswith("data:image/png;base64,")
    assert grabpack.photo_data_uri("children/photos/not-there.png") == ""


# --- who may see it ------------------------------------------------------------------------


def test_another_council_gets_404_and_a_denied_event(client, sw_b, child, episode):
    client.force_login(sw_b)
    for name, pk in (
        ("grab-pack", episode.pk),
        ("grab-pack-pdf", episode.pk),
        ("child-grab-pack", child.pk),
        ("child-grab-pack-pdf", child.pk),
    ):
        response = client.get(reverse(f"web:{name}", args=[pk]))
        assert response.status_code == 404, name
        assert b"Dawit" not in response.content
    denied = AuditEvent.objects.filter(action="denied", actor_username="sw.b", purpose="grab pack")
    assert denied.count() == 4 and set(denied.values_list("child_id", flat=True)) == {child.pk}
    assert not AuditEvent.objects.filter(
        actor_username="sw.b", action__in=("view", "export")
    ).exists()


def test_a_missing_episode_number_is_a_404_too(client, sw_a):
    client.force_login(sw_a)
    assert client.get(reverse("web:grab-pack", args=[999999])).status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", object_type="episode", object_id="999999"
    ).exists()


def test_the_host_council_gets_the_pack_for_an_open_episode_only(client, sw_a, sw_b, make_child):
    today = timezone.localdate()
    kid = make_child(
        sw_a,
        given_names="Hevi",
        family_name="Ahmed",
        looked_after_from=today - dt.timedelta(days=100),
    )
    viewer = as_viewer(sw_a)
    register.record_flag(
        viewer, kid, "separated", today - dt.timedelta(days=100), "Separated from family at Calais"
    )
    sharing_actions.record_placement(
        viewer,
        kid,
        PlacementInput(
            place_code="U4",
            start_date=today - dt.timedelta(days=90),
            authority=Authority.objects.get(code="E10000016"),
            postcode="ME14 1XX",
        ),
    )
    earlier, _ = report_missing(sw_a, kid, hours_ago=24 * 30)
    actions.record_return(
        viewer,
        earlier,
        ReturnInput(
            returned_at=NOW() - dt.timedelta(hours=24 * 29),
            found_by="self",
            found_place="Maidstone East station",
        ),
    )
    now_missing, _ = report_missing(sw_a, kid, hours_ago=2, last_seen_place="Maidstone bus station")
    client.force_login(sw_b)
    page = client.get(reverse("web:grab-pack", args=[now_missing.pk]))
    assert page.status_code == 200 and "Maidstone bus station" in text_of(page)
    assert client.get(reverse("web:grab-pack-pdf", args=[now_missing.pk])).status_code == 200
    assert client.get(reverse("web:child-grab-pack", args=[kid.pk])).status_code == 200
    assert client.get(reverse("web:grab-pack", args=[earlier.pk])).status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", actor_username="sw.b", object_id=str(earlier.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action="export", actor_username="sw.b", object_id=str(now_missing.pk)
    ).exists()


def test_signed_out_people_are_sent_to_sign_in(client, sw_a, child, episode):
    response = client.get(reverse("web:grab-pack-pdf", args=[episode.pk]))
    assert response.status_code == 302 and "/sign-in" in response["Location"]


def test_the_builder_refuses_a_viewer_who_may_not_see_the_child(sw_b, child, episode):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        grabpack.grab_pack_for(as_viewer(sw_b), episode)


# --- cost and details ----------------------------------------------------------------------


def test_the_pack_is_built_with_few_queries(sw_a, child, episode, django_assert_max_num_queries):
    from visible.missing.models import Episode

    loaded = Episode.objects.select_related(
        "child__responsible_organisation__authority", "police_force"
    ).get(pk=episode.pk)
    viewer = as_viewer(sw_a)
    with django_assert_max_num_queries(8):
        pack = grabpack.grab_pack_for(viewer, loaded)
    assert pack.history_total == 3 and pack.episode.grade == "high"


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "less than a minute"),
        (40, "40 minutes"),
        (61, "1 hour 1 minute"),
        (300, "5 hours"),
        (24 * 60 + 6 * 60, "1 day 6 hours"),
        (3 * 24 * 60 + 5, "3 days"),
    ],
)
def test_durations_read_naturally(minutes, words):
    assert grabpack.describe_duration(dt.timedelta(minutes=minutes)) == words


@pytest.mark.django_db
def test_the_child_record_links_to_the_grab_pack_prepared_in_advance(client, sw_a, make_child):
    from django.urls import reverse

    from tests.factories import PASSWORD

    child = make_child(sw_a)
    client.login(username=sw_a.username, password=PASSWORD)
    page = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert reverse("web:child-grab-pack", args=[child.pk]) in page
    assert reverse("web:child-grab-pack-pdf", args=[child.pk]) in page
