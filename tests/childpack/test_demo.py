"""The demo's child's pack: a Tigrinya-speaking Croydon child with the contacts their pack
shows, the council's out-of-hours number; saved once, kept on a second run."""

from __future__ import annotations

import io

import pytest

from tests.factories import as_viewer, make_user
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.childpack import pack
from visible.childpack.models import ChildContacts, CouncilContacts, PhoneSafety
from visible.demo.childpack import OUT_OF_HOURS, set_up_child_packs

pytestmark = pytest.mark.django_db


def test_the_demo_fills_in_a_tigrinya_childs_pack(council_a, sw_a, make_child):
    admin = make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)
    make_child(sw_a, first_language="ara")
    child = make_child(sw_a, given_names="Yonas", first_language="tir")
    out = io.StringIO()
    found = set_up_child_packs(council_a, as_viewer(sw_a), as_viewer(admin), out)
    assert found == child
    assert "has theirs in Tigrinya" in out.getvalue()
    held = ChildContacts.objects.get(child=child)
    assert held.phone_safety == PhoneSafety.NOT_SAFE and held.social_worker_phone
    assert CouncilContacts.objects.get(organisation=council_a).out_of_hours_phone == OUT_OF_HOURS
    built = pack.pack_for(as_viewer(sw_a), child, pack.default_language(child))
    assert built.side.language.code == "tir"
    assert all(contact.phone for contact in built.contacts)
    events = AuditEvent.objects.count()
    set_up_child_packs(council_a, as_viewer(sw_a), as_viewer(admin), io.StringIO())
    assert AuditEvent.objects.count() == events  # a second run changes nothing
