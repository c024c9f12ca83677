"""The recompute pipeline's steps, in the order they run.

Each app provides its own steps; this list, at the top of the project, puts
them in order so that no app imports a higher one. Settings name it in
RECOMPUTE_PIPELINE_STEPS. Steps added later (play enrollments, KPI
snapshots) go after segment memberships, whose results they read.
"""

from accounts.derived import DERIVED_ATTRIBUTES_STEP
from accounts.maintenance import ACCOUNT_COMPACTION_STEP
from insights.steps import COMBINATION_STEP, KPI_SNAPSHOT_STEP, TOUCH_FIGURES_STEP
from plays.steps import ENROLLMENT_STEP, JOURNEY_STEP
from segmentation.steps import ICP_STEP, LIFECYCLE_STEP, SEGMENTS_STEP

STEPS = [
    DERIVED_ATTRIBUTES_STEP,
    LIFECYCLE_STEP,
    ICP_STEP,
    SEGMENTS_STEP,
    JOURNEY_STEP,
    ENROLLMENT_STEP,
    # Segment combinations and touch figures after the memberships they come from, and before the
    # snapshot, which reads them.
    COMBINATION_STEP,
    TOUCH_FIGURES_STEP,
    # After the other steps, so the snapshot reads what every other step publishes.
    KPI_SNAPSHOT_STEP,
    # Schedules the compaction check, which runs once the run commits.
    ACCOUNT_COMPACTION_STEP,
]
