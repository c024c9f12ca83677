"""Keep the touch figures up to date from the touch change log (see insights.models.touches).

The touch figures are the entry counts, the first touch after each entry
and each account's touch days.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear

from accounts.models import Account, EngagementEvent
from segmentation.models import SegmentMembership

from .background import task_request_once
from .combinations import analyze_after_rewrite
from .kpis.definitions import TOUCH_EVENT_TYPES
from .models import AccountTouchYear, SegmentEntryCount, StayTouch, TouchChange, TouchState

logger = logging.getLogger(__name__)

CHANGES = TouchChange._meta.db_table
STAYS = StayTouch._meta.db_table
YEARS = AccountTouchYear._meta.db_table
COUNTS = SegmentEntryCount._meta.db_table
MEMBERSHIPS = SegmentMembership._meta.db_table
EVENTS = EngagementEvent._meta.db_table
TAKEN = "insights_touch_taken"
ACCOUNTS = "insights_touch_accounts"
INSTANTS = "insights_touch_instants"
# Any number that no other advisory lock of the project uses.
UPDATE_LOCK = 7_300_912
FULL_UPDATE_MIN_ACCOUNTS = 10_000


@dataclass
class TouchUpdate:
    changes: int
    accounts: int | None  # None when every stay was recomputed
    stays: int
    seconds: float


def touch_figures_current():
    """Return whether the stored touch figures reflect every committed change, in today's time zone."""
    in_time_zone = TouchState.objects.filter(pk=1, time_zone=settings.TIME_ZONE).exists()
    return in_time_zone and not TouchChange.objects.exists()


def touch_figures_ready():
    """Return whether readers may use the entry counts and first touches now; when they may not, ask for an update."""
    if touch_figures_current():
        return True
    task_request_once("insights.tasks.touch_figures_update_task")
    return False


def touch_figures_update():
    """Recompute the entry counts and first touches that logged changes name, and delete those changes.

    Returns what was done, or None when another update holds the lock.
    """
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [UPDATE_LOCK])
                if not cursor.fetchone()[0]:
                    logger.info("A first-touch update is already running, so this one stopped.")
                    return None
        with connection.cursor() as cursor:
            # The rows read now are the rows deleted at the end; a change that commits meanwhile stays logged.
            cursor.execute(f"CREATE TEMPORARY TABLE {TAKEN} AS SELECT * FROM {CHANGES}")
            cursor.execute(f"SELECT COUNT(*), MAX(CASE WHEN everything THEN 1 ELSE 0 END) FROM {TAKEN}")
            changes, everything = cursor.fetchone()
            # Touch days are calendar days in the configured time zone, so a new time zone changes every one.
            everything = everything or not TouchState.objects.filter(pk=1, time_zone=settings.TIME_ZONE).exists()
            accounts, stays = None, 0
            if changes and not everything:
                cursor.execute(_changed_accounts_sql())
                cursor.execute(f"SELECT COUNT(*) FROM {ACCOUNTS}")
                accounts = cursor.fetchone()[0]
                # For a third of all accounts or more, as after a first recompute, recomputing every row costs
                # less than finding the named ones.
                everything = accounts > max(FULL_UPDATE_MIN_ACCOUNTS, Account.objects.count() / 3)
            if everything:
                accounts = None
                cursor.execute(f"DELETE FROM {STAYS}")
                cursor.execute(_touch_insert_sql(""))
                stays = cursor.rowcount
                # The counts sum the first touches, so they follow the stays.
                cursor.execute(f"DELETE FROM {COUNTS}")
                cursor.execute(_count_insert_sql(""))
                cursor.execute(f"DELETE FROM {YEARS}")
                _insert_touch_years(cursor, None)
                analyze_after_rewrite(cursor, [COUNTS, STAYS, YEARS])
            elif changes:
                stays = _update_named(cursor)
            cursor.execute(f"DROP TABLE IF EXISTS {ACCOUNTS}")
            TouchState.objects.update_or_create(pk=1, defaults={"time_zone": settings.TIME_ZONE})
            cursor.execute(f"DELETE FROM {CHANGES} WHERE id IN (SELECT id FROM {TAKEN})")
            cursor.execute(f"DROP TABLE {TAKEN}")
    update = TouchUpdate(changes=changes, accounts=accounts, stays=stays, seconds=time.perf_counter() - started)
    if changes:
        logger.info(
            "Updated entry counts and first touches from %d logged changes: %s accounts, %d touched stays, in %.1f s.",
            changes, "all" if accounts is None else accounts, stays, update.seconds,
        )
    return update


