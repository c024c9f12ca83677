"""Ask a worker for background work on behalf of a page, without letting a failure reach the page."""

import logging
from functools import partial

from django.core.cache import caches
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# A page that finds precomputed figures stale requests an update at most this often.
REQUEST_SECONDS = 600


def task_request_once(task_path):
    """Start the task at `task_path` after the current transaction commits, at most once every REQUEST_SECONDS.

    A key in the insights cache enforces the interval. The caller has computed
    its figures without the task's result already, so an unreachable cache or
    broker is logged and nothing more.
    """
    try:
        first = caches["insights"].add(f"insights:requested:{task_path}", True, REQUEST_SECONDS)
    except Exception:
        logger.exception("Could not record a request for %s; the next recompute runs it.", task_path)
        return
    if first:
        transaction.on_commit(partial(_send, task_path))


def _send(task_path):
    try:
        import_string(task_path).delay()
    except Exception:
        logger.exception("Could not start %s; the next recompute runs it.", task_path)
