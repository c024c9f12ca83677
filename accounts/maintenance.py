"""Rewriting the account table compactly on PostgreSQL after runs that left it mostly empty space.

A recompute run publishes in one transaction, and a run that changes most
accounts (the first one, or the first after a new ICP model) updates each
row several times in it: derived attributes, stage, tier, journey stage.
PostgreSQL keeps every version until the transaction ends, so the table
grows to several times the space its rows need. VACUUM makes that space
reusable but does not return it, and every full scan, such as a rule's
count, still reads it. VACUUM FULL writes the rows and indexes anew.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from .models import Account
from .pipeline import PipelineStep

logger = logging.getLogger(__name__)

TABLE = Account._meta.db_table
# Bytes of the line pointer that each row takes in its page, beyond the tuple itself.
LINE_POINTER_BYTES = 4
# How long VACUUM FULL waits for other sessions to release the table before giving up.
LOCK_TIMEOUT = "10s"
# Smaller tables are left as they are, because a scan of them costs little either way.
MIN_COMPACT_BYTES = 64 * 2**20
# Compaction waits while open transactions keep more old row versions than this share of the live rows.
MAX_KEPT_DEAD_SHARE = 0.05


@dataclass(frozen=True)
class Compaction:
    """The outcome of a check of the account table, with sizes in bytes."""

    size_before: int
    size_needed: int
    size_after: int | None = None
    seconds: float = 0.0
    # Old row versions that VACUUM had to keep because an open transaction may still read them.
    dead_rows_kept: int = 0

    @property
    def ratio(self):
        """Return the size before, as a multiple of the space the rows need."""
        return self.size_before / self.size_needed if self.size_needed else 0.0

    @property
    def compacted(self):
        return self.size_after is not None


def account_table_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [TABLE])
        return cursor.fetchone()[0]


def account_table_sizes():
    """Return (table size, size its live rows need at the table's fill factor), in bytes."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), coalesce(sum(pg_column_size(a.*)), 0) FROM {TABLE} a")
        rows, row_bytes = cursor.fetchone()
        cursor.execute(
            "SELECT option_value::int FROM pg_options_to_table((SELECT reloptions FROM pg_class "
            "WHERE oid = %s::regclass)) WHERE option_name = 'fillfactor'",
            [TABLE],
        )
        found = cursor.fetchone()
    fillfactor = found[0] if found else 100
    needed = int((row_bytes + rows * LINE_POINTER_BYTES) * 100 / fillfactor)
    return account_table_size(), needed


def account_table_compact(*, min_ratio: float, min_bytes: int = MIN_COMPACT_BYTES) -> Compaction | None:
    """Rewrite the account table with VACUUM FULL when it takes min_ratio times the space its rows need.

    A table smaller than min_bytes is left as it is without reading it. A
    plain VACUUM runs first, and when open transactions still keep more
    old row versions than MAX_KEPT_DEAD_SHARE of the live rows, the table
    is left as it is too.

    VACUUM FULL blocks reads and writes of accounts while it runs (about
    12 s for 1M accounts on a 2-core machine), and gives up when other
    sessions hold the table for longer than LOCK_TIMEOUT. Returns None on
    databases other than PostgreSQL, where it does nothing.
    """
    if connection.vendor != "postgresql":
        return None
    size = account_table_size()
    if size < min_bytes:
        logger.info(
            "The account table takes %s MB, under the %s MB that compaction starts at.",
            size // 2**20, min_bytes // 2**20,
        )
        return Compaction(size_before=size, size_needed=0)
    size, needed = account_table_sizes()
    checked = Compaction(size_before=size, size_needed=needed)
    if not needed or size < min_ratio * needed:
        logger.info(
            "The account table takes %.1f times the space its rows need (%s MB), "
            "below the %.1f that starts compaction.",
            checked.ratio, size // 2**20, min_ratio,
        )
        return checked
    started = time.monotonic()
    live_rows, dead_rows = _vacuum()
    if dead_rows > MAX_KEPT_DEAD_SHARE * live_rows:
        # VACUUM FULL would have to copy those versions too, into pages half empty at the fill factor.
        logger.warning(
            "Did not compact the account table: %s old row versions are kept for a transaction that began before "
            "they were replaced. The next full run checks again.",
            dead_rows,
        )
        return Compaction(size_before=size, size_needed=needed, dead_rows_kept=dead_rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [LOCK_TIMEOUT])
        try:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {TABLE}")
        finally:
            cursor.execute("RESET lock_timeout")
    seconds = time.monotonic() - started
    done = Compaction(size_before=size, size_needed=needed, size_after=account_table_size(), seconds=seconds)
    logger.info(
        "Compacted the account table from %s MB to %s MB in %.1f s (it took %.1f times the space its rows need).",
        size // 2**20, done.size_after // 2**20, done.seconds, done.ratio,
    )
    return done


def _vacuum():
    """VACUUM the account table and return (live rows, dead row versions it had to keep)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {TABLE}")
        cursor.execute("SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relid = %s::regclass", [TABLE])
        return cursor.fetchone()


def compaction_schedule(context):
    """Schedule a worker to check the account table, and compact it if needed, once a full run commits."""
    if context.full and settings.ACCOUNTS_COMPACT_RATIO > 0:
        transaction.on_commit(_compaction_send)
    return {}


def _compaction_send():
    from .tasks import account_table_compact_task

    account_table_compact_task.delay()


# Last in the pipeline: VACUUM cannot run in the publishing transaction, so this step only schedules it.
ACCOUNT_COMPACTION_STEP = PipelineStep(name="account_compaction", publish=compaction_schedule)
