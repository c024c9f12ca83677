"""Benchmark the server time of the main pages on PostgreSQL at 1M accounts.

Renders My accounts, the segment list and a live preview through Django's
test client, which runs URL routing, middleware, the view, its queries and
its templates, with no network in between. The data is the standard data
set of the benchmark database (BENCH_DATABASE_URL). Beside each page it measures, in the same run, the
query the page is built on, run alone: the figures show what the page adds
on top of its data. Goals: My accounts and the segment list under 300 ms,
a preview under 1 s.

    .venv/bin/python bench/bench_ui.py [--repeat N]

When no account has an ICP score yet, the set-up seeds the default ICP
model and lifecycle rules and runs the pipeline once, so lists sort by
real tiers. It also creates 20 account segments (slugs starting
bench-ui-) once, computes them and keeps them for later runs.
"""

import argparse
import statistics
import time

import common

SEGMENT_PREFIX = "bench-ui-"
PAGE_GOAL_MS = 300
PREVIEW_GOAL_MS = 1000

# Twenty realistic segments: firmographic, ICP, lifecycle, behavioral and intent.
BENCH_SEGMENTS = [
    ("Software", "firmographic", {"field": "industry", "op": "eq", "value": "Software"}),
    ("Financial services", "firmographic", {"field": "industry", "op": "in", "value": ["Financial Services", "Banking", "Insurance"]}),
    ("North America", "firmographic", {"field": "country", "op": "in", "value": ["US", "CA"]}),
    ("DACH", "firmographic", {"field": "country", "op": "in", "value": ["DE", "AT", "CH"]}),
    ("Enterprise", "firmographic", {"field": "employee_count", "op": "gte", "value": 5000}),
    ("Mid-market", "firmographic", {"field": "employee_count", "op": "between", "value": [200, 4999]}),
    ("Public companies", "firmographic", {"field": "ownership_type", "op": "eq", "value": "public"}),
    ("Tier 1", "icp", {"field": "icp_tier", "op": "eq", "value": 1}),
    ("Tier 1 and 2", "icp", {"field": "icp_tier", "op": "in", "value": [1, 2]}),
    ("High fit, not in market", "icp", {"all": [{"field": "icp_score", "op": "gte", "value": 70}, {"field": "in_market", "op": "eq", "value": False}]}),
    ("Customers", "lifecycle", {"field": "lifecycle_stage", "op": "in", "value": ["customer", "expansion", "renewal"]}),
    ("At risk", "lifecycle", {"field": "lifecycle_stage", "op": "eq", "value": "at_risk"}),
    ("Open pipeline over 100k", "lifecycle", {"field": "open_pipeline", "op": "gt", "value": 100000}),
    ("In market", "behavioral", {"field": "in_market", "op": "eq", "value": True}),
    ("Engaged last 30 days", "behavioral", {"field": "last_activity_at", "op": "within_last_days", "value": 30}),
    ("Downloaders", "behavioral", {"related": "events", "where": {"field": "type", "op": "eq", "value": "content_download"}, "within_days": 90, "op": "gte", "count": 2}),
    ("Security intent", "behavioral", {"related": "intent", "where": {"all": [{"field": "topic", "op": "contains", "value": "security"}, {"field": "score", "op": "gte", "value": 60}]}, "within_days": 30, "op": "gte", "count": 1}),
    ("Economic buyer known", "persona", {"related": "contacts", "where": {"field": "buying_role", "op": "eq", "value": "economic_buyer"}, "op": "gte", "count": 1}),
    ("No champion", "persona", {"not": {"related": "contacts", "where": {"field": "buying_role", "op": "eq", "value": "champion"}, "op": "gte", "count": 1}}),
    ("Needs SSO", "needs", {"field": "needs", "op": "any_of", "value": ["SSO", "Single sign-on"]}),
]

