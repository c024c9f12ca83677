"""Triggers that fill the change feeds' event log from the history tables."""

# Triggers copy every committed tier change, stage change and segment entry
# or exit, and every play entry, exit and SLA breach of the enrollment change
# log, into integrations_feedevent, in the transaction that made it. On
# PostgreSQL (14 or later, for CREATE OR REPLACE TRIGGER) they are
# statement-level, so a run that changes 100,000 tiers adds its events with
# one INSERT ... SELECT, and each event carries the writing transaction's id
# for the feeds' ordering. Table names are written out here, not taken from
# the models, so they match the tables as migrated.
EVENTS = "integrations_feedevent"
TIERS = "segmentation_tierchange"
STAGES = "segmentation_stagechange"
MEMBERSHIPS = "segmentation_segmentmembership"
ENROLLMENT_CHANGES = "plays_enrollmentchange"
TRANSACTION_ID = "pg_current_xact_id()::text::bigint"

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION integrations_feed_tiers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {EVENTS} (feed, kind, source_id, transaction_id, created_at)
    SELECT 'tiers', 'changed', id, {TRANSACTION_ID}, now() FROM new_rows ORDER BY id;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER integrations_feed_tiers AFTER INSERT ON {TIERS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION integrations_feed_tiers();

CREATE OR REPLACE FUNCTION integrations_feed_stages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {EVENTS} (feed, kind, source_id, transaction_id, created_at)
    SELECT 'stages', 'changed', id, {TRANSACTION_ID}, now() FROM new_rows ORDER BY id;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER integrations_feed_stages AFTER INSERT ON {STAGES}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION integrations_feed_stages();

CREATE OR REPLACE FUNCTION integrations_feed_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {EVENTS} (feed, kind, source_id, transaction_id, created_at)
    SELECT 'memberships', 'entered', id, {TRANSACTION_ID}, now() FROM new_rows ORDER BY id;
    INSERT INTO {EVENTS} (feed, kind, source_id, transaction_id, created_at)
    SELECT 'memberships', 'exited', id, {TRANSACTION_ID}, now() FROM new_rows
    WHERE exited_at IS NOT NULL ORDER BY id;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER integrations_feed_entries AFTER INSERT ON {MEMBERSHIPS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION integrations_feed_entries();

CREATE OR REPLACE FUNCTION integrations_feed_exits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {EVENTS} (feed, kind, source_id, transaction_id, created_at)
    SELECT 'memberships', 'exited', n.id, {TRANSACTION_ID}, now()
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.exited_at IS NULL AND n.exited_at IS NOT NULL ORDER BY n.id;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER integrations_feed_exits AFTER UPDATE ON {MEMBERSHIPS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION integrations_feed_exits();
"""

POSTGRESQL_REVERSE = f"""
DROP TRIGGER IF EXISTS integrations_feed_tiers ON {TIERS};
DROP TRIGGER IF EXISTS integrations_feed_stages ON {STAGES};
DROP TRIGGER IF EXISTS integrations_feed_entries ON {MEMBERSHIPS};
DROP TRIGGER IF EXISTS integrations_feed_exits ON {MEMBERSHIPS};
DROP FUNCTION IF EXISTS integrations_feed_tiers();
DROP FUNCTION IF EXISTS integrations_feed_stages();
DROP FUNCTION IF EXISTS integrations_feed_entries();
DROP FUNCTION IF EXISTS integrations_feed_exits();
"""

# SQLite has only row-level triggers; it runs one write transaction at a
# time, so ids alone give the commit order.
SQLITE_FORWARD = [
    f"""CREATE TRIGGER IF NOT EXISTS integrations_feed_tiers AFTER INSERT ON {TIERS} BEGIN
        INSERT INTO {EVENTS} (feed, kind, source_id, created_at) VALUES ('tiers', 'changed', NEW.id, datetime('now'));
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS integrations_feed_stages AFTER INSERT ON {STAGES} BEGIN
        INSERT INTO {EVENTS} (feed, kind, source_id, created_at) VALUES ('stages', 'changed', NEW.id, datetime('now'));
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS integrations_feed_entries AFTER INSERT ON {MEMBERSHIPS} BEGIN
        INSERT INTO {EVENTS} (feed, kind, source_id, created_at) VALUES ('memberships', 'entered', NEW.id, datetime('now'));
        INSERT INTO {EVENTS} (feed, kind, source_id, created_at)
        SELECT 'memberships', 'exited', NEW.id, datetime('now') WHERE NEW.exited_at IS NOT NULL;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS integrations_feed_exits AFTER UPDATE OF exited_at ON {MEMBERSHIPS}
        WHEN OLD.exited_at IS NULL AND NEW.exited_at IS NOT NULL BEGIN
        INSERT INTO {EVENTS} (feed, kind, source_id, created_at) VALUES ('memberships', 'exited', NEW.id, datetime('now'));
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS integrations_feed_tiers",
    "DROP TRIGGER IF EXISTS integrations_feed_stages",
    "DROP TRIGGER IF EXISTS integrations_feed_entries",
    "DROP TRIGGER IF EXISTS integrations_feed_exits",
]


# The enrollment change log fills the plays feed, which only webhook
# publishing reads. The kinds entered and exited keep their names. The kind
# sla_breached becomes breached, because the event kind column stores at most
# 8 characters. Waitlisting and the other SLA changes are not published.
PLAYS_POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION integrations_feed_plays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {EVENTS} (feed, kind, source_id, transaction_id, created_at)
    SELECT 'plays', CASE kind WHEN 'sla_breached' THEN 'breached' ELSE kind END, id, {TRANSACTION_ID}, now()
    FROM new_rows WHERE kind IN ('entered', 'exited', 'sla_breached') ORDER BY id;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER integrations_feed_plays AFTER INSERT ON {ENROLLMENT_CHANGES}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION integrations_feed_plays();
"""
PLAYS_POSTGRESQL_REVERSE = f"""
DROP TRIGGER IF EXISTS integrations_feed_plays ON {ENROLLMENT_CHANGES};
DROP FUNCTION IF EXISTS integrations_feed_plays();
"""
PLAYS_SQLITE_FORWARD = [
    f"""CREATE TRIGGER IF NOT EXISTS integrations_feed_plays AFTER INSERT ON {ENROLLMENT_CHANGES}
        WHEN NEW.kind IN ('entered', 'exited', 'sla_breached') BEGIN
        INSERT INTO {EVENTS} (feed, kind, source_id, created_at)
        VALUES ('plays', CASE NEW.kind WHEN 'sla_breached' THEN 'breached' ELSE NEW.kind END, NEW.id, datetime('now'));
    END""",
]
PLAYS_SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS integrations_feed_plays"]


MEMBERSHIP_PAGE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS integrations_membership_page_idx ON {MEMBERSHIPS} (segment_id, id) "
    "WHERE exited_at IS NULL"
)


def run_statements(connection, postgresql, sqlite):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(postgresql)
        else:
            for statement in sqlite:
                cursor.execute(statement)


def feed_triggers_install(connection):
    """Create the feed triggers and the member page index where they are missing; safe to run again.

    Migrations of the segmentation app that rebuild a history table on
    SQLite drop the triggers and indexes on it, so this runs after every
    migrate as well as in this app's migrations.
    """
    run_statements(connection, POSTGRESQL_FORWARD, SQLITE_FORWARD)
    with connection.cursor() as cursor:
        cursor.execute(MEMBERSHIP_PAGE_INDEX)


def feed_triggers_remove(connection):
    run_statements(connection, POSTGRESQL_REVERSE, SQLITE_REVERSE)


def play_feed_triggers_install(connection):
    """Create the trigger of the plays feed where it is missing. Running it again changes nothing."""
    run_statements(connection, PLAYS_POSTGRESQL_FORWARD, PLAYS_SQLITE_FORWARD)


def play_feed_triggers_remove(connection):
    run_statements(connection, PLAYS_POSTGRESQL_REVERSE, PLAYS_SQLITE_REVERSE)


def on_post_migrate(sender, using, **kwargs):
    from django.db import connections

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if {EVENTS, TIERS, STAGES, MEMBERSHIPS} <= tables:
        feed_triggers_install(connection)
    if {EVENTS, ENROLLMENT_CHANGES} <= tables:
        play_feed_triggers_install(connection)
