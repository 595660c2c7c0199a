"""Information for the child: the page and PDF for a child, in the language of their record,
with their contacts filled in; the contacts form; the text to a child, sent only to a phone
marked safe; a council's own checked translation, all or nothing, used for its children."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import COUNCIL_B_CODE, as_viewer, make_user
from visible.agencies.models import Role, Team
from visible.audit.models import AuditEvent
from visible.childpack import actions, pack, texting, texts
from visible.childpack.models import ChildContacts, CouncilTranslation, PhoneSafety
from visible.children import actions as register
from visible.children.inputs import GuardianInput, PlacementInput
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


@pytest.fixture
def admin_a(council_a):
    return make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)


@pytest.fixture
def child(sw_a, make_child):
    """A Tigrinya-speaking boy with an allocated worker and team, and a guardian."""
    viewer = as_viewer(sw_a)
    sw_a.first_name, sw_a.last_name = "Sam", "Okafor"
    sw_a.save()
    kid = make_child(
        sw_a,
        given_names="Dawit",
        preferred_name="Dawi",
        first_language="tir",
        other_languages=["ara"],
    )
    team = Team.objects.create(organisation=kid.responsible_organisation, name="UASC team")
    kid = register.allocate(viewer, kid, sw_a.pk, team)
    register.assign_guardian(
        viewer,
        kid,
        GuardianInput(
            kind="ictg",
            guardian_name="Grace Guardian",
            service="ICTG service",
            start_date=timezone.localdate() - dt.timedelta(days=30),
        ),
    )
    return kid


def contacts(sw_a, child, **values) -> ChildContacts:
    return actions.save_child_contacts(as_viewer(sw_a), child, actions.ChildContactsInput(**values))


# --- the pack ------------------------------------------------------------------------------


def test_the_page_opens_in_the_childs_language_with_their_contacts_filled_in(client, sw_a, child):
    contacts(sw_a, child, social_worker_phone="020 7946 0000", guardian_phone="07700 900123")
    client.force_login(sw_a)
    response = client.get(reverse("web:child-pack", args=[child.pk]))
    assert response.status_code == 200
    html, text = response.content.decode(), text_of(response)
    tigrinya = texts.shipped()["tir"].blocks
    assert 'lang="ti" dir="ltr"' in html and tigrinya["title"] in text
    assert "Information for you" in text  # the English on the back
    for expected in (
        "Sam Okafor",
        "UASC team",
        "020 7946 0000",
        "Grace Guardian",
        "07700 900123",
        "116 000",
        "999",
        "missingpeople.org.uk",
    ):
        assert expected in text, expected
    assert "has not been checked by a fluent speaker" in text
    assert tigrinya["needs_check"] in text
    assert "Languages on the child's record: Tigrinya, Arabic" in text
    event = AuditEvent.objects.filter(child_id=child.pk, action="view").last()
    assert event.summary == "Viewed the child's pack (Tigrinya)"


def test_an_arabic_pack_is_right_to_left_and_a_number_not_held_says_ask(client, sw_a, child):
    client.force_login(sw_a)
    response = client.get(
        reverse("web:child-pack", args=[child.pk]), {"language": "ara", "sides": "one"}
    )
    html, text = response.content.decode(), text_of(response)
    assert 'lang="ar" dir="rtl"' in html
    assert "Information for you" not in text  # one side: no English
    assert texts.shipped()["ara"].blocks["ask"] in text  # no social worker's number held


def test_a_language_the_pack_does_not_have_is_refused_by_name(client, sw_a, child):
    client.force_login(sw_a)
    response = client.get(reverse("web:child-pack", args=[child.pk]), {"language": "xyz"})
    assert response.status_code == 200
    assert "Choose one of the pack&#x27;s languages" in response.content.decode()


def test_the_pdf_is_the_pack_and_its_download_is_audited(client, sw_a, child):
    client.force_login(sw_a)
    response = client.get(
        reverse("web:child-pack-pdf", args=[child.pk]), {"language": "tir", "sides": "both"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Dawit" not in response["Content-Disposition"]
    event = AuditEvent.objects.filter(child_id=child.pk, action="export").last()
    assert event.summary == "Downloaded the child's pack as a PDF (Tigrinya)"


def test_another_council_cannot_open_the_pack(client, sw_b, child):
    client.force_login(sw_b)
    assert client.get(reverse("web:child-pack", args=[child.pk])).status_code == 404
    assert client.get(reverse("web:child-pack-pdf", args=[child.pk])).status_code == 404


def test_the_default_language_is_the_first_the_pack_has(sw_a, make_child):
    kid = make_child(sw_a, first_language="tam", other_languages=["fra", "som"])
    assert pack.default_language(kid) == "som"
    kid.first_language, kid.other_languages = "", []
    assert pack.default_language(kid) == "eng"


# --- the contacts ------------------------------------------------------------------------


def test_contacts_are_saved_through_the_form_and_audited(client, sw_a, child):
    client.force_login(sw_a)
    url = reverse("web:child-pack-contacts", args=[child.pk])
    response = client.post(
        url,
        {
            "phone": "07700 900982",
            "phone_safety": "not_safe",
            "phone_safety_reason": "An older man pays for his phone",
            "social_worker_phone": "020 7946 0000",
            "carer_name": "Ruth Carer",
            "carer_phone": "07700 900456",
        },
    )
    assert response.status_code == 302
    held = ChildContacts.objects.get(child=child)
    assert held.phone == "+447700900982" and held.phone_safety == PhoneSafety.NOT_SAFE
    page = text_of(client.get(reverse("web:child-pack", args=[child.pk])))
    assert "Ruth Carer" in page and "07700 900456" in page
    assert "Not safe: do not text" in page
    assert "Visible will not text the child" in page
    event = AuditEvent.objects.filter(child_id=child.pk, object_type="childcontacts").last()
    assert "not safe to contact" in event.summary


def test_bad_contacts_are_refused_by_field_and_change_nothing(client, sw_a, child):
    client.force_login(sw_a)
    response = client.post(
        reverse("web:child-pack-contacts", args=[child.pk]),
        {"phone": "", "phone_safety": "safe", "guardian_phone": "call the office"},
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "Enter the child's mobile number, or do not mark it safe to contact" in text
    assert "Enter the guardian's number using only numbers" in text
    assert not ChildContacts.objects.filter(child=child).exists()


def test_the_phone_is_not_safe_to_contact_until_someone_says_it_is(sw_a, child):
    held = contacts(sw_a, child, phone="07700 900982")
    assert held.phone_safety == PhoneSafety.UNKNOWN and not held.safe_to_text


def test_a_new_number_is_not_safe_because_the_old_one_was(sw_a, child):
    contacts(sw_a, child, phone="07700 900982", phone_safety=PhoneSafety.SAFE)
    held = contacts(sw_a, child, phone="07700 900111", phone_safety=PhoneSafety.SAFE)
    assert held.phone == "+447700900111" and held.phone_safety == PhoneSafety.UNKNOWN
    channel = FakeChannel()
    with pytest.raises(texting.NotSafeToText):
        texting.text_child(as_viewer(sw_a), child, "tir", now=timezone.now(), channel=channel)
    assert channel.sent == []
    held = contacts(sw_a, child, phone="07700 900111", phone_safety=PhoneSafety.SAFE)
    assert held.safe_to_text  # said again, of this number


def test_another_council_cannot_change_the_contacts(sw_b, child):
    with pytest.raises(PermissionDenied):
        actions.save_child_contacts(
            as_viewer(sw_b), child, actions.ChildContactsInput(phone="07700 900982")
        )
    assert not ChildContacts.objects.filter(child=child).exists()


# --- the text to a child -----------------------------------------------------------------


class FakeChannel:
    """Stands in for GOV.UK Notify: records what it was asked to send."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return "notify-ref-1"


