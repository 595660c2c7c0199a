from django.db import migrations


def load(apps, schema_editor):
    from visible.agencies.police import load_police_forces

    load_police_forces(apps.get_model("agencies", "Organisation"))


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
