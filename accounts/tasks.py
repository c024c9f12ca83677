"""Celery tasks of the accounts app. Settings route accounts.tasks.import_* to the imports queue."""

import logging

from celery import shared_task

from django.conf import settings
from django.db import OperationalError

from accounts.importing.services import import_run_execute
from accounts.maintenance import account_table_compact

logger = logging.getLogger(__name__)


@shared_task(name="accounts.tasks.import_run_task")
def import_run_task(import_run_id):
    """Run a recorded import. A repeat after a lost worker finds rows unchanged, so retrying is safe."""
    run = import_run_execute(import_run_id=import_run_id)
    logger.info("Import %s finished with status %s", run.pk, run.status)
    return {"import_run_id": run.pk, "status": run.status}


@shared_task(name="accounts.tasks.account_table_compact_task")
def account_table_compact_task():
    """Compact the account table when it takes ACCOUNTS_COMPACT_RATIO times the space its rows need."""
    try:
        result = account_table_compact(min_ratio=settings.ACCOUNTS_COMPACT_RATIO)
    except OperationalError as error:
        # Another session held the table past the lock timeout, so the next full run checks again.
        logger.warning("Did not compact the account table, and the next full run checks again: %s", error)
        return None
    if result is None:
        return None
    return {"size_before": result.size_before, "size_needed": result.size_needed, "size_after": result.size_after}
