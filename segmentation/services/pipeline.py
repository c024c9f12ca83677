"""Running the recompute pipeline: request, stage in chunks, publish, fail and sweep.

A run is requested by recompute_request, which plans account-id chunks and
hands them to Celery as a group. Each chunk task stages every step's results
for its range and marks its chunk done in the same transaction. The task
that finishes the last chunk starts the publishing task, which runs every
step's publish in one transaction. Chunk completion lives in the database,
so the sweeper can restart a run whose last callback was lost and fail a
run that is stuck.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts import sql
from accounts.derived import any_account_changed
from accounts.models import Account
from accounts.pipeline import RunContext

from ..models import ChunkStatus, RecomputeChunk, RecomputeRun, RunStatus, RunTrigger
from ..selectors.pipeline import recompute_health, recompute_last_published, recompute_stale_after

logger = logging.getLogger(__name__)

# Any fixed number works: the lock only keeps two publishing transactions apart.
PUBLISH_LOCK_KEY = 7_311_002
# A run whose chunks have all finished but which has not started publishing
# this long after the last one is restarted by the sweeper.
LOST_CALLBACK_SECONDS = 60
# Pending chunks of a run with no finished chunk for this long are sent again.
LOST_CHUNK_SECONDS = 5 * 60
# An import or API transaction that locks several accounts in another order
# can deadlock with the publishing UPDATEs; PostgreSQL then aborts one of
# the two, and a publish it aborted is tried again this many times in all.
PUBLISH_ATTEMPTS = 3


class RecomputeInProgress(Exception):
    """A run was requested while another one is running."""

    def __init__(self, run):
        self.run = run
        started = timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M %Z")
        super().__init__(
            f"A recompute is already running: run #{run.pk}, started {started} "
            f"({run.get_trigger_display().lower()}). Wait for it to finish, then request another."
        )


def pipeline_steps():
    return import_string(settings.RECOMPUTE_PIPELINE_STEPS)


def run_context(run):
    return RunContext(run_id=run.pk, now=run.as_of, full=run.full, since=run.since, run=run)


def config_fingerprint(steps):
    """Return a digest of every step's settings; a change makes the next run a full one."""
    parts = [f"{step.name}={step.config_fingerprint()}" for step in steps if step.config_fingerprint]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def recompute_request(*, trigger, requested_by=None, full=False, now=None):
    """Start a run and return it; raise RecomputeInProgress when another run is active.

    The run covers every account when `full` is set, when there is no
    published run yet, when the calendar date has changed since the last
    published run or when a step's settings changed. Otherwise it covers
    only the accounts whose data changed since the last published run.
    With Celery in eager mode the run has finished when this returns.
    """
    if trigger not in RunTrigger.values:
        raise ValueError(f"Unknown recompute trigger {trigger!r}: use one of {', '.join(RunTrigger.values)}.")
    recompute_sweep()
    now = now or timezone.now()
    steps = pipeline_steps()
    fingerprint = config_fingerprint(steps)
    last = recompute_last_published()
    if not full:
        full = (
            last is None
            or timezone.localdate(last.as_of) != timezone.localdate(now)
            or last.config_fingerprint != fingerprint
        )
    # Changes are found by updated_at, a wall-clock time, so the watermark is
    # when the last published run was requested, whatever time it computed for.
    since = None if full else last.created_at

    try:
        with transaction.atomic():
            run = RecomputeRun.objects.create(
                trigger=trigger,
                requested_by=requested_by,
                full=full,
                since=since,
                as_of=now,
                config_fingerprint=fingerprint,
            )
            chunks = _plan_chunks(run)
            run.chunks_total = len(chunks)
            run.save(update_fields=["chunks_total"])
    except IntegrityError:
        active = RecomputeRun.objects.filter(active=True).first()
        if active is None:
            raise
        raise RecomputeInProgress(active) from None

    logger.info(
        "Recompute run %s started by %s: %s, %s chunks.",
        run.pk,
        trigger,
        "all accounts" if full else f"accounts changed since {since.isoformat()}",
        run.chunks_total,
    )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Eager tasks share this connection, so they see the run before any commit.
        _dispatch(run.pk)
    else:
        # Workers use their own connections: send the tasks once the run is committed.
        transaction.on_commit(lambda: _dispatch(run.pk))
    run.refresh_from_db()
    return run


