"""The SLA step: record first touches and move SLA states, as set-based updates.

The rules themselves (what counts as a touch, when each state applies) are
in plays.sla.
"""

import datetime

from django.db.models import Case, Exists, F, Subquery, Value, When
from django.db.models.lookups import Exact

from ..criteria import to_utc
from ..models import ChangeKind, Enrollment, EnrollmentChange, EnrollmentStatus, SlaStatus
from ..sql import analyze
from ..sla import OPEN_SLA_STATUSES, sla_status_at, touches_after_entry
from .changes import enrollment_changes_record


def enrollment_first_touches_update(*, now: datetime.datetime, enrollments=None) -> int:
    """Record the first touch of active enrollments that have none yet; return how many got one.

    enrollments narrows the enrollments checked; by default every active one.
    """
    touches = touches_after_entry(now=now)
    if enrollments is None:
        enrollments = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    untouched = enrollments.filter(first_touch_at__isnull=True, entered_at__isnull=False)
    return untouched.filter(Exists(touches)).update(
        first_touch_at=Subquery(touches.values("occurred_at")[:1]),
        first_touch_event_id=Subquery(touches.values("id")[:1]),
        updated_at=now,
    )


def enrollment_slas_update(*, now: datetime.datetime, run=None, entered_now_only: bool = False) -> dict:
    """Bring first touches and SLA states of active enrollments up to date; return the changes by kind.

    With entered_now_only, only the enrollments that entered at now are
    checked, for a second pass after the entries of a run. A breach, like
    every SLA change, is logged once per enrollment; webhooks read it from
    the change log.
    """
    run_id = getattr(run, "pk", run)
    now = to_utc(now)
    scope = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    if entered_now_only:
        scope = scope.filter(entered_at=now)
    touched = enrollment_first_touches_update(now=now, enrollments=scope)
    open_slas = scope.filter(sla_due_at__isnull=False, sla_status__in=OPEN_SLA_STATUSES)
    state = sla_status_at(now)
    breached_at = Case(
        When(Exact(state, Value(SlaStatus.BREACHED)), then=F("sla_due_at")), default=F("sla_breached_at")
    )
    updated = open_slas.exclude(sla_status=state).update(
        sla_status=state, sla_breached_at=breached_at, updated_at=now
    )
    analyze(Enrollment, rows_written=updated + touched)

    changes = {"first_touches": touched, "sla_updates": updated}
    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, updated_at=now)
    for kind, status, column in (
        (ChangeKind.SLA_AT_RISK, SlaStatus.AT_RISK, "sla_at_risk_at"),
        (ChangeKind.SLA_BREACHED, SlaStatus.BREACHED, "sla_due_at"),
        (ChangeKind.SLA_MET, SlaStatus.MET, "first_touch_at"),
    ):
        changes[kind.value] = enrollment_changes_record(
            kind=kind, enrollments=active.filter(sla_status=status), occurred_column=column, now=now, run_id=run_id
        )
        analyze(EnrollmentChange, rows_written=changes[kind.value])
    return changes
