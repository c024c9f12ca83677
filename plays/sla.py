"""SLA rules shared by the SLA step and the pages: first touch and state at a time.

The first touch of an enrollment is the earliest meeting, email reply or
call recorded on the account at or after entry. Engagement events do not
record which rep acted, so any such event on the account counts.

States move one way: on time, then at risk from sla_at_risk_at, then either
met (touched at or before sla_due_at) or breached (not touched by then).
A touch exactly at the due time meets the SLA, and an untouched enrollment
is breached only once the due time has passed.
"""

import datetime

from django.db.models import Case, Exists, F, OuterRef, Q, Value, When

from accounts.models import EngagementEvent

from .models import TOUCH_EVENT_TYPES, SlaStatus

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

    With live=True the state also counts touches recorded since the last
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
