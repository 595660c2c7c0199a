"""The demo council's rota (demo/rota.py): someone at every position at any hour of its four
weeks, the weekend shift an hour shorter across the night the clocks go forward, made once."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from visible.agencies.councils import council_for
from visible.audit.models import AuditEvent
from visible.dates import UK_TIME
from visible.demo.rota import set_up_rota_demo
from visible.demo.setup import COUNCIL_A, create_demo_users
from visible.reference.models import Authority
from visible.rota.duty import on_duty
from visible.rota.models import LADDER, Position, Shift

pytestmark = pytest.mark.django_db
WEDNESDAY = dt.datetime(2027, 3, 24, 12, 0, tzinfo=dt.UTC)  # the week the clocks go forward


def test_the_demo_rota_covers_every_hour_and_the_clock_change():
    create_demo_users()
    council = council_for(Authority.objects.get(code=COUNCIL_A))
    out = io.StringIO()
    made = set_up_rota_demo(council, out, now=WEDNESDAY)
    assert made == Shift.objects.count() and "over 4 weeks" in out.getvalue()
    # The two weeks after are uploaded as a rota file, as the senior manager, audited once.
    assert "Uploaded the 2 weeks after as the file croydon-out-of-hours-rota.csv" in out.getvalue()
    [upload] = AuditEvent.objects.filter(summary__contains="from the file croydon-out-of-hours")
    assert upload.actor_username == "manager.croydon"
    assert on_duty(council, Position.ON_CALL_MANAGER, dt.datetime(2027, 4, 28, 3, tzinfo=UK_TIME))
    moment = dt.datetime(2027, 3, 22, 9, 0, tzinfo=UK_TIME)  # the Monday it starts
    while moment < dt.datetime(2027, 4, 19, 9, 0, tzinfo=UK_TIME):
        for position in LADDER:
            assert on_duty(council, position, moment), (position, moment)
        moment += dt.timedelta(minutes=30)

    def who(position, *when):
        return [u.username for u in on_duty(council, position, dt.datetime(*when, tzinfo=UK_TIME))]

    assert who(Position.FIRST_ON_CALL, 2027, 3, 23, 11) == ["coordinator.croydon"]
    assert who(Position.FIRST_ON_CALL, 2027, 3, 23, 21) == ["sw.croydon"]
    assert who(Position.ON_CALL_MANAGER, 2027, 3, 27, 3) == ["oncall.croydon"]
    assert who(Position.SENIOR_MANAGER, 2027, 3, 27, 3) == ["manager.croydon"]
    weekend = Shift.objects.get(
        position=Position.FIRST_ON_CALL, starts_at=dt.datetime(2027, 3, 26, 17, tzinfo=dt.UTC)
    )
    assert weekend.ends_at - weekend.starts_at == dt.timedelta(hours=63)  # 64 less the hour
    assert set_up_rota_demo(council, out, now=WEDNESDAY) == 0
    assert Shift.objects.count() == made
