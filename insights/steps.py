"""The recompute pipeline step this app owns: the daily KPI snapshot.

It runs last, in the publishing transaction, so the snapshot reads the tiers,
memberships and enrollments the same run publishes.
"""

from accounts.pipeline import PipelineStep

from .services import kpi_snapshot_record


def kpi_snapshot_publish(context):
    return {"kpi_snapshot_rows": kpi_snapshot_record(now=context.now, run_id=context.run_id)}


KPI_SNAPSHOT_STEP = PipelineStep(name="kpi_snapshot", publish=kpi_snapshot_publish)
