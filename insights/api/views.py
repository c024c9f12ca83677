"""Insights API: the dashboard's figures as JSON under /api/v1/insights/.

Authentication, throttling, paging and the error shape are the API's
defaults. An integration reads with a token that has the read scope; a
browser session also needs the view_insights permission that RevOps and
leaders hold.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.models import ApiToken
from integrations.permissions import ApiAccessPermission

from ..backtest import icp_backtest
from ..drilldown import kpi_drilldown
from ..forms import BacktestForm, KpiFilterForm
from ..kpis.definitions import KPI_BY_KEY, KPIS
from ..kpis.groups import GroupingError, grouping_for
from ..overlap import overlap_matrix
from ..propensity import NotEnoughDeals, propensity_fit
from ..selectors import kpi_table_cached, kpi_trend
from ..verdicts import DUPLICATE_JACCARD, SIGNIFICANCE, segment_verdicts
from ..views import drilldown_url, segment_choices, segment_ids, segments_or_active, trend_group_keys
from . import serializers

PERMISSION_MESSAGE = "Only RevOps and leaders can read insights: ask RevOps for the Leadership role or use an API token."

PERIOD_PARAMETER = OpenApiParameter(
    "period", str, description="2024, 2024-Q1, 2024-03, 2024-03-05 or 2024-01-01..2024-02-15; empty for this month."
)
GROUPING_PARAMETER = OpenApiParameter("grouping", str, enum=["segment", "tier", "play"], description="Default segment.")
BASIS_PARAMETER = OpenApiParameter(
    "basis", str, enum=["current", "entry"], description="Group by today's membership or by the one held when each deal was created."
)
SEGMENTS_PARAMETER = OpenApiParameter(
    "segments", str, description="Segment ids, comma-separated or repeated; default every active one."
)


class InsightsReadPermission(ApiAccessPermission):
    """Read scope for tokens; for browser sessions, the view_insights permission."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if isinstance(request.auth, ApiToken):
            return True
        if not request.user.has_perm("insights.view_insights"):
            self.message = PERMISSION_MESSAGE
            return False
        return True


class InsightsApi(APIView):
    permission_classes = [InsightsReadPermission]
    http_method_names = ["get", "head", "options"]

    def bound_form(self, form_class, **kwargs):
        form = form_class(self.request.query_params, **kwargs)
        if not form.is_valid():
            raise ValidationError({field: [str(error) for error in errors] for field, errors in form.errors.items()})
        return form.cleaned_data





class KpiTableApi(InsightsApi):
    @extend_schema(
        parameters=[GROUPING_PARAMETER, PERIOD_PARAMETER, BASIS_PARAMETER, SEGMENTS_PARAMETER],
        responses=serializers.KpiTableSerializer,
        summary="KPIs by segment, tier or play for a period, with each KPI's definition",
    )
    def get(self, request):
        data = self.bound_form(KpiFilterForm, segment_choices=segment_choices())
        try:
            grouping = grouping_for(data["grouping"], segment_ids=data["segments"])
        except GroupingError as error:
            raise ValidationError({"grouping": [str(error)]}) from error
        table = kpi_table_cached(grouping=grouping, period=data["period"], basis=data["basis"])
        rows = []
        for row in table.rows:
            links = {
                kpi: request.build_absolute_uri(
                    drilldown_url(grouping=table.grouping, group_key=row.key, kpi=kpi, period=table.period,
                                  basis=table.basis, segment_ids=data["segments"]).replace(
                        reverse("insights:accounts"), reverse("insights-api:accounts")
                    )
                )
                for kpi in row.values
            }
            rows.append({"group_key": row.key, "group": row.label, "row_kind": row.kind, "values": row.values,
                         "samples": row.samples, "accounts": links})
        body = {
            "grouping": table.grouping,
            "basis": table.basis,
            "period": {"label": table.period.label, "start": table.period.start, "end": table.period.end},
            "currency": table.currency,
            "notes": table.notes,
            "definitions": [{"key": kpi.key, "label": kpi.label, "unit": kpi.unit, "definition": kpi.definition}
                            for kpi in KPIS],
            "results": rows,
        }
        return Response(serializers.KpiTableSerializer(body).data)


