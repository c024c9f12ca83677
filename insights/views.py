"""The insights pages: KPIs, backtest, overlap, verdicts, trends and the accounts behind each figure.

Every page takes ?format=csv and then returns its table as CSV instead.
"""

import csv
import math
import re
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from segmentation.models import Segment

from . import charts
from .backtest import icp_backtest
from .drilldown import kpi_drilldown, overlap_drilldown
from .forms import BacktestForm, KpiFilterForm
from .formatting import format_value, formatter_for
from .kpis.definitions import KPI_BY_KEY, KPIS
from .kpis.groups import GroupingError, grouping_for
from .models import Grouping
from .overlap import overlap_matrix
from .propensity import NotEnoughDeals, propensity_fit
from .selectors import account_segments, backtest_models, kpi_table_cached, kpi_trend, kpi_trend_rows
from .verdicts import DUPLICATE_JACCARD, SIGNIFICANCE, active_segments, segment_verdicts

ACCOUNTS_PER_PAGE = 50


def insights_viewer_required(view):
    """Let RevOps and leaders in: users with the view_insights permission (granted to both groups)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("insights.view_insights"):
            raise PermissionDenied("Only RevOps and leaders can see insights.")
        return view(request, *args, **kwargs)

    return wrapper


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return response


def _csv_cell(value):
    """Return the value to write, with a NaN as an empty cell, as the csv module writes None."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def trend_group_keys(data):
    """Return the chosen segment ids a trend by segment is limited to, or None for every group."""
    if data["grouping"] == Grouping.SEGMENT and data["segments"]:
        return data["segments"]
    return None


def wants_csv(request):
    return request.GET.get("format") == "csv"


def csv_url(request):
    query = request.GET.copy()
    query["format"] = "csv"
    return f"?{query.urlencode()}"


def account_url(account_id):
    try:
        return reverse("workspace:account", args=[account_id])
    except NoReverseMatch:
        return reverse("admin:accounts_account_change", args=[account_id])


def drilldown_url(*, grouping, group_key, kpi, period, basis, segment_ids=()):
    query = {"grouping": grouping, "group": group_key, "kpi": kpi, "period": period.key, "basis": basis}
    if segment_ids:
        query["segments"] = ",".join(str(segment_id) for segment_id in segment_ids)
    return f"{reverse('insights:accounts')}?{urlencode(query)}"


def segment_choices():
    return [(segment.pk, f"{segment.name} ({segment.get_status_display().lower()})") for segment in account_segments()]


# KPI dashboard


@require_GET
@insights_viewer_required
def dashboard(request):
    form = KpiFilterForm(request.GET, segment_choices=segment_choices())
    if not form.is_valid():
        return render(request, "insights/dashboard.html", {"form": form, "table": None}, status=400)
    data = form.cleaned_data
    try:
        grouping = grouping_for(data["grouping"], segment_ids=data["segments"])
    except GroupingError as error:
        form.add_error("grouping", str(error))
        return render(request, "insights/dashboard.html", {"form": form, "table": None}, status=400)
    table = kpi_table_cached(grouping=grouping, period=data["period"], basis=data["basis"])

    if wants_csv(request):
        frame = table.frame()
        return csv_response(
            f"kpis-{table.grouping}-{data['period'].key}.csv", list(frame.columns), frame.itertuples(index=False)
        )

    def link(row, kpi_key):
        return drilldown_url(
            grouping=table.grouping, group_key=row.key, kpi=kpi_key, period=data["period"], basis=data["basis"],
            segment_ids=data["segments"],
        )

    rows = [
        {
            "row": row,
            "cells": [
                {
                    "kpi": kpi,
                    # The column header names the currency, so money cells show the number alone.
                    "text": format_value(value, kpi.unit) if kpi.key in row.values else "",
                    "sample": sample,
                    "url": link(row, kpi.key) if kpi.key in row.values else None,
                }
                for kpi, value, sample in row.cells()
            ],
        }
        for row in table.rows
    ]
    chart_kpi = KPI_BY_KEY[data["chart"]]
    bars = [
        (row.label, row.values.get(chart_kpi.key), link(row, chart_kpi.key))
        for row in table.rows
        if row.kind == "group" or (row.kind == "unassigned" and chart_kpi.key in row.values)
    ]
    chart = charts.bar_chart(
        bars,
        title=f"{chart_kpi.label} by {table.grouping}, {table.period.label}",
        formatter=formatter_for(chart_kpi.unit, table.currency),
        maximum=1.0 if chart_kpi.unit == "percent" else None,
    )
    context = {"form": form, "table": table, "rows": rows, "kpis": KPIS, "chart": chart, "chart_kpi": chart_kpi,
               "csv_url": csv_url(request)}
    return render(request, "insights/dashboard.html", context)


# The accounts behind a figure


def segment_ids(text):
    """Parse comma-separated segment ids; an id longer than 18 digits cannot exist in the database."""
    if not text:
        return []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(re.fullmatch(r"\d{1,18}", part) for part in parts):
        raise GroupingError(f"Invalid segments {text!r}: use segment ids separated by commas.")
    return [int(part) for part in parts]


