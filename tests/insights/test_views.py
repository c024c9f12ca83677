"""The insights pages: who may see them, links to the accounts behind figures, CSV exports, bad input."""

import csv
import html
import io
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.urls import reverse

from insights.models import KpiSnapshot
from insights.services import kpi_snapshot_record
from insights.steps import KPI_SNAPSHOT_STEP

from .builders import add_member, make_account, make_deal, make_segment

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "backtest", "overlap", "verdicts", "trends"]


@pytest.fixture
def small_world():
    won = make_account("Acme", icp_tier=1)
    lost = make_account("Globex", icp_tier=2)
    outsider = make_account("Initech")
    segment = make_segment("Software")
    twin = make_segment("Software twin")
    for account in (won, lost):
        add_member(segment, account, entered=date(2024, 1, 1))
        add_member(twin, account, entered=date(2024, 1, 1))
    make_deal(won, status="won", created=date(2024, 2, 1), closed=date(2024, 3, 5), amount=1000)
    make_deal(lost, status="lost", created=date(2024, 2, 1), closed=date(2024, 3, 6), amount=0)
    make_deal(outsider, status="open", created=date(2024, 3, 1), amount=300)
    return {"segment": segment, "twin": twin, "won": won, "lost": lost, "outsider": outsider}


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("page", PAGES + ["accounts"])
def test_pages_need_sign_in(client, page):
    response = client.get(reverse(f"insights:{page}"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_sales_rep_is_refused(client, sales_user, page):
    client.force_login(sales_user)
    assert client.get(reverse(f"insights:{page}")).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_leader_and_revops_see_pages(client, leader_user, revops_user, small_world, page):
    for user in (leader_user, revops_user):
        client.force_login(user)
        response = client.get(reverse(f"insights:{page}"), {"period": "2024-03"})
        assert response.status_code == 200, (user, page)


def test_dashboard_links_numbers_to_accounts(client, revops_user, small_world):
    client.force_login(revops_user)
    response = client.get(reverse("insights:dashboard"), {"period": "2024-03"})
    page = response.content.decode()
    segment = small_world["segment"]

    assert "Win rate" in page
    assert "Won ÷ (won + lost)" in page
    assert "50.0 %" in page
    assert f"group={segment.pk}&amp;kpi=win_rate&amp;period=2024-03" in page
    assert "<svg" in page
    assert "cdn" not in page.lower()


def test_drilldown_lists_accounts_behind_win_rate(client, revops_user, small_world):
    client.force_login(revops_user)
    segment = small_world["segment"]
    response = client.get(
        reverse("insights:accounts"),
        {"grouping": "segment", "group": segment.pk, "kpi": "win_rate", "period": "2024-03"},
    )

    assert response.status_code == 200
    names = [account.name for account, _ in response.context["rows"]]
    assert names == ["Acme", "Globex"]


def test_drilldown_of_unassigned_open_pipeline(client, revops_user, small_world):
    client.force_login(revops_user)
    response = client.get(
        reverse("insights:accounts"),
        {"grouping": "segment", "group": "unassigned", "kpi": "open_pipeline", "period": "2024-03"},
    )

    assert [account.name for account, _ in response.context["rows"]] == ["Initech"]


def test_drilldown_csv(client, revops_user, small_world):
    client.force_login(revops_user)
    response = client.get(
        reverse("insights:accounts"),
        {"grouping": "tier", "group": "1", "kpi": "accounts", "period": "2024-03", "format": "csv"},
    )
    rows = read_csv(response)

    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["id", "external_id", "name"]
    assert [row[2] for row in rows[1:]] == ["Acme"]


def test_overlap_drilldown(client, revops_user, small_world):
    client.force_login(revops_user)
    response = client.get(
        reverse("insights:accounts"), {"first": small_world["segment"].pk, "second": small_world["twin"].pk}
    )

    assert [account.name for account, _ in response.context["rows"]] == ["Acme", "Globex"]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"period": "2024-13"}, "Invalid period '2024-13': month 13 is not from 01 to 12."),
        ({"period": "March"}, "Invalid period 'March': not a recognized form."),
        ({"period": "2024-03-10..2024-03-01"}, "it ends before it starts"),
        ({"grouping": "region"}, "Unknown grouping region: use one of segment, tier, play."),
    ],
)
def test_dashboard_rejects_bad_input(client, revops_user, query, message):
    client.force_login(revops_user)
    response = client.get(reverse("insights:dashboard"), query)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "query, message",
    [
        ({"kpi": "profit"}, "Unknown KPI 'profit'"),
        ({"kpi": "win_rate", "group": "abc"}, "Unknown group 'abc'"),
        ({"kpi": "accounts", "group": "unassigned"}, "Only deal figures have an unassigned row."),
        ({"kpi": "accounts", "group": "1", "segments": "x,y"}, "Invalid segments 'x,y'"),
    ],
)
def test_drilldown_rejects_bad_input(client, revops_user, query, message):
    client.force_login(revops_user)
    response = client.get(reverse("insights:accounts"), query)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