def _plan_chunks(run):
    """Create the run's chunks: consecutive account-id ranges of at most RECOMPUTE_CHUNK_SIZE accounts.

    The ranges come from keyset queries on the primary key, so no id list is
    loaded. An incremental run with nothing changed gets no chunk.
    """
    if not run.full and not any_account_changed(run.since):
        return []
    size = settings.RECOMPUTE_CHUNK_SIZE
    ids = Account.objects.order_by("id").values_list("id", flat=True)
    low = ids.first()
    chunks = []
    while low is not None:
        high = ids.filter(id__gte=low)[size - 1 : size].first()
        if high is None:
            high = ids.last()
        chunks.append(RecomputeChunk(run=run, index=len(chunks), low_id=low, high_id=high))
        low = ids.filter(id__gt=high).first()
    RecomputeChunk.objects.bulk_create(chunks)
    return chunks


def _dispatch(run_id):
    from celery import group

    from ..tasks import pipeline_chunk_task, pipeline_publish_task

    chunk_ids = list(
        RecomputeChunk.objects.filter(run_id=run_id, status=ChunkStatus.PENDING).values_list("id", flat=True)
    )
    try:
        if chunk_ids:
            group(pipeline_chunk_task.si(chunk_id) for chunk_id in chunk_ids).apply_async()
        else:
            pipeline_publish_task.delay(run_id)
    except Exception:  # noqa: BLE001 - with eager Celery the run's own failure surfaces here
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        # The run records its error and the task logged it; the caller reads the run.
        logger.debug("Eager recompute run %s raised; its record contains the error.", run_id)


def recompute_chunk_process(*, chunk_id):
    """Stage every step's results for one chunk; return True when it was the run's last chunk.

    The chunk row stays locked while it is staged, so a second delivery of
    the same task waits and then finds the chunk done. A worker that dies
    mid-chunk rolls its transaction back, and the chunk runs again.
    """
    steps = pipeline_steps()
    with transaction.atomic():
        sql.disable_jit()
        chunk = RecomputeChunk.objects.select_for_update().get(pk=chunk_id)
        run = RecomputeRun.objects.get(pk=chunk.run_id)
        if chunk.status == ChunkStatus.DONE or run.status != RunStatus.RUNNING:
            return False
        chunk.attempts += 1
        chunk.started_at = timezone.now()
        context = run_context(run)
        rows = {}
        for step in steps:
            if step.stage_chunk is None:
                continue
            started = time.monotonic()
            staged = step.stage_chunk(context, chunk.low_id, chunk.high_id)
            rows[step.name] = {"rows": staged, "seconds": round(time.monotonic() - started, 3)}
        chunk.status = ChunkStatus.DONE
        chunk.finished_at = timezone.now()
        chunk.rows = rows
        chunk.save(update_fields=["status", "attempts", "started_at", "finished_at", "rows"])
        RecomputeRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1, heartbeat_at=timezone.now())
    run.refresh_from_db(fields=["chunks_done", "chunks_total"])
    return run.chunks_done >= run.chunks_total


def recompute_publish(*, run_id):
    """Publish a run whose chunks are all done, in one transaction; return the run, or None if not ready.

    Only one caller can move the run from running to publishing, so a
    publishing task sent twice publishes once.
    """
    claimed = RecomputeRun.objects.filter(
        pk=run_id, status=RunStatus.RUNNING, chunks_done__gte=F("chunks_total")
    ).update(status=RunStatus.PUBLISHING, heartbeat_at=timezone.now())
    if not claimed:
        return None
    run = RecomputeRun.objects.get(pk=run_id)
    context = run_context(run)
    steps = pipeline_steps()
    for attempt in range(1, PUBLISH_ATTEMPTS + 1):
        try:
            counts = _publish_once(run, context, steps)
            break
        except OperationalError as error:
            if not _is_deadlock(error) or attempt == PUBLISH_ATTEMPTS:
                recompute_fail(run_id=run_id, error=error)
                raise
            logger.warning("Recompute run %s hit a deadlock while publishing (attempt %s); retrying.", run_id, attempt)
        except Exception as error:
            recompute_fail(run_id=run_id, error=error)
            raise
    run.refresh_from_db()
    logger.info(
        "Recompute run %s published in %.1f s: %s",
        run.pk,
        run.duration.total_seconds(),
        ", ".join(f"{key}={value}" for key, value in sorted(counts.items())),
    )
    return run


