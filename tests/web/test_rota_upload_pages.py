"""Uploading a rota (web/rota/views.py upload_rota, check_upload): the file, its shifts to check
grouped by week, confirm, and the success banner on the rota page; a file with a bad row lists
every problem and adds nothing; only those who keep the rota may upload one. Dated from the
clock (tests/frozen_dates.txt runs it at awkward moments)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from visible.audit.models import AuditEvent
from visible.dates import uk_date
from visible.rota.models import Position, Shift

pytestmark = pytest.mark.django_db


def rota_file(*rows: str, name: str = "rota.csv") -> SimpleUploadedFile:
    text = "position,person,start date,start time,end date,end time,note\n" + "".join(
        r + "\n" for r in rows
    )
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def day(days: int) -> str:
    return f"{uk_date(timezone.now()) + dt.timedelta(days=days):%d/%m/%Y}"


def test_a_manager_uploads_a_rota_checks_it_and_adds_it(client, manager_a, sw_a):
    client.force_login(manager_a)
    rota = client.get(reverse("web:rota")).content.decode()
    assert reverse("web:rota-upload") in rota and "Upload a rota" in rota
    page = client.get(reverse("web:rota-upload")).content.decode()
    assert reverse("web:rota-template") in page
    template = client.get(reverse("web:rota-template"))
    assert template["Content-Disposition"] == 'attachment; filename="rota-template.csv"'
    assert template.content.decode().startswith("position,person,start date,start time,")

    upload = rota_file(
        f"On-call manager,sw.a,{day(2)},17:00,{day(3)},09:00,Swap with Sam",
        f"first_on_call,sw.a,{day(9)},17:00,{day(10)},09:00,",
    )
    answer = client.post(reverse("web:rota-upload"), {"file": upload})
    assert answer.status_code == 302 and answer["Location"] == reverse("web:rota-upload-check")
    assert not Shift.objects.exists()  # nothing yet: the shifts are to check first
    check = client.get(answer["Location"]).content.decode()
    assert "Check the shifts before adding them" in check
    assert check.count('data-testid="rota-upload-week"') == 2  # two weeks
    assert "Swap with Sam" in check and "Add 2 shifts to the rota" in check

    answer = client.post(reverse("web:rota-upload-check"))
    assert answer.status_code == 302
    assert sorted(Shift.objects.values_list("position", flat=True)) == [
        Position.FIRST_ON_CALL,
        Position.ON_CALL_MANAGER,
    ]
    banner = client.get(answer["Location"]).content.decode()
    assert "2 shifts added to the rota from rota.csv" in banner
    event = AuditEvent.objects.get(object_type="rota shift", action="create")
    assert "from the file rota.csv" in event.summary
    # The same file again: nothing to add.
    client.post(reverse("web:rota-upload"), {"file": rota_file(
        f"On-call manager,sw.a,{day(2)},17:00,{day(3)},09:00,Swap with Sam",
    )})  # fmt: skip
    again = client.get(reverse("web:rota-upload-check")).content.decode()
    assert "already on the rota: there is nothing to add" in again
    assert Shift.objects.count() == 2


def test_a_bad_row_is_listed_with_its_row_and_column_and_nothing_is_added(client, manager_a, sw_a):
    client.force_login(manager_a)
    upload = rota_file(
        f"On-call manager,sw.a,{day(2)},17:00,{day(3)},09:00,",
        f"On-call manager,sw.a,{day(4)},25:00,{day(5)},09:00,",
    )
    answer = client.post(reverse("web:rota-upload"), {"file": upload})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "rota.csv has 1 problem, listed below: nothing has been added" in page
    assert "25:00 is not a time: use the 24-hour clock, like 17:00" in page
    assert "start time" in page
    assert not Shift.objects.exists()
    # The check page has nothing to check: back to the upload.
    assert client.get(reverse("web:rota-upload-check"))["Location"] == reverse("web:rota-upload")


def test_only_those_who_keep_the_rota_may_upload_one(client, sw_a):
    client.force_login(sw_a)
    assert client.get(reverse("web:rota-upload")).status_code == 403
    assert client.post(reverse("web:rota-upload-check")).status_code == 403
    assert "Upload a rota" not in client.get(reverse("web:rota")).content.decode()