@pytest.mark.parametrize("page", ["dashboard", "backtest", "overlap", "verdicts", "trends"])
def test_every_table_exports_csv(client, revops_user, small_world, page):
    client.force_login(revops_user)
    response = client.get(reverse(f"insights:{page}"), {"period": "2024-03", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert len(read_csv(response)[0]) > 1


def test_dashboard_csv_has_every_group_and_total(client, revops_user, small_world):
    client.force_login(revops_user)
    rows = read_csv(client.get(reverse("insights:dashboard"), {"period": "2024-03", "format": "csv"}))
    header = rows[0]
    by_group = {row[header.index("group")]: row for row in rows[1:]}

    assert set(by_group) == {"Software", "Software twin", "Unassigned", "All accounts"}
    assert float(by_group["Software"][header.index("win_rate")]) == pytest.approx(0.5)
    assert float(by_group["Unassigned"][header.index("open_pipeline")]) == pytest.approx(300)


def test_backtest_draft_needs_model(client, revops_user):
    client.force_login(revops_user)
    response = client.get(reverse("insights:backtest"), {"basis": "draft"})

    assert response.status_code == 400
    assert "Choose the ICP model to backtest." in response.content.decode()


def test_snapshot_same_inputs_writes_nothing(small_world):
    now = datetime(2024, 3, 31, 22, 0, tzinfo=dt_timezone.utc)
    first = kpi_snapshot_record(now=now, run_id=6)
    second = kpi_snapshot_record(now=now, run_id=7)

    assert first > 0
    assert second == 0
    assert KpiSnapshot.objects.count() == first
    assert set(KpiSnapshot.objects.values_list("run_id", flat=True)) == {6}


def test_snapshot_replaces_rows_of_the_same_day(small_world):
    now = datetime(2024, 3, 31, 22, 0, tzinfo=dt_timezone.utc)
    first = kpi_snapshot_record(now=now)
    make_deal(small_world["outsider"], status="open", created=date(2024, 3, 2), amount=50)
    second = kpi_snapshot_record(now=now, run_id=7)

    assert first == second
    assert KpiSnapshot.objects.count() == second
    assert set(KpiSnapshot.objects.values_list("run_id", flat=True)) == {7}
    win_rate = KpiSnapshot.objects.get(grouping="segment", group_key=str(small_world["segment"].pk), kpi="win_rate")
    assert win_rate.value == pytest.approx(0.5)
    assert win_rate.sample_size == 2
    assert win_rate.snapshot_date == date(2024, 3, 31)


def test_snapshot_step_publishes_counts(small_world):
    from accounts.pipeline import RunContext

    context = RunContext(run_id=3, now=datetime(2024, 3, 31, 12, tzinfo=dt_timezone.utc), full=True)
    counts = KPI_SNAPSHOT_STEP.publish(context)

    assert counts["kpi_snapshot_rows"] == KpiSnapshot.objects.filter(run_id=3).count() > 0


def test_trends_chart_from_snapshots(client, revops_user, small_world):
    for day in (30, 31):
        kpi_snapshot_record(now=datetime(2024, 3, day, 12, tzinfo=dt_timezone.utc))
    client.force_login(revops_user)
    response = client.get(reverse("insights:trends"), {"grouping": "segment", "chart": "win_rate"})
    page = response.content.decode()

    assert "<polyline" in page
    assert "2024-03-30" in page
    assert "2024-03-31" in page


def test_overlap_and_verdicts_take_chosen_segments(client, revops_user, small_world):
    client.force_login(revops_user)
    segment = small_world["segment"]

    overlap = client.get(reverse("insights:overlap"), {"segments": str(segment.pk)})
    verdicts = client.get(reverse("insights:verdicts"), {"segments": str(segment.pk), "period": "2024-03"})

    assert [item["segment"] for item in overlap.context["matrix"]] == [segment]
    assert [row["verdict"].segment for row in verdicts.context["rows"]] == [segment]


def test_overlap_rejects_bad_segment_ids(client, revops_user):
    client.force_login(revops_user)
    response = client.get(reverse("insights:overlap"), {"segments": "one,two"})

    assert response.status_code == 400
    assert "Invalid segments 'one,two'" in html.unescape(response.content.decode())


@pytest.mark.parametrize("page", ["overlap", "verdicts"])
def test_unknown_segment_ids_rejected(client, revops_user, small_world, page):
    client.force_login(revops_user)
    response = client.get(reverse(f"insights:{page}"), {"segments": "999999"})

    assert response.status_code == 400
    assert "No account segment has the id 999999" in html.unescape(response.content.decode())


def test_admin_cannot_delete_combination_rows(admin_client, small_world):
    from insights.combinations import combinations_rebuild
    from insights.models import CombinationBuild, SegmentCombination

    combinations_rebuild()
    combination = SegmentCombination.objects.first()

    assert admin_client.get(reverse("admin:insights_segmentcombination_delete", args=[combination.pk])).status_code == 403
    build = CombinationBuild.objects.get()
    assert admin_client.get(reverse("admin:insights_combinationbuild_delete", args=[build.pk])).status_code == 403


def test_backtest_page_fits_propensity_model_on_request(client, revops_user, small_world):
    client.force_login(revops_user)
    response = client.get(reverse("insights:backtest"), {"period": "2024-03", "propensity": "1"})
    page = html.unescape(response.content.decode())

    assert response.status_code == 200
    assert "Propensity model" in page
    assert "needs at least 20 won and 20 lost deals in the period; it has 1 won and 1 lost" in page


def test_recompute_run_records_kpi_snapshot(settings, small_world):
    from config.celery import app
    from segmentation.models import RecomputeRun, RunStatus
    from segmentation.services.pipeline import recompute_request

    settings.CELERY_TASK_ALWAYS_EAGER = True
    was_eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        run = recompute_request(trigger="cli", full=True, now=datetime(2024, 3, 31, 12, tzinfo=dt_timezone.utc))
    finally:
        app.conf.task_always_eager = was_eager
    run = RecomputeRun.objects.get(pk=run.pk)

    assert run.status == RunStatus.PUBLISHED
    assert KpiSnapshot.objects.filter(run_id=run.pk, snapshot_date=date(2024, 3, 31)).exists()
    assert KpiSnapshot.objects.filter(run_id=run.pk, grouping="tier", group_key="total", kpi="accounts").get().value == 3


def test_dashboard_serves_cached_table_until_data_changes(client, revops_user, small_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(revops_user)
    query = {"period": "2024-03", "format": "csv"}
    first = read_csv(client.get(reverse("insights:dashboard"), query))
    with CaptureQueriesContext(connection) as cached:
        second = read_csv(client.get(reverse("insights:dashboard"), query))
    make_deal(small_world["outsider"], status="won", created=date(2024, 3, 2), closed=date(2024, 3, 9), amount=50)
    third = read_csv(client.get(reverse("insights:dashboard"), query))

    assert second == first
    assert not any("accounts_opportunity\" o" in entry["sql"] for entry in cached.captured_queries)
    assert third != first


def test_cache_warm_fills_default_views(small_world, monkeypatch):
    from django.utils import timezone

    from insights.kpis import table
    from insights.kpis.groups import grouping_for
    from insights.periods import month_period
    from insights.selectors import kpi_table_cached
    from insights.combinations import combinations_fresh
    from insights.tasks import kpi_cache_warm_task

    kpi_cache_warm_task()
    # The combinations were built first, so the warmed views and later ones read them.
    assert combinations_fresh()

    def fail(**kwargs):
        raise AssertionError("the warmed table was computed again")

    monkeypatch.setattr(table, "kpi_table", fail)
    today = timezone.localdate()
    for name in ("segment", "tier"):
        cached = kpi_table_cached(grouping=grouping_for(name), period=month_period(today.year, today.month), basis="current")
        assert cached.grouping == name


def test_navigation_links_insights_for_viewers_only(client, leader_user, sales_user):
    client.force_login(leader_user)
    assert 'href="/insights/"' in client.get(reverse("insights:dashboard")).content.decode()

    client.force_login(sales_user)
    assert 'href="/insights/"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("form", ["comma", "repeated"])
def test_dashboard_takes_segment_lists(client, revops_user, small_world, form):
    client.force_login(revops_user)
    ids = [str(small_world["segment"].pk), str(small_world["twin"].pk)]
    segments = ",".join(ids) if form == "comma" else ids

    response = client.get(reverse("insights:dashboard"), {"period": "2024-03", "segments": segments})

    assert response.status_code == 200
    assert {row.label for row in response.context["table"].rows} >= {"Software", "Software twin"}


def test_trends_limited_to_chosen_segment(client, revops_user, small_world):
    kpi_snapshot_record(now=datetime(2024, 3, 30, 12, tzinfo=dt_timezone.utc))
    client.force_login(revops_user)
    query = {"grouping": "segment", "chart": "win_rate", "segments": str(small_world["twin"].pk)}

    page = client.get(reverse("insights:trends"), query)
    rows = read_csv(client.get(reverse("insights:trends"), {**query, "format": "csv"}))

    assert page.status_code == 200
    assert [label for label, _ in page.context["series"]] == ["Software twin"]
    assert {row[rows[0].index("group_label")] for row in rows[1:]} == {"Software twin"}


def test_csv_leaves_missing_figures_empty(client, revops_user, small_world):
    client.force_login(revops_user)
    rows = read_csv(client.get(reverse("insights:dashboard"), {"period": "2024-03", "format": "csv"}))

    cells = [cell for row in rows[1:] for cell in row]
    assert "nan" not in cells
    # No deal of an account outside the segments closed in March, so its win rate is empty.
    unassigned = next(row for row in rows[1:] if row[rows[0].index("group")] == "Unassigned")
    assert unassigned[rows[0].index("win_rate")] == ""


@pytest.mark.parametrize("query, message", [
    ({"grouping": "segment", "group": "99999"}, "Unknown group '99999' for grouping segment"),
    ({"grouping": "tier", "group": "9"}, "Unknown group '9' for grouping tier: use one of 1, 2, 3, 0"),
    ({"first": "{segment}", "second": "99999"}, "No account segment has the id 99999."),
    ({"first": "99999999999999999999999", "second": "{segment}"}, "Invalid segment id '99999999999999999999999'"),
])
def test_drilldown_unknown_ids_rejected(client, revops_user, small_world, query, message):
    client.force_login(revops_user)
    query = {name: value.format(segment=small_world["segment"].pk) for name, value in query.items()}

    response = client.get(reverse("insights:accounts"), {"period": "2024-03", **query})

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
