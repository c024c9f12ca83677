from django.db import migrations

# The members endpoint pages a segment's current members by id. Without
# this index PostgreSQL sorts every current member of the segment for each
# page; with it a page at any depth reads only its own rows. Both PostgreSQL
# and SQLite support partial indexes with this syntax.
TABLE = "segmentation_segmentmembership"
INDEX = "integrations_membership_page_idx"


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0004_feed_cursors"),
        ("segmentation", "0002_recompute_pipeline"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (segment_id, id) WHERE exited_at IS NULL",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
