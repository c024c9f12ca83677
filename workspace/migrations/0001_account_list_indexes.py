"""Indexes in the order of the account lists: tier rank, then score rank, then id.

The lists sort accounts without a tier after Tier 3 and accounts without a
score after scored ones, so the indexes hold the same COALESCE expressions
as the ORDER BY of workspace.selectors.account_lists. PostgreSQL then reads
a page straight from the index instead of sorting every account a rep owns.
"""

from django.db import migrations

INDEXES = {
    "workspace_account_owner_list_idx": "owner_id, (COALESCE(icp_tier, 4)), (COALESCE(icp_score, -1)) DESC, id",
    "workspace_account_list_idx": "(COALESCE(icp_tier, 4)), (COALESCE(icp_score, -1)) DESC, id",
}


def create_indexes(apps, schema_editor):
    # CONCURRENTLY keeps the accounts table writable while a large index builds.
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON accounts_account ({columns})")


def drop_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