def _update_named(cursor):
    """Recompute the touch figures of the named accounts, and the entry counts of the named segments and instants.

    The accounts are in the ACCOUNTS table already. The first touches of
    those accounts' stays leave the entry counts they were summed in and join
    them again once recomputed, so only the named instants are counted anew.
    Returns the touched stays written.
    """
    cursor.execute(
        f"CREATE TEMPORARY TABLE {INSTANTS} AS "
        f"SELECT m.segment_id AS segment_id, m.entered_at AS entered_at FROM {TAKEN} t JOIN {MEMBERSHIPS} m "
        f"ON m.id BETWEEN t.first_stay_id AND t.last_stay_id WHERE m.account_id IS NOT NULL "
        f"UNION SELECT t.segment_id, t.entered_at FROM {TAKEN} t WHERE t.segment_id IS NOT NULL"
    )
    named = f"EXISTS (SELECT 1 FROM {INSTANTS} i WHERE i.segment_id = {{0}}.segment_id AND i.entered_at = {{0}}.entered_at)"
    # The first touches of deleted stays go first, so no sum is taken away that was never added.
    cursor.execute(
        f"DELETE FROM {STAYS} WHERE {named.format(STAYS)} "
        f"AND NOT EXISTS (SELECT 1 FROM {MEMBERSHIPS} m WHERE m.id = {STAYS}.membership_id)"
    )

    chosen = f"account_id IN (SELECT account_id FROM {ACCOUNTS})"
    cursor.execute(_touch_sums_apply_sql("-", chosen))
    cursor.execute(f"DELETE FROM {STAYS} WHERE {chosen}")
    cursor.execute(_touch_insert_sql(f"AND m.{chosen}"))
    stays = cursor.rowcount
    cursor.execute(_touch_sums_apply_sql("+", chosen))
    cursor.execute(f"DELETE FROM {YEARS} WHERE {chosen}")
    _insert_touch_years(cursor, f"SELECT account_id FROM {ACCOUNTS}")

    cursor.execute(f"DELETE FROM {COUNTS} WHERE {named.format(COUNTS)}")
    cursor.execute(_count_insert_sql(f"AND {named.format('m')}"))
    cursor.execute(f"DROP TABLE {INSTANTS}")
    return stays


def _touch_microseconds(alias):
    """SQL for the whole microseconds from a stored stay's entry to its first touch."""
    from .kpis.queries import seconds_between

    return f"CAST(ROUND({seconds_between(f'{alias}.first_touch_at', f'{alias}.entered_at')} * 1000000) AS BIGINT)"


def _count_insert_sql(condition):
    """INSERT ... SELECT of the account stays and their first touches per segment and entry instant.

    `condition` limits the memberships m.
    """
    return (
        f"INSERT INTO {COUNTS} (segment_id, entered_at, entries, answered, touch_microseconds) "
        f"SELECT m.segment_id, m.entered_at, COUNT(*), COUNT(t.membership_id), "
        f"COALESCE(SUM({_touch_microseconds('t')}), 0) "
        f"FROM {MEMBERSHIPS} m LEFT JOIN {STAYS} t ON t.membership_id = m.id "
        f"WHERE m.account_id IS NOT NULL {condition} GROUP BY m.segment_id, m.entered_at"
    )


