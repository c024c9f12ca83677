"""The recompute pipeline step this app owns: the daily KPI snapshot.

It runs last, in the publishing transaction, so the snapshot reads the tiers,
memberships and enrollments the same run publishes.
"""

from django.db import transaction

from accounts.pipeline import PipelineStep

from .services import kpi_snapshot_record


def kpi_snapshot_publish(context):
    rows = kpi_snapshot_record(now=context.now, run_id=context.run_id)
    # The dashboard's default views are computed after the run commits, outside the publishing transaction.
    transaction.on_commit(_warm_cache)
    return {"kpi_snapshot_rows": rows}


def _warm_cache():
    from .tasks import kpi_cache_warm_task

    kpi_cache_warm_task.delay()


KPI_SNAPSHOT_STEP = PipelineStep(name="kpi_snapshot", publish=kpi_snapshot_publish)
