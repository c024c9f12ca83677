"""Reads for the dashboard and the API that do not fit one of the analysis modules."""

from segmentation.models import IcpModel, IcpModelStatus, ObjectType, Segment, SegmentStatus

from .models import KpiSnapshot


def kpi_trend(*, grouping, kpi, since=None, group_keys=None):
    """Return [(group label, [(date, value), ...]), ...] from the daily snapshots, oldest day first."""
    rows = KpiSnapshot.objects.filter(grouping=grouping, kpi=kpi)
    if since is not None:
        rows = rows.filter(snapshot_date__gte=since)
    if group_keys:
        rows = rows.filter(group_key__in=[str(key) for key in group_keys])
    series = {}
    labels = {}
    for key, label, day, value in rows.order_by("snapshot_date").values_list(
        "group_key", "group_label", "snapshot_date", "value"
    ):
        series.setdefault(key, []).append((day, value))
        labels[key] = label
    return [(labels[key], points) for key, points in series.items()]


def kpi_trend_rows(*, grouping, kpi, since=None, group_keys=None):
    """Return the snapshot rows behind a trend, for CSV export."""
    rows = KpiSnapshot.objects.filter(grouping=grouping, kpi=kpi)
    if since is not None:
        rows = rows.filter(snapshot_date__gte=since)
    if group_keys:
        rows = rows.filter(group_key__in=[str(key) for key in group_keys])
    return rows.order_by("snapshot_date", "group_key").values(
        "snapshot_date", "grouping", "group_key", "group_label", "kpi", "value", "sample_size"
    )


def backtest_models():
    """ICP models a backtest can score: drafts first, then the published one."""
    return list(
        IcpModel.objects.filter(status__in=[IcpModelStatus.DRAFT, IcpModelStatus.PUBLISHED]).order_by("status", "-version")
    )


def account_segments():
    """Account segments that KPIs can be cut by, active ones first."""
    return list(
        Segment.objects.filter(object_type=ObjectType.ACCOUNTS)
        .exclude(status=SegmentStatus.RETIRED)
        .order_by("status", "name", "id")
    )


# Cached KPI tables


def data_version():
    """Return a fingerprint of every input the KPIs read, which changes when any of them is written.

    Each part is a maximum over an indexed column, so computing it costs a few
    index lookups. Segment exits leave no new row, but every recompute stamps
    last_recomputed_at on the segment. Segment and play edits count too,
    because their names label the rows.
    """
    from django.apps import apps
    from django.db.models import Max

    from accounts.models import Account, ArrSnapshot, EngagementEvent, Opportunity
    from segmentation.models import Segment, SegmentMembership, TierChange

    from .models import ExchangeRate, Spend

    parts = [
        Opportunity.objects.aggregate(value=Max("updated_at"))["value"],
        Account.objects.aggregate(value=Max("updated_at"))["value"],
        EngagementEvent.objects.aggregate(value=Max("updated_at"))["value"],
        ArrSnapshot.objects.aggregate(value=Max("updated_at"))["value"],
        SegmentMembership.objects.aggregate(value=Max("id"))["value"],
        Segment.objects.aggregate(value=Max("last_recomputed_at"))["value"],
        Segment.objects.aggregate(value=Max("updated_at"))["value"],
        TierChange.objects.aggregate(value=Max("id"))["value"],
        ExchangeRate.objects.aggregate(value=Max("id"))["value"],
        Spend.objects.aggregate(value=Max("updated_at"))["value"],
    ]
    if apps.is_installed("plays"):
        parts.append(apps.get_model("plays", "Enrollment").objects.aggregate(value=Max("updated_at"))["value"])
        parts.append(apps.get_model("plays", "Play").objects.aggregate(value=Max("updated_at"))["value"])
    return "|".join(str(part) for part in parts)


def kpi_table_cached(*, grouping, period, basis):
    """Return the KPI table from the insights cache when no input changed since it was computed."""
    import hashlib

    from django.core.cache import caches

    from .kpis.table import kpi_table

    identity = f"{grouping.grouping}|{grouping.keys}|{period.start}|{period.end}|{period.label}|{basis}|{data_version()}"
    key = "insights:kpis:" + hashlib.sha256(identity.encode()).hexdigest()
    cache = caches["insights"]
    table = cache.get(key)
    if table is None:
        table = kpi_table(grouping=grouping, period=period, basis=basis)
        cache.set(key, table, KPI_CACHE_SECONDS)
    return table


# A cached table is kept this long even when nothing changes, so a fingerprint
# that misses a kind of write goes stale for six hours at most.
KPI_CACHE_SECONDS = 6 * 3600
