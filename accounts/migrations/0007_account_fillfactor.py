"""Leave free space in the account table's pages on PostgreSQL.

The recompute pipeline rewrites the derived attributes of most accounts
every night, because engagement decays with age. Those columns have no
index, so PostgreSQL can update a row in place (a heap-only tuple update,
with no index writes) when its page has room for the new version. A fill
factor of 85 keeps that room in pages written from now on.
"""

from django.db import migrations

FILLFACTOR = 85


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE accounts_account SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_account RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_arr_snapshots"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