def _touch_sums_apply_sql(sign, condition):
    """UPDATE that adds (sign +) or takes away (sign -) the stored first touches that `condition` selects.

    Both sums are whole numbers, so taking away exactly undoes adding.
    """
    return (
        f"UPDATE {COUNTS} SET answered = {COUNTS}.answered {sign} d.stays, "
        f"touch_microseconds = {COUNTS}.touch_microseconds {sign} d.microseconds "
        f"FROM (SELECT t.segment_id AS segment_id, t.entered_at AS entered_at, COUNT(*) AS stays, "
        f"SUM({_touch_microseconds('t')}) AS microseconds FROM {STAYS} t WHERE t.{condition} "
        f"GROUP BY t.segment_id, t.entered_at) d "
        f"WHERE {COUNTS}.segment_id = d.segment_id AND {COUNTS}.entered_at = d.entered_at"
    )


def _changed_accounts_sql():
    touch_types = ", ".join(f"'{value}'" for value in TOUCH_EVENT_TYPES)
    return (
        f"CREATE TEMPORARY TABLE {ACCOUNTS} AS "
        f"SELECT t.account_id AS account_id FROM {TAKEN} t WHERE t.account_id IS NOT NULL "
        f"UNION SELECT e.account_id FROM {TAKEN} t JOIN {EVENTS} e "
        f"ON e.id BETWEEN t.first_event_id AND t.last_event_id WHERE e.type IN ({touch_types}) "
        f"UNION SELECT m.account_id FROM {TAKEN} t JOIN {MEMBERSHIPS} m "
        f"ON m.id BETWEEN t.first_stay_id AND t.last_stay_id WHERE m.account_id IS NOT NULL"
    )


def _touch_insert_sql(condition):
    """INSERT ... SELECT of the first touch of every stay that has one, limited by `condition` on m."""
    from .kpis.queries import window_end

    touch_types = ", ".join(f"'{value}'" for value in TOUCH_EVENT_TYPES)
    return (
        f"INSERT INTO {STAYS} (membership_id, segment_id, account_id, entered_at, first_touch_at) "
        f"SELECT m.id, m.segment_id, m.account_id, m.entered_at, MIN(e.occurred_at) "
        f"FROM {MEMBERSHIPS} m JOIN {EVENTS} e ON e.account_id = m.account_id "
        f"AND e.occurred_at >= m.entered_at AND e.occurred_at <= {window_end('m.entered_at')} "
        f"WHERE m.account_id IS NOT NULL AND e.type IN ({touch_types}) {condition} "
        f"GROUP BY m.id, m.segment_id, m.account_id, m.entered_at"
    )



def _insert_touch_years(cursor, accounts_sql):
    """Insert the touch days per account and year, for the accounts `accounts_sql` selects, or all when None."""
    events = EngagementEvent.objects.filter(type__in=TOUCH_EVENT_TYPES).order_by()
    if accounts_sql is not None:
        events = events.filter(account_id__in=RawSQL(accounts_sql, []))
    events = events.annotate(
        year=ExtractYear("occurred_at"),
        month=ExtractMonth("occurred_at"),
        day_bit=Value(1).bitleftshift(Cast(ExtractDay("occurred_at"), IntegerField()) - 1),
    )
    days = {}
    for month in range(1, 13):
        days[f"touches_{month:02d}"] = _bits_or(When(month=month, then=F("day_bit")))
        days[f"meetings_{month:02d}"] = _bits_or(When(month=month, type="meeting", then=F("day_bit")))
    sql, params = events.values("account_id", "year").annotate(**days).query.sql_with_params()
    columns = ", ".join(["account_id", "year", *days])
    cursor.execute(f"INSERT INTO {YEARS} ({columns}) SELECT {columns} FROM ({sql}) d", params)


def _bits_or(when):
    """Return the OR of the day bits a When selects, or 0 when it selects none.

    SQLite has no bitwise OR aggregate, but each bit is a distinct power of
    two, so the sum of the distinct values is their OR.
    """
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import BitOr

        combined = BitOr(Case(when, output_field=IntegerField()))
    else:
        from django.db.models import Sum

        combined = Sum(Case(when, output_field=IntegerField()), distinct=True)
    return Coalesce(combined, Value(0), output_field=IntegerField())