# The preview's rule: five conditions and one event quantifier, as the
# builder posts it.
PREVIEW_FORM = {
    "r-kind": "all",
    "r_0-kind": "condition", "r_0-field": "industry", "r_0-op": "in", "r_0-value": "Software\nTechnology",
    "r_1-kind": "condition", "r_1-field": "employee_count", "r_1-op": "gte", "r_1-value": "200",
    "r_2-kind": "condition", "r_2-field": "country", "r_2-op": "in", "r_2-value": "US\nCA\nGB\nDE",
    "r_3-kind": "condition", "r_3-field": "lifecycle_stage", "r_3-op": "neq", "r_3-value": "churned",
    "r_4-kind": "condition", "r_4-field": "annual_revenue", "r_4-op": "gte", "r_4-value": "10000000",
    "r_5-kind": "related", "r_5-related": "events", "r_5-count_op": "gte", "r_5-count": "3", "r_5-within_days": "30",
    "r_5_w-kind": "all",
    "r_5_w_0-kind": "condition", "r_5_w_0-field": "type", "r_5_w_0-op": "eq", "r_5_w_0-value": "content_download",
}


def median_ms(function, repeat):
    """Run function once to warm caches, then repeat times; return the median in milliseconds."""
    function()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def tiers_ensure():
    """Give the accounts ICP scores, tiers and stages when none has any: seed the default ICP model and
    lifecycle rules where none exist, then run the pipeline once over every account.

    Returns the seconds the run took, or None when the accounts were scored already.
    """
    from accounts.models import Account
    from segmentation.models import RunTrigger
    from segmentation.services.defaults import pipeline_defaults_seed
    from segmentation.services.pipeline import recompute_request

    if Account.objects.filter(icp_score__isnull=False).exists():
        return None
    print("No account has an ICP score: seeding the pipeline defaults and running it over every account.", flush=True)
    pipeline_defaults_seed()
    started = time.perf_counter()
    run = recompute_request(trigger=RunTrigger.CLI, full=True)
    seconds = time.perf_counter() - started
    print(f"Recompute run #{run.pk} ended {run.status} in {seconds:.0f} s.", flush=True)
    return seconds


def segments_ensure(owner):
    """Create the benchmark segments that are missing and recompute those older than the last run; return them."""
    from django.utils import timezone

    from segmentation.models import Segment, SegmentStatus
    from segmentation.selectors.pipeline import recompute_last_published
    from segmentation.services import segment_create, segment_recompute

    segments = []
    now = timezone.now()
    # A run recomputes every active segment before it publishes, so a segment
    # computed after the last published run started is up to date.
    last_run = recompute_last_published()
    run_started = last_run.created_at if last_run else None
    for index, (name, lens, rule) in enumerate(BENCH_SEGMENTS):
        slug = f"{SEGMENT_PREFIX}{index:02d}"
        segment = Segment.objects.filter(slug=slug).first()
        if segment is None:
            segment = segment_create(
                name=name, slug=slug, lens=lens, rule=rule, owner=owner, status=SegmentStatus.ACTIVE
            )
        stale = segment.last_recomputed_at is None or (run_started and segment.last_recomputed_at < run_started)
        if stale:
            started = time.perf_counter()
            segment_recompute(segment=segment, now=now)
            print(f"  computed segment {name}: {segment.member_count:,} members in {time.perf_counter() - started:.1f} s")
        segments.append(segment)
    return segments


