"""The demo's headline features that the synthetic register does not make by itself (issue 16,
point 12): a safety plan, with its missing route map, for every demo-council child who has
gone missing or whose grab pack is shared with the police, so grab packs show what a search
needs; and a safeguarding partnership for the first demo council, with its annual report's
own sections written, so the partnership report shows a report, not a command line.

Made through the same actions the pages call (missing.actions.save_safety_plan,
returns.actions.define_partnership and save_section), so each is audited like a real one.
Synthetic throughout: Faker (en_GB) names and streets, and phone numbers from Ofcom's range for
drama (07700 900000 to 900999), which no real phone has. Idempotent: a child with a plan keeps
it, the partnership is found by its name, and a section already written is kept."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction
from django.db.models import Q

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.children.models import Child
from visible.dates import reporting_year

PARTNERSHIP = "Croydon Safeguarding Children Partnership"
# Demo places of a route map: where children from the demo councils have been found before.
ROUTE_PLACES = (
    "East Croydon station: trains to London Victoria and London Bridge",
    "West Croydon bus station, stand D: route 250 to Brixton",
    "Croydon cab office by West Croydon station",
    "Victoria coach station: coaches to Birmingham and Manchester",
    "Lunar House, Wellesley Road (the Home Office)",
    "Whitgift Centre, food court",
    "Ashford International station: trains to Folkestone and Dover",
    "Maidstone East station: trains to London Victoria",
    "Canterbury bus station, bay 3",
    "Dover Priory station",
)
VIEWS = (
    "Says they leave to see friends from home and will answer a call from their key worker.",
    "Wants to work to send money home; agreed to phone before going to London.",
    "Feels unsafe at the placement at night; agreed to ring the out-of-hours number instead.",
    "Goes to the mosque on Fridays and sometimes stays with a family friend afterwards.",
)
DESCRIPTIONS = (
    "About 5 ft 6 in, slim build, short black hair, brown eyes",
    "About 5 ft 9 in, medium build, black curly hair, brown eyes",
    "About 5 ft 3 in, slight build, long dark hair usually tied back, dark brown eyes",
    "About 5 ft 10 in, slim build, shaved head, brown eyes",
)
FEATURES = (
    "Small scar above the left eyebrow",
    "Wears a silver ring on the right hand",
    "Pierced left ear",
    "Birthmark on the back of the right hand",
)
MEDICAL = ("", "Asthma: carries a blue inhaler", "Takes medication for epilepsy twice a day")
SOCIAL = ("Instagram", "Snapchat", "TikTok", "WhatsApp")


def drama_number(rng: random.Random) -> str:
    """A mobile number from Ofcom's range for drama: it looks right and reaches nobody."""
    return f"07700 900{rng.randrange(1000):03d}"


def plan_for(rng: random.Random, fake, today: dt.date, force: str):
    """A complete synthetic safety plan: every part a search needs, the route map included."""
    from visible.missing.inputs import SafetyPlanInput

    places = rng.sample(ROUTE_PLACES, 3) + [fake.street_address().replace("\n", ", ")]
    return SafetyPlanInput(
        agreed_on=today - dt.timedelta(days=rng.randrange(7, 200)),
        child_views=rng.choice(VIEWS),
        description=rng.choice(DESCRIPTIONS),
        distinguishing_features=rng.choice(FEATURES),
        medical_needs=rng.choice(MEDICAL),
        phone_numbers="\n".join(
            [f"Own mobile: {drama_number(rng)}", f"Second phone: {drama_number(rng)}"]
        ),
        social_media=f"{rng.choice(SOCIAL)}: @{fake.user_name()}",
        places="\n".join(places),
        associates="\n".join(
            f"{fake.first_name()} {fake.last_name()}, {relation}"
            for relation in rng.sample(("friend from college", "cousin", "friend from home"), 2)
        ),
        contingency="\n".join(
            [
                f"{force}: 101, quote the child's police reference",
                f"Home Office case worker: {drama_number(rng)}",
                "Independent Child Trafficking Guardian on the child's record",
            ]
        ),
    )


def set_up_safety_plans(
    council: Organisation, social_worker: Viewer, force: str, today: dt.date, out: TextIO
) -> int:
    """A safety plan for each child of `council` who has gone missing or whose grab pack is
    shared with the police and has none yet, saved as its social worker would."""
    from faker import Faker

    from visible.missing.actions import save_safety_plan

    fake = Faker("en_GB")
    fake.seed_instance(council.pk)
    rng = random.Random(council.pk)
    children = (
        Child.objects.filter(responsible_organisation=council, safety_plan__isnull=True)
        .filter(Q(episodes__isnull=False) | Q(grab_pack_shares__isnull=False))
        .distinct()
        .order_by("pk")
    )
    made = 0
    for child in children:
        with transaction.atomic():
            save_safety_plan(social_worker, child, plan_for(rng, fake, today, force), None)
        made += 1
    out.write(f"Safety plans with a missing route map: {made} for {council.name}.\n")
    return made


# What the partnership wrote itself, section by section (returns.models.SectionKey).
SECTIONS = {
    "arrangements": "The partnership's missing children panel meets every month: children's "
    "services, the Metropolitan Police, health, education and the Independent Child "
    "Trafficking Guardian service. Every child missing more than once is discussed.",
    "response": "A child who goes missing is reported to the police within an hour, graded "
    "by the duty social worker and offered a return interview within 72 hours. Grab packs "
    "of children at risk of trafficking are shared with the police in advance.",
    "learning": "Return interviews showed that most children went to people they knew from "
    "home, often by train from East Croydon. Safety plans now list the routes and places.",
    "priorities": "Return interviews within 72 hours for every child; a safety plan with a "
    "route map for every child at risk of trafficking; quicker NRM referrals.",
}


def set_up_partnership(
    authority_codes: list[str], manager: Viewer, today: dt.date, out: TextIO
) -> None:
    """The demo's safeguarding partnership, with the sections of this year's report and last
    year's written by the council's senior manager (as the report page would save them)."""
    from visible.returns import actions
    from visible.returns.models import PartnershipSection

    system = Viewer(user_id=None, username="<demo set-up>", organisation=None, role=None)
    area, _ = actions.define_partnership(system, PARTNERSHIP, authority_codes)
    latest = reporting_year(today, area.year_start_month)
    for year in (latest, latest - 1):
        for key, text in SECTIONS.items():
            if not PartnershipSection.objects.filter(partnership=area, year=year, key=key).exists():
                actions.save_section(manager, area, year, key, text, None)
    out.write(f"Partnership: {area.name}, with its annual report's sections written.\n")
