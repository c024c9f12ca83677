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


def kpi_trend_rows(*, grouping, kpi, since=None):
    """The snapshot rows behind a trend, for CSV export."""
    rows = KpiSnapshot.objects.filter(grouping=grouping, kpi=kpi)
    if since is not None:
        rows = rows.filter(snapshot_date__gte=since)
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
