"""The pipeline on real Celery workers: same results as in-process, single flight, killed workers, writes."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from accounts.models import Account
from config.celery import app
from segmentation.models import IcpExplanation, RecomputeRun
from segmentation.services.defaults import pipeline_defaults_seed
from segmentation.services.pipeline import RecomputeInProgress, recompute_request
from tests.postgres import second_connection

from .pipeline_helpers import add_contact, add_event, add_opportunity, days_before, edit, make_account, refreshed

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_SECONDS = 90
PIPELINE_COLUMNS = [
    "id", "lifecycle_stage", "motion", "icp_score", "icp_tier", "engagement_score", "in_market",
    "open_pipeline", "won_revenue", "last_activity_at", "buying_roles_covered", "buying_roles_engaged",
]


def build_accounts(count=12):
    from django.utils import timezone

    pipeline_defaults_seed()
    now = timezone.now()
    made = []
    for index in range(count):
        account = make_account(
            f"Account {index}",
            industry=["Software", "Retail", "Financial Services"][index % 3],
            employee_count=120 * (index + 1),
            region=["North America", "EMEA", "APAC"][index % 3],
            strategic_value=(index % 5) + 1,
        )
        if index % 4 == 1:
            add_opportunity(account, "won")
        if index % 3 == 0:
            add_opportunity(account, "open", amount="2500")
        add_contact(account, ["economic_buyer", "champion", "user"][index % 3])
        add_event(account, "content_download", days_before(now, index))
        made.append(account)
    return made


def snapshot():
    return list(Account.objects.order_by("id").values_list(*PIPELINE_COLUMNS))


def explanations():
    return list(
        IcpExplanation.objects.filter(is_current=True)
        .order_by("account_id")
        .values_list("account_id", "score", "computed_tier", "tier", "points", "inputs")
    )


def wait_for_run(run, timeout=RUN_TIMEOUT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in ("published", "failed"):
            return run
        time.sleep(0.2)
    pytest.fail(f"run #{run.pk} was still {run.status} after {timeout} s; see artifacts/celery-worker.log")


def wait_until(condition, message, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(message)


def child_pids(parent_pid):
    """Return the ids of the processes whose parent is parent_pid, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent_pid:
            children.append(int(stat.parent.name))
    return children


def run_in_process(settings):
    """Run the pipeline eagerly in the test process, as a single worker would."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    try:
        run = recompute_request(trigger="cli", full=True)
    finally:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
    return wait_for_run(run)


def test_two_workers_match_one_process(settings):
    settings.RECOMPUTE_CHUNK_SIZE = 3
    build_accounts()
    single = run_in_process(settings)
    assert single.status == "published", single.error
    in_process = snapshot()
    in_process_explanations = explanations()

    run = wait_for_run(recompute_request(trigger="api", full=True))

    assert run.status == "published", run.error
    assert run.chunks_total == 4
    assert snapshot() == in_process
    assert explanations() == in_process_explanations
    assert run.counts["accounts_derived_updated"] == 0
    assert run.counts["tier_changes"] == 0
    assert run.counts["stage_changes"] == 0
    assert run.counts["icp_explanations_written"] == 0


def test_runs_requested_together_give_one():
    build_accounts(4)
    barrier = threading.Barrier(2)
    started, refused = [], []

    def request():
        try:
            barrier.wait(timeout=10)
            started.append(recompute_request(trigger="ui"))
        except RecomputeInProgress as busy:
            refused.append(busy)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(started) == 1
    assert len(refused) == 1
    assert "already running" in str(refused[0])
    assert wait_for_run(started[0]).status == "published"
    assert RecomputeRun.objects.count() == 1


def test_killed_worker_keeps_previous_results(celery_worker_process):
    accounts = build_accounts(6)
    first = wait_for_run(recompute_request(trigger="cli"))
    assert first.status == "published", first.error
    before = snapshot()
    assert refreshed(accounts[2]).lifecycle_stage == "prospect"
    add_opportunity(accounts[2], "won", amount="4000")

    # Hold the staging table so that the run's chunk tasks block inside their transactions.
    blocker = second_connection()
    cursor = blocker.cursor()
    cursor.execute("LOCK TABLE accounts_derivedattributesstaging IN EXCLUSIVE MODE")
    try:
        run = recompute_request(trigger="api")

        def chunk_blocked():
            with connection.cursor() as check:
                check.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%%INSERT INTO accounts_derivedattributesstaging%%'"
                )
                return check.fetchone()[0] > 0

        wait_until(chunk_blocked, "no chunk task reached the staging table")

        # An API write while the run is in progress must not wait for it or get lost.
        edit(accounts[4], industry="Software", strategic_value=5)

        for pid in child_pids(celery_worker_process.pid):
            os.kill(pid, signal.SIGKILL)

        run.refresh_from_db()
        assert run.status == "running"
        assert snapshot() == before
    finally:
        blocker.rollback()
        blocker.close()

    # Celery sends the killed task again and the run finishes.
    run = wait_for_run(run)
    assert run.status == "published", run.error
    assert refreshed(accounts[2]).lifecycle_stage == "customer"
    assert refreshed(accounts[2]).won_revenue == 4000
    assert refreshed(accounts[4]).industry == "Software"
    assert refreshed(accounts[4]).strategic_value == 5

    after = wait_for_run(recompute_request(trigger="cli"))
    assert after.status == "published", after.error
    assert refreshed(accounts[4]).icp_score > before[4][3]


def test_worker_settings_for_pipeline_tasks():
    from segmentation import tasks

    for task in (tasks.pipeline_chunk_task, tasks.pipeline_publish_task, tasks.pipeline_sweep_task):
        assert task.acks_late
        assert task.reject_on_worker_lost
        assert task.time_limit
        assert task.soft_time_limit < task.time_limit
    assert tasks.pipeline_chunk_task.autoretry_for == tasks.TRANSIENT_ERRORS
    assert tasks.pipeline_chunk_task.retry_backoff_max == 120
    assert app.amqp.router.route({}, "segmentation.tasks.pipeline_chunk_task")["queue"].name == "pipeline"
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > 2 * tasks.pipeline_chunk_task.time_limit
