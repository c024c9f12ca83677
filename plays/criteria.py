"""Entry and exit criteria of a play as conditions on accounts and enrollments.

The enrollment step, the editor's preview and the API read the same
conditions from here, so "who would enter now" is what the next recompute
enrolls.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.models import Account, Opportunity, OpportunityStatus
from segmentation.models import SegmentMembership
from segmentation.rules import compile_rule

from .models import OPEN_ENROLLMENT_STATUSES, Enrollment, EnrollmentStatus

# Accounts that compete for the places of a capped play enter in this order.
PRIORITY_ORDER = [F("icp_score").desc(nulls_last=True), F("id").asc()]


def to_utc(moment: datetime.datetime) -> datetime.datetime:
    """Return moment in UTC, so adding hours adds elapsed time.

    Python adds a timedelta to a datetime in a zoneinfo zone on the wall
    clock, which is an hour off across a daylight saving change.
    """
    return moment.astimezone(datetime.timezone.utc)


@dataclass(frozen=True)
class PlayCriteria:
    """A play's entry and exit criteria, read from a saved play or an unsaved form."""

    segment_ids: tuple[int, ...] = ()
    tiers: tuple[int, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    rule: dict | None = None
    exit_lifecycle_stages: tuple[str, ...] = ()
    exit_journey_stages: tuple[str, ...] = ()

    @classmethod
    def for_play(cls, play):
        segment_ids = tuple(play.entry_segments.values_list("id", flat=True)) if play.pk else ()
        return cls(
            segment_ids=segment_ids,
            tiers=tuple(play.eligible_tiers or ()),
            lifecycle_stages=tuple(play.entry_lifecycle_stages or ()),
            rule=play.entry_rule or None,
            exit_lifecycle_stages=tuple(play.exit_lifecycle_stages or ()),
            exit_journey_stages=tuple(play.exit_journey_stages or ()),
        )

    @property
    def has_entry_criteria(self):
        return bool(self.segment_ids or self.tiers or self.lifecycle_stages or self.rule)


def entry_condition(criteria: PlayCriteria, *, now: datetime.datetime) -> Q:
    """Build the condition on Account that every entry criterion holds."""
    condition = Q()
    if criteria.segment_ids:
        memberships = SegmentMembership.objects.filter(
            account_id=OuterRef("pk"), segment_id__in=criteria.segment_ids, exited_at__isnull=True
        )
        condition &= Q(Exists(memberships))
    if criteria.tiers:
        condition &= Q(icp_tier__in=criteria.tiers)
    if criteria.lifecycle_stages:
        condition &= Q(lifecycle_stage__in=criteria.lifecycle_stages)
    if criteria.rule:
        condition &= compile_rule(criteria.rule, object_type="accounts", now=now)
    return condition


def exit_stage_condition(criteria: PlayCriteria, *, prefix: str = "") -> Q | None:
    """Build the condition that an account sits at one of the exit stages, or None without exit stages.

    prefix reaches the account from another model, such as "account__" from an enrollment.
    """
    condition = Q(pk__in=[])
    if criteria.exit_lifecycle_stages:
        condition |= Q(**{f"{prefix}lifecycle_stage__in": criteria.exit_lifecycle_stages})
    if criteria.exit_journey_stages:
        condition |= Q(**{f"{prefix}journey_stage__in": criteria.exit_journey_stages})
    if not (criteria.exit_lifecycle_stages or criteria.exit_journey_stages):
        return None
    return condition


def eligible_accounts(criteria: PlayCriteria, *, now: datetime.datetime) -> QuerySet:
    """Return the accounts that meet entry now, leaving out those already at an exit stage."""
    accounts = Account.objects.filter(entry_condition(criteria, now=now))
    at_exit_stage = exit_stage_condition(criteria)
    if at_exit_stage is not None:
        accounts = accounts.exclude(at_exit_stage)
    return accounts.order_by()


def entry_candidates(play, criteria: PlayCriteria, *, now: datetime.datetime) -> QuerySet:
    """Return the eligible accounts that can enter the play now.

    An account with an open enrollment in the play is already in. An account
    that exited can enter again only after reentry_after_days; without that
    setting it never enters the same play twice.
    """
    enrollments = Enrollment.objects.filter(play_id=play.pk, account_id=OuterRef("pk"))
    candidates = eligible_accounts(criteria, now=now).exclude(
        Exists(enrollments.filter(status__in=OPEN_ENROLLMENT_STATUSES))
    )
    if play.reentry_after_days is None:
        past = enrollments.filter(status=EnrollmentStatus.EXITED)
    else:
        # An exit at this very run blocks re-entry even with 0 days, so an
        # account never leaves and enters a play in the same recompute.
        cutoff = to_utc(now) - datetime.timedelta(days=play.reentry_after_days)
        past = enrollments.filter(status=EnrollmentStatus.EXITED).filter(
            Q(exited_at__gt=cutoff) | Q(exited_at__gte=now)
        )
    return candidates.exclude(Exists(past))


def won_deal_since_entry() -> Exists:
    """Build the condition, on Enrollment, that a deal closed as won on or after the entry date."""
    return Exists(
        Opportunity.objects.filter(
            account_id=OuterRef("account_id"),
            status=OpportunityStatus.WON,
            closed_date__isnull=False,
            closed_date__gte=OuterRef("entered_on"),
        )
    )
