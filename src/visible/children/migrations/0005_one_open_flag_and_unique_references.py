"""The database holds two rules the actions already applied, so that two writes racing past the
actions' checks cannot break them: one open flag of a kind per child (0004 settled any
duplicates), and a Home Office or NRM reference used for only one child in an organisation (as
the council case ID and the SSDA903 CHILD identifier already were).

Duplicate references are not settled here: two children with one reference may be one child
recorded twice or two children with a mistyped reference, and only a person can tell. If any
exist, the migration stops before changing anything and lists them; correct or clear the
reference on the wrong record (the child's "Change details" page), then migrate again.
"""

from django.db import migrations, models
from django.db.models import Count


class DuplicateReferences(Exception):
    pass


def refuse_duplicate_references(apps, schema_editor):
    Child = apps.get_model("children", "Child")
    found = []
    for field, label in (
        ("home_office_ref", "Home Office reference"),
        ("nrm_ref", "NRM reference"),
    ):
        clashes = (
            Child.objects.exclude(**{field: ""})
            .values("responsible_organisation_id", field)
            .annotate(children=Count("id"))
            .filter(children__gt=1)
        )
        for clash in clashes:
            ids = sorted(
                Child.objects.filter(
                    responsible_organisation_id=clash["responsible_organisation_id"],
                    **{field: clash[field]},
                ).values_list("pk", flat=True)
            )
            found.append(
                f"  organisation {clash['responsible_organisation_id']}: {label} {clash[field]!r} "
                f"on children {', '.join(map(str, ids))}"
            )
    if found:
        raise DuplicateReferences(
            "children.0005 cannot make these references unique: more than one child in an organisation has the "
            "same one. Open each child's record, correct or clear the reference on the wrong one ('Change "
            "details'), then run the migration again. Nothing has been changed.\n"
            + "\n".join(found)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0004_end_duplicate_open_flags"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicate_references, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="child",
            constraint=models.UniqueConstraint(
                condition=models.Q(("home_office_ref", ""), _negated=True),
                fields=("responsible_organisation", "home_office_ref"),
                name="unique_home_office_ref_per_organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="child",
            constraint=models.UniqueConstraint(
                condition=models.Q(("nrm_ref", ""), _negated=True),
                fields=("responsible_organisation", "nrm_ref"),
                name="unique_nrm_ref_per_organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("end_date__isnull", True)),
                fields=("child", "kind"),
                name="one_open_flag_per_kind_per_child",
            ),
        ),
    ]
