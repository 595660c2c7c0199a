"""The UK's police forces: the 43 territorial forces of England and Wales, Police Scotland,
the Police Service of Northern Ireland and the British Transport Police. Each is an
organisation of kind `police`, so its officers can be members and reports can name it.

Each territorial force has its **area**: the children's services authorities in it
(``Organisation.areas``). For England and Wales the membership is data,
``data/police_force_areas.csv`` (force, GSS code, authority), from the ONS lookup cited in
docs/sources.md; it lists the current upper-tier and unitary authorities and the ended ones
(Cumbria, North Yorkshire County...), whose old placements still name them. Police Scotland's
area is every Scottish council and the PSNI's the five Health and Social Care Trusts (one
force each); the British Transport Police polices the railways and has no area.
"""

import csv
from pathlib import Path

POLICE_FORCES = [
    ("Avon and Somerset Constabulary", "England"),
    ("Bedfordshire Police", "England"),
    ("Cambridgeshire Constabulary", "England"),
    ("Cheshire Constabulary", "England"),
    ("City of London Police", "England"),
    ("Cleveland Police", "England"),
    ("Cumbria Constabulary", "England"),
    ("Derbyshire Constabulary", "England"),
    ("Devon and Cornwall Police", "England"),
    ("Dorset Police", "England"),
    ("Durham Constabulary", "England"),
    ("Essex Police", "England"),
    ("Gloucestershire Constabulary", "England"),
    ("Greater Manchester Police", "England"),
    ("Hampshire and Isle of Wight Constabulary", "England"),
    ("Hertfordshire Constabulary", "England"),
    ("Humberside Police", "England"),
    ("Kent Police", "England"),
    ("Lancashire Constabulary", "England"),
    ("Leicestershire Police", "England"),
    ("Lincolnshire Police", "England"),
    ("Merseyside Police", "England"),
    ("Metropolitan Police Service", "England"),
    ("Norfolk Constabulary", "England"),
    ("North Yorkshire Police", "England"),
    ("Northamptonshire Police", "England"),
    ("Northumbria Police", "England"),
    ("Nottinghamshire Police", "England"),
    ("South Yorkshire Police", "England"),
    ("Staffordshire Police", "England"),
    ("Suffolk Constabulary", "England"),
    ("Surrey Police", "England"),
    ("Sussex Police", "England"),
    ("Thames Valley Police", "England"),
    ("Warwickshire Police", "England"),
    ("West Mercia Police", "England"),
    ("West Midlands Police", "England"),
    ("West Yorkshire Police", "England"),
    ("Wiltshire Police", "England"),
    ("Dyfed-Powys Police", "Wales"),
    ("Gwent Police", "Wales"),
    ("North Wales Police", "Wales"),
    ("South Wales Police", "Wales"),
    ("Police Scotland", "Scotland"),
    ("Police Service of Northern Ireland", "Northern Ireland"),
    ("British Transport Police", "Great Britain"),
]


def load_police_forces(organisation_model=None) -> int:
    if organisation_model is None:
        from .models import Organisation as organisation_model
    created = 0
    for name, _nation in POLICE_FORCES:
        _, made = organisation_model.objects.get_or_create(name=name, defaults={"kind": "police"})
        created += made
    return created


FORCE_AREAS_CSV = Path(__file__).parent / "data" / "police_force_areas.csv"
# The forces whose area is a whole nation's children's services authorities.
NATIONAL_FORCES = {
    "Police Scotland": "Scotland",
    "Police Service of Northern Ireland": "Northern Ireland",
}
NO_AREA = {"British Transport Police"}


def force_area_rows() -> list[dict[str, str]]:
    """The rows of data/police_force_areas.csv: force, gss_code, authority."""
    with FORCE_AREAS_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def force_area_codes(authority_model=None) -> dict[str, list[str]]:
    """Each force's name with the GSS codes of the authorities in its area (BTP: none)."""
    if authority_model is None:
        from visible.reference.models import Authority as authority_model
    areas: dict[str, list[str]] = {name: [] for name, _nation in POLICE_FORCES}
    for row in force_area_rows():
        areas[row["force"]].append(row["gss_code"])
    for force, nation in NATIONAL_FORCES.items():
        areas[force] = list(
            authority_model.objects.filter(nation=nation, runs_childrens_services=True)
            .order_by("code")
            .values_list("code", flat=True)
        )
    return areas


def set_force_areas(organisation_model=None, authority_model=None) -> int:
    """Give every police force on Visible its area from the data (idempotent). Returns how many
    forces' areas changed. A force not on Visible, or an authority not in the reference data,
    is skipped (the reference data's own load runs first)."""
    if organisation_model is None:
        from .models import Organisation as organisation_model
    if authority_model is None:
        from visible.reference.models import Authority as authority_model
    ids = dict(authority_model.objects.values_list("code", "pk"))
    changed = 0
    for force, codes in force_area_codes(authority_model).items():
        organisation = organisation_model.objects.filter(name=force, kind="police").first()
        if organisation is None:
            continue
        wanted = {ids[code] for code in codes if code in ids}
        held = set(organisation.areas.values_list("pk", flat=True))
        if wanted != held:
            organisation.areas.set(wanted)
            changed += 1
    return changed
