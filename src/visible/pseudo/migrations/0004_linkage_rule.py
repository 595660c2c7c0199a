"""Rule 2 of linkage (docs/pseudonymisation.md, ADR 0016): never on date of birth alone. Every
submission stored before this migration was made under rule 1, so it gets 1; new ones get 2."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pseudo", "0003_child_linked"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="linkage_rule",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="submission",
            name="linkage_rule",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="The rule the pseudo ids were made under (LINKAGE_RULE): 1 linked "
                "children without a name on date of birth alone; 2 never does",
            ),
        ),
        migrations.AlterField(
            model_name="pseudochild",
            name="key_basis",
            field=models.CharField(
                choices=[
                    ("home_office", "Home Office reference"),
                    ("nrm", "NRM reference"),
                    ("name_dob", "Folded name and date of birth"),
                    (
                        "authority_903",
                        "The authority's own SSDA903 CHILD id: no name, Home Office or NRM reference",
                    ),
                    (
                        "ambiguous",
                        "The authority's own SSDA903 CHILD id: another child of the authority has the same name and date of birth (or reference)",
                    ),
                    (
                        "authority_record",
                        "The authority's own register record: no name, reference or SSDA903 CHILD id",
                    ),
                ],
                max_length=16,
            ),
        ),
    ]
