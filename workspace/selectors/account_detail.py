"""Everything the account page shows about one account, read in a fixed number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max

from accounts.models import BuyingRole, EngagementEvent, IntentSignal
from segmentation.models import SegmentMembership, SegmentStatus

RECENT_EVENTS = 15
INTENT_WINDOW_DAYS = 90
# Roles a deal usually needs someone for; a missing one is called out on the page.
KEY_BUYING_ROLES = [
    BuyingRole.ECONOMIC_BUYER,
    BuyingRole.CHAMPION,
    BuyingRole.TECHNICAL_REVIEWER,
    BuyingRole.USER,
]


@dataclass
class BuyingRoleGroup:
    role: str
    label: str
    contacts: list
    is_key: bool

    @property
    def is_gap(self):
        return self.is_key and not self.contacts


def contacts_by_buying_role(account):
    """Return one group per buying role, key roles first, plus a group for contacts without a role."""
    contacts = list(account.contacts.order_by("last_name", "first_name", "id"))
    groups = []
    for role, label in BuyingRole.choices:
        members = [contact for contact in contacts if contact.buying_role == role]
        is_key = role in KEY_BUYING_ROLES
        if members or is_key:
            groups.append(BuyingRoleGroup(role=role, label=label, contacts=members, is_key=is_key))
    groups.sort(key=lambda group: (not group.is_key, KEY_BUYING_ROLES.index(group.role) if group.is_key else 0))
    without_role = [contact for contact in contacts if not contact.buying_role]
    if without_role:
        groups.append(BuyingRoleGroup(role="", label="No buying role", contacts=without_role, is_key=False))
    return groups


def account_segments(account):
    """Return the account's segment stays, current ones first, each with its segment."""
    return list(
        SegmentMembership.objects.filter(account=account)
        .select_related("segment")
        .order_by("exited_at", "-entered_at")
        .exclude(segment__status=SegmentStatus.DRAFT)[:50]
    )


def recent_engagement(account):
    return list(
        EngagementEvent.objects.filter(account=account)
        .select_related("contact")
        .order_by("-occurred_at", "-id")[:RECENT_EVENTS]
    )


def engagement_summary(account, *, now, days=30):
    """Return [(event type label, count)] of the last days, most frequent first."""
    since = now - timedelta(days=days)
    counts = (
        EngagementEvent.objects.filter(account=account, occurred_at__gte=since)
        .order_by()
        .values("type")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    labels = dict(EngagementEvent._meta.get_field("type").choices)
    return [(labels.get(row["type"], row["type"]), row["n"]) for row in counts]


def intent_topics(account, *, now, days=INTENT_WINDOW_DAYS):
    """Return the intent topics observed within days, with their highest score and last observation."""
    since = now - timedelta(days=days)
    return list(
        IntentSignal.objects.filter(account=account, observed_at__gte=since)
        .order_by()
        .values("topic")
        .annotate(score=Max("score"), last_seen=Max("observed_at"), signals=Count("id"))
        .order_by("-score", "topic")
    )