@pytest.mark.parametrize("safety", [PhoneSafety.UNKNOWN, PhoneSafety.NOT_SAFE])
def test_no_text_is_sent_to_a_phone_not_marked_safe(sw_a, child, safety):
    contacts(sw_a, child, phone="07700 900982", phone_safety=safety)
    channel = FakeChannel()
    with pytest.raises(texting.NotSafeToText, match="not marked safe to contact"):
        texting.text_child(as_viewer(sw_a), child, "tir", now=timezone.now(), channel=channel)
    assert channel.sent == []
    assert not AuditEvent.objects.filter(summary__startswith="Texted the child").exists()


def test_no_text_is_sent_when_there_is_no_number(sw_a, child):
    channel = FakeChannel()
    with pytest.raises(texting.NotSafeToText, match="no mobile number"):
        texting.text_child(as_viewer(sw_a), child, "tir", now=timezone.now(), channel=channel)
    assert channel.sent == []


def test_a_phone_marked_safe_gets_the_numbers_in_the_childs_language(sw_a, child):
    contacts(
        sw_a,
        child,
        phone="07700 900982",
        phone_safety=PhoneSafety.SAFE,
        social_worker_phone="020 7946 0000",
    )
    channel = FakeChannel()
    reference = texting.text_child(
        as_viewer(sw_a), child, "tir", now=timezone.now(), channel=channel
    )
    assert reference == "notify-ref-1"
    (message,) = channel.sent
    assert message.to == "+447700900982"
    assert "116 000" in message.body and "999" in message.body and "020 7946 0000" in message.body
    assert texts.shipped()["tir"].blocks["police"] in message.body
    assert "Dawit" not in message.body  # no name: the phone may not be the child's alone
    event = AuditEvent.objects.get(summary="Texted the child the pack's numbers (Tigrinya)")
    assert message.body not in event.detail


