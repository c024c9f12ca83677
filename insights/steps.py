"""The recompute pipeline steps this app owns: first touches after entry, and the daily KPI snapshot.

Both run last, in the publishing transaction, so they read the tiers,
memberships and enrollments the same run publishes.
"""

from django.db import transaction

from accounts.pipeline import PipelineStep

from .services import kpi_snapshot_record
from .touches import stay_touches_update


def kpi_snapshot_publish(context):
    rows = kpi_snapshot_record(now=context.now, run_id=context.run_id)
    # The dashboard's default views are computed after the run commits, outside the publishing transaction.
    transaction.on_commit(_warm_cache)
    return {"kpi_snapshot_rows": rows}


def _warm_cache():
    from .tasks import kpi_cache_warm_task

    kpi_cache_warm_task.delay()


def stay_touches_publish(context):
    update = stay_touches_update()
    return {"stay_touches_written": update.stays if update else 0}


STAY_TOUCH_STEP = PipelineStep(name="stay_touches", publish=stay_touches_publish)
KPI_SNAPSHOT_STEP = PipelineStep(name="kpi_snapshot", publish=kpi_snapshot_publish)