def bench_user(username, role):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import ROLE_GROUPS

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="Timed repetitions per figure; the median is reported.")
    args = parser.parse_args()

    common.standard_dataset_ensure()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from accounts.models import Account
    from segmentation.builder import node_from_form, rule_from_node
    from segmentation.rules import compile_rule
    from segmentation.selectors.overview import segment_rows
    from workspace.selectors.account_lists import LIST_COLUMNS, AccountFilters, account_count, account_list_queryset

    setup_test_environment()
    print(common.machine_description())
    pipeline_seconds = tiers_ensure()

    revops = bench_user("bench-ui-revops", "revops")
    segments = segments_ensure(revops)
    owner_id, owned = (
        Account.objects.exclude(owner=None).order_by().values_list("owner").annotate(n=Count("id")).order_by("-n")[0]
    )
    rep = Account.objects.filter(owner_id=owner_id).first().owner
    print(f"Rep {rep.username} owns {owned:,} accounts; {len(segments)} benchmark segments.")

    rep_client = Client()
    rep_client.force_login(rep)
    revops_client = Client()
    revops_client.force_login(revops)

    def get(client, url, data=None):
        response = client.get(url, data or {})
        assert response.status_code == 200, (url, response.status_code)

    def rows_alone(filters):
        list(account_list_queryset(filters).values(*LIST_COLUMNS, "tier_rank", "score_rank")[:51])

    first_page = rep_client.get("/accounts/").context["page"]
    figures = []

    def measure(label, page_function, baseline_label, baseline_function, goal_ms):
        page_ms = median_ms(page_function, args.repeat)
        baseline_ms = median_ms(baseline_function, args.repeat)
        figures.append((label, page_ms, baseline_label, baseline_ms, goal_ms))
        status = "meets" if page_ms < goal_ms else "MISSES"
        print(
            f"{label}: {page_ms:.0f} ms (goal {goal_ms} ms, {status}); {baseline_label}: {baseline_ms:.0f} ms; "
            f"ratio {page_ms / baseline_ms:.1f}x",
            flush=True,
        )

    own = AccountFilters(owner_id=rep.pk)
    measure("My accounts, first page", lambda: get(rep_client, "/accounts/"),
            "its row query alone", lambda: rows_alone(own), PAGE_GOAL_MS)
    measure("My accounts, next page", lambda: get(rep_client, "/accounts/", {"after": first_page.next_cursor}),
            "its row query alone", lambda: rows_alone(own), PAGE_GOAL_MS)
    hot = AccountFilters(owner_id=rep.pk, tiers=(1, 2), in_market=True)
    measure("My accounts, Tier 1-2 in market", lambda: get(rep_client, "/accounts/", {"tier": ["1", "2"], "in_market": "yes"}),
            "its row query alone", lambda: rows_alone(hot), PAGE_GOAL_MS)
    search = AccountFilters(owner_id=rep.pk, text="tech")
    measure("My accounts, text search", lambda: get(rep_client, "/accounts/", {"q": "tech"}),
            "its row query alone", lambda: rows_alone(search), PAGE_GOAL_MS)
    measure("Its deferred count (htmx request)", lambda: get(rep_client, "/accounts/", {"q": "tech", "count_only": "1"}),
            "count_capped alone", lambda: account_count(search), PAGE_GOAL_MS)
    measure("Segment list", lambda: get(revops_client, "/segments/"),
            "segment_rows alone", lambda: segment_rows(now=timezone.now()), PAGE_GOAL_MS)

    class Post(dict):
        def getlist(self, key):
            value = self[key]
            return value if isinstance(value, list) else [value]

    rule = rule_from_node(node_from_form(Post(PREVIEW_FORM)))
    target = segments[0]

    def preview():
        response = revops_client.post(f"/segments/{target.pk}/preview/", PREVIEW_FORM)
        assert response.status_code == 200, response.status_code
        assert "preview" in response.context, "the preview found problems in the benchmark rule"

    def count_alone():
        Account.objects.filter(compile_rule(rule, now=timezone.now())).order_by().count()

    measure("Live preview (5 conditions + events)", preview, "its count query alone", count_alone, PREVIEW_GOAL_MS)
    connection.close()

    print("\n| page | server time | baseline | time | ratio | goal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, page_ms, baseline_label, baseline_ms, goal_ms in figures:
        print(f"| {label} | {page_ms:.0f} ms | {baseline_label} | {baseline_ms:.0f} ms | {page_ms / baseline_ms:.1f}x | < {goal_ms} ms |")
    if pipeline_seconds is not None:
        print(f"\n(The set-up ran one full recompute first, in {pipeline_seconds:.0f} s.)")


if __name__ == "__main__":
    main()
