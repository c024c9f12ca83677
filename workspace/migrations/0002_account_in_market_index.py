"""A partial index for in-market accounts in list order.

"Tier 1 and 2, in market" is the list a rep works first. In-market accounts
are a small share of all accounts, so without this index PostgreSQL reads
every Tier 1 and 2 account of the rep to find them.
"""

from django.db import migrations

NAME = "workspace_account_in_market_idx"
COLUMNS = "owner_id, (COALESCE(icp_tier, 4)), (COALESCE(icp_score, -1)) DESC, id"


def create_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {NAME} ON accounts_account ({COLUMNS}) WHERE in_market"
    )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("workspace", "0001_account_list_indexes"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
