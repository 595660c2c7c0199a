from django.db import migrations


def reload(apps, schema_editor):
    from visible.reference.load import load_authorities

    load_authorities(apps.get_model("reference", "Authority"))


class Migration(migrations.Migration):
    """Re-load the authorities so shire counties get their districts' region and centre."""

    dependencies = [("reference", "0002_load_authorities")]
    operations = [migrations.RunPython(reload, migrations.RunPython.noop)]
