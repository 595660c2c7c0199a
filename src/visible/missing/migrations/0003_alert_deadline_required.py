"""Every alert now has its acknowledgement deadline (0002 filled them): make it required, and
index the inbox's order (organisation, open, severity, deadline). A migration of its own, so
that PostgreSQL alters the table in a transaction without 0002's row updates pending."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("missing", "0002_alert_severity_and_deadline")]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="acknowledge_by",
            field=models.DateTimeField(
                help_text="When someone must have acknowledged it: raised_at plus its level's deadline"
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                fields=["organisation", "resolved_at", "severity", "acknowledge_by"],
                name="alert_triage_idx",
            ),
        ),
    ]
