"""What each role's home page shows."""

from datetime import timedelta

from django.db.models import Count

from accounts.models import Account
from segmentation.models import Segment, SegmentMembership, SegmentStatus
from segmentation.rules import validate_rule
from segmentation.rules.validation import load_segment_infos

from .account_lists import AccountFilters, account_list_queryset

TOP_ACCOUNTS = 10
RECENT_DAYS = 7


def rep_summary(user, *, now):
    """Return the rep's accounts by tier and the ones to work first."""
    owned = Account.objects.filter(owner=user).order_by()
    tiers = dict(owned.values_list("icp_tier").annotate(n=Count("id")))
    work_first = list(
        account_list_queryset(AccountFilters(owner_id=user.pk, tiers=(1, 2), in_market=True)).values(
            "id", "name", "icp_tier", "icp_score", "lifecycle_stage", "last_activity_at"
        )[:TOP_ACCOUNTS]
    )
    return {
        "owned_total": sum(tiers.values()),
        "tiers": [(tier, tiers.get(tier, 0)) for tier in (1, 2, 3)],
        "not_icp": tiers.get(None, 0),
        "work_first": work_first,
    }


def recent_segment_entries(user, *, now):
    """Return the latest segment entries of the user's accounts within RECENT_DAYS, newest first.

    After a large recompute most memberships are recent, so this read can
    take seconds; the home page loads it after the rest of the page.
    """
    since = now - timedelta(days=RECENT_DAYS)
    return list(
        SegmentMembership.objects.filter(
            account__owner=user, entered_at__gte=since, segment__status=SegmentStatus.ACTIVE
        )
        .select_related("segment", "account")
        .order_by("-entered_at", "-id")[:TOP_ACCOUNTS]
    )


def segment_summary():
    """Return segment counts by status, how many have rule errors, and the most recently edited segments."""
    by_status = dict(Segment.objects.order_by().values_list("status").annotate(n=Count("id")))
    recent = list(Segment.objects.select_related("owner").order_by("-updated_at", "-id")[:8])
    infos = load_segment_infos()
    with_errors = sum(
        1
        for info in infos.values()
        if info.status != SegmentStatus.RETIRED
        and validate_rule(info.rule, object_type=info.object_type, slug=info.slug, segments=infos)
    )
    return {
        "with_errors": with_errors,
        "active": by_status.get(SegmentStatus.ACTIVE, 0),
        "draft": by_status.get(SegmentStatus.DRAFT, 0),
        "retired": by_status.get(SegmentStatus.RETIRED, 0),
        "recent": recent,
    }
