"""The recompute pipeline steps this app owns: segment combinations, touch figures and the daily KPI snapshot.

They run last, in the publishing transaction, so they read the tiers,
memberships and enrollments the same run publishes, and the snapshot reads
the combinations and touch figures the steps before it bring up to date.
"""

from django.db import transaction

from accounts.pipeline import PipelineStep

from .services import kpi_snapshot_record
from .touches import touch_figures_update


def kpi_snapshot_publish(context):
    rows = kpi_snapshot_record(now=context.now, run_id=context.run_id)
    # The dashboard's default views are computed after the run commits, outside the publishing transaction.
    transaction.on_commit(_warm_cache)
    return {"kpi_snapshot_rows": rows}


def _warm_cache():
    from .tasks import kpi_cache_warm_task

    kpi_cache_warm_task.delay()


def combinations_publish(context):
    """Rebuild the segment combinations from the memberships this run publishes, before the snapshot reads them."""
    from .combinations import combinations_fresh, combinations_rebuild

    if combinations_fresh():
        return {"segment_combinations": 0}
    build = combinations_rebuild()
    return {"segment_combinations": build.combinations if build else 0}


def touch_figures_publish(context):
    update = touch_figures_update()
    return {"touched_stays_written": update.stays if update else 0}


COMBINATION_STEP = PipelineStep(name="segment_combinations", publish=combinations_publish)
TOUCH_FIGURES_STEP = PipelineStep(name="touch_figures", publish=touch_figures_publish)
KPI_SNAPSHOT_STEP = PipelineStep(name="kpi_snapshot", publish=kpi_snapshot_publish)
