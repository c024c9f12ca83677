"""Data quality: fill rates of the fields rules use, stale accounts, and
values that no synonym table knows.

Every figure comes with the rule or filter that selects the accounts behind
it, so the page can link each number to those accounts.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Lower

from accounts.models import Account, Opportunity
from accounts.models.imports import Synonym, SynonymKind
from segmentation.models import IcpModel, IcpModelStatus, Segment, SegmentStatus
from segmentation.rules.registry import get_field
from segmentation.selectors.field_fill import filled_counts, rule_fields

STALE_DAYS = 180
UNKNOWN_VALUES_SHOWN = 25


@dataclass
class FieldFillRate:
    field: str
    label: str
    filled: int
    total: int
    used_by: list

    @property
    def missing(self):
        return self.total - self.filled

    @property
    def percent(self):
        return round(100 * self.filled / self.total, 1) if self.total else 0.0


def fields_in_use():
    """Return {field name: [what uses it]} for active account segments and the published ICP model."""
    used = {}
    for name, rule in Segment.objects.filter(status=SegmentStatus.ACTIVE, object_type="accounts").values_list(
        "name", "rule"
    ):
        for field_name in rule_fields(rule):
            used.setdefault(field_name, []).append(f"Segment {name}")
    model = IcpModel.objects.filter(status=IcpModelStatus.PUBLISHED).prefetch_related("criteria").first()
    if model is not None:
        for criterion in model.criteria.all():
            names = [criterion.field] if criterion.field else rule_fields(criterion.rule or {})
            for field_name in names:
                used.setdefault(field_name, []).append(f"ICP criterion {criterion.label}")
    return used


def fill_rates(*, now):
    """Return a FieldFillRate for each account field an active rule or the ICP model uses, least filled first.

    Emptiness follows the rule engine's is_empty, so a field counts as
    filled exactly when a rule condition "is not empty" would match.
    """
    used = fields_in_use()
    names = sorted(name for name in used if get_field("accounts", name) is not None)
    total, filled = filled_counts(names, now=now)
    rates = [FieldFillRate(name, get_field("accounts", name).label, filled[name], total, used[name]) for name in names]
    rates.sort(key=lambda rate: (rate.percent, rate.field))
    return rates


def stale_accounts_count(*, now, days=STALE_DAYS):
    """Return how many accounts no import, sync or edit has touched for days."""
    return Account.objects.filter(updated_at__lt=now - timedelta(days=days)).count()


def unknown_industries(limit=UNKNOWN_VALUES_SHOWN):
    """Return [(industry, accounts)] for stored industries that are no value of the industry synonym table."""
    known = Synonym.objects.filter(kind=SynonymKind.INDUSTRY).values("value")
    return list(
        Account.objects.exclude(industry="")
        .exclude(industry__in=known)
        .order_by()
        .values_list("industry")
        .annotate(n=Count("id"))
        .order_by("-n", "industry")[:limit]
    )


def unknown_opportunity_stages(limit=UNKNOWN_VALUES_SHOWN):
    """Return [(stage, opportunities, accounts)] for CRM stage names with no synonym.

    Synonyms are stored in matching form (lower case, single spaces), so the
    stage is compared in lower case.
    """
    known = Synonym.objects.filter(kind=SynonymKind.OPPORTUNITY_STAGE, synonym=OuterRef("stage_lower"))

    return list(
        Opportunity.objects.exclude(stage="")
        .annotate(stage_lower=Lower("stage"))
        .filter(~Exists(known))
        .order_by()
        .values_list("stage")
        .annotate(n=Count("id"), accounts=Count("account_id", distinct=True))
        .order_by("-n", "stage")[:limit]
    )


def unknown_value_rule(kind, value):
    """Return the rule that selects the accounts behind one unknown value."""
    if kind == "industry":
        return {"field": "industry", "op": "eq", "value": value}
    return {
        "related": "opportunities",
        "where": {"field": "stage", "op": "eq", "value": value},
        "op": "gte",
        "count": 1,
    }


