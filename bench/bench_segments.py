"""Benchmark segment rules on the standard data set (1,000,000 accounts,
about 3,000,000 contacts and 10,000,000 engagement events).

It measures, each beside the same work written by hand in SQL in the same run:

1. the preview count of a rule with five conditions, one of them a
   quantifier over engagement events (at least 2 content downloads in 30
   days), through segment_preview and through the compiled query alone;
2. materializing 20 realistic segments with segment_recompute, in
   dependency order: first from an empty membership (every member enters),
   then again a day later (only the differences are written). The baseline
   runs the same statements by hand (an UPDATE for exits, an INSERT ...
   SELECT ... EXCEPT for entries, the member count) into a parallel set of
   segments.

Both sides must select the same records; the script stops if they do not.
Goals: preview under 1 s, 20 segments under 30 s, each within 1.5x of the
hand-written SQL.

Usage: python bench/bench_segments.py [--repeats N] [--keep]
Needs BENCH_DATABASE_URL (see bench/common.py). The benchmark segments are
deleted at the end unless --keep is given.
"""

import argparse
import datetime
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PREFIX = "bench-segments-"
HAND_PREFIX = "bench-segments-hand-"
# The evening of the data set's as-of date; the second pass runs a day later.
RUN_TIME = datetime.datetime.combine(common.STANDARD_AS_OF, datetime.time(20), tzinfo=datetime.UTC)
PREVIEW_GOAL_SECONDS = 1.0
SEGMENTS_GOAL_SECONDS = 30.0
RATIO_GOAL = 1.5

PREVIEW_RULE = {"all": [
    {"field": "industry", "op": "in", "value": ["Software", "Financial Services"]},
    {"field": "region", "op": "eq", "value": "North America"},
    {"field": "employee_count", "op": "gte", "value": 200},
    {"field": "technologies", "op": "any_of", "value": ["Salesforce", "HubSpot"]},
    {"related": "events", "where": {"field": "type", "op": "eq", "value": "content_download"},
     "within_days": 30, "op": "gte", "count": 2},
]}


def tags_sql(column, values):
    """Hand-written tag match with the rule semantics: any element equal to a value, ignoring case and spaces."""
    quoted = ", ".join(f"'{value.lower()}'" for value in values)
    return (
        f"CASE WHEN jsonb_typeof(a.{column}) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements_text("
        f"a.{column}) AS tag WHERE lower(btrim(tag)) IN ({quoted})) ELSE false END"
    )


PREVIEW_SQL = f"""
    SELECT count(*) FROM accounts_account a
    WHERE lower(btrim(a.industry)) IN ('software', 'financial services')
      AND lower(btrim(a.region)) = 'north america'
      AND a.employee_count >= 200
      AND {tags_sql("technologies", ["Salesforce", "HubSpot"])}
      AND (SELECT count(*) FROM accounts_engagementevent e
           WHERE e.account_id = a.id AND e.type = 'content_download'
             AND e.occurred_at >= %(days_30)s AND e.occurred_at <= %(now)s) >= 2
"""

