"""The recompute pipeline: idempotence, incremental runs, single flight, failures, sweeping and health."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone

from accounts.derived import DERIVED_ATTRIBUTES_STEP
from accounts.models import Account, DerivedAttributesStaging
from accounts.pipeline import PipelineStep
from segmentation.models import (
    IcpExplanation,
    IcpScoreStaging,
    LifecycleStaging,
    RecomputeChunk,
    RecomputeRun,
    StageChange,
    TierChange,
)
from segmentation.selectors.pipeline import recompute_health, recompute_stale_after, tiers_computed_at
from segmentation.services.defaults import pipeline_defaults_seed
from segmentation.services.pipeline import (
    RecomputeInProgress,
    recompute_publish,
    recompute_report_health,
    recompute_request,
    recompute_sweep,
)
from segmentation.services.segments import segment_create
from segmentation.steps import ICP_STEP, LIFECYCLE_STEP, SEGMENTS_STEP

from .pipeline_helpers import (  # noqa: F401 - eager_pipeline is a fixture
    add_contact,
    add_event,
    add_opportunity,
    days_before,
    eager_pipeline,
    edit,
    make_account,
    make_user,
    refreshed,
    run_pipeline,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_pipeline")]

PIPELINE_COLUMNS = [
    "id", "lifecycle_stage", "motion", "icp_score", "icp_tier", "engagement_score", "in_market",
    "open_pipeline", "won_revenue", "last_activity_at", "buying_roles_covered", "buying_roles_engaged",
]


@pytest.fixture
def accounts():
    pipeline_defaults_seed()
    now = timezone.now()
    made = []
    for index in range(7):
        account = make_account(
            f"Account {index}",
            industry=["Software", "Retail", "Financial Services"][index % 3],
            employee_count=150 * (index + 1),
            region=["North America", "EMEA", "APAC"][index % 3],
            technologies=["Salesforce", "Snowflake"][: index % 3],
            strategic_value=(index % 5) + 1,
        )
        if index % 2:
            add_opportunity(account, "won")
        if index % 3 == 0:
            add_opportunity(account, "open", amount="5000")
        add_contact(account, ["economic_buyer", "champion", "user"][index % 3])
        add_event(account, "meeting", days_before(now, index))
        made.append(account)
    return made


def snapshot():
    return list(Account.objects.order_by("id").values_list(*PIPELINE_COLUMNS))


def staged_rows(run):
    """Return how many accounts the run's derived attributes step staged."""
    return next(step["rows"] for step in run.steps if step["phase"] == "stage")


def history_rows():
    return (TierChange.objects.count(), StageChange.objects.count(), IcpExplanation.objects.count())


def test_first_run_fills_every_account(accounts):
    run = run_pipeline()

    assert run.status == "published", run.error
    assert run.full
    assert run.chunks_total == 4
    assert run.chunks_done == 4
    assert Account.objects.filter(lifecycle_stage="").count() == 0
    assert Account.objects.filter(icp_score__isnull=True).count() == 0
    # Later steps, such as play enrollments and KPI snapshots, follow these.
    assert [step["step"] for step in run.steps][:5] == [
        "derived_attributes", "derived_attributes", "lifecycle_stage", "icp_score", "segment_memberships",
    ]
    assert tiers_computed_at() == run.finished_at


def test_second_run_changes_nothing(accounts):
    run_pipeline()
    before = snapshot()
    history = history_rows()

    again = run_pipeline()

    assert again.status == "published"
    assert not again.full
    assert again.chunks_total == 0
    assert snapshot() == before
    assert history_rows() == history
    assert again.changes == {"tier_moves": {}, "stage_moves": {}, "segment_entries": 0, "segment_exits": 0}
    assert again.counts["accounts_derived_updated"] == 0
    assert again.counts["icp_changed"] == 0


def test_full_rerun_writes_no_rows(accounts):
    run_pipeline()
    before = snapshot()
    history = history_rows()

    again = run_pipeline(full=True)

    assert snapshot() == before
    assert history_rows() == history
    assert again.counts["tier_changes"] == 0
    assert again.counts["stage_changes"] == 0
    assert again.counts["icp_explanations_written"] == 0
    assert again.counts["accounts_derived_updated"] == 0


def test_incremental_run_covers_changed_accounts(accounts):
    run_pipeline()
    changed = accounts[2]
    add_opportunity(changed, "open")
    edit(accounts[4], industry="Software")

    run = run_pipeline()

    assert not run.full
    assert staged_rows(run) == 2
    assert run.counts["stage_changes"] == 1
    assert run.counts["icp_changed"] == 1
    assert refreshed(changed).lifecycle_stage == "active_opportunity"
    assert refreshed(changed).open_pipeline > 0


def test_new_day_runs_in_full(accounts):
    first = run_pipeline()

    tomorrow = run_pipeline(now=first.as_of + datetime.timedelta(days=1))

    assert tomorrow.full
    assert staged_rows(tomorrow) == len(accounts)


