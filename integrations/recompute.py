"""Near-real-time recompute after API writes.

When API_NEAR_REAL_TIME_RECOMPUTE is on, every API write that touches
accounts schedules one incremental recompute run a short delay later. The
delay gathers the writes of a sync burst into one run, and the pipeline's
incremental run covers exactly the accounts whose data changed since the
last published run, so tiers follow API writes within about a minute.
"""

import logging

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

PENDING_KEY = "api-recompute-pending"
# Seconds between the first write of a burst and the run that covers it.
RECOMPUTE_DELAY_SECONDS = 20
# A run already in progress may have started before the write, so the write
# waits for the next run, requested again after this many seconds.
RETRY_WHILE_RUNNING_SECONDS = 15


def schedule_recompute(*, delay: int = RECOMPUTE_DELAY_SECONDS) -> bool:
    """Queue one API-triggered recompute unless one is already queued; return True when queued."""
    from integrations.tasks import api_recompute_task

    # The key expires five minutes after the delay, so a lost task holds back later runs for at most that long.
    if not caches["api"].add(PENDING_KEY, 1, timeout=delay + 5 * 60):
        return False
    api_recompute_task.apply_async(countdown=delay)
    return True


def on_records_written(sender, account_ids, **kwargs):
    if not settings.API_NEAR_REAL_TIME_RECOMPUTE or not account_ids:
        return
    if schedule_recompute():
        logger.info("Queued a recompute for API writes to %s accounts", len(account_ids))