# (slug, rule, the same condition by hand over accounts a). %(name)s are
# window bounds computed for the run time; {hand:slug} is the id of the
# hand-written counterpart of a referenced segment.
SEGMENTS = [
    ("na-software",
     {"all": [{"field": "industry", "op": "eq", "value": "Software"},
              {"field": "region", "op": "eq", "value": "North America"}]},
     "lower(btrim(a.industry)) = 'software' AND lower(btrim(a.region)) = 'north america'"),
    ("emea-finance",
     {"all": [{"field": "region", "op": "eq", "value": "EMEA"},
              {"field": "industry", "op": "in", "value": ["Financial Services", "Insurance"]}]},
     "lower(btrim(a.region)) = 'emea' AND lower(btrim(a.industry)) IN ('financial services', 'insurance')"),
    ("enterprise", {"field": "employee_count", "op": "gte", "value": 5000}, "a.employee_count >= 5000"),
    ("mid-market", {"field": "employee_count", "op": "between", "value": [200, 4999]},
     "a.employee_count BETWEEN 200 AND 4999"),
    ("small-business", {"field": "employee_count", "op": "lt", "value": 200}, "a.employee_count < 200"),
    ("public", {"field": "ownership_type", "op": "eq", "value": "public"}, "a.ownership_type = 'public'"),
    ("salesforce-users", {"field": "technologies", "op": "any_of", "value": ["Salesforce"]},
     tags_sql("technologies", ["Salesforce"])),
    ("data-stack", {"field": "technologies", "op": "any_of", "value": ["Snowflake", "BigQuery", "Databricks"]},
     tags_sql("technologies", ["Snowflake", "BigQuery", "Databricks"])),
    ("no-crm",
     {"field": "technologies", "op": "none_of", "value": ["Salesforce", "HubSpot", "Microsoft Dynamics 365"]},
     f"NOT ({tags_sql('technologies', ['Salesforce', 'HubSpot', 'Microsoft Dynamics 365'])})"),
    ("large-revenue", {"field": "annual_revenue", "op": "gte", "value": 100000000},
     "a.annual_revenue >= 100000000"),
    ("us-healthcare",
     {"all": [{"field": "industry", "op": "in", "value": ["Healthcare", "Pharmaceuticals"]},
              {"field": "country", "op": "eq", "value": "US"}]},
     "lower(btrim(a.industry)) IN ('healthcare', 'pharmaceuticals') AND a.country = 'US'"),
    ("economic-buyer-known",
     {"related": "contacts", "where": {"field": "buying_role", "op": "eq", "value": "economic_buyer"}},
     "EXISTS (SELECT 1 FROM accounts_contact c WHERE c.account_id = a.id AND c.buying_role = 'economic_buyer')"),
    ("executive-coverage",
     {"related": "contacts", "where": {"field": "seniority", "op": "in", "value": ["c_level", "vp"]},
      "op": "gte", "count": 2},
     "(SELECT count(*) FROM accounts_contact c WHERE c.account_id = a.id AND c.seniority IN ('c_level', 'vp')) >= 2"),
    ("recent-downloads",
     {"related": "events", "where": {"field": "type", "op": "eq", "value": "content_download"},
      "within_days": 30, "op": "gte", "count": 2},
     "(SELECT count(*) FROM accounts_engagementevent e WHERE e.account_id = a.id AND e.type = 'content_download' "
     "AND e.occurred_at >= %(days_30)s AND e.occurred_at <= %(now)s) >= 2"),
    ("security-readers",
     {"related": "events", "where": {"field": "theme", "op": "eq", "value": "security"}, "within_days": 14},
     "EXISTS (SELECT 1 FROM accounts_engagementevent e WHERE e.account_id = a.id "
     "AND lower(btrim(e.theme)) = 'security' AND e.occurred_at >= %(days_14)s AND e.occurred_at <= %(now)s)"),
    ("crm-intent",
     {"related": "intent", "where": {"all": [
         {"field": "topic", "op": "in", "value": ["CRM Software", "Sales Intelligence"]},
         {"field": "score", "op": "gte", "value": 70}]}, "within_days": 30},
     "EXISTS (SELECT 1 FROM accounts_intentsignal i WHERE i.account_id = a.id "
     "AND lower(btrim(i.topic)) IN ('crm software', 'sales intelligence') AND i.score >= 70 "
     "AND i.observed_at >= %(days_30)s AND i.observed_at <= %(now)s)"),
    ("open-deals",
     {"related": "opportunities", "where": {"field": "status", "op": "eq", "value": "open"}},
     "EXISTS (SELECT 1 FROM accounts_opportunity o WHERE o.account_id = a.id AND o.status = 'open')"),
    ("won-this-quarter",
     {"related": "opportunities", "where": {"field": "status", "op": "eq", "value": "won"}, "within_days": 90},
     "EXISTS (SELECT 1 FROM accounts_opportunity o WHERE o.account_id = a.id AND o.status = 'won' "
     "AND coalesce(o.closed_date, o.created_date) BETWEEN %(first_day_90)s AND %(today)s)"),
    ("gone-quiet",
     {"not": {"related": "events", "within_days": 60}},
     "NOT EXISTS (SELECT 1 FROM accounts_engagementevent e WHERE e.account_id = a.id "
     "AND e.occurred_at >= %(days_60)s AND e.occurred_at <= %(now)s)"),
    ("na-software-engaged",
     {"all": [{"segment": PREFIX + "na-software"}, {"segment": PREFIX + "recent-downloads"}]},
     "EXISTS (SELECT 1 FROM segmentation_segmentmembership m WHERE m.segment_id = {hand:na-software} "
     "AND m.account_id = a.id AND m.exited_at IS NULL) AND EXISTS (SELECT 1 FROM segmentation_segmentmembership m "
     "WHERE m.segment_id = {hand:recent-downloads} AND m.account_id = a.id AND m.exited_at IS NULL)"),
]

