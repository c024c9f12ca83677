"""The rep's work queue: cadence steps due and SLAs at risk on the rep's accounts.

Dates are calendar dates in the configured time zone: a step is due on its
enrollment's entry date plus the step's day offset.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, Q
from django.utils import timezone

from accounts.roles import ROLE_GROUPS

from ..criteria import to_utc
from ..models import CadenceStep, Enrollment, EnrollmentStatus, PlayStatus, SlaStatus, StepCompletion, StepOwnerRole
from ..sla import touches_after_entry
from .plays import enrollments_with_live_sla

# Steps that fell due more than this many days ago and are still not done
# leave the queue, so a long-running play does not bury today's work.
OVERDUE_WINDOW_DAYS = 14


@dataclass
class DueStep:
    enrollment: Enrollment
    step: CadenceStep
    due_on: datetime.date
    today: datetime.date

    @property
    def overdue(self):
        return self.due_on < self.today


def _role_keys(user):
    if user.is_superuser:
        return set(ROLE_GROUPS)
    names = set(user.groups.values_list("name", flat=True))
    return {key for key, name in ROLE_GROUPS.items() if name in names}


def _step_roles(user):
    """Return the step owner roles whose steps land in the user's queue."""
    roles = {StepOwnerRole.ACCOUNT_OWNER.value}
    roles |= {role for role in _role_keys(user) if role in StepOwnerRole.values}
    return roles


def steps_due(*, user, now: datetime.datetime, account=None) -> list[DueStep]:
    """Return the steps not yet done that are due today, or overdue within the window, on the user's accounts.

    Only steps of active plays count, and only those owned by the account
    owner or by one of the user's roles. With account given, return every
    due step of that one account, whatever its owner and the step's role.
    """
    today = timezone.localdate(to_utc(now))
    steps = list(
        CadenceStep.objects.filter(play__status=PlayStatus.ACTIVE)
        .select_related("play")
        .order_by("day_offset", "position")
    )
    if account is None:
        steps = [step for step in steps if step.owner_role in _step_roles(user)]
    if not steps:
        return []

    # One OR over the steps: an enrollment is due for a step when it entered
    # day_offset days before a date in the window.
    window = Q(pk__in=[])
    for step in steps:
        latest_entry = today - datetime.timedelta(days=step.day_offset)
        window |= Q(
            play_id=step.play_id,
            entered_on__lte=latest_entry,
            entered_on__gte=latest_entry - datetime.timedelta(days=OVERDUE_WINDOW_DAYS),
        )
    enrollments = Enrollment.objects.filter(window, status=EnrollmentStatus.ACTIVE).select_related("account", "play")
    if account is not None:
        enrollments = enrollments.filter(account=account)
    else:
        enrollments = enrollments.filter(account__owner=user)
    enrollments = list(enrollments)
    done = set(
        StepCompletion.objects.filter(enrollment__in=enrollments).values_list("enrollment_id", "step_id")
    )

    due = []
    for enrollment in enrollments:
        for step in steps:
            if step.play_id != enrollment.play_id or (enrollment.pk, step.pk) in done:
                continue
            due_on = enrollment.entered_on + datetime.timedelta(days=step.day_offset)
            if today - datetime.timedelta(days=OVERDUE_WINDOW_DAYS) <= due_on <= today:
                due.append(DueStep(enrollment, step, due_on, today))
    due.sort(key=lambda item: (item.due_on, item.enrollment.account.name, item.step.position))
    return due


def slas_needing_attention(*, user=None, now: datetime.datetime, account=None):
    """Return active enrollments whose first touch is at risk, or overdue and still untouched.

    For the accounts the user owns, or for one account.
    """
    enrollments = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, sla_due_at__isnull=False)
    if account is not None:
        enrollments = enrollments.filter(account=account)
    else:
        enrollments = enrollments.filter(account__owner=user)
    live = enrollments_with_live_sla(
        enrollments.filter(play__status=PlayStatus.ACTIVE).select_related("account", "play"), now=now
    )
    untouched = Q(first_touch_at__isnull=True) & ~Q(Exists(touches_after_entry(now=to_utc(now))))
    needing_touch = live.filter(untouched, live_sla_status__in=[SlaStatus.AT_RISK, SlaStatus.BREACHED])
    return needing_touch.order_by("sla_due_at", "id")


def account_enrollments(*, account, now: datetime.datetime):
    """Return the account's open enrollments and its past ones, with live SLA states."""
    enrollments = enrollments_with_live_sla(
        Enrollment.objects.filter(account=account).select_related("play"), now=now
    ).order_by("-id")
    return {
        "open": [e for e in enrollments if e.status != EnrollmentStatus.EXITED],
        "past": [e for e in enrollments if e.status == EnrollmentStatus.EXITED],
    }


def work_queue(*, user, now: datetime.datetime) -> dict:
    """Return the rep's steps due and SLAs needing attention, for My accounts."""
    return {"steps": steps_due(user=user, now=now), "slas": list(slas_needing_attention(user=user, now=now))}
