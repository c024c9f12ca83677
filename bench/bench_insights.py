"""Benchmark the insights dashboard on the standard data set (1,000,000 accounts, about 500,000 deals).

It creates twenty segments with the rule engine, entered in the middle of
the period, twelve months of ARR for every account with ARR, and exchange
rates for the data set's currencies, then times full requests through
Django's test client:

- the KPI dashboard for the twenty segments, a quarter, today's membership;
- the same grouped as of entry, by tier, and the overlap, verdict and
  backtest pages.

The dashboard is timed with the segment combinations and first touches
precomputed (as after a recompute) and with both stale (as after a change
that no update has followed yet). The baseline, measured in the same run, is the same
figures for the twenty segments written by hand as four plain SQL
aggregates with no conversion, shaping or rendering. The segments are drafts, so the nightly pipeline and
its benchmark never recompute them. Everything the script creates is
deleted at the end unless --keep is given; a later run reuses kept segments.

Usage: python bench/bench_insights.py [--repeat N] [--keep]
Needs BENCH_DATABASE_URL (see bench/common.py).
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

SEGMENT_PREFIX = "bench-insights-"
USER_NAME = "bench-insights"
PERIOD = "2025-Q2"
# The segments are materialized in the middle of the period, so touches in the data follow their entries.
ENTRY_DAY = datetime.date(2025, 5, 15)
GOAL_SECONDS = 2.0

# Twenty segments over fields the generator fills without a recompute.
SEGMENTS = [
    ("software", {"field": "industry", "op": "eq", "value": "Software"}),
    ("financial-services", {"field": "industry", "op": "eq", "value": "Financial Services"}),
    ("healthcare", {"field": "industry", "op": "eq", "value": "Healthcare"}),
    ("manufacturing", {"field": "industry", "op": "eq", "value": "Manufacturing"}),
    ("north-america", {"field": "region", "op": "eq", "value": "North America"}),
    ("emea", {"field": "region", "op": "eq", "value": "EMEA"}),
    ("apac", {"field": "region", "op": "eq", "value": "APAC"}),
    ("us", {"field": "country", "op": "eq", "value": "US"}),
    ("enterprise", {"field": "employee_count", "op": "gte", "value": 5000}),
    ("mid-market", {"field": "employee_count", "op": "between", "value": [200, 4999]}),
    ("small-business", {"field": "employee_count", "op": "lt", "value": 200}),
    ("big-revenue", {"field": "annual_revenue", "op": "gte", "value": 1_000_000_000}),
    ("public", {"field": "ownership_type", "op": "eq", "value": "public"}),
    ("private", {"field": "ownership_type", "op": "eq", "value": "private"}),
    ("crm-users", {"field": "technologies", "op": "any_of", "value": ["Salesforce", "HubSpot"]}),
    ("aws", {"field": "technologies", "op": "any_of", "value": ["AWS"]}),
    ("strategic", {"field": "strategic_value", "op": "gte", "value": 4}),
    ("paying", {"field": "arr", "op": "gt", "value": 0}),
    ("healthy", {"field": "health_score", "op": "gte", "value": 70}),
    ("software-na", {"all": [{"field": "industry", "op": "eq", "value": "Software"},
                             {"field": "region", "op": "eq", "value": "North America"}]}),
]

ARR_SEED = """
    INSERT INTO accounts_arrsnapshot (account_id, month, arr, currency, source, created_at, updated_at)
    SELECT a.id, m.month::date,
           round((a.arr * (0.85 + 0.3 * mod(a.id * 7919 + extract(month FROM m.month)::int * 104729, 1000) / 1000.0))
                 ::numeric, 2),
           a.currency, 'bench-insights', now(), now()
    FROM accounts_account a
    CROSS JOIN generate_series(%s::date, %s::date, interval '1 month') AS m(month)
    WHERE a.arr > 0 AND mod(a.id + extract(month FROM m.month)::int, 25) <> 0
