"""Episodes whose source gave days, not times (the SSDA903 return): their length is counted
in days (issue 15). Those already imported are marked from the name the import records them
under."""

from django.db import migrations, models

SSDA903_IMPORT = "SSDA903 import"  # ssda903.writing.IMPORTER, as it was when this was written


def mark_imported(apps, schema_editor):
    Episode = apps.get_model("missing", "Episode")
    Episode.objects.filter(reported_by_name=SSDA903_IMPORT).update(day_only=True)


class Migration(migrations.Migration):
    dependencies = [("missing", "0003_alert_deadline_required")]

    operations = [
        migrations.AddField(
            model_name="episode",
            name="day_only",
            field=models.BooleanField(
                default=False,
                help_text="Its source gave days, not times (an SSDA903 return): the times shown "
                "are noon, and its length is counted in days (docs/ssda903.md)",
                verbose_name="days, not times",
            ),
        ),
        migrations.RunPython(mark_imported, migrations.RunPython.noop),
    ]