HAND_EXITS = """
    UPDATE segmentation_segmentmembership m SET exited_at = %(now)s
    WHERE m.segment_id = %(segment)s AND m.exited_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = m.account_id AND ({condition}))
"""
HAND_ENTRIES = """
    INSERT INTO segmentation_segmentmembership (segment_id, account_id, entered_at)
    SELECT %(segment)s, entering.id, %(now)s FROM (
        SELECT a.id FROM accounts_account a WHERE ({condition})
        EXCEPT
        SELECT m.account_id FROM segmentation_segmentmembership m
        WHERE m.segment_id = %(segment)s AND m.exited_at IS NULL
    ) AS entering
"""
HAND_COUNT = """
    UPDATE segmentation_segment SET last_recomputed_at = %(now)s, member_count = (
        SELECT count(*) FROM segmentation_segmentmembership
        WHERE segment_id = %(segment)s AND exited_at IS NULL)
    WHERE id = %(segment)s
"""


def window_bounds(now):
    """Return the query parameters for the windows the hand-written SQL uses, as the rules define them."""
    from django.utils import timezone

    from segmentation.rules.compiler import start_of_day

    tz = timezone.get_default_timezone()
    today = now.astimezone(tz).date()
    bounds = {"now": now, "today": today, "first_day_90": today - datetime.timedelta(days=89)}
    for days in (14, 30, 60):
        bounds[f"days_{days}"] = start_of_day(today - datetime.timedelta(days=days - 1), tz)
    return bounds


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def ratio(measured, baseline):
    return measured / baseline if baseline else float("inf")


def bench_preview(repeats):
    from django.db import connection

    from segmentation.rules.compiler import matching_queryset
    from segmentation.services import segment_preview

    bounds = window_bounds(RUN_TIME)
    preview_times, count_times, hand_times = [], [], []
    for _ in range(repeats):
        seconds, preview = timed(lambda: segment_preview(object_type="accounts", rule=PREVIEW_RULE, now=RUN_TIME))
        preview_times.append(seconds)
        seconds, count = timed(lambda: matching_queryset(PREVIEW_RULE, now=RUN_TIME).count())
        count_times.append(seconds)
        with connection.cursor() as cursor:
            seconds, _ = timed(lambda: cursor.execute(PREVIEW_SQL, bounds))
            hand_count = cursor.fetchone()[0]
        hand_times.append(seconds)
        if not preview["count"] == count == hand_count:
            raise SystemExit(f"Preview counts differ: preview {preview['count']}, compiled {count}, hand {hand_count}.")
    preview_median = statistics.median(preview_times)
    count_median = statistics.median(count_times)
    hand_median = statistics.median(hand_times)
    print(f"\nPreview of a five-condition rule with an event quantifier ({count:,} matching accounts), "
          f"median of {repeats}:")
    print(f"  segment_preview (count, sample of 20): {preview_median:7.3f} s  "
          f"ratio {ratio(preview_median, hand_median):.2f}x")
    print(f"  compiled query count:                  {count_median:7.3f} s  "
          f"ratio {ratio(count_median, hand_median):.2f}x")
    print(f"  hand-written SQL count:                {hand_median:7.3f} s")
    return preview_median, count_median, hand_median


def segments_create():
    """Create the 20 segments and their hand-written counterparts, with empty memberships."""
    from segmentation.models import Lens, Segment, SegmentStatus
    from segmentation.services import segment_create

    Segment.objects.filter(slug__startswith=PREFIX).delete()
    segments, hand_segments = {}, {}
    for slug, rule, _ in SEGMENTS:
        segments[slug] = segment_create(
            name=f"Benchmark {slug}", slug=PREFIX + slug, lens=Lens.FIRMOGRAPHIC, rule=rule,
            status=SegmentStatus.DRAFT,
        )
        # The hand-written side writes into its own segment rows; its rule is
        # never compiled.
        hand_segments[slug] = Segment.objects.create(
            name=f"Benchmark by hand {slug}", slug=HAND_PREFIX + slug, lens=Lens.FIRMOGRAPHIC,
            rule={"field": "name", "op": "is_empty"}, status=SegmentStatus.DRAFT,
        )
    return segments, hand_segments


def hand_condition(condition, hand_segments):
    for slug, segment in hand_segments.items():
        condition = condition.replace("{hand:" + slug + "}", str(segment.pk))
    return condition