def test_settings_change_runs_in_full(accounts):
    run_pipeline()
    from accounts.models import EngagementSettings

    EngagementSettings.objects.create(event_weights={"meeting": 1})

    run = run_pipeline()

    assert run.full
    assert run.counts["accounts_derived_updated"] == len(accounts)


def test_chunk_size_does_not_change_results(accounts, settings):
    run_pipeline()
    small = snapshot()
    settings.RECOMPUTE_CHUNK_SIZE = 1000

    run = run_pipeline(full=True)

    assert run.chunks_total == 1
    assert snapshot() == small


def test_second_request_is_refused_while_running(accounts):
    running = RecomputeRun.objects.create(trigger="ui", full=True, as_of=timezone.now())

    with pytest.raises(RecomputeInProgress, match=f"already running: run #{running.pk}") as busy:
        recompute_request(trigger="cli")

    assert busy.value.run == running
    assert RecomputeRun.objects.count() == 1


def test_failed_publish_keeps_previous_results(accounts, settings):
    run_pipeline()
    before = snapshot()
    history = history_rows()
    add_opportunity(accounts[2], "open")
    settings.RECOMPUTE_PIPELINE_STEPS = "tests.segmentation.test_pipeline.FAILING_STEPS"

    failed = run_pipeline()

    assert failed.status == "failed"
    assert "RuntimeError: the segments step broke" in failed.error
    assert failed.active is None
    assert snapshot() == before
    assert history_rows() == history
    assert not DerivedAttributesStaging.objects.exists()
    assert not LifecycleStaging.objects.exists()
    assert not IcpScoreStaging.objects.exists()

    settings.RECOMPUTE_PIPELINE_STEPS = "config.pipeline.STEPS"
    recovered = run_pipeline()

    assert recovered.status == "published"
    assert refreshed(accounts[2]).lifecycle_stage == "active_opportunity"


def _broken_publish(context):
    raise RuntimeError("the segments step broke")


FAILING_STEPS = [
    DERIVED_ATTRIBUTES_STEP,
    LIFECYCLE_STEP,
    ICP_STEP,
    PipelineStep(name="broken", publish=_broken_publish),
    SEGMENTS_STEP,
]


def test_failed_chunk_fails_run(accounts, settings):
    run_pipeline()
    before = snapshot()
    add_opportunity(accounts[0], "won")
    settings.RECOMPUTE_PIPELINE_STEPS = "tests.segmentation.test_pipeline.FAILING_CHUNK_STEPS"

    failed = run_pipeline(full=True)

    assert failed.status == "failed"
    assert "chunk broke" in failed.error
    assert snapshot() == before
    assert not DerivedAttributesStaging.objects.exists()


def _broken_chunk(context, low_id, high_id):
    raise ValueError("chunk broke")


FAILING_CHUNK_STEPS = [DERIVED_ATTRIBUTES_STEP, PipelineStep(name="broken", stage_chunk=_broken_chunk)]


def test_sweeper_fails_stuck_run_and_next_run_completes(accounts):
    stuck = RecomputeRun.objects.create(trigger="nightly", full=True, as_of=timezone.now(), chunks_total=3)
    RecomputeRun.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))

    actions = recompute_sweep()

    stuck.refresh_from_db()
    assert actions["failed"] == [stuck.pk]
    assert stuck.status == "failed"
    assert "Stopped by the sweeper" in stuck.error
    assert run_pipeline().status == "published"


def test_request_sweeps_a_dead_run_first(accounts):
    dead = RecomputeRun.objects.create(trigger="nightly", full=True, as_of=timezone.now())
    RecomputeRun.objects.filter(pk=dead.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    run = run_pipeline()

    assert run.status == "published"
    assert RecomputeRun.objects.get(pk=dead.pk).status == "failed"


def test_sweeper_keeps_a_young_run(accounts):
    young = RecomputeRun.objects.create(trigger="ui", full=True, as_of=timezone.now(), chunks_total=2)

    actions = recompute_sweep()

    assert actions == {"failed": [], "published": [], "resent_chunks": []}
    assert RecomputeRun.objects.get(pk=young.pk).status == "running"


def test_sweeper_publishes_run_whose_callback_was_lost(accounts):
    run = RecomputeRun.objects.create(
        trigger="ui", full=True, as_of=timezone.now(), chunks_total=0,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=5),
    )

    actions = recompute_sweep()

    assert actions["published"] == [run.pk]
    assert RecomputeRun.objects.get(pk=run.pk).status == "published"


def test_sweeper_resends_lost_chunks(accounts):
    run = RecomputeRun.objects.create(trigger="ui", full=True, as_of=timezone.now(), chunks_total=1)
    ids = Account.objects.order_by("id").values_list("id", flat=True)
    RecomputeChunk.objects.create(run=run, index=0, low_id=ids.first(), high_id=ids.last())
    RecomputeRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=6))

    actions = recompute_sweep()

    assert actions["resent_chunks"] == [run.pk]
    assert RecomputeRun.objects.get(pk=run.pk).status == "published"


def test_publish_runs_once(accounts):
    run = run_pipeline()

    assert recompute_publish(run_id=run.pk) is None


