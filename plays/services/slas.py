"""SLA tracking: first touch after entry, and each enrollment's SLA state.

The first touch of an enrollment is the earliest meeting, email reply or
call recorded on the account at or after entry. Engagement events do not
record which rep acted, so any such event on the account counts.

States move one way: on time, then at risk from sla_at_risk_at, then either
met (touched at or before sla_due_at) or breached (not touched by then).
A touch exactly at the due time meets the SLA, and an untouched enrollment
is breached only once the due time has passed.
"""

import datetime

from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When

from accounts.models import EngagementEvent

from ..models import TOUCH_EVENT_TYPES, ChangeKind, Enrollment, EnrollmentStatus, SlaStatus
from .changes import enrollment_changes_record

OPEN_SLA_STATUSES = [SlaStatus.ON_TIME, SlaStatus.AT_RISK]


def touches_after_entry(*, now: datetime.datetime):
    """Return the qualifying touch events of an enrollment's account from its entry up to now."""
    return EngagementEvent.objects.filter(
        account_id=OuterRef("account_id"),
        type__in=TOUCH_EVENT_TYPES,
        occurred_at__gte=OuterRef("entered_at"),
        occurred_at__lte=now,
    ).order_by("occurred_at", "id")


def sla_status_at(now: datetime.datetime, *, live: bool = False):
    """Build the SLA state of an enrollment at now, as an expression on Enrollment.

    With live=True the state also sees touches recorded since the last
    recompute, for pages that show the state between runs. Final states
    (met, breached) never change.
    """
    touched = Q(first_touch_at__isnull=False)
    touched_in_time = Q(first_touch_at__lte=F("sla_due_at"))
    if live:
        touches = touches_after_entry(now=now)
        touched |= Q(Exists(touches))
        touched_in_time |= Q(Exists(touches.filter(occurred_at__lte=OuterRef("sla_due_at"))))
    return Case(
        When(sla_due_at__isnull=True, then=Value("")),
        When(sla_status__in=[SlaStatus.MET, SlaStatus.BREACHED], then=F("sla_status")),
        When(touched & touched_in_time, then=Value(SlaStatus.MET)),
        When(touched, then=Value(SlaStatus.BREACHED)),
        When(sla_due_at__lt=now, then=Value(SlaStatus.BREACHED)),
        When(sla_at_risk_at__lte=now, then=Value(SlaStatus.AT_RISK)),
        default=Value(SlaStatus.ON_TIME),
    )


def enrollment_first_touches_update(*, now: datetime.datetime) -> int:
    """Record the first touch of active enrollments that have none yet; return how many got one."""
    touches = touches_after_entry(now=now)
    untouched = Enrollment.objects.filter(
        status=EnrollmentStatus.ACTIVE, first_touch_at__isnull=True, entered_at__isnull=False
    )
    return untouched.filter(Exists(touches)).update(
        first_touch_at=Subquery(touches.values("occurred_at")[:1]),
        first_touch_event_id=Subquery(touches.values("id")[:1]),
        updated_at=now,
    )


def enrollment_slas_update(*, now: datetime.datetime, run=None) -> dict:
    """Bring first touches and SLA states of active enrollments up to date; return the changes by kind.

    A breach, like every SLA change, is logged once per enrollment; webhooks
    read it from the change log.
    """
    run_id = getattr(run, "pk", run)
    touched = enrollment_first_touches_update(now=now)
    open_slas = Enrollment.objects.filter(
        status=EnrollmentStatus.ACTIVE, sla_due_at__isnull=False, sla_status__in=OPEN_SLA_STATUSES
    )
    state = sla_status_at(now)
    updated = open_slas.exclude(sla_status=state).update(sla_status=state, updated_at=now)
    Enrollment.objects.filter(sla_status=SlaStatus.BREACHED, sla_breached_at__isnull=True).update(
        sla_breached_at=F("sla_due_at")
    )

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
    return changes
