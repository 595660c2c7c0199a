"""Alerts get a severity and an acknowledgement deadline (missing/severity.py, docs/alerts.md);
the alerts already stored get them from their kind, the deadline counted from when each was
raised. People's last look at the live pages, and banners they have put away."""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

# As missing/severity.py had them when this migration was written: a migration must give the
# same result whenever it runs, so it does not read the module (which may change later).
SEVERITY = {
    "high_risk_missing": 1,
    "potential_trafficking_victim": 1,
    "no_police_report": 1,
    "long_missing": 2,
    "turned_18_while_missing": 2,
    "break_glass": 2,
    "police_grade_challenge": 2,  # added with 0006: no alert of this kind existed before it
    "police_grade_kept": 2,  # added after 0006: no alert of this kind existed before it
    "arrival_item_overdue": 2,  # no alert of this kind existed before it: nothing to backfill
    "approaching_18": 3,
    "return_interview_overdue": 3,
    "duty_to_notify": 3,
    "placed_in_your_area": 3,
    "transferred_in": 3,
    "break_glass_by_staff": 3,
    # Kinds added later (transfers, issue 17): none can have been stored before this ran.
    "nts_transfer_at_risk": 3,
    "nts_transfer_overdue": 2,
    "long_term_missing_review": 2,
    "nts_packet_sent": 3,
    "nts_transfer_declined": 3,  # added after 0006: no alert of this kind existed before it
    "nrm_rg_overdue": 4,
    "forbidden_label": 4,
    "nts_transfer_withdrawn": 4,  # added after 0006: no alert of this kind existed before it
}
UNKNOWN = 3
DEADLINE = {
    1: dt.timedelta(minutes=15),
    2: dt.timedelta(hours=1),
    3: dt.timedelta(days=1),
    4: dt.timedelta(days=7),
}


def backfill(apps, schema_editor):
    Alert = apps.get_model("missing", "Alert")
    for level, deadline in DEADLINE.items():
        codes = [code for code, found in SEVERITY.items() if found == level]
        chosen = (
            Alert.objects.filter(code__in=codes)
            if level != UNKNOWN
            else Alert.objects.exclude(code__in=[c for c, f in SEVERITY.items() if f != UNKNOWN])
        )
        chosen.update(severity=level, acknowledge_by=F("raised_at") + deadline)


class Migration(migrations.Migration):
    dependencies = [
        ("missing", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="severity",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Critical"), (2, "High"), (3, "Medium"), (4, "Low")],
                default=UNKNOWN,
                help_text="1 critical, 2 high, 3 medium, 4 low: lower is more urgent",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="alert",
            name="acknowledge_by",
            field=models.DateTimeField(
                null=True,
                help_text="When someone must have acknowledged it: raised_at plus its level's deadline",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.CreateModel(
            name="LastLooked",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("page", models.CharField(max_length=32)),
                ("at", models.DateTimeField()),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "page"), name="last_looked_once_per_page"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AlertDismissal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                (
                    "alert",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dismissals",
                        to="missing.alert",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "alert"), name="alert_dismissed_once")
                ],
            },
        ),
    ]
