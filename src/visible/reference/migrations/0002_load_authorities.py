from django.db import migrations


def load(apps, schema_editor):
    from visible.reference.load import load_authorities

    load_authorities(apps.get_model("reference", "Authority"))


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
