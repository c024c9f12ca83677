"""Celery tasks of the recompute pipeline; each one calls a service.

They run on the pipeline queue (CELERY_TASK_ROUTES sends every
*.tasks.pipeline_* task there). All of them are idempotent, so late
acknowledgement lets another worker run a task whose worker died. Only
errors that a retry can cure (a dropped database connection, a deadlock, a
serialization failure) are retried, with capped exponential backoff.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .models import RecomputeChunk, RunTrigger
from .services.pipeline import (
    RecomputeInProgress,
    recompute_chunk_process,
    recompute_fail,
    recompute_publish,
    recompute_report_health,
    recompute_request,
    recompute_sweep,
)

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 4,
}
# Seconds. A chunk of RECOMPUTE_CHUNK_SIZE accounts takes seconds on
# PostgreSQL; publishing 1M accounts with 20 segments takes about a minute.
CHUNK_TIME_LIMIT = settings.CELERY_TASK_TIME_LIMIT
PUBLISH_TIME_LIMIT = settings.CELERY_TASK_TIME_LIMIT
SHORT_TIME_LIMIT = 120


def _fail_run_after_last_try(task, run_id, error):
    """Fail the run unless Celery will retry the task."""
    retrying = isinstance(error, TRANSIENT_ERRORS) and task.request.retries < task.max_retries
    if not retrying:
        recompute_fail(run_id=run_id, error=error)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=CHUNK_TIME_LIMIT - 60,
    time_limit=CHUNK_TIME_LIMIT,
    **RETRY_OPTIONS,
)
def pipeline_chunk_task(self, chunk_id):
    """Stage one chunk of a run, and start publishing when it was the last one."""
    try:
        last = recompute_chunk_process(chunk_id=chunk_id)
    except Exception as error:
        run_id = RecomputeChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
        if run_id is not None:
            _fail_run_after_last_try(self, run_id, error)
        raise
    if last:
        run_id = RecomputeChunk.objects.values_list("run_id", flat=True).get(pk=chunk_id)
        pipeline_publish_task.delay(run_id)


# No retries: a failed publish fails its run, which is never published twice.
# The previous results stay in place and the next run finishes the work.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=PUBLISH_TIME_LIMIT - 60,
    time_limit=PUBLISH_TIME_LIMIT,
)
def pipeline_publish_task(run_id):
    """Publish a run whose chunks are all done."""
    run = recompute_publish(run_id=run_id)
    return run.pk if run else None


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=SHORT_TIME_LIMIT - 10, time_limit=SHORT_TIME_LIMIT)
def pipeline_nightly_task():
    """Start the nightly full run; Celery beat sends this at NIGHTLY_RECOMPUTE_HOUR:MINUTE."""
    try:
        run = recompute_request(trigger=RunTrigger.NIGHTLY, full=True)
    except RecomputeInProgress as busy:
        logger.error("The nightly recompute did not start: %s", busy)
        return None
    return run.pk


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=SHORT_TIME_LIMIT - 10, time_limit=SHORT_TIME_LIMIT)
def pipeline_sweep_task():
    """Fail stuck runs, restart lost ones and log a missed or failed nightly run."""
    actions = recompute_sweep()
    recompute_report_health()
    return actions
