"""The database cache's table (settings CACHE_TABLE), made by migrate like every other table, so
the embedded default (no Redis) has its shared cache wherever the database has been migrated:
the demo, the tests, production. Made whatever CACHES says today, so switching from Redis to
the database cache later needs no extra step."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "visible_cache"


def create(apps, schema_editor):
    # Django's own definition of the table (the one `createcachetable` makes); nothing if it
    # is there already (a database where that command was run by hand).
    command = CreateCacheTable(no_color=True)
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create, drop)]
