from django.db import migrations


def set_areas(apps, schema_editor):
    from visible.agencies.police import set_force_areas

    set_force_areas(
        apps.get_model("agencies", "Organisation"), apps.get_model("reference", "Authority")
    )


class Migration(migrations.Migration):
    """Each police force's area: the children's services authorities in it (police.py)."""

    dependencies = [("agencies", "0004_organisations_people_teams")]
    operations = [migrations.RunPython(set_areas, migrations.RunPython.noop)]