def test_stale_limit_is_twice_usual_duration(settings):
    settings.RECOMPUTE_MIN_STALE_SECONDS = 60
    now = timezone.now()
    for minutes in (10, 20, 30):
        run = RecomputeRun.objects.create(trigger="cli", full=True, as_of=now, status="published", active=None)
        RecomputeRun.objects.filter(pk=run.pk).update(
            created_at=now - datetime.timedelta(minutes=minutes), finished_at=now
        )

    assert recompute_stale_after() == datetime.timedelta(minutes=40)


def test_segments_follow_the_new_tiers(accounts):
    owner = make_user()
    segment = segment_create(
        name="Tier 1 and 2",
        slug="top-tiers",
        lens="icp",
        rule={"field": "icp_tier", "op": "in", "value": [1, 2]},
        owner=owner,
        status="active",
    )
    run = run_pipeline()

    expected = Account.objects.filter(icp_tier__in=[1, 2]).count()
    assert run.changes["segment_entries"] == expected
    assert segment.memberships.filter(exited_at__isnull=True).count() == expected

    again = run_pipeline(full=True)
    assert again.changes["segment_entries"] == 0
    assert again.changes["segment_exits"] == 0


def test_health_reports_missed_nightly(settings):
    settings.NIGHTLY_RECOMPUTE_HOUR = 2
    settings.NIGHTLY_RECOMPUTE_MINUTE = 0
    now = timezone.localtime().replace(hour=5, minute=0)

    health = recompute_health(now)

    assert "has not run" in health["problem"]
    assert health["computed_at"] is None


def test_health_reports_failed_nightly(settings, caplog):
    settings.NIGHTLY_RECOMPUTE_HOUR = 2
    settings.NIGHTLY_RECOMPUTE_MINUTE = 0
    now = timezone.localtime().replace(hour=2, minute=30)
    run = RecomputeRun.objects.create(
        trigger="nightly", full=True, as_of=now, status="failed", active=None, error="worker lost"
    )
    # created_at is set to the wall clock on create; the run was requested at now, after the due time.
    RecomputeRun.objects.filter(pk=run.pk).update(created_at=now)

    problem = recompute_report_health(now=now)

    assert "failed" in problem
    assert "worker lost" in problem
    assert any(record.levelname == "ERROR" and "worker lost" in record.message for record in caplog.records)


def test_health_fine_after_full_run(accounts, settings):
    run = run_pipeline(full=True)
    settings.NIGHTLY_RECOMPUTE_HOUR = timezone.localtime(run.as_of).hour
    settings.NIGHTLY_RECOMPUTE_MINUTE = 0

    health = recompute_health(run.as_of + datetime.timedelta(hours=2))

    assert health["problem"] is None
    assert health["last_run"] == run


def test_nightly_schedule_in_settings(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["nightly-recompute"]

    assert schedule["task"] == "segmentation.tasks.pipeline_nightly_task"
    assert schedule["schedule"].hour == {settings.NIGHTLY_RECOMPUTE_HOUR}
    assert schedule["schedule"].minute == {settings.NIGHTLY_RECOMPUTE_MINUTE}


def test_command_prints_run_as_json(accounts):
    output = io.StringIO()

    call_command("recompute", "--json", "--wait", stdout=output)

    summary = json.loads(output.getvalue())
    assert summary["status"] == "published"
    assert summary["trigger"] == "cli"
    assert summary["full"] is True
    assert "tier_moves" in summary["changes"]


def test_command_reports_run_in_progress(accounts):
    RecomputeRun.objects.create(trigger="nightly", full=True, as_of=timezone.now())

    with pytest.raises(CommandError, match="already running"):
        call_command("recompute", stdout=io.StringIO())


def test_request_rejects_unknown_trigger():
    with pytest.raises(ValueError, match="Unknown recompute trigger 'cron'"):
        recompute_request(trigger="cron")


def test_past_run_time_keeps_next_run_incremental(accounts):
    past = timezone.now() - datetime.timedelta(days=400)
    run_pipeline(now=past)

    again = run_pipeline(now=past + datetime.timedelta(minutes=1))

    assert not again.full
    assert again.chunks_total == 0


class _Deadlock(Exception):
    pgcode = "40P01"


_deadlocks_left = []


def _deadlock_once(context):
    if _deadlocks_left:
        _deadlocks_left.pop()
        try:
            raise _Deadlock("deadlock detected")
        except _Deadlock as cause:
            raise OperationalError("deadlock detected") from cause
    return {}


DEADLOCKING_STEPS = [DERIVED_ATTRIBUTES_STEP, LIFECYCLE_STEP, PipelineStep(name="deadlock", publish=_deadlock_once)]


def test_publish_retries_after_deadlock(accounts, settings):
    settings.RECOMPUTE_PIPELINE_STEPS = "tests.segmentation.test_pipeline.DEADLOCKING_STEPS"
    _deadlocks_left.append(True)

    run = run_pipeline()

    assert run.status == "published", run.error
    assert not _deadlocks_left
    assert Account.objects.filter(lifecycle_stage="").count() == 0
