"""Celery tasks of the accounts app. Settings route accounts.tasks.import_* to the imports queue."""

import logging

from celery import shared_task

from accounts.importing.services import import_run_execute

logger = logging.getLogger(__name__)


@shared_task(name="accounts.tasks.import_run_task")
def import_run_task(import_run_id):
    """Run a recorded import. A repeat after a lost worker finds rows unchanged, so retrying is safe."""
    run = import_run_execute(import_run_id=import_run_id)
    logger.info("Import %s finished with status %s", run.pk, run.status)
    return {"import_run_id": run.pk, "status": run.status}
