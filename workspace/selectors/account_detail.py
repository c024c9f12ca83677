"""Everything the account page shows about one account, read in a fixed number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max

from accounts.models import BuyingRole, EngagementEvent, IntentSignal
from segmentation.models import (
    IcpCriterion,
    IcpExplanation,
    SegmentMembership,
    SegmentStatus,
    StageChange,
    TierChange,
    TierOverride,
)
from segmentation.presentation import explanation_lines
from segmentation.rules import RuleValidationError
from segmentation.selectors.field_fill import rule_fields
from segmentation.services import segment_explain

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


def tier_explanation(account):
    """Return the current ICP explanation with a row per criterion, or None before the first scoring run.

    Each row holds the criterion's label, the points it gave, its maximum
    points and the account values it read. Criteria of the scoring model
    that gave nothing are listed too, so a rep sees what is missing.
    """
    explanation = (
        IcpExplanation.objects.filter(account=account, is_current=True).select_related("model", "run", "override").first()
    )
    if explanation is None:
        return None
    criteria = list(IcpCriterion.objects.filter(model_id=explanation.model_id).order_by("position", "id"))
    rows = []
    for criterion in criteria:
        points = explanation.points.get(f"c{criterion.pk}", 0) or 0
        rows.append(
            {
                "label": criterion.label,
                "points": points,
                "max_points": criterion.points,
                "matched": points > 0,
                "inputs": criterion_inputs(criterion, explanation.inputs),
            }
        )
    return {"explanation": explanation, "criteria": rows, "max_total": sum(c.points for c in criteria)}


def criterion_inputs(criterion, inputs):
    """Return [(field, value)] of the account values a criterion read, from the stored inputs."""
    if criterion.field:
        names = [criterion.field]
    else:
        names = rule_fields(criterion.rule or {})
    return [(name, inputs.get(name)) for name in names if name in inputs]


def tier_overrides(account):
    """Return the override in force (or None) and the earlier ones, newest first."""
    overrides = list(TierOverride.objects.filter(account=account).select_related("author").order_by("-created_at")[:10])
    current = next((override for override in overrides if override.ended_at is None), None)
    return current, [override for override in overrides if override is not current]


def account_history(account, limit=20):
    """Return the account's tier and stage changes merged into one list, newest first."""
    tiers = TierChange.objects.filter(account=account).select_related("run").order_by("-changed_at", "-id")[:limit]
    stages = StageChange.objects.filter(account=account).select_related("run").order_by("-changed_at", "-id")[:limit]
    entries = [{"kind": "tier", "change": change, "at": change.changed_at} for change in tiers]
    entries += [{"kind": "stage", "change": change, "at": change.changed_at} for change in stages]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]


def segment_reasons(account, stays, *, now):
    """Return {segment id: explanation lines} for the account's current active segments."""
    reasons = {}
    for stay in stays:
        segment = stay.segment
        if stay.exited_at is not None or segment.status != SegmentStatus.ACTIVE:
            continue
        try:
            explained = segment_explain(segment=segment, record=account, now=now)
        except RuleValidationError:
            continue
        reasons[segment.pk] = explanation_lines(explained["tree"], segment.object_type)
    return reasons
