"""The contract between the recompute pipeline and the apps that add steps to it.

It lives in the lowest app so every app can provide a step without
importing the app that runs the pipeline. config/pipeline.py lists the
steps in order, and the segmentation app runs them.

A run has two phases. In the staging phase, workers call each step's
stage_chunk for one account-id range at a time, in parallel, and the step
writes its results into its own staging table under the run id. In the
publishing phase, one transaction calls each step's publish in order, and
the step copies what changed from staging into the tables users read. So a
run that fails or is killed before publishing leaves the previous results
in place.
"""

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class RunContext:
    """The run a step works for: the facts each step reads about it."""

    run_id: int
    now: datetime.datetime
    full: bool
    since: datetime.datetime | None = None
    run: object = field(default=None, compare=False, repr=False)

    @property
    def time_zone(self):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    @property
    def today(self):
        """The calendar date of the run in the configured time zone."""
        return self.now.astimezone(self.time_zone).date()

    def day_start(self, days_ago=0):
        """Return midnight, in the configured time zone, of the date `days_ago` days before the run's date."""
        date = self.today - datetime.timedelta(days=days_ago)
        return datetime.datetime.combine(date, datetime.time.min, tzinfo=self.time_zone)


@dataclass(frozen=True)
class PipelineStep:
    """One step of the recompute pipeline.

    stage_chunk(context, low_id, high_id) stages results for the accounts
    whose ids are in the inclusive range and returns the number of rows it
    staged. publish(context) runs inside the publishing transaction and
    returns a dict of counts for the run record. staging_tables names the
    tables the step stages into, each with a run_id column: the runner
    empties them when a run publishes and deletes a failed run's rows.
    config_fingerprint() returns a string that changes whenever the step's
    settings change, so the next run covers every account again. Each
    callable is optional.
    """

    name: str
    stage_chunk: Callable[[RunContext, int, int], int] | None = None
    publish: Callable[[RunContext], dict] | None = None
    staging_tables: tuple[str, ...] = ()
    config_fingerprint: Callable[[], str] | None = None