@require_GET
@insights_viewer_required
def accounts(request):
    form = KpiFilterForm(request.GET, segment_choices=[])
    form.fields.pop("segments")
    if not form.is_valid():
        return render(request, "insights/accounts.html", {"form": form, "error": form.errors.as_text()}, status=400)
    data = form.cleaned_data
    try:
        if request.GET.get("first") and request.GET.get("second"):
            first, second = (_segment(request.GET[name]) for name in ("first", "second"))
            drilldown = overlap_drilldown(first=first, second=second)
        else:
            drilldown = kpi_drilldown(
                grouping_name=data["grouping"],
                group_key=request.GET.get("group", "total"),
                kpi_key=request.GET.get("kpi", "accounts"),
                period=data["period"],
                basis=data["basis"],
                segment_ids=segment_ids(request.GET.get("segments")),
            )
    except (GroupingError, ValueError) as error:
        return render(request, "insights/accounts.html", {"error": str(error)}, status=400)

    fields = ["id", "external_id", "name", "domain", "industry", "country", "icp_tier", "icp_score", "lifecycle_stage"]
    if wants_csv(request):
        return csv_response("accounts.csv", fields, drilldown.accounts.values_list(*fields).iterator())
    page = Paginator(drilldown.accounts.only(*fields), ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "drilldown": drilldown,
        "page": page,
        "rows": [(account, account_url(account.pk)) for account in page.object_list],
        "query": query.urlencode(),
        "csv_url": csv_url(request),
    }
    return render(request, "insights/accounts.html", context)


def _segment(text):
    """Return the account segment with the id in `text`; raise GroupingError naming an invalid or unknown id."""
    if not re.fullmatch(r"\d{1,18}", text.strip()):
        raise GroupingError(f"Invalid segment id {text!r}: use the id of an account segment, a whole number.")
    segment = Segment.objects.filter(pk=int(text), object_type="accounts").first()
    if segment is None:
        raise GroupingError(f"No account segment has the id {int(text)}. Use the id of an account segment.")
    return segment


# ICP backtest


@require_GET
@insights_viewer_required
def backtest(request):
    form = BacktestForm(request.GET)
    models = backtest_models()
    if not form.is_valid():
        return render(request, "insights/backtest.html", {"form": form, "models": models}, status=400)
    data = form.cleaned_data
    try:
        result = icp_backtest(period=data["period"], basis=data["basis"], model_id=data.get("model"))
    except ValueError as error:
        form.add_error("model", str(error))
        return render(request, "insights/backtest.html", {"form": form, "models": models}, status=400)

    if wants_csv(request):
        frame = result.frame()
        return csv_response(f"icp-backtest-{data['period'].key}.csv", list(frame.columns), frame.itertuples(index=False))

    money = formatter_for("money", result.currency)
    percent = formatter_for("percent")
    days = formatter_for("days")
    deal_basis = "entry" if data["basis"] == "entry" else "current"
    rows = []
    for outcome in result.tiers:
        url = None
        if data["basis"] != "draft" and outcome.group.key != "total":
            url = drilldown_url(grouping="tier", group_key=outcome.group.key, kpi="win_rate", period=data["period"],
                                basis=deal_basis)
        rows.append(
            {
                "outcome": outcome,
                "url": url,
                "win_rate": percent(outcome.win_rate),
                "win_interval": _interval(outcome.win_rate_low, outcome.win_rate_high, percent),
                "deal_size": money(outcome.avg_deal_size),
                "deal_interval": _interval(outcome.deal_size_low, outcome.deal_size_high, money),
                "cycle": days(outcome.cycle_days),
                "cycle_interval": _interval(outcome.cycle_low, outcome.cycle_high, days),
            }
        )
    chart = charts.interval_chart(
        [(row["outcome"].group.label, row["outcome"].win_rate, row["outcome"].win_rate_low,
          row["outcome"].win_rate_high, row["url"]) for row in rows],
        title="Win rate by tier with 95 % Wilson intervals",
        formatter=percent,
    )
    context = {"form": form, "models": models, "result": result, "rows": rows, "chart": chart,
               "csv_url": csv_url(request)}
    if request.GET.get("propensity"):
        context.update(_propensity_context(data))
    return render(request, "insights/backtest.html", context)


def _propensity_context(data):
    model = None
    if data["basis"] == "draft":
        model = next((item for item in backtest_models() if item.pk == data.get("model")), None)
    try:
        return {"propensity": propensity_fit(period=data["period"], model=model)}
    except NotEnoughDeals as error:
        return {"propensity_error": str(error)}


def _interval(low, high, formatter):
    if low is None or high is None:
        return "—"
    return f"{formatter(low)} to {formatter(high)}"


# Overlap


def segments_or_active(ids):
    """Return the account segments with these ids, or every active one when there are none."""
    if not ids:
        return active_segments()
    return list(Segment.objects.filter(pk__in=ids, object_type="accounts").order_by("name", "id"))


