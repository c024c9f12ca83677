"""Build and read the segment combinations (see insights.models.combinations).

The build brings the three tables up to date in one transaction, from one
statement that reads the current memberships, and records a fingerprint of
the memberships taken just before. It writes only what changed, because a
nightly recompute moves a few thousand accounts between combinations, and
rewriting a million account rows for them took most of the build's time.
Readers compare the fingerprint with the current one and fall back to the
memberships when they differ, so a stale build never feeds a figure. Memberships change through segment recomputes, and every
recompute stamps its segment's last_recomputed_at and member_count; new stays
raise the largest membership id. The fingerprint is made of those values.
"""

import hashlib
import logging
import time

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from segmentation.models import ObjectType, Segment, SegmentMembership

from .background import task_request_once
from .models import AccountCombination, CombinationBuild, SegmentCombination, SegmentCombinationMember

logger = logging.getLogger(__name__)

MEMBERSHIPS = SegmentMembership._meta.db_table
COMBINATIONS = SegmentCombination._meta.db_table
MEMBERS = SegmentCombinationMember._meta.db_table
ACCOUNTS = AccountCombination._meta.db_table
KEYS = "insights_combination_keys"
# Any number that no other advisory lock of the project uses.
BUILD_LOCK = 7_300_911


def membership_version():
    """Return the SHA-256 of what identifies the current account memberships."""
    segments = Segment.objects.filter(object_type=ObjectType.ACCOUNTS).order_by("pk")
    stamps = [f"{pk}:{recomputed}:{members}" for pk, recomputed, members in segments.values_list(
        "pk", "last_recomputed_at", "member_count"
    )]
    last_stay = SegmentMembership.objects.aggregate(value=Max("id"))["value"]
    return hashlib.sha256(f"{last_stay}|{','.join(stamps)}".encode()).hexdigest()


def combinations_fresh():
    """Return whether the combination tables hold today's memberships."""
    build = CombinationBuild.objects.filter(pk=1).only("membership_version").first()
    return build is not None and build.membership_version == membership_version()


def combinations_ready():
    """Return whether readers may use the combinations now; when they may not, ask for a new build."""
    if combinations_fresh():
        return True
    task_request_once("insights.tasks.segment_combinations_build_task")
    return False


def combinations_rebuild():
    """Rebuild the combination tables from the current memberships; return the build, or None when one is running."""
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [BUILD_LOCK])
                if not cursor.fetchone()[0]:
                    logger.info("A segment combination build is already running, so this one stopped.")
                    return None
        # Read before the memberships: a change committed in between makes the build newer than its
        # fingerprint, so it is rebuilt once more, never used while older than the memberships.
        version = membership_version()
        with connection.cursor() as cursor:
            for sql in _build_statements():
                cursor.execute(sql)
            analyze_after_rewrite(cursor, [ACCOUNTS, MEMBERS, COMBINATIONS])
            cursor.execute(f"SELECT COUNT(*) FROM {ACCOUNTS}")
            accounts = cursor.fetchone()[0]
        combinations = SegmentCombination.objects.count()
        build, _ = CombinationBuild.objects.update_or_create(
            pk=1,
            defaults={
                "membership_version": version,
                "built_at": timezone.now(),
                "seconds": time.perf_counter() - started,
                "accounts": accounts,
                "combinations": combinations,
            },
        )
    logger.info(
        "Built %d segment combinations of %d accounts in %.1f s.", combinations, accounts, build.seconds
    )
    return build


