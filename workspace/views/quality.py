"""The data quality page and the account lists behind its figures."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from segmentation.rules import RuleValidationError, validate_rule
from segmentation.rules.registry import get_field

from ..permissions import revops_required
from ..selectors.account_lists import AccountFilters, account_count, account_page, count_is_costly
from ..selectors.quality import (
    STALE_DAYS,
    fill_rates,
    stale_accounts_count,
    unknown_industries,
    unknown_opportunity_stages,
    unknown_value_rule,
)

MAX_STALE_DAYS = 3650


def stale_days_from(request):
    raw = request.GET.get("days") or str(STALE_DAYS)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_STALE_DAYS:
        return None
    return int(raw)


@require_GET
@revops_required
def data_quality(request):
    now = timezone.now()
    days = stale_days_from(request)
    if days is None:
        return render(
            request,
            "400.html",
            {"reason": f"Invalid number of days {request.GET.get('days')!r}: give a whole number from 1 to {MAX_STALE_DAYS}."},
            status=400,
        )
    context = {
        "rates": fill_rates(now=now),
        "stale_count": stale_accounts_count(now=now, days=days),
        "stale_days": days,
        "unknown_industries": unknown_industries(),
        "unknown_stages": unknown_opportunity_stages(),
    }
    return render(request, "workspace/data_quality.html", context)


def drilldown(request):
    """Return (title, filters) for the figure named by the query string, or raise ValueError."""
    kind = request.GET.get("kind", "")
    if kind == "missing":
        name = request.GET.get("field", "")
        registered = get_field("accounts", name)
        if registered is None:
            raise ValueError(f"Unknown account field {name!r}.")
        return f"Accounts with no {registered.label.lower()}", AccountFilters(
            rule={"field": name, "op": "is_empty"}
        )
    if kind == "stale":
        days = stale_days_from(request)
        if days is None:
            raise ValueError(f"Invalid number of days {request.GET.get('days')!r}: give a whole number from 1 to {MAX_STALE_DAYS}.")
        return f"Accounts not updated in {days} days", AccountFilters(
            updated_before=timezone.now() - timedelta(days=days)
        )
    if kind in ("industry", "opportunity_stage"):
        value = request.GET.get("value", "")
        if not value.strip():
            raise ValueError("Give the value to list accounts for: value=... is missing.")
        rule = unknown_value_rule(kind, value)
        errors = validate_rule(rule)
        if errors:
            raise ValueError(str(RuleValidationError(errors)))
        what = "industry" if kind == "industry" else "an opportunity in the CRM stage"
        return f"Accounts with {what} “{value}”", AccountFilters(rule=rule)
    raise ValueError(f"Unknown figure {kind!r}: expected missing, stale, industry or opportunity_stage.")


@require_GET
@revops_required
def data_quality_accounts(request):
    try:
        title, filters = drilldown(request)
        if request.GET.get("count_only"):
            total, capped = account_count(filters)
            return render(request, "workspace/_account_count.html", {"total": total, "capped": capped, "filters": filters})
        page = account_page(filters, cursor=request.GET.get("after") or None, with_count=not count_is_costly(filters))
    except ValueError as error:
        return render(request, "400.html", {"reason": str(error)}, status=400)

    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "title": title,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "is_first_page": not request.GET.get("after"),
        "viewing_own": False,
    }
    template = "workspace/_account_results.html" if request.htmx else "workspace/quality_accounts.html"
    return render(request, template, context)
