"""The enrollment change log: one row per enrollment and kind of change."""

import datetime

from django.db.models import Exists, OuterRef

from ..models import EnrollmentChange
from ..sql import insert_select


def enrollment_changes_record(*, kind: str, enrollments, occurred_column: str, now: datetime.datetime, run_id=None):
    """Log a change of `kind` for each of `enrollments` that has none yet; return the rows added.

    occurred_column names the enrollment column that holds when the change
    took effect. The unique constraint enrollment_change_once allows each
    kind once per enrollment, and this insert skips kinds already logged, so
    a rerun of the same recompute logs nothing twice.
    """
    already = EnrollmentChange.objects.filter(enrollment_id=OuterRef("pk"), kind=kind)
    source = enrollments.exclude(Exists(already)).order_by()
    return insert_select(
        EnrollmentChange,
        constants={"kind": kind, "recorded_at": now, "run_id": run_id},
        copied={
            "enrollment_id": "id",
            "play_id": "play_id",
            "account_id": "account_id",
            "exit_reason": "exit_reason",
            "occurred_at": occurred_column,
        },
        source=source,
    )
