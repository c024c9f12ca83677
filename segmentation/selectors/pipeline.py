"""Reads about recompute runs: freshness for pages and the API, run changes, and the nightly run's health."""

import datetime
import statistics

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from ..models import RecomputeRun, RunStatus, SegmentMembership, StageChange, TierChange

# How many recent published runs give the usual duration.
USUAL_DURATION_SAMPLE = 5
# A nightly run counts as missed this long after its scheduled time if none has published.
NIGHTLY_GRACE = datetime.timedelta(hours=1)


def recompute_last_published():
    """Return the latest published run, or None before the first one."""
    return RecomputeRun.objects.filter(status=RunStatus.PUBLISHED).order_by("-finished_at", "-id").first()


def recompute_active():
    """Return the run in progress, or None."""
    return RecomputeRun.objects.filter(active=True).first()


def tiers_computed_at():
    """Return when the tiers, stages and scores users see were published, or None if never."""
    run = recompute_last_published()
    return run.finished_at if run else None


def recompute_stale_after():
    """Return how long a run may take before the sweeper fails it.

    That is twice the median duration of the latest published runs, and at
    least RECOMPUTE_MIN_STALE_SECONDS.
    """
    minimum = datetime.timedelta(seconds=settings.RECOMPUTE_MIN_STALE_SECONDS)
    recent = RecomputeRun.objects.filter(status=RunStatus.PUBLISHED, finished_at__isnull=False).order_by("-id")[
        :USUAL_DURATION_SAMPLE
    ]
    durations = [run.duration for run in recent]
    if not durations:
        return minimum
    return max(minimum, 2 * statistics.median(durations))


def run_changes(run):
    """Return what a run changed: tier moves, stage moves and segment entries and exits."""
    tier_moves = (
        TierChange.objects.filter(run=run).order_by().values("from_tier", "to_tier").annotate(accounts=Count("id"))
    )
    stage_moves = (
        StageChange.objects.filter(run=run).order_by().values("from_stage", "to_stage").annotate(accounts=Count("id"))
    )
    return {
        "tier_moves": {
            f"{_tier_name(move['from_tier'])} -> {_tier_name(move['to_tier'])}": move["accounts"] for move in tier_moves
        },
        "stage_moves": {
            f"{move['from_stage'] or 'none'} -> {move['to_stage']}": move["accounts"] for move in stage_moves
        },
        "segment_entries": SegmentMembership.objects.filter(entered_run_id=run.pk).count(),
        "segment_exits": SegmentMembership.objects.filter(exited_run_id=run.pk).count(),
    }


def _tier_name(tier):
    return f"tier {tier}" if tier else "not ICP"


def nightly_due_at(now=None):
    """Return the latest scheduled nightly run time at or before `now`, as an aware datetime."""
    now = timezone.localtime(now or timezone.now())
    scheduled = now.replace(
        hour=settings.NIGHTLY_RECOMPUTE_HOUR, minute=settings.NIGHTLY_RECOMPUTE_MINUTE, second=0, microsecond=0
    )
    if scheduled > now:
        previous_day = (now - datetime.timedelta(days=1)).date()
        scheduled = datetime.datetime.combine(previous_day, scheduled.timetz()).replace(tzinfo=now.tzinfo)
        scheduled = timezone.localtime(scheduled)
    return scheduled


def recompute_health(now=None):
    """Return the freshness of the published results and any problem with the nightly run.

    The result contains computed_at (when the results users see were
    published), running (the run in progress, or None) and problem: None,
    or a sentence saying that the last nightly run failed or was missed.
    A nightly run is missed when no full run published between its
    scheduled time and NIGHTLY_GRACE after it.
    """
    now = now or timezone.now()
    last = recompute_last_published()
    due = nightly_due_at(now)
    problem = None
    covered = RecomputeRun.objects.filter(status=RunStatus.PUBLISHED, full=True, as_of__gte=due).exists()
    if not covered:
        failed = (
            RecomputeRun.objects.filter(status=RunStatus.FAILED, created_at__gte=due).order_by("-id").first()
        )
        active = recompute_active()
        due_text = timezone.localtime(due).strftime("%Y-%m-%d %H:%M %Z")
        if failed is not None and active is None:
            problem = f"The recompute due at {due_text} failed (run #{failed.pk}): {failed.error}"
        elif now - due > NIGHTLY_GRACE and active is None:
            problem = (
                f"The nightly recompute due at {due_text} has not run: check that Celery beat and a worker "
                "for the pipeline queue are running."
            )
    return {
        "computed_at": last.finished_at if last else None,
        "last_run": last,
        "running": recompute_active(),
        "problem": problem,
    }