def materialize(segments, hand_segments, now):
    """Recompute every segment both ways at time now; return rows and the two totals.

    The segments run in dependency order, one at a time, and each one both
    ways before the next, with the side that goes first alternating, so
    neither side always reads the tables the other just brought into the
    cache. This is the work segments_recompute_all does, including its
    statistics refresh before segments that reference a changed one; the
    hand-written side refreshes at the same points.
    """
    from django.db import connection, transaction

    from segmentation.services import segment_recompute
    from segmentation.services.segments import ANALYZE_AFTER_CHANGED_ROWS

    bounds = window_bounds(now)
    referenced = {"na-software", "recent-downloads"}
    with connection.cursor() as cursor:
        # Both sides start from the same fresh planner statistics.
        cursor.execute("ANALYZE segmentation_segmentmembership")

    rows = []
    for index, (slug, _, condition) in enumerate(SEGMENTS):
        condition = hand_condition(condition, hand_segments)
        params = {**bounds, "segment": hand_segments[slug].pk}

        def by_rules():
            counts = segment_recompute(segment=segments[slug], now=now)
            if slug in referenced and counts.entered + counts.exited >= ANALYZE_AFTER_CHANGED_ROWS:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE segmentation_segmentmembership")
            return counts

        def by_hand():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(HAND_EXITS.format(condition=condition), params)
                changed = cursor.rowcount
                cursor.execute(HAND_ENTRIES.format(condition=condition), params)
                changed += cursor.rowcount
                cursor.execute(HAND_COUNT, params)
            if slug in referenced and changed >= ANALYZE_AFTER_CHANGED_ROWS:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE segmentation_segmentmembership")

        if index % 2 == 0:
            rules_seconds, counts = timed(by_rules)
            hand_seconds, _ = timed(by_hand)
        else:
            hand_seconds, _ = timed(by_hand)
            rules_seconds, counts = timed(by_rules)
        differences = membership_differences(segments[slug].pk, hand_segments[slug].pk)
        if differences:
            raise SystemExit(f"Segment {slug}: {differences} accounts differ between the rule and the hand SQL.")
        rows.append((slug, counts.members, counts.entered, counts.exited, rules_seconds, hand_seconds))
    return rows, sum(row[4] for row in rows), sum(row[5] for row in rows)


def membership_differences(segment_id, hand_segment_id):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM (
                (SELECT account_id FROM segmentation_segmentmembership WHERE segment_id = %s AND exited_at IS NULL
                 EXCEPT SELECT account_id FROM segmentation_segmentmembership
                        WHERE segment_id = %s AND exited_at IS NULL)
                UNION ALL
                (SELECT account_id FROM segmentation_segmentmembership WHERE segment_id = %s AND exited_at IS NULL
                 EXCEPT SELECT account_id FROM segmentation_segmentmembership
                        WHERE segment_id = %s AND exited_at IS NULL)
            ) AS differing
            """,
            [segment_id, hand_segment_id, hand_segment_id, segment_id],
        )
        return cursor.fetchone()[0]


def print_materialization(title, rows, rules_total, hand_total):
    print(f"\n{title}:")
    print(f"  {'segment':<24} {'members':>9} {'entered':>9} {'exited':>7} {'rules s':>8} {'hand s':>8} {'ratio':>6}")
    for slug, members, entered, exited, rules_seconds, hand_seconds in rows:
        print(f"  {slug:<24} {members:>9,} {entered:>9,} {exited:>7,} {rules_seconds:>8.2f} {hand_seconds:>8.2f} "
              f"{ratio(rules_seconds, hand_seconds):>5.2f}x")
    print(f"  {'total':<24} {'':>9} {'':>9} {'':>7} {rules_total:>8.2f} {hand_total:>8.2f} "
          f"{ratio(rules_total, hand_total):>5.2f}x")
    return rules_total, hand_total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="Preview measurements to take the median of.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark segments and memberships.")
    args = parser.parse_args()

    common.standard_dataset_ensure()
    from django.db import connection

    # One log line per recompute would bury the table of figures.
    logging.getLogger("segmentation").setLevel(logging.WARNING)

    print("Machine:", common.machine_description())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    preview_median, count_median, hand_median = bench_preview(args.repeats)

    segments, hand_segments = segments_create()
    first = print_materialization(
        "Materializing 20 segments from an empty membership", *materialize(segments, hand_segments, RUN_TIME)
    )
    second = print_materialization(
        "Recomputing the 20 segments a day later",
        *materialize(segments, hand_segments, RUN_TIME + datetime.timedelta(days=1)),
    )

    print("\nGoals:")
    print(f"  preview under {PREVIEW_GOAL_SECONDS:.0f} s: {preview_median:.3f} s "
          f"({'met' if preview_median < PREVIEW_GOAL_SECONDS else 'missed'})")
    for label, (orm_total, hand_total) in [("first", first), ("next day", second)]:
        print(f"  20 segments ({label}) under {SEGMENTS_GOAL_SECONDS:.0f} s: {orm_total:.2f} s "
              f"({'met' if orm_total < SEGMENTS_GOAL_SECONDS else 'missed'}), "
              f"{ratio(orm_total, hand_total):.2f}x the hand-written SQL")
    print(f"  preview within {RATIO_GOAL}x of hand-written SQL: {ratio(preview_median, hand_median):.2f}x")

    if not args.keep:
        from segmentation.models import Segment

        Segment.objects.filter(slug__startswith=PREFIX).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