"""

# The baseline: the same figures for the same segments, as four hand-written aggregates.
BASELINE = [
    """
    SELECT m.segment_id, o.currency,
           count(*) FILTER (WHERE o.created_date BETWEEN %(start)s AND %(end)s),
           sum(o.amount) FILTER (WHERE o.created_date BETWEEN %(start)s AND %(end)s),
           sum(o.amount) FILTER (WHERE o.created_date <= %(end)s AND (o.status = 'open' OR o.closed_date > %(end)s)),
           count(*) FILTER (WHERE o.status = 'won' AND o.closed_date BETWEEN %(start)s AND %(end)s),
           count(*) FILTER (WHERE o.status = 'lost' AND o.closed_date BETWEEN %(start)s AND %(end)s),
           avg(o.amount) FILTER (WHERE o.status = 'won' AND o.closed_date BETWEEN %(start)s AND %(end)s),
           avg(o.closed_date - o.created_date) FILTER (WHERE o.status = 'won' AND o.closed_date BETWEEN %(start)s AND %(end)s)
    FROM accounts_opportunity o JOIN segmentation_segmentmembership m ON m.account_id = o.account_id
    WHERE m.exited_at IS NULL AND m.segment_id = ANY(%(segments)s)
      AND (o.created_date BETWEEN %(start)s AND %(end)s OR o.closed_date BETWEEN %(start)s AND %(end)s
           OR (o.created_date <= %(end)s AND (o.status = 'open' OR o.closed_date > %(end)s)))
    GROUP BY m.segment_id, o.currency
    """,
    """
    SELECT m.segment_id, count(*) FROM segmentation_segmentmembership m
    WHERE m.exited_at IS NULL AND m.segment_id = ANY(%(segments)s) GROUP BY m.segment_id
    """,
    """
    SELECT m.segment_id, c.currency, sum(c.opening), sum(c.closing) FROM (
        SELECT account_id, currency, sum(arr) FILTER (WHERE month = %(opening)s) AS opening,
               coalesce(sum(arr) FILTER (WHERE month = %(closing)s), 0) AS closing
        FROM accounts_arrsnapshot WHERE month IN (%(opening)s, %(closing)s) GROUP BY account_id, currency
    ) c JOIN segmentation_segmentmembership m ON m.account_id = c.account_id
    WHERE m.exited_at IS NULL AND m.segment_id = ANY(%(segments)s) AND c.opening > 0
    GROUP BY m.segment_id, c.currency
    """,
    """
    SELECT m.segment_id, count(*), sum(t.met) FROM (
        SELECT account_id, max(CASE WHEN type = 'meeting' THEN 1 ELSE 0 END) AS met
        FROM accounts_engagementevent
        WHERE type IN ('meeting', 'call', 'email_reply') AND occurred_at >= %(start_at)s AND occurred_at < %(end_at)s
        GROUP BY account_id
    ) t JOIN segmentation_segmentmembership m ON m.account_id = t.account_id
    WHERE m.exited_at IS NULL AND m.segment_id = ANY(%(segments)s)
    GROUP BY m.segment_id
    """,
]


def execute(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def cleanup():
    from django.contrib.auth import get_user_model

    from accounts.models import ArrSnapshot
    from insights.models import ExchangeRate
    from segmentation.models import Segment

    ids = list(Segment.objects.filter(slug__startswith=SEGMENT_PREFIX).values_list("pk", flat=True))
    if ids:
        # One plain DELETE by segment is far faster than the ORM's cascade over millions of rows.
        execute("DELETE FROM insights_staytouch WHERE segment_id = ANY(%s)", [ids])
        execute("DELETE FROM segmentation_segmentmembership WHERE segment_id = ANY(%s)", [ids])
        Segment.objects.filter(pk__in=ids).delete()
    ArrSnapshot.objects.filter(source="bench-insights").delete()
    ExchangeRate.objects.filter(valid_from=datetime.date(2000, 1, 1)).delete()
    get_user_model().objects.filter(username=USER_NAME).delete()


def prepare():
    """Create the segments with their memberships, the ARR history and the exchange rates, or reuse kept ones."""
    from accounts.models import ArrSnapshot

    segments = segments_prepare()
    if not ArrSnapshot.objects.filter(source="bench-insights").exists():
        started = time.perf_counter()
        arr_rows = execute(ARR_SEED, [datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)])
        execute("ANALYZE accounts_arrsnapshot")
        print(f"Wrote {arr_rows:,} ARR snapshots in {time.perf_counter() - started:.1f} s.", flush=True)
    rates_prepare()
    return segments


def segments_prepare():
    from segmentation.models import Segment
    from segmentation.services.segments import segment_create, segment_recompute

    existing = list(Segment.objects.filter(slug__startswith=SEGMENT_PREFIX).order_by("pk"))
    if len(existing) == len(SEGMENTS) and all(
        segment.member_count and segment.last_recomputed_at.date() == ENTRY_DAY for segment in existing
    ):
        print(f"Reusing the {len(existing)} segments kept by an earlier run.", flush=True)
        return existing
    cleanup()
    entered = datetime.datetime.combine(ENTRY_DAY, datetime.time(2), tzinfo=datetime.timezone.utc)
    started = time.perf_counter()
    segments = []
    for suffix, rule in SEGMENTS:
        segment = segment_create(
            name=f"Bench {suffix}", slug=f"{SEGMENT_PREFIX}{suffix}", lens="firmographic", rule=rule, status="draft"
        )
        segment_recompute(segment=segment, now=entered)
        segments.append(segment)
    execute("ANALYZE segmentation_segmentmembership")
    members = sum(segment.member_count for segment in segments)
    print(f"Materialized 20 segments, {members:,} memberships, in {time.perf_counter() - started:.1f} s.", flush=True)
    return segments


def rates_prepare():
    from django.db import connection

    from insights.models import ExchangeRate

    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT currency FROM accounts_opportunity UNION SELECT DISTINCT currency FROM accounts_account")
        currencies = sorted(row[0] for row in cursor.fetchall())
    ExchangeRate.objects.bulk_create(
        [ExchangeRate(currency=code, valid_from=datetime.date(2000, 1, 1), rate=1.1) for code in currencies if code != "USD"],
        ignore_conflicts=True,
    )
    print(f"Exchange rates for {', '.join(code for code in currencies if code != 'USD')}.", flush=True)


def timed(label, function, repeat, *, cold=False):
    """Time `function` after one warm-up call; with cold, the KPI cache is emptied before each timed call."""
    from django.core.cache import caches

    function()  # warm PostgreSQL's buffers once, as a server that has served a request before
    seconds = []
    for _ in range(repeat):
        if cold:
            # A new key version empties the cache without FLUSHDB on a Redis that Celery may share.
            caches["insights"].version = time.time_ns()
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    print(f"{label:<58} median {median:6.3f} s  (min {min(seconds):.3f}, max {max(seconds):.3f})", flush=True)
    return median


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Timed requests per page after one warm-up request.")
    parser.add_argument("--keep", action="store_true", help="Keep the segments, ARR and rates for a later run.")
    options = parser.parse_args()

    common.standard_dataset_ensure()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from insights import combinations as segment_combinations
    from insights import touches as stay_touches
    from insights.combinations import combinations_rebuild
    from insights.touches import touch_figures_update
    from insights.kpis.queries import analytics_settings
    from insights.periods import parse_period

    print(f"Machine: {common.machine_description()}", flush=True)
    try:
        segments = prepare()
        setup_test_environment()
        get_user_model().objects.filter(username=USER_NAME).delete()  # left by an interrupted run
        user = get_user_model().objects.create_superuser(USER_NAME, password=None)
        client = Client()
        client.force_login(user)
        ids = ",".join(str(segment.pk) for segment in segments)

        def page(path, **query):
            def request():
                response = client.get(path, query)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}: {response.content[:500]!r}")
            return request

        period = parse_period(PERIOD)
        parameters = {
            "segments": [segment.pk for segment in segments],
            "start": period.start, "end": period.end,
            "opening": period.month_before, "closing": period.last_month,
            "start_at": period.start_at, "end_at": period.end_before,
        }

        def baseline():
            # The same session settings as the product's analytic queries: JIT off, more work memory.
            with analytics_settings(), connection.cursor() as cursor:
                for sql in BASELINE:
                    cursor.execute(sql, parameters)
                    cursor.fetchall()

        print(f"\nPeriod {PERIOD}; {options.repeat} timed requests each after one warm-up.", flush=True)
        base = timed("Baseline: hand-written SQL, 20 segments", baseline, options.repeat)
        build = combinations_rebuild()
        print(f"Built {build.combinations:,} segment combinations of {build.accounts:,} accounts "
              f"in {build.seconds:.1f} s.", flush=True)
        update = touch_figures_update()
        print(f"Stored first touches: {update.stays:,} touched stays from {update.changes:,} logged changes "
              f"in {update.seconds:.1f} s.", flush=True)
        dashboard_page = page("/insights/", period=PERIOD, segments=ids.split(","))
        dashboard = timed("Dashboard, 20 segments, computed (cache empty)", dashboard_page, options.repeat, cold=True)

        def from_memberships():
            # As between a change and the next update: the combinations and first touches are stale.
            combinations_ready = segment_combinations.combinations_ready
            touches_ready = stay_touches.touch_figures_ready
            segment_combinations.combinations_ready = stay_touches.touch_figures_ready = lambda: False
            try:
                dashboard_page()
            finally:
                segment_combinations.combinations_ready = combinations_ready
                stay_touches.touch_figures_ready = touches_ready

        stale = timed("Dashboard, 20 segments, computed, nothing precomputed", from_memberships, options.repeat,
                      cold=True)
        cached = timed("Dashboard, 20 segments, from the KPI cache", dashboard_page, options.repeat)
        results = [
            ("Dashboard, 20 segments, as of entry, computed", page("/insights/", period=PERIOD, basis="entry",
                                                                     segments=ids.split(",")), True),
            ("Dashboard by tier, computed", page("/insights/", period=PERIOD, grouping="tier"), True),
            ("ICP backtest, published tiers", page("/insights/backtest/", period=PERIOD), False),
            ("Overlap matrix, 20 segments", page("/insights/overlap/", segments=ids), False),
            ("Segment verdicts, 20 segments", page("/insights/verdicts/", period=PERIOD, segments=ids), False),
        ]
        figures = [(label, timed(label, function, options.repeat, cold=cold)) for label, function, cold in results]

        print(f"\nDashboard for 20 segments: computed in {dashboard:.3f} s, {dashboard / base:.1f}x the hand-written "
              f"SQL ({base:.3f} s); {stale:.3f} s with nothing precomputed; from the cache in {cached:.3f} s. "
              f"Goal {GOAL_SECONDS:.1f} s: "
              f"{'met' if dashboard < GOAL_SECONDS else 'missed'} when computed, "
              f"{'met' if cached < GOAL_SECONDS else 'missed'} from the cache.", flush=True)
        for label, seconds in figures:
            print(f"  {label}: {seconds / base:.1f}x the baseline", flush=True)
    finally:
        if options.keep:
            get_user_model().objects.filter(username=USER_NAME).delete()
        else:
            cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
