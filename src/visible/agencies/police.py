"""The UK's police forces: the 43 territorial forces of England and Wales, Police Scotland,
the Police Service of Northern Ireland and the British Transport Police. Each is an
organisation of kind `police`, so its officers can be members and reports can name it."""

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