def analyze_after_rewrite(cursor, tables):
    """Refresh the planner's statistics of tables that were just rewritten, on PostgreSQL.

    Autovacuum does it later. Until then the planner reads the old statistics
    and can pick a plan made for a table of another size.
    """
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _build_statements():
    """Return the statements of a build.

    Each account's key is the sorted list of its current segment ids, and
    a combination is stored once per key. Accounts whose key changed move
    to the combination of their new key, combinations no account has any
    more are deleted, and only new combinations get members. The members
    come from the keys, which one statement reads, so they agree with the
    accounts' keys even when memberships change during the build.
    """
    if connection.vendor == "postgresql":
        keys = (
            f"CREATE TEMPORARY TABLE {KEYS} AS "
            f"SELECT account_id, string_agg(CAST(segment_id AS TEXT), ',' ORDER BY segment_id) AS key "
            f"FROM {MEMBERSHIPS} WHERE exited_at IS NULL AND account_id IS NOT NULL GROUP BY account_id"
        )
        members = (
            f"INSERT INTO {MEMBERS} (combination_id, segment_id) "
            f"SELECT c.id, CAST(unnest(string_to_array(c.key, ',')) AS BIGINT) FROM {COMBINATIONS} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {MEMBERS} m WHERE m.combination_id = c.id)"
        )
    else:
        # SQLite before 3.44 has no ORDER BY inside an aggregate; it concatenates in the order of the sorted
        # subquery. Were two accounts with the same segments ever concatenated in another order, they would
        # get two combinations with the same members, which changes no sum. A transaction on SQLite reads
        # one snapshot, so one account of each new combination names its segments.
        keys = (
            f"CREATE TEMPORARY TABLE {KEYS} AS SELECT account_id, group_concat(segment_id, ',') AS key "
            f"FROM (SELECT account_id, segment_id FROM {MEMBERSHIPS} WHERE exited_at IS NULL "
            f"AND account_id IS NOT NULL ORDER BY account_id, segment_id) GROUP BY account_id"
        )
        members = (
            f"INSERT INTO {MEMBERS} (combination_id, segment_id) SELECT r.combination_id, m.segment_id "
            f"FROM (SELECT a.combination_id AS combination_id, MIN(a.account_id) AS account_id FROM {ACCOUNTS} a "
            f"WHERE NOT EXISTS (SELECT 1 FROM {MEMBERS} x WHERE x.combination_id = a.combination_id) "
            f"GROUP BY a.combination_id) r "
            f"JOIN {MEMBERSHIPS} m ON m.account_id = r.account_id AND m.exited_at IS NULL"
        )
    return [
        keys,
        f"INSERT INTO {COMBINATIONS} (key, account_count) SELECT k.key, 0 FROM {KEYS} k "
        f"WHERE NOT EXISTS (SELECT 1 FROM {COMBINATIONS} c WHERE c.key = k.key) GROUP BY k.key",
        f"UPDATE {ACCOUNTS} SET combination_id = n.combination_id "
        f"FROM (SELECT k.account_id AS account_id, c.id AS combination_id FROM {KEYS} k "
        f"JOIN {COMBINATIONS} c ON c.key = k.key) n "
        f"WHERE {ACCOUNTS}.account_id = n.account_id AND {ACCOUNTS}.combination_id <> n.combination_id",
        f"DELETE FROM {ACCOUNTS} WHERE NOT EXISTS (SELECT 1 FROM {KEYS} k WHERE k.account_id = {ACCOUNTS}.account_id)",
        f"INSERT INTO {ACCOUNTS} (account_id, combination_id) "
        f"SELECT k.account_id, c.id FROM {KEYS} k JOIN {COMBINATIONS} c ON c.key = k.key "
        f"WHERE NOT EXISTS (SELECT 1 FROM {ACCOUNTS} a WHERE a.account_id = k.account_id)",
        f"DELETE FROM {COMBINATIONS} WHERE NOT EXISTS (SELECT 1 FROM {KEYS} k WHERE k.key = {COMBINATIONS}.key)",
        f"DELETE FROM {MEMBERS} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {COMBINATIONS} c WHERE c.id = {MEMBERS}.combination_id)",
        f"UPDATE {COMBINATIONS} SET account_count = n.accounts "
        f"FROM (SELECT k.key AS key, COUNT(*) AS accounts FROM {KEYS} k GROUP BY k.key) n "
        f"WHERE {COMBINATIONS}.key = n.key AND {COMBINATIONS}.account_count <> n.accounts",
        members,
        f"DROP TABLE {KEYS}",
    ]