def chosen_segments(request):
    """Return the segments named by ?segments= (ids, repeated or comma-separated), else every active one."""
    raw = [part for value in request.GET.getlist("segments") for part in value.split(",") if part.strip()]
    ids = segment_ids(",".join(raw))
    segments = segments_or_active(ids)
    unknown = sorted(set(ids) - {segment.pk for segment in segments})
    if unknown:
        raise GroupingError(
            f"No account segment has the id {', '.join(map(str, unknown))}. Use the ids of account segments."
        )
    return segments


@require_GET
@insights_viewer_required
def overlap(request):
    try:
        segments = chosen_segments(request)
    except GroupingError as error:
        return render(request, "insights/overlap.html", {"error": str(error)}, status=400)
    result = overlap_matrix(segments=segments)
    if wants_csv(request):
        rows = [(a.slug, b.slug, shared, f"{jaccard:.4f}") for a, b, shared, jaccard in result.pairs()]
        return csv_response("segment-overlap.csv", ["segment_a", "segment_b", "shared_members", "jaccard"], rows)

    accounts_url = reverse("insights:accounts")
    matrix = []
    for first in segments:
        cells = []
        for second in segments:
            shared = int(result.shared.at[first.pk, second.pk])
            jaccard = float(result.jaccard.at[first.pk, second.pk])
            cells.append({"shared": shared, "jaccard": jaccard, "shade": f"{jaccard:.2f}",
                          "url": f"{accounts_url}?{urlencode({'first': first.pk, 'second': second.pk})}"})
        matrix.append({"segment": first, "size": result.sizes[first.pk], "cells": cells})
    context = {"segments": segments, "matrix": matrix, "pairs": result.pairs()[:20], "csv_url": csv_url(request),
               "threshold": DUPLICATE_JACCARD}
    return render(request, "insights/overlap.html", context)


# Verdicts


@require_GET
@insights_viewer_required
def verdicts(request):
    form = KpiFilterForm(request.GET, segment_choices=[])
    form.fields.pop("segments")
    if not form.is_valid():
        return render(request, "insights/verdicts.html", {"form": form}, status=400)
    period = form.cleaned_data["period"]
    try:
        results = segment_verdicts(period=period, segments=chosen_segments(request))
    except GroupingError as error:
        form.add_error(None, str(error))
        return render(request, "insights/verdicts.html", {"form": form}, status=400)
    if wants_csv(request):
        header = ["segment", "outcome", "plays", "closed_deals", "win_rate", "baseline_win_rate", "win_rate_p",
                  "win_rate_p_adjusted", "avg_deal_size", "baseline_deal_size", "deal_size_p",
                  "deal_size_p_adjusted", "closest_segment", "closest_jaccard", "reasons"]
        rows = [
            (v.segment.slug, v.outcome, "; ".join(v.plays), v.closed, v.win_rate, v.baseline_win_rate, v.win_rate_p,
             v.win_rate_p_adjusted, v.avg_deal_size, v.baseline_deal_size, v.deal_size_p, v.deal_size_p_adjusted,
             v.closest.slug if v.closest else "", f"{v.closest_jaccard:.4f}", " ".join(v.reasons))
            for v in results
        ]
        return csv_response(f"segment-verdicts-{period.key}.csv", header, rows)
    percent = formatter_for("percent")
    rows = [
        {
            "verdict": verdict,
            "win_rate": percent(verdict.win_rate),
            "baseline": percent(verdict.baseline_win_rate),
            "url": drilldown_url(grouping="segment", group_key=verdict.segment.pk, kpi="win_rate", period=period,
                                 basis="current", segment_ids=[verdict.segment.pk]),
        }
        for verdict in results
    ]
    context = {"form": form, "rows": rows, "period": period, "csv_url": csv_url(request),
               "threshold": DUPLICATE_JACCARD, "significance": SIGNIFICANCE}
    return render(request, "insights/verdicts.html", context)


# Trends


@require_GET
@insights_viewer_required
def trends(request):
    form = KpiFilterForm(request.GET, segment_choices=segment_choices())
    if not form.is_valid():
        return render(request, "insights/trends.html", {"form": form}, status=400)
    grouping, kpi = form.cleaned_data["grouping"], KPI_BY_KEY[form.cleaned_data["chart"]]
    group_keys = trend_group_keys(form.cleaned_data)
    if wants_csv(request):
        rows = kpi_trend_rows(grouping=grouping, kpi=kpi.key, group_keys=group_keys)
        header = ["snapshot_date", "grouping", "group_key", "group_label", "kpi", "value", "sample_size"]
        return csv_response(f"kpi-trend-{grouping}-{kpi.key}.csv", header, ([row[h] for h in header] for row in rows))
    series = kpi_trend(grouping=grouping, kpi=kpi.key, group_keys=group_keys)
    chart = charts.line_chart(series, title=f"{kpi.label} by {grouping}, daily snapshots",
                              formatter=formatter_for(kpi.unit))
    context = {"form": form, "chart": chart, "kpi": kpi, "series": series, "csv_url": csv_url(request)}
    return render(request, "insights/trends.html", context)