def _publish_once(run, context, steps):
    """Run every step's publish and mark the run published, all in one transaction; return the counts."""
    timings = _staging_timings(run, steps)
    counts = {}
    with transaction.atomic():
        sql.disable_jit()
        _lock_publishing()
        for step in steps:
            if step.publish is None:
                continue
            started = time.monotonic()
            result = step.publish(context) or {}
            timings.append(
                {"step": step.name, "phase": "publish", "seconds": round(time.monotonic() - started, 3), **result}
            )
            counts.update(result)
        for step in steps:
            for table in step.staging_tables:
                sql.clear_table(table)
        finished = RecomputeRun.objects.filter(pk=run.pk, status=RunStatus.PUBLISHING).update(
            status=RunStatus.PUBLISHED,
            active=None,
            finished_at=timezone.now(),
            steps=timings,
            counts=counts,
            changes=_collect_changes(run),
        )
        if not finished:
            raise RuntimeError(f"Run {run.pk} was marked failed while it was publishing; its results are discarded.")
    return counts


def _is_deadlock(error):
    """Return True for PostgreSQL's deadlock error, whose SQLSTATE is 40P01."""
    return getattr(error.__cause__, "pgcode", None) == "40P01"


def _lock_publishing():
    """Keep publishing transactions apart on PostgreSQL; the lock ends with the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PUBLISH_LOCK_KEY])


def _staging_timings(run, steps):
    """Sum each step's staging rows and seconds over the run's chunks."""
    totals = {}
    for rows in RecomputeChunk.objects.filter(run=run).values_list("rows", flat=True):
        for name, figures in (rows or {}).items():
            entry = totals.setdefault(name, {"rows": 0, "seconds": 0.0})
            entry["rows"] += figures.get("rows") or 0
            entry["seconds"] += figures.get("seconds") or 0.0
    timings = []
    for step in steps:
        if step.name in totals:
            entry = totals[step.name]
            timings.append(
                {"step": step.name, "phase": "stage", "seconds": round(entry["seconds"], 3), "rows": entry["rows"]}
            )
    return timings


def _collect_changes(run):
    from ..selectors.pipeline import run_changes

    return run_changes(run)


def recompute_fail(*, run_id, error):
    """Mark an active run failed, delete its staged rows and log the error; return True if it was active."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    run = RecomputeRun.objects.filter(pk=run_id, active=True).first()
    if run is None:
        return False
    # The staged rows go first: once the run is inactive, another run may stage.
    for step in pipeline_steps():
        for table in step.staging_tables:
            sql.execute(f"DELETE FROM {table} WHERE run_id = %s", [run_id])
    updated = RecomputeRun.objects.filter(pk=run_id, active=True).update(
        status=RunStatus.FAILED, active=None, finished_at=timezone.now(), error=text[:10_000]
    )
    if updated:
        logger.error("Recompute run %s (%s) failed: %s", run_id, run.trigger, text)
    return bool(updated)


def recompute_sweep(*, now=None):
    """Fail stuck runs and restart runs whose chunks or callback were lost; return what it did."""
    now = now or timezone.now()
    stale_after = recompute_stale_after()
    actions = {"failed": [], "published": [], "resent_chunks": []}
    for run in RecomputeRun.objects.filter(active=True):
        age = now - run.created_at
        if age > stale_after:
            error = (
                f"Stopped by the sweeper: the run was still {run.status} after {int(age.total_seconds())} s, "
                f"more than twice its usual duration ({int(stale_after.total_seconds())} s). "
                "Its worker probably died; the previous results stay in place."
            )
            if recompute_fail(run_id=run.pk, error=error):
                actions["failed"].append(run.pk)
            continue
        last_progress = run.heartbeat_at or run.created_at
        idle_seconds = (now - last_progress).total_seconds()
        if run.status == RunStatus.RUNNING and run.chunks_done >= run.chunks_total:
            if idle_seconds > LOST_CALLBACK_SECONDS:
                from ..tasks import pipeline_publish_task

                logger.warning("Recompute run %s finished staging but did not publish; publishing it now.", run.pk)
                pipeline_publish_task.delay(run.pk)
                actions["published"].append(run.pk)
        elif run.status == RunStatus.RUNNING and idle_seconds > LOST_CHUNK_SECONDS:
            logger.warning("Recompute run %s made no progress for %d s; sending its pending chunks again.", run.pk, idle_seconds)
            _dispatch(run.pk)
            actions["resent_chunks"].append(run.pk)
    return actions


def recompute_report_health(*, now=None):
    """Log a failed or missed nightly run as an error, once an hour per problem; return the problem or None."""
    problem = recompute_health(now)["problem"]
    if problem and cache.add(f"recompute-health:{hashlib.sha256(problem.encode()).hexdigest()}", True, 3600):
        logger.error("%s", problem)
    return problem