def test_the_page_offers_no_text_without_notify_and_the_post_sends_none(
    client, sw_a, child, settings, monkeypatch
):
    contacts(sw_a, child, phone="07700 900982", phone_safety=PhoneSafety.UNKNOWN)
    settings.VISIBLE_NOTIFY_API_KEY = "test-key"
    settings.VISIBLE_NOTIFY_CHILD_SMS_TEMPLATE_ID = "template"
    sent = []
    monkeypatch.setattr(texting.ChildSms, "send", lambda self, m: sent.append(m) or "x")
    client.force_login(sw_a)
    page = text_of(client.get(reverse("web:child-pack", args=[child.pk])))
    assert "Text 116 000, 999" not in page and "Visible will not text the child" in page
    response = client.post(
        reverse("web:child-pack-text", args=[child.pk]), {"language": "tir"}, follow=True
    )
    assert "not marked safe to contact, so nothing was sent" in text_of(response)
    assert sent == []
    contacts(sw_a, child, phone="07700 900982", phone_safety=PhoneSafety.SAFE)
    page = text_of(client.get(reverse("web:child-pack", args=[child.pk])))
    assert "Text 116 000, 999 and the social worker's number to the child" in page
    response = client.post(
        reverse("web:child-pack-text", args=[child.pk]), {"language": "tir"}, follow=True
    )
    assert "have been texted to 07700 900982" in text_of(response)
    assert len(sent) == 1


# --- a council's own translation ------------------------------------------------------------


def translation_post(blocks: dict[str, str], checked_by="Almaz Tesfay", day=None) -> dict:
    day = day or timezone.localdate()
    return {
        **{f"block_{k}": v for k, v in blocks.items()},
        "checked_by": checked_by,
        "checked_on_0": day.day,
        "checked_on_1": day.month,
        "checked_on_2": day.year,
    }


