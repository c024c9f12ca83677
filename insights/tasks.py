"""Background work of the insights app: the segment combinations and the KPI cache, after a recompute."""

import logging

from celery import shared_task
from django.utils import timezone

from .combinations import combinations_fresh, combinations_rebuild
from .kpis.groups import grouping_for
from .models import Grouping
from .periods import local_today, month_period, quarter_period
from .selectors import kpi_table_cached
from .touches import touch_figures_update

logger = logging.getLogger(__name__)


@shared_task(name="insights.tasks.segment_combinations_build_task", soft_time_limit=15 * 60, time_limit=16 * 60)
def segment_combinations_build_task():
    """Rebuild the segment combinations unless they already match the current memberships."""
    if combinations_fresh():
        return False
    return combinations_rebuild() is not None


@shared_task(name="insights.tasks.touch_figures_update_task", soft_time_limit=15 * 60, time_limit=16 * 60)
def touch_figures_update_task():
    """Recompute the first touches that logged changes name."""
    update = touch_figures_update()
    return None if update is None else update.stays


@shared_task(name="insights.tasks.kpi_cache_warm_task", soft_time_limit=15 * 60, time_limit=16 * 60)
def kpi_cache_warm_task():
    """Compute the dashboard's default views (this month and this quarter, by segment and by tier) into the cache.

    The segment combinations are brought up to date first, so that these
    views and every later one by segment read them.
    """
    segment_combinations_build_task()
    today = local_today(timezone.now())
    periods = [month_period(today.year, today.month), quarter_period(today.year, (today.month - 1) // 3 + 1)]
    for name in (Grouping.SEGMENT, Grouping.TIER):
        grouping = grouping_for(name)
        for period in periods:
            kpi_table_cached(grouping=grouping, period=period, basis="current")
    logger.info("Warmed the KPI cache for %s by segment and tier.", ", ".join(period.label for period in periods))
