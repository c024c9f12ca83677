"""Writes of the insights app: the daily KPI snapshot that gives every KPI a trend."""

import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .kpis.groups import grouping_for, plays_available
from .kpis.table import kpi_table
from .models import Grouping, KpiSnapshot
from .periods import trailing_days
from .selectors import data_version

logger = logging.getLogger(__name__)


def snapshot_groupings():
    groupings = [Grouping.SEGMENT, Grouping.TIER]
    if plays_available():
        groupings.append(Grouping.PLAY)
    return groupings


def kpi_snapshot_record(*, now, run_id=None):
    """Record today's KPIs for every active segment, every tier and every play, replacing today's earlier rows.

    Flow KPIs cover the KPI_SNAPSHOT_WINDOW_DAYS calendar days ending today;
    accounts and open pipeline are as of today. When today's rows were
    computed from the same inputs, nothing is computed or written. Returns
    the rows written.
    """
    day = timezone.localdate(now)
    period = trailing_days(day, settings.KPI_SNAPSHOT_WINDOW_DAYS)
    version_text = f"{data_version()}|{settings.KPI_SNAPSHOT_WINDOW_DAYS}|{','.join(snapshot_groupings())}"
    version = hashlib.sha256(version_text.encode()).hexdigest()
    if KpiSnapshot.objects.filter(snapshot_date=day, inputs_version=version).exists():
        logger.info("KPI snapshot for %s is up to date, so run %s wrote no rows.", day, run_id)
        return 0
    snapshots = []
    for name in snapshot_groupings():
        table = kpi_table(grouping=grouping_for(name), period=period)
        for row in table.rows:
            for kpi_key, value in row.values.items():
                snapshots.append(
                    KpiSnapshot(
                        snapshot_date=day,
                        grouping=name,
                        group_key=row.key,
                        group_label=row.label[:200],
                        kpi=kpi_key,
                        value=value,
                        sample_size=row.samples.get(kpi_key, 0),
                        run_id=run_id,
                        inputs_version=version,
                    )
                )
    with transaction.atomic():
        KpiSnapshot.objects.filter(snapshot_date=day).delete()
        KpiSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    logger.info("Recorded %d KPI snapshot rows for %s (run %s).", len(snapshots), day, run_id)
    return len(snapshots)