class KpiAccountsApi(ListAPIView):
    """The accounts behind one KPI of one group, cursor-paginated by id."""

    permission_classes = [InsightsReadPermission]
    serializer_class = serializers.DrilldownAccountSerializer
    ordering = ["id"]

    @extend_schema(
        parameters=[
            GROUPING_PARAMETER, PERIOD_PARAMETER, BASIS_PARAMETER, SEGMENTS_PARAMETER,
            OpenApiParameter("group", str, description="A group key from the KPI table, unassigned or total."),
            OpenApiParameter("kpi", str, description="A KPI key from the KPI table's definitions."),
        ],
        summary="Accounts behind a KPI figure",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        form = KpiFilterForm(self.request.query_params, segment_choices=[])
        form.fields.pop("segments")
        if not form.is_valid():
            raise ValidationError({field: [str(error) for error in errors] for field, errors in form.errors.items()})
        data = form.cleaned_data
        try:
            chosen = segment_ids(self.request.query_params.get("segments", ""))
        except GroupingError as error:
            raise ValidationError({"segments": [str(error)]}) from error
        try:
            drilldown = kpi_drilldown(
                grouping_name=data["grouping"],
                group_key=self.request.query_params.get("group", "total"),
                kpi_key=self.request.query_params.get("kpi", "accounts"),
                period=data["period"],
                basis=data["basis"],
                segment_ids=chosen,
            )
        except GroupingError as error:
            # The KPI is checked first, so a known KPI means the group was unknown.
            field = "group" if self.request.query_params.get("kpi", "accounts") in KPI_BY_KEY else "kpi"
            raise ValidationError({field: [str(error)]}) from error
        return drilldown.accounts.order_by()


class BacktestApi(InsightsApi):
    @extend_schema(
        parameters=[
            PERIOD_PARAMETER,
            OpenApiParameter("basis", str, enum=["current", "entry", "draft"], description="Where tiers come from."),
            OpenApiParameter("model", int, description="The ICP model to score when basis is draft."),
            OpenApiParameter("propensity", bool, description="Also fit a logistic regression and compare AUCs."),
        ],
        responses=serializers.BacktestSerializer,
        summary="ICP backtest: win rate, deal size and cycle by tier with 95 % intervals",
    )
    def get(self, request):
        data = self.bound_form(BacktestForm)
        try:
            result = icp_backtest(period=data["period"], basis=data["basis"], model_id=data.get("model"))
        except ValueError as error:
            raise ValidationError({"model": [str(error)]}) from error
        body = {
            "label": result.label,
            "period": {"label": result.period.label, "start": result.period.start, "end": result.period.end},
            "currency": result.currency,
            "intervals": "95 %: Wilson score for win rates, Student's t for mean deal size and cycle.",
            "notes": result.notes,
            "tiers": [{"tier": outcome.group.label, "tier_key": str(outcome.group.key),
                       **{k: v for k, v in vars(outcome).items() if k != "group"}} for outcome in result.tiers],
            "comparisons": result.comparisons,
            "propensity": None,
        }
        if request.query_params.get("propensity") in ("1", "true", "yes"):
            body["propensity"] = self.propensity(data)
        return Response(serializers.BacktestSerializer(body).data)

    @staticmethod
    def propensity(data):
        from segmentation.models import IcpModel

        model = IcpModel.objects.filter(pk=data.get("model")).first() if data["basis"] == "draft" else None
        try:
            fitted = propensity_fit(period=data["period"], model=model)
        except NotEnoughDeals as error:
            raise ValidationError({"propensity": [str(error)]}) from error
        return {
            "deals": fitted.deals,
            "held_out": fitted.held_out,
            "model_auc": fitted.model_auc,
            "rule_auc": fitted.rule_auc,
            "rule_label": fitted.rule_label,
            "weights": [{"feature": name, "weight": weight} for name, weight in fitted.weights],
        }


class OverlapApi(InsightsApi):
    @extend_schema(parameters=[SEGMENTS_PARAMETER], responses=serializers.OverlapSerializer,
                   summary="Shared members and Jaccard index of each pair of segments, by default the active ones")
    def get(self, request):
        data = self.bound_form(KpiFilterForm, segment_choices=segment_choices())
        segments = segments_or_active(data["segments"])
        result = overlap_matrix(segments=segments)
        body = {
            "segments": [{"id": s.pk, "slug": s.slug, "name": s.name, "members": result.sizes[s.pk]} for s in segments],
            "pairs": [{"first": a.slug, "second": b.slug, "shared_members": shared, "jaccard": jaccard}
                      for a, b, shared, jaccard in result.pairs()],
        }
        return Response(serializers.OverlapSerializer(body).data)


class VerdictsApi(InsightsApi):
    @extend_schema(parameters=[PERIOD_PARAMETER, SEGMENTS_PARAMETER], responses=serializers.VerdictsSerializer,
                   summary="Segment verdicts: keep, review or retire, with reasons")
    def get(self, request):
        data = self.bound_form(KpiFilterForm, segment_choices=segment_choices())
        period = data["period"]
        verdicts = segment_verdicts(period=period, segments=segments_or_active(data["segments"]))
        body = {
            "period": {"label": period.label, "start": period.start, "end": period.end},
            "method": (f"Fisher's exact test on win rate and Welch's t-test on mean won deal size against every other "
                       f"account, Benjamini-Hochberg adjusted, significant below {SIGNIFICANCE}; near duplicate at "
                       f"Jaccard {DUPLICATE_JACCARD} or more."),
            "results": [
                {"segment": v.segment.slug, "name": v.segment.name, "outcome": v.outcome, "plays": v.plays,
                 "closed_deals": v.closed, "win_rate": v.win_rate, "baseline_win_rate": v.baseline_win_rate,
                 "win_rate_p": v.win_rate_p, "win_rate_p_adjusted": v.win_rate_p_adjusted,
                 "avg_deal_size": v.avg_deal_size, "baseline_deal_size": v.baseline_deal_size,
                 "deal_size_p": v.deal_size_p, "deal_size_p_adjusted": v.deal_size_p_adjusted,
                 "closest_segment": v.closest.slug if v.closest else None, "closest_jaccard": v.closest_jaccard,
                 "reasons": v.reasons}
                for v in verdicts
            ],
        }
        return Response(serializers.VerdictsSerializer(body).data)


class TrendApi(InsightsApi):
    @extend_schema(
        parameters=[GROUPING_PARAMETER, SEGMENTS_PARAMETER,
                    OpenApiParameter("kpi", str, description="A KPI key; default win_rate.")],
        responses=serializers.TrendSerializer,
        summary="Daily KPI snapshots of each group",
    )
    def get(self, request):
        data = request.query_params.copy()
        data["chart"] = data.get("kpi", "win_rate")
        form = KpiFilterForm(data, segment_choices=segment_choices())
        if not form.is_valid():
            errors = {("kpi" if field == "chart" else field): [str(e) for e in errs] for field, errs in form.errors.items()}
            raise ValidationError(errors)
        grouping, kpi = form.cleaned_data["grouping"], form.cleaned_data["chart"]
        series = kpi_trend(grouping=grouping, kpi=kpi, group_keys=trend_group_keys(form.cleaned_data))
        body = {"grouping": grouping, "kpi": kpi,
                "series": [{"group": label, "points": [{"date": day, "value": value} for day, value in points]}
                           for label, points in series]}
        return Response(serializers.TrendSerializer(body).data)


