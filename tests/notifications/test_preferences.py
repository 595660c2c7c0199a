"""Each person's notification settings ("Your notification settings", under their account) and
their organisation's (what its email may say): the rules, the pages, and the record kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import as_viewer, make_user
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.notifications.models import OrganisationSettings, Preferences
from visible.notifications.phones import NotAMobileNumber, shown, uk_mobile
from visible.notifications.preferences import PreferencesInput, save_preferences

pytestmark = pytest.mark.django_db
PAGE = "/account/notifications"


@pytest.mark.parametrize(
    "typed",
    ["07700 900982", "07700900982", "+44 7700 900982", "+44 (0)7700 900982", "0044 7700 900982",
     "447700900982", "07700-900-982", " (07700) 900982 "],
)  # fmt: skip
def test_uk_mobile_numbers_as_people_write_them(typed):
    assert uk_mobile(typed) == "+447700900982"
    assert shown("+447700900982") == "07700 900982"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("020 7946 0000", "not a mobile number"),  # a London landline
        ("07000 900982", "not a mobile number"),  # 070: personal numbering
        ("07600 900982", "not a mobile number"),  # 076: pagers
        ("0770 090 098", "11 digits"),
        ("+33 6 12 34 56 78", "only go to UK numbers"),
        ("07700 9OO982", "only numbers"),
    ],
)
def test_what_is_not_a_uk_mobile_number(typed, says):
    with pytest.raises(NotAMobileNumber, match=says):
        uk_mobile(typed)


def test_the_isle_of_man_mobile_range_is_a_mobile():
    assert uk_mobile("07624 123456") == "+447624123456"


@pytest.fixture
def enabled_sms(settings):
    from tests.notifications.notify_stub import API_KEY, TEMPLATE_IDS

    settings.VISIBLE_NOTIFY_API_KEY = API_KEY
    settings.VISIBLE_NOTIFY_SMS_TEMPLATE_ID = TEMPLATE_IDS["sms"]


def test_saving_preferences_normalises_and_records_them(sw_a, enabled_sms):
    save_preferences(
        as_viewer(sw_a),
        PreferencesInput(
            channels="both", email="sw.a@croydon.example", mobile="07700 900982",
            quiet_from="22.00", quiet_until="0700", daily_digest=True,
        ),
    )  # fmt: skip
    stored = Preferences.objects.get(user=sw_a)
    assert (stored.channels, stored.mobile) == ("both", "+447700900982")
    assert (stored.quiet_from, stored.quiet_until) == (dt.time(22), dt.time(7))
    event = AuditEvent.objects.get(object_type="notification preferences")
    assert event.actor_user_id == sw_a.pk and event.summary == "Changed how Visible tells them"
    assert '"quiet_from":[null,"22:00"]' in event.detail


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"channels": "sms"}, "mobile", "Enter your mobile number, or choose email only"),
        ({"channels": "email", "mobile": "020 7946 0000"}, "mobile", "not a mobile number"),
        ({"channels": "email", "email": "not an address"}, "email", "correct format"),
        ({"channels": "email", "quiet_from": "22:00"}, "quiet_until", "Enter when quiet hours end"),
        ({"channels": "email", "quiet_until": "7"}, "quiet_until", "24-hour clock"),
        ({"channels": "email", "quiet_from": "7:00", "quiet_until": "07:00"}, "quiet_until", "different time"),
        ({"channels": "pigeon"}, "channels", "Select how Visible should tell you"),
    ],
)  # fmt: skip
def test_preferences_refused_with_a_reason_and_nothing_saved(
    sw_a, enabled_sms, values, field, message
):
    sw_a.email = "sw.a@croydon.example"
    sw_a.save()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        save_preferences(as_viewer(sw_a), PreferencesInput(**values))
    assert any(message in m for m in refused.value.message_dict[field])
    assert not Preferences.objects.exists()


def test_text_messages_cannot_be_chosen_while_notify_is_not_set_up(sw_a, settings):
    settings.VISIBLE_NOTIFY_API_KEY = ""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="GOV.UK Notify is not set up"):
        save_preferences(as_viewer(sw_a), PreferencesInput(channels="sms", mobile="07700900982"))


# --- the pages -------------------------------------------------------------------------------


def test_the_page_saves_and_shows_the_settings(client, coordinator_a, enabled_sms):
    client.force_login(coordinator_a)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "No way to reach you" in page.content.decode()  # no email on the account yet
    answer = client.post(
        PAGE,
        {"channels": "sms", "mobile": "07700 900982", "quiet_from": "22:00",
         "quiet_until": "07:00", "organisation_digest": "on"},
        follow=True,
    )  # fmt: skip
    text = answer.content.decode()
    assert "Your notification settings have been saved" in text
    assert "Text messages to 07700 900982" in text
    assert "22:00 to 07:00, UK time, except high-risk alerts" in text
    assert "Every morning from 07:00: your organisation" in text
    assert Preferences.objects.get(user=coordinator_a).organisation_digest


def test_the_page_shows_errors_in_place(client, sw_a, enabled_sms):
    client.force_login(sw_a)
    answer = client.post(PAGE, {"channels": "sms", "mobile": "020 7946 0000"})
    text = answer.content.decode()
    assert answer.status_code == 200
    assert "There is a problem" in text and 'href="#id_mobile"' in text
    assert "not a mobile number" in text
    # A social worker is not offered the organisation's digest.
    assert "organisation_digest" not in text


def test_the_header_links_to_the_page(client, sw_a):
    client.force_login(sw_a)
    assert f'href="{PAGE}"' in client.get(reverse("web:home"), follow=True).content.decode()


def test_an_organisation_marks_its_secure_domains(client, manager_a, council_a):
    client.force_login(manager_a)
    assert "Change what Croydon" in client.get(PAGE).content.decode()
    answer = client.post(
        "/notification-settings",
        {"secure_email_domains": "croydon.example\n@CROYDON.gov.uk\n", "details_in_secure_email": "on"},
        follow=True,
    )  # fmt: skip
    assert "notification settings have been saved" in answer.content.decode()
    stored = OrganisationSettings.objects.get(organisation=council_a)
    assert stored.secure_email_domains == ["croydon.example", "croydon.gov.uk"]
    assert stored.details_in_secure_email


def test_a_domain_that_is_not_one_is_refused(client, manager_a, council_a):
    client.force_login(manager_a)
    answer = client.post(
        "/notification-settings",
        {"secure_email_domains": "croydon.example, not a domain", "details_in_secure_email": "on"},
    )
    assert "(domain 2) is not an email domain" in answer.content.decode().replace("&ldquo;", "")
    assert not OrganisationSettings.objects.exists()


def test_only_senior_managers_and_administrators_change_the_organisations(client, sw_a, council_a):
    client.force_login(sw_a)
    assert client.get("/notification-settings").status_code == 403
    admin = make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)
    client.force_login(admin)
    assert client.get("/notification-settings").status_code == 200
