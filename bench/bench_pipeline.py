"""Benchmark the nightly recompute pipeline on the standard data set (1,000,000 accounts).

With 20 active segments, it measures:

1. the first full run after every pipeline column has been reset, so every
   account changes (stages, tiers, explanations, memberships are all new);
2. a second run on the same day with unchanged data, which must write no row;
3. a full run on the next day, where engagement decays and windows move;

each on a Celery worker with two processes over Redis, with the work
that follows a run (compaction, combination builds, cache warm-up) on a
maintenance worker of its own, as docker-compose.yml deploys them (without
Redis the run is eager in this process). The baseline is
the same steps written by hand in SQL (derived attributes, lifecycle stage,
ICP score and tier, and the 20 segment memberships as entries and exits),
run on the same reset columns in one session. A naive per-row ORM
implementation runs on a 10,000-account sample and is extrapolated to the
whole data set.

Usage: python bench/bench_pipeline.py [--skip-naive] [--skip-hand-written] [--existing-data] [--accounts N]

--accounts N generates a data set of N accounts, in proportion to the
standard one, into BENCH_DATABASE_URL, which must then name a database of
its own.
Needs BENCH_DATABASE_URL (see bench/common.py) and, for the worker, Redis
at REDIS_URL (default redis://127.0.0.1:6379/4).
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4"
os.environ["REDIS_URL"] = REDIS_URL

SEGMENT_PREFIX = "bench-pipeline-"
NAIVE_SAMPLE = 10_000
WORKER_PROCESSES = 2
RUN_TIMEOUT_SECONDS = 1800
# The run time: the evening of the data set's as-of date.
RUN_TIME = datetime.datetime.combine(common.STANDARD_AS_OF, datetime.time(20), tzinfo=datetime.timezone.utc)

# (slug suffix, rule): twenty realistic segments over every lens.
SEGMENTS = [
    ("tier-1", {"field": "icp_tier", "op": "eq", "value": 1}),
    ("top-tiers-na", {"all": [{"field": "icp_tier", "op": "in", "value": [1, 2]},
                              {"field": "region", "op": "eq", "value": "North America"}]}),
    ("software-in-market", {"all": [{"field": "industry", "op": "eq", "value": "Software"},
                                    {"field": "in_market", "op": "eq", "value": True}]}),
    ("enterprise", {"field": "employee_count", "op": "gte", "value": 5000}),
    ("mid-market", {"field": "employee_count", "op": "between", "value": [200, 4999]}),
    ("small-business", {"field": "employee_count", "op": "lt", "value": 200}),
    ("customers", {"field": "lifecycle_stage", "op": "in", "value": ["customer", "expansion", "renewal"]}),
    ("at-risk", {"field": "lifecycle_stage", "op": "eq", "value": "at_risk"}),
    ("big-pipeline", {"field": "open_pipeline", "op": "gt", "value": 100000}),
    ("engaged", {"field": "engagement_score", "op": "gte", "value": 20}),
    ("recent-downloads", {"related": "events", "where": {"field": "type", "op": "eq", "value": "content_download"},
                          "within_days": 30, "op": "gte", "count": 2}),
    ("buyer-known", {"field": "buying_roles_covered", "op": "any_of", "value": ["economic_buyer"]}),
    ("emea-finance", {"all": [{"field": "region", "op": "eq", "value": "EMEA"},
                              {"field": "industry", "op": "eq", "value": "Financial Services"}]}),
    ("gone-quiet", {"any": [{"field": "last_activity_at", "op": "is_empty"},
                            {"not": {"field": "last_activity_at", "op": "within_last_days", "value": 90}}]}),
    ("crm-users", {"field": "technologies", "op": "any_of", "value": ["Salesforce", "HubSpot"]}),
    ("public", {"field": "ownership_type", "op": "eq", "value": "public"}),
    ("security-intent", {"related": "intent", "where": {"all": [
        {"field": "topic", "op": "contains", "value": "security"}, {"field": "score", "op": "gte", "value": 60}]},
        "within_days": 30, "op": "gte", "count": 1}),
    ("won-big", {"field": "won_revenue", "op": "gte", "value": 50000}),
    ("strategic", {"field": "strategic_value", "op": "gte", "value": 4}),
    ("tier-3-prospects", {"all": [{"field": "icp_tier", "op": "eq", "value": 3},
                                  {"field": "lifecycle_stage", "op": "eq", "value": "prospect"}]}),
]

# The same twenty conditions written by hand, over accounts a and their own columns.
HAND_SEGMENTS = [
    "a.icp_tier = 1",
    "a.icp_tier IN (1, 2) AND lower(btrim(a.region)) = 'north america'",
    "lower(btrim(a.industry)) = 'software' AND a.in_market",
    "a.employee_count >= 5000",
    "a.employee_count BETWEEN 200 AND 4999",
    "a.employee_count < 200",
    "a.lifecycle_stage IN ('customer', 'expansion', 'renewal')",
    "a.lifecycle_stage = 'at_risk'",
    "a.open_pipeline > 100000",
    "a.engagement_score >= 20",
    "(SELECT count(*) FROM accounts_engagementevent e WHERE e.account_id = a.id AND e.type = 'content_download'"
    " AND e.occurred_at >= %(window_30)s AND e.occurred_at <= %(now)s) >= 2",
    "a.buying_roles_covered @> '[\"economic_buyer\"]'",
    "lower(btrim(a.region)) = 'emea' AND lower(btrim(a.industry)) = 'financial services'",
    "a.last_activity_at IS NULL OR NOT (a.last_activity_at >= %(window_90)s AND a.last_activity_at <= %(now)s)",
    "a.technologies ?| array['Salesforce', 'HubSpot']",
    "a.ownership_type = 'public'",
    "EXISTS (SELECT 1 FROM accounts_intentsignal i WHERE i.account_id = a.id AND lower(i.topic) LIKE '%%security%%'"
    " AND i.score >= 60 AND i.observed_at >= %(window_30)s AND i.observed_at <= %(now)s)",
    "a.won_revenue >= 50000",
    "a.strategic_value >= 4",
    "a.icp_tier = 3 AND a.lifecycle_stage = 'prospect'",
]

PIPELINE_RESET = """
    UPDATE accounts_account SET lifecycle_stage = '', motion = '', icp_score = NULL, icp_tier = NULL,
        engagement_score = 0, in_market = FALSE, open_pipeline = 0, won_revenue = 0, last_activity_at = NULL,
        buying_roles_covered = '[]', buying_roles_engaged = '[]'
    WHERE lifecycle_stage <> '' OR icp_score IS NOT NULL OR engagement_score <> 0 OR in_market
       OR open_pipeline <> 0 OR won_revenue <> 0 OR last_activity_at IS NOT NULL
       OR buying_roles_covered <> '[]' OR buying_roles_engaged <> '[]'
