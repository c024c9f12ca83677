"""Read-only queries over accounts."""

from django.db.models import Count

from .models import Account, Contact, EngagementEvent, Opportunity


def account_overview():
    """Return record counts and the tier and stage distribution of all accounts."""
    tiers = dict(Account.objects.order_by().values_list("icp_tier").annotate(n=Count("id")))
    stages = dict(Account.objects.order_by().values_list("lifecycle_stage").annotate(n=Count("id")))
    return {
        "accounts": sum(tiers.values()),
        "contacts": Contact.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "events": EngagementEvent.objects.count(),
        "tiers": [(f"Tier {tier}" if tier else "Not ICP or not scored", tiers[tier]) for tier in sorted(tiers, key=lambda t: t or 9)],
        "stages": sorted(stages.items(), key=lambda item: -item[1]),
    }
