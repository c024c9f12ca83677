"""Triggers that log every change which can move entry counts or first touches into insights_touchchange.

On PostgreSQL they are statement-level. An INSERT of a million events or
stays adds one row with the range of their ids. Event updates and deletes
add the distinct accounts whose touches they changed, and stay deletes add
the distinct segments and entry instants they removed. SQLite has only
row-level triggers and logs one row per changed row. Table names and touch types are
written out, so they match the tables as migrated.
"""

CHANGES = "insights_touchchange"
EVENTS = "accounts_engagementevent"
MEMBERSHIPS = "segmentation_segmentmembership"
TOUCH_TYPES = "('meeting', 'call', 'email_reply')"

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION insights_touch_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHANGES} (first_event_id, last_event_id, everything)
    SELECT MIN(id), MAX(id), false FROM new_rows WHERE type IN {TOUCH_TYPES} HAVING COUNT(*) > 0;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER insights_touch_events_inserted AFTER INSERT ON {EVENTS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_events_inserted();

CREATE OR REPLACE FUNCTION insights_touch_events_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHANGES} (account_id, everything)
    SELECT DISTINCT changed.account_id, false FROM (
        SELECT o.account_id, o.type FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.account_id, o.type, o.occurred_at) IS DISTINCT FROM (n.account_id, n.type, n.occurred_at)
        UNION ALL
        SELECT n.account_id, n.type FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.account_id, o.type, o.occurred_at) IS DISTINCT FROM (n.account_id, n.type, n.occurred_at)
    ) changed WHERE changed.type IN {TOUCH_TYPES};
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER insights_touch_events_updated AFTER UPDATE ON {EVENTS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_events_updated();

CREATE OR REPLACE FUNCTION insights_touch_events_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHANGES} (account_id, everything)
    SELECT DISTINCT account_id, false FROM old_rows WHERE type IN {TOUCH_TYPES};
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER insights_touch_events_deleted AFTER DELETE ON {EVENTS}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_events_deleted();

CREATE OR REPLACE FUNCTION insights_touch_stays_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHANGES} (first_stay_id, last_stay_id, everything)
    SELECT MIN(id), MAX(id), false FROM new_rows WHERE account_id IS NOT NULL HAVING COUNT(*) > 0;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER insights_touch_stays_inserted AFTER INSERT ON {MEMBERSHIPS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_stays_inserted();

CREATE OR REPLACE FUNCTION insights_touch_stays_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHANGES} (segment_id, entered_at, everything)
    SELECT DISTINCT segment_id, entered_at, false FROM old_rows WHERE account_id IS NOT NULL;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER insights_touch_stays_deleted AFTER DELETE ON {MEMBERSHIPS}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_stays_deleted();
"""

POSTGRESQL_REVERSE = f"""
DROP TRIGGER IF EXISTS insights_touch_events_inserted ON {EVENTS};
DROP TRIGGER IF EXISTS insights_touch_events_updated ON {EVENTS};
DROP TRIGGER IF EXISTS insights_touch_events_deleted ON {EVENTS};
DROP TRIGGER IF EXISTS insights_touch_stays_inserted ON {MEMBERSHIPS};
DROP TRIGGER IF EXISTS insights_touch_stays_deleted ON {MEMBERSHIPS};
DROP FUNCTION IF EXISTS insights_touch_events_inserted();
DROP FUNCTION IF EXISTS insights_touch_events_updated();
DROP FUNCTION IF EXISTS insights_touch_events_deleted();
DROP FUNCTION IF EXISTS insights_touch_stays_inserted();
DROP FUNCTION IF EXISTS insights_touch_stays_deleted();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER IF NOT EXISTS insights_touch_events_inserted AFTER INSERT ON {EVENTS}
        WHEN NEW.type IN {TOUCH_TYPES} BEGIN
        INSERT INTO {CHANGES} (account_id, everything) VALUES (NEW.account_id, 0);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS insights_touch_events_updated AFTER UPDATE OF account_id, type, occurred_at
        ON {EVENTS} WHEN OLD.type IN {TOUCH_TYPES} OR NEW.type IN {TOUCH_TYPES} BEGIN
        INSERT INTO {CHANGES} (account_id, everything) VALUES (OLD.account_id, 0);
        INSERT INTO {CHANGES} (account_id, everything) VALUES (NEW.account_id, 0);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS insights_touch_events_deleted AFTER DELETE ON {EVENTS}
        WHEN OLD.type IN {TOUCH_TYPES} BEGIN
        INSERT INTO {CHANGES} (account_id, everything) VALUES (OLD.account_id, 0);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS insights_touch_stays_inserted AFTER INSERT ON {MEMBERSHIPS}
        WHEN NEW.account_id IS NOT NULL BEGIN
        INSERT INTO {CHANGES} (first_stay_id, last_stay_id, everything) VALUES (NEW.id, NEW.id, 0);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS insights_touch_stays_deleted AFTER DELETE ON {MEMBERSHIPS}
        WHEN OLD.account_id IS NOT NULL BEGIN
        INSERT INTO {CHANGES} (segment_id, entered_at, everything) VALUES (OLD.segment_id, OLD.entered_at, 0);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS insights_touch_events_inserted",
    "DROP TRIGGER IF EXISTS insights_touch_events_updated",
    "DROP TRIGGER IF EXISTS insights_touch_events_deleted",
    "DROP TRIGGER IF EXISTS insights_touch_stays_inserted",
    "DROP TRIGGER IF EXISTS insights_touch_stays_deleted",
]

TRIGGER_NAMES = (
    "insights_touch_events_inserted",
    "insights_touch_events_updated",
    "insights_touch_events_deleted",
    "insights_touch_stays_inserted",
    "insights_touch_stays_deleted",
)


def touch_triggers_present(connection):
    """Return how many of the touch triggers exist."""
    names = ", ".join(f"'{name}'" for name in TRIGGER_NAMES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT COUNT(*) FROM pg_trigger WHERE tgname IN ({names}) AND NOT tgisinternal")
        else:
            cursor.execute(f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})")
        return cursor.fetchone()[0]


def touch_triggers_install(connection):
    """Create the touch triggers that are missing. When any was missing, every first touch is recomputed.

    A table rebuilt by a migration on SQLite loses its triggers, and the
    changes made without them are logged nowhere, so a full recompute is the
    only safe catch-up.
    """
    if touch_triggers_present(connection) == len(TRIGGER_NAMES):
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FORWARD)
        else:
            for statement in SQLITE_FORWARD:
                cursor.execute(statement)
        cursor.execute(f"INSERT INTO {CHANGES} (everything) VALUES (%s)", [True])
    return True


def touch_triggers_remove(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_REVERSE)
        else:
            for statement in SQLITE_REVERSE:
                cursor.execute(statement)


def on_post_migrate(sender, using, **kwargs):
    from django.db import connections

    connection = connections[using]
    if {CHANGES, EVENTS, MEMBERSHIPS} <= set(connection.introspection.table_names()):
        touch_triggers_install(connection)