"""

HAND_MEMBERSHIP = "bench_pipeline_hand_membership"


def execute(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def segments_prepare():
    """Create the twenty segments, and turn other active segments into drafts so exactly twenty run.

    Drafts keep their stays open. Retired segments would have their stays
    closed at the run time, which fails for stays that other benchmarks
    opened at the real time, later than the data set's date.
    """
    from segmentation.models import Segment, SegmentMembership
    from segmentation.services.segments import segment_create

    others = Segment.objects.filter(status="active").exclude(slug__startswith=SEGMENT_PREFIX)
    drafted = list(others.values_list("slug", flat=True))
    others.update(status="draft")
    SegmentMembership.objects.filter(segment__slug__startswith=SEGMENT_PREFIX).delete()
    Segment.objects.filter(slug__startswith=SEGMENT_PREFIX).delete()
    for suffix, rule in SEGMENTS:
        segment_create(
            name=f"Bench {suffix}", slug=f"{SEGMENT_PREFIX}{suffix}", lens="firmographic", rule=rule, status="active"
        )
    return drafted


def pipeline_reset():
    """Reset every pipeline column and history row, so the next run starts from nothing."""
    from segmentation.models import IcpExplanation, RecomputeRun, SegmentMembership, StageChange, TierChange

    started = time.monotonic()
    execute(PIPELINE_RESET)
    for model in (TierChange, StageChange, IcpExplanation):
        execute(f"TRUNCATE {model._meta.db_table}")
    SegmentMembership.objects.filter(segment__slug__startswith=SEGMENT_PREFIX).delete()
    RecomputeRun.objects.filter(active=True).update(status="failed", active=None, error="Reset by the benchmark.")
    print(f"  (reset the pipeline columns in {time.monotonic() - started:.1f} s)", flush=True)


def vacuum_analyze():
    """Vacuum and analyze the tables the runs write, as autovacuum would between two nightly runs."""
    from django.db import connection

    connection.ensure_connection()
    previous = connection.connection.autocommit
    connection.connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for table in ("accounts_account", "segmentation_segmentmembership", "segmentation_icpexplanation",
                          "segmentation_tierchange", "segmentation_stagechange"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.connection.autocommit = previous


class Worker:
    """A Celery worker on the benchmark database for some queues, started only when Redis is reachable."""

    def __init__(self, name, queues, processes):
        self.name = name
        self.queues = queues
        self.processes = processes
        self.process = None

    def start(self):
        """Start the worker and wait until it replies to a ping; return False (runs stay eager) without Redis."""
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except (redis.RedisError, OSError) as error:
            print(f"Redis at {REDIS_URL} is not reachable ({error}); the runs are eager in this process.")
            return False
        env = dict(os.environ, DATABASE_URL=common.bench_database_url(), REDIS_URL=REDIS_URL,
                   DJANGO_SETTINGS_MODULE="config.settings.base")
        log_name = f"bench-pipeline-{self.name}.log"
        log = open(common.REPO_ROOT / "artifacts" / log_name, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", ",".join(self.queues),
             "--concurrency", str(self.processes), "--hostname", f"{self.name}@%h", "--loglevel", "INFO",
             "--without-heartbeat", "--without-gossip"],
            cwd=common.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        from config.celery import app

        deadline = time.monotonic() + 60
        while not any(host.startswith(f"{self.name}@") for reply in app.control.ping(timeout=1) for host in reply):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"The benchmark's Celery worker {self.name} did not start; see artifacts/{log_name}")
        return True

    def peak_memory_mib(self):
        """Return the largest peak resident memory of the worker's processes, in MiB."""
        if self.process is None:
            return None
        peaks = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            pid = int(status.parent.name)
            if pid == self.process.pid or fields.get("PPid", "").strip() == str(self.process.pid):
                peaks.append(int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
        return max(peaks) if peaks else None

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def redis_flush():
    """Empty the benchmark's Redis database, so no task of an earlier run is still queued."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except (redis.RedisError, OSError):
        pass  # Worker.start reports an unreachable Redis


def pipeline_run(now, *, full):
    from segmentation.models import RecomputeRun
    from segmentation.services.pipeline import recompute_request

    started = time.monotonic()
    run = recompute_request(trigger="cli", now=now, full=full)
    deadline = started + RUN_TIMEOUT_SECONDS
    while run.status not in ("published", "failed"):
        if time.monotonic() > deadline:
            raise SystemExit(f"Run #{run.pk} did not finish within {RUN_TIMEOUT_SECONDS} s.")
        time.sleep(0.25)
        run = RecomputeRun.objects.get(pk=run.pk)
    seconds = time.monotonic() - started
    if run.status != "published":
        raise SystemExit(f"Run #{run.pk} failed: {run.error}")
    return run, seconds


def written_rows():
    """Return the number of rows inserted, updated and deleted in the database so far."""
    from django.db import connection

    # Other sessions report their counts within about a second of finishing.
    time.sleep(2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables "
            "WHERE relname NOT LIKE 'bench_%%' AND relname <> 'segmentation_recomputerun' "
            "AND relname <> 'segmentation_recomputechunk'"
        )
        return int(cursor.fetchone()[0])


def print_run(label, run, seconds):
    print(f"{label}: {seconds:.1f} s ({'full' if run.full else 'incremental'}, {run.chunks_total} chunks)")
    for step in run.steps:
        figures = ", ".join(f"{key}={value}" for key, value in step.items() if key not in ("step", "phase", "seconds"))
        print(f"    {step['step']:<22} {step['phase']:<8} {step['seconds']:>7.1f} s  {figures}")
    print(f"    changes: {run.changes}", flush=True)


def hand_written_run(now):
    """Run the same steps as hand-written SQL in one session; return the seconds taken."""
    from django.db import connection

    from accounts.models import EngagementSettings
    from segmentation.models import Segment

    config = EngagementSettings.load()
    day_start = datetime.datetime.combine(now.date(), datetime.time.min, tzinfo=now.tzinfo)
    params = {
        "now": now,
        "day_start": day_start,
        "surge_from": day_start - datetime.timedelta(days=config.surge_window_days - 1),
        "baseline_from": day_start - datetime.timedelta(days=config.surge_window_days + config.baseline_days - 1),
        "intent_from": day_start - datetime.timedelta(days=config.intent_window_days - 1),
        "engaged_from": day_start - datetime.timedelta(days=config.engaged_window_days - 1),
        "window_30": day_start - datetime.timedelta(days=29),
        "window_90": day_start - datetime.timedelta(days=89),
        "window_365": (day_start - datetime.timedelta(days=364)).date(),
        "today": now.date(),
    }
    weights = " ".join(f"WHEN '{name}' THEN {config.weight_for(name)}" for name in config.event_weights)
    segment_ids = dict(Segment.objects.filter(slug__startswith=SEGMENT_PREFIX).values_list("slug", "id"))

    execute(f"DROP TABLE IF EXISTS {HAND_MEMBERSHIP}")
    execute(
        f"CREATE UNLOGGED TABLE {HAND_MEMBERSHIP} (segment_id bigint, account_id bigint, "
        "entered_at timestamptz, exited_at timestamptz)"
    )
    execute(f"CREATE INDEX ON {HAND_MEMBERSHIP} (segment_id, account_id) WHERE exited_at IS NULL")

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute(
            f"""
            UPDATE accounts_account a SET
                engagement_score = d.score, in_market = d.in_market, open_pipeline = d.open_amount,
                won_revenue = d.won_amount, last_activity_at = d.last_at
            FROM (
                SELECT x.id,
                       coalesce(ev.score, 0) AS score,
                       coalesce(it.hot, FALSE)
                         OR (coalesce(ev.recent, 0) >= {config.surge_min_events}
                             AND coalesce(ev.recent, 0) * {config.baseline_days}
                                 >= {config.surge_ratio} * coalesce(ev.baseline, 0) * {config.surge_window_days})
                         AS in_market,
                       coalesce(op.open_amount, 0) AS open_amount, coalesce(op.won_amount, 0) AS won_amount,
                       ev.last_at
                FROM accounts_account x
                LEFT JOIN (
                    SELECT account_id,
                           round(sum((CASE type {weights} ELSE 0 END)
                               * power(0.5, greatest(extract(epoch FROM (%(day_start)s - occurred_at)) / 86400.0, 0)
                                            / {config.half_life_days}))::numeric, 4) AS score,
                           count(*) FILTER (WHERE occurred_at >= %(surge_from)s) AS recent,
                           count(*) FILTER (WHERE occurred_at >= %(baseline_from)s
                                            AND occurred_at < %(surge_from)s) AS baseline,
                           max(occurred_at) AS last_at
                    FROM accounts_engagementevent GROUP BY account_id
                ) ev ON ev.account_id = x.id
                LEFT JOIN (
                    SELECT account_id,
                           sum(amount) FILTER (WHERE status = 'open') AS open_amount,
                           sum(amount) FILTER (WHERE status = 'won') AS won_amount
                    FROM accounts_opportunity GROUP BY account_id
                ) op ON op.account_id = x.id
                LEFT JOIN (
                    SELECT DISTINCT account_id, TRUE AS hot FROM accounts_intentsignal
                    WHERE observed_at >= %(intent_from)s AND score >= {config.intent_score_threshold}
                ) it ON it.account_id = x.id
            ) d
            WHERE a.id = d.id
            """,
            params,
        )
        cursor.execute(
            """
            UPDATE accounts_account a SET buying_roles_covered = r.covered, buying_roles_engaged = r.engaged
            FROM (
                SELECT c.account_id,
                       to_jsonb(array_remove(array[
                           CASE WHEN bool_or(c.buying_role = 'economic_buyer') THEN 'economic_buyer' END,
                           CASE WHEN bool_or(c.buying_role = 'champion') THEN 'champion' END,
                           CASE WHEN bool_or(c.buying_role = 'user') THEN 'user' END,
                           CASE WHEN bool_or(c.buying_role = 'technical_reviewer') THEN 'technical_reviewer' END
                       ], NULL)) AS covered,
                       to_jsonb(array_remove(array[
                           CASE WHEN bool_or(c.buying_role = 'economic_buyer' AND c.engaged) THEN 'economic_buyer' END,
                           CASE WHEN bool_or(c.buying_role = 'champion' AND c.engaged) THEN 'champion' END,
                           CASE WHEN bool_or(c.buying_role = 'user' AND c.engaged) THEN 'user' END,
                           CASE WHEN bool_or(c.buying_role = 'technical_reviewer' AND c.engaged)
                                THEN 'technical_reviewer' END
                       ], NULL)) AS engaged
                FROM (
                    SELECT c.account_id, c.buying_role,
                           EXISTS (SELECT 1 FROM accounts_engagementevent e
                                   WHERE e.contact_id = c.id AND e.occurred_at >= %(engaged_from)s) AS engaged
                    FROM accounts_contact c
                    WHERE c.buying_role IN ('economic_buyer', 'champion', 'user', 'technical_reviewer')
                ) c
                GROUP BY c.account_id
            ) r
            WHERE a.id = r.account_id
            """,
            params,
        )
        derived_seconds = time.monotonic() - started
        print(f"  hand-written derived attributes: {derived_seconds:.1f} s", flush=True)
        cursor.execute(
            """
            UPDATE accounts_account a SET
                lifecycle_stage = s.stage,
                motion = CASE s.stage WHEN 'customer' THEN 'grow' WHEN 'expansion' THEN 'grow'
                                      WHEN 'renewal' THEN 'defend' WHEN 'at_risk' THEN 'defend' ELSE 'acquire' END
            FROM (
                SELECT x.id, CASE
                    WHEN (o.won AND x.arr = 0)
                         OR (o.lost_renewal_year AND NOT o.won_year AND NOT o.open) THEN 'churned'
                    WHEN (o.won OR x.arr > 0) AND x.health_score < 40 THEN 'at_risk'
                    WHEN o.open_renewal THEN 'renewal'
                    WHEN o.open_expansion THEN 'expansion'
                    WHEN o.won OR x.arr > 0 THEN 'customer'
                    WHEN o.open THEN 'active_opportunity'
                    ELSE 'prospect' END AS stage
                FROM accounts_account x
                LEFT JOIN LATERAL (
                    SELECT coalesce(bool_or(status = 'won'), FALSE) AS won,
                           coalesce(bool_or(status = 'open'), FALSE) AS open,
                           coalesce(bool_or(status = 'open' AND type = 'renewal'), FALSE) AS open_renewal,
                           coalesce(bool_or(status = 'open' AND type = 'expansion'), FALSE) AS open_expansion,
                           coalesce(bool_or(status = 'won' AND coalesce(closed_date, created_date)
                                            BETWEEN %(window_365)s AND %(today)s), FALSE) AS won_year,
                           coalesce(bool_or(status = 'lost' AND type = 'renewal' AND coalesce(closed_date, created_date)
                                            BETWEEN %(window_365)s AND %(today)s), FALSE) AS lost_renewal_year
                    FROM accounts_opportunity WHERE account_id = x.id
                ) o ON TRUE
            ) s
            WHERE a.id = s.id
            """,
            params,
        )
        lifecycle_seconds = time.monotonic() - started - derived_seconds
        print(f"  hand-written lifecycle stage: {lifecycle_seconds:.1f} s", flush=True)
        cursor.execute(
            """
            UPDATE accounts_account a SET icp_score = s.score,
                icp_tier = CASE WHEN s.score >= 70 THEN 1 WHEN s.score >= 50 THEN 2 WHEN s.score >= 30 THEN 3 END
            FROM (
                SELECT x.id, (
                    (CASE WHEN lower(btrim(x.industry)) IN ('software', 'financial services', 'telecommunications')
                          THEN 25 ELSE 0 END)
                  + (CASE WHEN x.employee_count BETWEEN 200 AND 5000 THEN 20 ELSE 0 END)
                  + (CASE WHEN lower(btrim(x.region)) IN ('north america', 'emea') THEN 10 ELSE 0 END)
                  + (CASE WHEN x.technologies ?| array['Salesforce', 'Microsoft Dynamics 365'] THEN 10 ELSE 0 END)
                  + (CASE WHEN x.technologies ?| array['Snowflake', 'Databricks', 'BigQuery'] THEN 10 ELSE 0 END)
                  + (CASE WHEN x.strategic_value >= 4 THEN 10 ELSE 0 END)
                  + (CASE WHEN EXISTS (SELECT 1 FROM accounts_contact c WHERE c.account_id = x.id
                                       AND c.buying_role IN ('economic_buyer', 'champion')) THEN 15 ELSE 0 END)
                ) AS score
                FROM accounts_account x
            ) s
            WHERE a.id = s.id
            """,
        )
        # Planned with the statistics of before the UPDATE (every tier empty), the
        # NOT EXISTS anti-join of the first segment below ran for minutes.
        cursor.execute("ANALYZE accounts_account")
        icp_seconds = time.monotonic() - started - derived_seconds - lifecycle_seconds
        print(f"  hand-written ICP score and tier: {icp_seconds:.1f} s", flush=True)
        for (suffix, _), condition in zip(SEGMENTS, HAND_SEGMENTS):
            segment_id = segment_ids[f"{SEGMENT_PREFIX}{suffix}"]
            cursor.execute(
                f"""
                UPDATE {HAND_MEMBERSHIP} m SET exited_at = %(now)s
                WHERE m.segment_id = {segment_id} AND m.exited_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = m.account_id AND ({condition}))
                """,
                params,
            )
            cursor.execute(
                f"""
                INSERT INTO {HAND_MEMBERSHIP} (segment_id, account_id, entered_at)
                SELECT {segment_id}, a.id, %(now)s FROM accounts_account a
                WHERE ({condition}) AND NOT EXISTS (
                    SELECT 1 FROM {HAND_MEMBERSHIP} m
                    WHERE m.segment_id = {segment_id} AND m.account_id = a.id AND m.exited_at IS NULL)
                """,
                params,
            )
            cursor.execute(f"ANALYZE {HAND_MEMBERSHIP}")
    total = time.monotonic() - started
    segments_seconds = total - derived_seconds - lifecycle_seconds - icp_seconds
    print(
        f"Hand-written SQL, same steps: {total:.1f} s (derived {derived_seconds:.1f} s, lifecycle "
        f"{lifecycle_seconds:.1f} s, ICP {icp_seconds:.1f} s, 20 segments {segments_seconds:.1f} s)",
        flush=True,
    )
    execute(f"DROP TABLE {HAND_MEMBERSHIP}")
    return total


def naive_run(now, sample_size):
    """Recompute a sample of accounts one row at a time through the ORM; return the seconds taken."""
    from django.db.models import Sum

    from accounts.models import Account, EngagementSettings
    from segmentation.models import LifecycleRule, Segment, SegmentMembership
    from segmentation.rules import compile_rule
    from segmentation.scoring import criterion_condition
    from segmentation.steps import published_model

    config = EngagementSettings.load()
    model = published_model()
    criteria = list(model.criteria.all())
    total_points = sum(criterion.points for criterion in criteria)
    rules = list(LifecycleRule.objects.filter(enabled=True).order_by("priority"))
    segments = list(Segment.objects.filter(slug__startswith=SEGMENT_PREFIX))
    compiled_rules = [(rule, compile_rule(rule.rule, now=now)) for rule in rules]
    compiled_segments = [(segment, compile_rule(segment.rule, now=now)) for segment in segments]
    compiled_criteria = [(criterion, criterion_condition(criterion, now=now)) for criterion in criteria]
    day_start = datetime.datetime.combine(now.date(), datetime.time.min, tzinfo=now.tzinfo)

    started = time.monotonic()
    for account in Account.objects.order_by("id")[:sample_size]:
        score = 0.0
        for event in account.events.all():
            age = max((day_start - event.occurred_at).total_seconds() / 86400, 0)
            score += config.weight_for(event.type) * 0.5 ** (age / config.half_life_days)
        account.engagement_score = round(score, 4)
        opportunities = account.opportunities.all()
        account.open_pipeline = opportunities.filter(status="open").aggregate(total=Sum("amount"))["total"] or 0
        account.won_revenue = opportunities.filter(status="won").aggregate(total=Sum("amount"))["total"] or 0
        latest = account.events.order_by("-occurred_at").first()
        account.last_activity_at = latest.occurred_at if latest else None
        account.buying_roles_covered = sorted(
            set(account.contacts.exclude(buying_role="").values_list("buying_role", flat=True))
        )
        account.save()
        one = Account.objects.filter(pk=account.pk)
        stage = "prospect"
        for rule, condition in compiled_rules:
            if one.filter(condition).exists():
                stage = rule.stage
                break
        points = sum(criterion.points for criterion, condition in compiled_criteria if one.filter(condition).exists())
        account.lifecycle_stage = stage
        account.icp_score = (points * 200 + total_points) // (2 * total_points)
        account.save()
        for segment, condition in compiled_segments:
            member = one.filter(condition).exists()
            current = SegmentMembership.objects.filter(segment=segment, account=account, exited_at__isnull=True).first()
            if member and current is None:
                SegmentMembership.objects.create(segment=segment, account=account, entered_at=now)
            elif not member and current is not None:
                current.exited_at = now
                current.save()
    return time.monotonic() - started


MY_STEPS = {"derived_attributes", "lifecycle_stage", "icp_score", "segment_memberships"}


def other_steps_seconds(run):
    """Return the publishing seconds of steps other apps added after segment memberships."""
    return sum(step["seconds"] for step in run.steps if step["step"] not in MY_STEPS)


def smaller_dataset_ensure(accounts):
    """Generate a smaller demo data set in BENCH_DATABASE_URL, which must not be the shared benchmark database."""
    if common.bench_database_url() == common.DEFAULT_BENCH_DATABASE_URL:
        raise SystemExit("--accounts replaces the data in BENCH_DATABASE_URL: point it at a database of its own.")
    common.django_setup()
    from accounts.demo import demo_data_generate
    from accounts.models import Account

    if Account.objects.count() != accounts:
        common.demo_tables_truncate()
        demo_data_generate(accounts=accounts, seed=common.STANDARD_SEED, as_of=common.STANDARD_AS_OF, progress=False)
    return common.row_counts()


def options_parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-naive", action="store_true", help="Leave out the naive per-row ORM run.")
    parser.add_argument("--skip-hand-written", action="store_true", help="Leave out the hand-written SQL baseline.")
    parser.add_argument("--existing-data", action="store_true",
                        help="Run on whatever BENCH_DATABASE_URL holds, as a quick check of the script.")
    parser.add_argument("--accounts", type=int, metavar="N",
                        help="Generate N accounts into BENCH_DATABASE_URL, which must name a database of its own.")
    return parser.parse_args()


def main():
    options = options_parse()
    if options.existing_data:
        # A quick check of the script on whatever BENCH_DATABASE_URL holds.
        common.django_setup()
        from accounts.models import Account

        counts = {"accounts_account": Account.objects.count()}
    elif options.accounts:
        counts = smaller_dataset_ensure(options.accounts)
    else:
        counts = common.standard_dataset_ensure()
    from segmentation.services.defaults import pipeline_defaults_seed

    print(f"Machine: {common.machine_description()}")
    print(f"Data: {counts}")
    pipeline_defaults_seed()
    drafted = segments_prepare()
    if drafted:
        print(f"Turned {len(drafted)} other active segments into drafts for the run: {', '.join(drafted)}")
    (common.REPO_ROOT / "artifacts").mkdir(exist_ok=True)

    hand_seconds = None
    if not options.skip_hand_written:
        print("\nBaseline: the same steps written by hand in SQL, from reset columns", flush=True)
        pipeline_reset()
        vacuum_analyze()
        hand_seconds = hand_written_run(RUN_TIME)

    pipeline_reset()
    vacuum_analyze()
    redis_flush()
    # As docker-compose.yml deploys it: recomputes on one worker, the maintenance after them on another.
    worker = Worker("runs", ["pipeline", "default"], WORKER_PROCESSES)
    maintenance = Worker("maintenance", ["maintenance"], 1)
    try:
        on_worker = worker.start() and maintenance.start()
        workers = f"a Celery worker with {WORKER_PROCESSES} processes and a maintenance worker with one"
        print(f"\nPipeline on {workers if on_worker else 'eager Celery'}", flush=True)
        first, first_seconds = pipeline_run(RUN_TIME, full=True)
        print_run("First full run, from reset columns", first, first_seconds)

        vacuum_analyze()
        rows_before = written_rows()
        second, second_seconds = pipeline_run(RUN_TIME + datetime.timedelta(minutes=5), full=False)
        rows_written = written_rows() - rows_before
        print_run("Second run, same day, unchanged data", second, second_seconds)
        print(f"    rows written outside the run record: {rows_written}")

        vacuum_analyze()
        nightly, nightly_seconds = pipeline_run(RUN_TIME + datetime.timedelta(days=1), full=False)
        print_run("Nightly run on the next day", nightly, nightly_seconds)
        peak = worker.peak_memory_mib()
    finally:
        worker.stop()
        maintenance.stop()

    own_seconds = first_seconds - other_steps_seconds(first)
    print("\nSummary")
    print(f"  first full run      {first_seconds:7.1f} s, of which steps of other apps "
          f"{other_steps_seconds(first):.1f} s")
    if hand_seconds:
        print(f"  same four steps     {own_seconds:7.1f} s   hand-written SQL {hand_seconds:6.1f} s   "
              f"ratio {own_seconds / hand_seconds:.2f}x")
    print(f"  second run, same day {second_seconds:6.1f} s   rows written {rows_written}")
    print(f"  next-day nightly run {nightly_seconds:6.1f} s")
    if peak is not None:
        print(f"  worker peak memory  {peak:7.0f} MiB (largest process)")

    if not options.skip_naive:
        seconds = naive_run(RUN_TIME + datetime.timedelta(days=1), NAIVE_SAMPLE)
        accounts = counts.get("accounts_account", common.STANDARD_ACCOUNTS)
        here = seconds * accounts / NAIVE_SAMPLE
        standard = seconds * common.STANDARD_ACCOUNTS / NAIVE_SAMPLE
        print(f"  naive per-row ORM   {seconds:7.1f} s for {NAIVE_SAMPLE:,} accounts; extrapolated, about "
              f"{here / 3600:.1f} h for these {accounts:,} accounts ({here / nightly_seconds:.0f}x the nightly run, "
              f"{here / first_seconds:.0f}x the first run) and {standard / 3600:.1f} h for "
              f"{common.STANDARD_ACCOUNTS:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