def test_a_councils_checked_translation_is_used_for_its_children(client, admin_a, sw_a, child):
    blocks = dict(texts.shipped()["tir"].blocks) | {"title": "ሓበሬታ ንዓኻ (ዝተመርመረ)"}
    client.force_login(admin_a)
    listing = text_of(client.get(reverse("web:child-pack-council")))
    assert "Not checked" in listing
    url = reverse("web:child-pack-translation", args=["tir"])
    assert "Visible's draft: no fluent speaker has checked it" in text_of(client.get(url))
    response = client.post(url, translation_post(blocks))
    assert response.status_code == 302
    own = CouncilTranslation.objects.get(organisation=child.responsible_organisation)
    assert own.checked_by == "Almaz Tesfay" and own.blocks["title"] == blocks["title"]
    assert "checked by Almaz Tesfay" in text_of(client.get(reverse("web:child-pack-council")))

    client.force_login(sw_a)
    page = text_of(client.get(reverse("web:child-pack", args=[child.pk])))
    assert "ሓበሬታ ንዓኻ (ዝተመርመረ)" in page
    assert "Your council's own Tigrinya translation, checked by Almaz Tesfay" in page
    assert "has not been checked by a fluent speaker" not in page
    day = timezone.localdate()
    assert f"ብAlmaz Tesfay ኣብ {day.day}/{day.month}/{day.year}" in page


def test_a_translation_missing_a_block_is_refused_whole(client, admin_a, child):
    blocks = dict(texts.shipped()["som"].blocks) | {"keep": "", "checked": "Hubiyay {magac}"}
    client.force_login(admin_a)
    response = client.post(
        reverse("web:child-pack-translation", args=["som"]),
        translation_post(blocks, checked_by=""),
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "Enter the translation of “Keep this paper safe, or take a photo of it.”" in text
    assert "Enter the name of the fluent speaker who checked the translation" in text
    assert not CouncilTranslation.objects.exists()


def test_the_action_refuses_a_future_check_date_and_broken_placeholders(admin_a, child):
    blocks = dict(texts.shipped()["som"].blocks) | {"checked": "Hubiyay {magac} {date}"}
    with pytest.raises(ValidationError) as caught:
        actions.save_council_translation(
            as_viewer(admin_a),
            actions.TranslationInput(
                language="som",
                blocks=blocks,
                checked_by="Hodan",
                checked_on=timezone.localdate() + dt.timedelta(days=1),
            ),
            today=timezone.localdate(),
        )
    errors = caught.value.message_dict
    assert errors["checked_on"] == ["The date it was checked must be today or in the past"]
    assert errors["block_checked"][0].startswith("Keep {date} and {name}")
    assert not CouncilTranslation.objects.exists()


def test_only_a_councils_administrator_keeps_its_translations(client, sw_a, child):
    client.force_login(sw_a)
    assert client.get(reverse("web:child-pack-council")).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.save_out_of_hours(as_viewer(sw_a), "020 7946 0999")


def test_the_out_of_hours_number_goes_on_every_childs_pack(client, admin_a, sw_a, child):
    client.force_login(admin_a)
    client.post(reverse("web:child-pack-council"), {"out_of_hours_phone": "020 7946 0999"})
    client.force_login(sw_a)
    page = text_of(client.get(reverse("web:child-pack", args=[child.pk])))
    assert "020 7946 0999" in page


def test_the_council_the_child_is_placed_in_sees_too_little_for_the_pack(client, sw_b, child):
    """The host council's limited view has no contacts: no pack, and the refusal audited."""
    sharing_actions.record_placement(
        as_viewer(child.allocated_worker),
        child,
        PlacementInput(
            place_code="U4",
            start_date=timezone.localdate() - dt.timedelta(days=5),
            authority=Authority.objects.get(code=COUNCIL_B_CODE),
            postcode="ME14 1XX",
            provider="Example Fostering (synthetic)",
        ),
    )
    client.force_login(sw_b)
    assert client.get(reverse("web:child", args=[child.pk])).status_code == 200
    assert client.get(reverse("web:child-pack", args=[child.pk])).status_code == 403
    assert client.get(reverse("web:child-pack-pdf", args=[child.pk])).status_code == 403
    assert AuditEvent.objects.filter(
        action="denied", child_id=child.pk, summary="Tried to open the child's pack"
    ).exists()
