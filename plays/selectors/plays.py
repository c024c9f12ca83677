"""Reads of plays: the list, a play's enrollments, SLA summary, KPIs and the entry preview."""

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import EngagementEvent, Opportunity, OpportunityStatus

from ..criteria import PRIORITY_ORDER, PlayCriteria, eligible_accounts, entry_candidates, to_utc
from ..models import Enrollment, EnrollmentStatus, Kpi, Play, SlaStatus
from ..sla import sla_status_at

PREVIEW_SAMPLE_SIZE = 20


def play_list(*, status: str | None = None, motion: str | None = None):
    """Return plays with their enrolled, waitlisted and breached counts."""
    plays = Play.objects.annotate(
        enrolled=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)),
        waitlisted=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)),
        breached=Count(
            "enrollments",
            filter=Q(enrollments__status=EnrollmentStatus.ACTIVE, enrollments__sla_status=SlaStatus.BREACHED),
        ),
    )
    if status:
        plays = plays.filter(status=status)
    if motion:
        plays = plays.filter(motion=motion)
    return plays.order_by("name", "id")


def enrollments_with_live_sla(enrollments, *, now: datetime.datetime):
    """Annotate enrollments with live_sla_status: their SLA state at now, seeing touches since the last run."""
    return enrollments.annotate(live_sla_status=sla_status_at(to_utc(now), live=True))


def play_enrollments(*, play: Play, now: datetime.datetime, status: str | None = None, sla_status: str | None = None):
    """Return a play's enrollments, newest first, with their live SLA state."""
    enrollments = enrollments_with_live_sla(
        Enrollment.objects.filter(play=play).select_related("account", "account__owner"), now=now
    )
    if status:
        enrollments = enrollments.filter(status=status)
    if sla_status:
        enrollments = enrollments.filter(live_sla_status=sla_status)
    return enrollments.order_by(F("entered_at").desc(nulls_last=True), "-id")


def play_sla_summary(*, play: Play, now: datetime.datetime) -> dict:
    """Return the number of active enrollments in each live SLA state, and the met and breached totals."""
    active = enrollments_with_live_sla(
        Enrollment.objects.filter(play=play, status=EnrollmentStatus.ACTIVE, sla_due_at__isnull=False), now=now
    )
    live = dict(active.order_by().values_list("live_sla_status").annotate(n=Count("id")))
    decided = dict(
        Enrollment.objects.filter(play=play, sla_status__in=[SlaStatus.MET, SlaStatus.BREACHED])
        .order_by()
        .values_list("sla_status")
        .annotate(n=Count("id"))
    )
    return {
        "active": {status: live.get(status, 0) for status in SlaStatus.values},
        "met_total": decided.get(SlaStatus.MET, 0),
        "breached_total": decided.get(SlaStatus.BREACHED, 0),
    }


def _while_enrolled(prefix, time_field, now):
    """Build the condition that a record's time falls within one of the play's enrollments."""
    return Q(**{f"{time_field}__gte": F(f"{prefix}entered_at")}) & (
        Q(**{f"{prefix}exited_at__isnull": True, f"{time_field}__lte": now})
        | Q(**{f"{time_field}__lte": F(f"{prefix}exited_at")})
    )


def play_kpis(*, play: Play, now: datetime.datetime) -> list[tuple[str, str, object]]:
    """Return (key, label, value) for each shared KPI the play reports.

    Amounts add up opportunities as recorded, without currency conversion.
    Activity and deals count while an account is enrolled, from its entry
    date or time until its exit.
    """
    now = to_utc(now)
    enrollments = Enrollment.objects.filter(play=play, entered_at__isnull=False)
    values = {}
    for key in play.kpis:
        if key == Kpi.ENROLLED:
            values[key] = enrollments.filter(status=EnrollmentStatus.ACTIVE).count()
        elif key == Kpi.SLA_MET_RATE:
            summary = play_sla_summary(play=play, now=now)
            decided = summary["met_total"] + summary["breached_total"]
            values[key] = round(100 * summary["met_total"] / decided, 1) if decided else None
        elif key == Kpi.HOURS_TO_FIRST_TOUCH:
            delay = ExpressionWrapper(F("first_touch_at") - F("entered_at"), output_field=DurationField())
            average = enrollments.filter(first_touch_at__isnull=False).aggregate(value=Avg(delay))["value"]
            values[key] = round(average.total_seconds() / 3600, 1) if average is not None else None
        elif key == Kpi.MEETINGS:
            values[key] = (
                EngagementEvent.objects.filter(type="meeting", account__enrollments__play=play)
                .filter(_while_enrolled("account__enrollments__", "occurred_at", now))
                .count()
            )
        elif key in (Kpi.PIPELINE_CREATED, Kpi.DEALS_WON, Kpi.WON_REVENUE):
            values[key] = _deal_kpi(play, key)
    return [(key, Kpi(key).label, values.get(key)) for key in play.kpis if key in Kpi.values]


def _deal_kpi(play, key):
    prefix = "account__enrollments__"
    deals = Opportunity.objects.filter(**{f"{prefix}play": play, f"{prefix}entered_on__isnull": False})
    if key == Kpi.PIPELINE_CREATED:
        date_field = "created_date"
    else:
        date_field = "closed_date"
        deals = deals.filter(status=OpportunityStatus.WON)
    deals = deals.filter(
        Q(**{f"{date_field}__gte": F(f"{prefix}entered_on")})
        & (Q(**{f"{prefix}exited_at__isnull": True}) | Q(**{f"{date_field}__lte": F(f"{prefix}exited_at")}))
    )
    if key == Kpi.DEALS_WON:
        return deals.count()
    return deals.aggregate(total=Coalesce(Sum("amount"), 0, output_field=Opportunity._meta.get_field("amount")))[
        "total"
    ]


@dataclass
class EntryPreview:
    """The accounts that would enter a play if the enrollment step ran now: counts and a sample."""

    eligible: int
    new_entries: int
    would_enter: int
    would_overflow: int
    sample: list

    @property
    def already_in(self):
        """Eligible accounts that cannot enter: already enrolled, waiting, or barred from re-entry."""
        return self.eligible - self.new_entries


def play_entry_preview(*, play: Play, criteria: PlayCriteria, now: datetime.datetime) -> EntryPreview:
    """Count and sample the accounts that would enter play now, within its cap.

    play may be unsaved; its cap, re-entry setting and enrollments (if any)
    apply. The sample lists the accounts that would enter first.
    """
    now = to_utc(now)
    eligible = eligible_accounts(criteria, now=now).count()
    candidates = entry_candidates(play, criteria, now=now) if play.pk else eligible_accounts(criteria, now=now)
    new_entries = candidates.count()
    places = None
    if play.enrollment_cap is not None:
        enrolled = waiting = 0
        if play.pk:
            enrolled = play.enrollments.filter(status=EnrollmentStatus.ACTIVE).count()
            waiting = play.enrollments.filter(status=EnrollmentStatus.WAITLISTED).count()
        # Waitlisted accounts take the free places before any new entry.
        places = max(play.enrollment_cap - enrolled - waiting, 0)
    would_enter = new_entries if places is None else min(new_entries, places)
    sample = list(candidates.select_related("owner").order_by(*PRIORITY_ORDER)[: min(PREVIEW_SAMPLE_SIZE, would_enter)])
    return EntryPreview(
        eligible=eligible,
        new_entries=new_entries,
        would_enter=would_enter,
        would_overflow=new_entries - would_enter,
        sample=sample,
    )
