"""My accounts, its CSV export, and the account page with the sales input form."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account
from segmentation.models import TierOverride
from segmentation.services.icp import tier_override_create, tier_override_revoke

from ..forms import AccountFilterForm, SalesInputForm, TierOverrideForm
from ..permissions import can_edit_sales_input, is_revops, revops_required
from ..selectors.account_detail import (
    account_history,
    account_segments,
    contacts_by_buying_role,
    engagement_summary,
    intent_topics,
    recent_engagement,
    segment_reasons,
    tier_explanation,
    tier_overrides,
)
from ..selectors.account_lists import account_count, account_list_rows, account_page, count_is_costly, filter_choices
from ..services import account_sales_input_update

FILTER_CHOICES_CACHE_SECONDS = 300
EXPORT_COLUMNS = [
    "external_id",
    "name",
    "domain",
    "icp_tier",
    "icp_score",
    "lifecycle_stage",
    "motion",
    "in_market",
    "segments",
    "last_activity_at",
    "industry",
    "country",
    "owner",
]


def cached_filter_choices(owner_id):
    key = f"workspace:filter-choices:{owner_id or 'all'}"
    choices = cache.get(key)
    if choices is None:
        choices = filter_choices(owner_id)
        cache.set(key, choices, FILTER_CHOICES_CACHE_SECONDS)
    return choices


def bound_filter_form(request):
    owner = request.GET.get("owner") or "me"
    owner_id = request.user.pk if owner == "me" else None if owner == "all" else owner
    if owner_id is not None and not str(owner_id).isdigit():
        owner_id = request.user.pk
    form = AccountFilterForm(request.GET or None, choices=cached_filter_choices(owner_id), user=request.user)
    return form


@require_GET
@login_required
def my_accounts(request):
    form = bound_filter_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "workspace/my_accounts.html", {"form": form, "page": None}, status=400)
    filters = form.to_filters() if form.is_bound else AccountFilterForm.default_filters(request.user)

    if request.GET.get("count_only"):
        total, capped = account_count(filters)
        return render(request, "workspace/_account_count.html", {"total": total, "capped": capped, "filters": filters})
    try:
        page = account_page(
            filters, cursor=request.GET.get("after") or None, with_count=not count_is_costly(filters)
        )
    except ValueError as error:
        return HttpResponseBadRequest(str(error))

    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "is_first_page": not request.GET.get("after"),
        "viewing_own": filters.owner_id == request.user.pk,
    }
    template = "workspace/_account_results.html" if request.htmx else "workspace/my_accounts.html"
    return render(request, template, context)


class Echo:
    """A file-like object whose write returns the text, for streaming csv.writer output."""

    def write(self, value):
        return value


def export_row(row):
    return [
        row["external_id"] or "",
        row["name"],
        row["domain"],
        row["icp_tier"] or "",
        "" if row["icp_score"] is None else row["icp_score"],
        row["lifecycle_stage"],
        row["motion"],
        "true" if row["in_market"] else "false",
        "; ".join(name for _, name, _ in row["segments"]),
        row["last_activity_at"].isoformat() if row["last_activity_at"] else "",
        row["industry"],
        row["country"],
        row["owner__username"] or "",
    ]


@require_GET
@login_required
def my_accounts_export(request):
    """Stream the filtered list as CSV, every page of it, in the order and with the columns shown."""
    form = bound_filter_form(request)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages_)}" for name, messages_ in form.errors.items())
        return HttpResponseBadRequest(f"Invalid filters: {errors}")
    filters = form.to_filters() if form.is_bound else AccountFilterForm.default_filters(request.user)

    writer = csv.writer(Echo())
    rows = (writer.writerow(export_row(row)) for row in account_list_rows(filters))
    header = (writer.writerow(EXPORT_COLUMNS),)
    response = StreamingHttpResponse((line for part in (header, rows) for line in part), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="accounts-{stamp}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def account_detail(request, pk):
    account = get_object_or_404(Account.objects.select_related("owner", "parent"), pk=pk)
    may_edit = can_edit_sales_input(request.user, account)

    form = SalesInputForm(instance=account) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            return render(request, "403.html", {"reason": "Only the account's owner or RevOps can change its sales input."}, status=403)
        form = SalesInputForm(request.POST, instance=Account.objects.get(pk=account.pk))
        if form.is_valid():
            changed = account_sales_input_update(
                account=account,
                user=request.user,
                strategic_value=form.cleaned_data["strategic_value"],
                needs=form.cleaned_data["needs"],
            )
            if changed:
                messages.success(request, "Sales input saved. The next recompute run uses it.")
            else:
                messages.info(request, "Nothing changed in the sales input.")
            return redirect("workspace:account", pk=account.pk)

    now = timezone.now()
    segments = account_segments(account)
    current_override, past_overrides = tier_overrides(account)
    context = {
        "account": account,
        "form": form,
        "may_edit": may_edit,
        "override_form": TierOverrideForm() if is_revops(request.user) else None,
        "role_groups": contacts_by_buying_role(account),
        "segments": segments,
        "segment_reasons": segment_reasons(account, segments, now=now),
        "explanation": tier_explanation(account),
        "current_override": current_override,
        "past_overrides": past_overrides,
        "history": account_history(account),
        "events": recent_engagement(account),
        "event_summary": engagement_summary(account, now=now),
        "intent_topics": intent_topics(account, now=now),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "workspace/account_detail.html", context, status=status)


@require_POST
@revops_required
def account_override(request, pk):
    """Set a manual tier on an account until a date; the next recompute run applies it."""
    account = get_object_or_404(Account, pk=pk)
    form = TierOverrideForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(" ".join(messages_) for messages_ in form.errors.values())
        messages.error(request, f"The override was not saved: {errors}")
        return redirect("workspace:account", pk=account.pk)
    try:
        tier_override_create(
            account=account,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            author=request.user,
            expires_on=form.cleaned_data["expires_on"],
        )
    except ValidationError as error:
        messages.error(request, f"The override was not saved: {' '.join(error.messages)}")
        return redirect("workspace:account", pk=account.pk)
    messages.success(request, "Override saved. The next recompute run applies it and records the change.")
    return redirect("workspace:account", pk=account.pk)


@require_POST
@revops_required
def account_override_revoke(request, pk, override_pk):
    override = get_object_or_404(TierOverride, pk=override_pk, account_id=pk)
    try:
        tier_override_revoke(override=override)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Override revoked. The next recompute run gives the account its scored tier.")
    return redirect("workspace:account", pk=pk)
