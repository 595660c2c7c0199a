"""The demo's National Transfer Scheme transfers and long-term missing case (docs/transfers.md):

- a Kent child referred to Croydon 8 working days ago and not yet arrived: at risk, its packet
  waiting for Croydon (sw.croydon) and the Metropolitan Police (officer.met) to acknowledge;
- a Croydon child referred to Kent, arrived in time and acknowledged by Kent (sw.kent) and by
  Kent Police: the record, its open alerts and episodes now Kent's;
- a Croydon child missing more than 28 days: a long-term missing case, with the referral to
  the UK Missing Persons Unit recorded.

Made through the same actions the pages call, so each is audited like a real one. Idempotent:
run again, it finds what it made and adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from visible.agencies.models import Organisation, Role
from visible.agencies.viewer import Viewer, viewer_for
from visible.children.models import Child
from visible.missing.models import Episode
from visible.risk import nts
from visible.transfers import actions
from visible.transfers.models import LongTermCase, NtsTransfer
from visible.transfers.sweep import sweep_transfers


def _working_days_ago(today: dt.date, count: int, nation: str) -> dt.date:
    day = today
    while nts.working_days_between(day, today, nation) < count:
        day -= dt.timedelta(days=1)
    return day


def _candidate(council: Organisation, before: dt.date) -> Child | None:
    """A child of the council looked after since before ``before``, not missing now and not
    already transferred under the scheme."""
    return (
        Child.objects.filter(responsible_organisation=council, looked_after_from__lt=before)
        .exclude(episodes__returned_at__isnull=True)
        .exclude(nts_transfers__isnull=False)
        .order_by("pk")
        .first()
    )


def set_up_transfers_demo(croydon: Organisation, kent: Organisation, out: TextIO) -> None:
    today = timezone.localdate()
    users = get_user_model().objects
    sw_croydon = viewer_for(users.get(username="sw.croydon"))
    sw_kent = viewer_for(users.get(username="sw.kent"))
    if not NtsTransfer.objects.exists():
        referred = _working_days_ago(today, nts.NTS_AT_RISK_WORKING_DAY, "England")
        incoming = _candidate(kent, referred)
        if incoming is not None:
            actions.refer(sw_kent, incoming, croydon, referred, "NTS-DEMO-1")
        went = _working_days_ago(today, 20, "England")
        outgoing = _candidate(croydon, went)
        if outgoing is not None:
            done = actions.refer(sw_croydon, outgoing, kent, went, "NTS-DEMO-2")
            done = actions.acknowledge(sw_kent, done)
            force = actions.receiving_force_for(kent)
            if force is not None:
                officer = Viewer(
                    user_id=None,
                    username=f"{force.name} (demo)",
                    organisation=force,
                    role=Role.POLICE_OFFICER,
                )
                done = actions.acknowledge(officer, done)
            actions.record_arrival(sw_kent, done, went + dt.timedelta(days=7))
        out.write(
            f"National Transfer Scheme: {NtsTransfer.objects.count()} transfers "
            "(one at risk, one arrived and acknowledged).\n"
        )
    long_gone = (
        Episode.objects.filter(
            child__responsible_organisation=croydon,
            returned_at__isnull=True,
            category="M",
            last_seen_at__lt=timezone.now() - dt.timedelta(days=nts.LONG_TERM_DAYS + 5),
        )
        .order_by("last_seen_at")
        .first()
    )
    if long_gone is None:
        out.write("No Croydon child has been missing 28 days: no long-term missing case.\n")
        return
    sweep_transfers()
    case = LongTermCase.objects.filter(episode=long_gone).first()
    if case is not None and case.ukmpu_referred_on is None:
        actions.record_ukmpu_referral(
            sw_croydon,
            long_gone,
            case.became_long_term_on,
            "UKMPU-DEMO-1",
        )
    out.write(
        f"Long-term missing cases: {LongTermCase.objects.count()} "
        "(one referred to the UK Missing Persons Unit).\n"
    )
