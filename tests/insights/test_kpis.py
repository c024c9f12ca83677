"""KPI definitions on hand-made data whose results are worked out by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from insights.kpis.groups import grouping_for
from insights.kpis.table import kpi_table
from insights.models import ExchangeRate, Spend
from insights.periods import parse_period

from .builders import add_member, local, make_account, make_arr, make_deal, make_event, make_segment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("membership_source")]

MARCH = parse_period("2024-03")


def row(table, key):
    return next(row for row in table.rows if row.key == str(key))


@pytest.fixture
def deals_world():
    """Segment A with two current members and one former member, an empty segment B, and deals in March 2024."""
    a1, a2, a3, a4 = (make_account(f"A{i}") for i in range(1, 5))
    segment_a = make_segment("Segment A")
    segment_b = make_segment("Segment B")
    for account in (a1, a2):
        add_member(segment_a, account, entered=date(2024, 1, 1))
    add_member(segment_a, a3, entered=date(2024, 1, 1), exited=date(2024, 2, 15))

    make_deal(a1, status="won", created=date(2024, 1, 10), closed=date(2024, 3, 10), amount=1000)
    make_deal(a1, status="lost", created=date(2024, 3, 1), closed=date(2024, 3, 15), amount=0)
    make_deal(a2, status="won", created=date(2024, 2, 1), closed=date(2024, 3, 2), amount=3000)
    make_deal(a2, status="open", created=date(2024, 3, 5), amount=500)
    make_deal(a2, status="won", created=date(2024, 3, 1), closed=date(2024, 3, 20), amount=2000, currency="EUR")
    make_deal(a4, status="open", created=date(2024, 2, 1), amount=700)
    make_deal(a1, status="won", created=date(2024, 3, 20), closed=date(2024, 4, 5), amount=100)
    make_deal(a3, status="won", created=date(2024, 1, 5), closed=date(2024, 3, 25), amount=400)
    return {"a": segment_a, "b": segment_b, "accounts": (a1, a2, a3, a4)}


@pytest.fixture
def euro_rate():
    return ExchangeRate.objects.create(currency="EUR", valid_from=date(2024, 1, 1), rate=Decimal("1.1"))


def test_segment_deal_kpis(deals_world, euro_rate):
    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    a = row(table, deals_world["a"].pk)

    assert a.values["accounts"] == 2
    assert a.values["pipeline_created"] == pytest.approx(2800)
    assert a.samples["pipeline_created"] == 4
    assert a.values["open_pipeline"] == pytest.approx(600)
    assert a.samples["open_pipeline"] == 2
    assert a.values["win_rate"] == pytest.approx(0.75)
    assert a.samples["win_rate"] == 4
    assert a.values["avg_deal_size"] == pytest.approx((1000 + 3000 + 2200) / 3)
    assert a.values["sales_cycle_days"] == pytest.approx((60 + 30 + 19) / 3)
    assert table.notes == [
        "No ARR figures exist for 2024-03, so NRR, gross churn and expansion are empty."
    ]


def test_empty_segment_has_no_ratios(deals_world, euro_rate):
    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    b = row(table, deals_world["b"].pk)

    assert b.values["accounts"] == 0
    assert b.values["pipeline_created"] == 0
    assert b.values["open_pipeline"] == 0
    assert b.values["win_rate"] is None
    assert b.values["avg_deal_size"] is None
    assert b.values["sales_cycle_days"] is None
    assert b.values["cac"] is None


def test_unassigned_bucket_makes_totals_add_up(deals_world, euro_rate):
    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    unassigned = row(table, "unassigned")
    total = row(table, "total")

    # a3 left the segment and a4 was never in one, so their deals are unassigned today.
    assert unassigned.values["open_pipeline"] == pytest.approx(700)
    assert unassigned.values["win_rate"] == pytest.approx(1.0)
    assert total.values["open_pipeline"] == pytest.approx(1300)
    assert total.values["win_rate"] == pytest.approx(0.8)
    assert total.values["avg_deal_size"] == pytest.approx((1000 + 3000 + 2200 + 400) / 4)
    a = row(table, deals_world["a"].pk)
    for kpi in ("pipeline_created", "open_pipeline", "win_rate"):
        assert a.samples[kpi] + unassigned.samples[kpi] == total.samples[kpi], kpi
    assert "accounts" not in unassigned.values


def test_currency_without_rate_is_left_out_and_reported(deals_world):
    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    a = row(table, deals_world["a"].pk)

    assert a.values["avg_deal_size"] == pytest.approx(2000)
    assert a.samples["avg_deal_size"] == 2
    assert a.values["pipeline_created"] == pytest.approx(600)
    assert a.values["win_rate"] == pytest.approx(0.75)
    assert any("in EUR are left out" in note for note in table.notes)
    assert any("no exchange rate to USD" in note for note in table.notes)


def test_rate_in_force_on_period_end_is_used(deals_world):
    ExchangeRate.objects.create(currency="EUR", valid_from=date(2024, 1, 1), rate=Decimal("1.1"))
    ExchangeRate.objects.create(currency="EUR", valid_from=date(2024, 4, 1), rate=Decimal("2.0"))
    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)

    assert row(table, deals_world["a"].pk).values["avg_deal_size"] == pytest.approx((1000 + 3000 + 2200) / 3)


def test_zero_closed_deals_gives_empty_win_rate():
    account = make_account()
    segment = make_segment("Only open")
    add_member(segment, account, entered=date(2024, 1, 1))
    make_deal(account, status="open", created=date(2024, 3, 3), amount=250)

    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    only = row(table, segment.pk)

    assert only.values["win_rate"] is None
    assert only.samples["win_rate"] == 0
    assert only.values["avg_deal_size"] is None
    assert only.values["open_pipeline"] == pytest.approx(250)


def test_as_of_entry_uses_membership_at_creation(deals_world, euro_rate):
    table = kpi_table(grouping=grouping_for("segment"), period=MARCH, basis="entry")
    a = row(table, deals_world["a"].pk)

    # a3 was a member when its deal was created in January, so its March win counts for A.
    assert a.samples["win_rate"] == 5
    assert a.values["win_rate"] == pytest.approx(0.8)
    # Members on the last day of March: a1 and a2.
    assert a.values["accounts"] == 2
    assert row(table, "unassigned").samples["win_rate"] == 0


def test_as_of_entry_skips_earlier_deals():
    account = make_account()
    segment = make_segment("Late joiners")
    add_member(segment, account, entered=date(2024, 3, 10))
    make_deal(account, status="won", created=date(2024, 3, 1), closed=date(2024, 3, 20), amount=10)
    make_deal(account, status="lost", created=date(2024, 3, 10), closed=date(2024, 3, 21), amount=10)

    current = row(kpi_table(grouping=grouping_for("segment"), period=MARCH), segment.pk)
    entry = row(kpi_table(grouping=grouping_for("segment"), period=MARCH, basis="entry"), segment.pk)

    assert current.values["win_rate"] == pytest.approx(0.5)
    # Only the deal created on the day of entry counts as of entry.
    assert entry.values["win_rate"] == pytest.approx(0.0)
    assert entry.samples["win_rate"] == 1


def test_retention_from_arr_snapshots():
    a1, a2, a3, a4 = (make_account() for _ in range(4))
    segment = make_segment("Customers")
    for account in (a1, a2, a3):
        add_member(segment, account, entered=date(2024, 1, 1))
    for account in (a1, a2, a3):
        make_arr(account, date(2024, 3, 1), 1000)
    make_arr(a1, date(2024, 6, 1), 1200)
    make_arr(a3, date(2024, 6, 1), 700)
    make_arr(a4, date(2024, 6, 1), 500)

    table = kpi_table(grouping=grouping_for("segment"), period=parse_period("2024-Q2"))
    customers = row(table, segment.pk)

    assert customers.values["nrr"] == pytest.approx(1900 / 3000)
    assert customers.values["gross_churn"] == pytest.approx(1300 / 3000)
    assert customers.values["expansion_rate"] == pytest.approx(200 / 3000)
    assert customers.samples["nrr"] == 3
    assert row(table, "total").values["nrr"] == pytest.approx(1900 / 3000)


def test_retention_empty_without_closing_month():
    account = make_account()
    segment = make_segment("Customers")
    add_member(segment, account, entered=date(2024, 1, 1))
    make_arr(account, date(2024, 3, 1), 1000)

    table = kpi_table(grouping=grouping_for("segment"), period=parse_period("2024-Q2"))

    assert row(table, segment.pk).values["nrr"] is None
    assert "No ARR figures exist for 2024-06" in table.notes[0]


def test_response_rate_and_speed_to_engage():
    a1, a2, a3 = (make_account() for _ in range(3))
    segment = make_segment("Engaged")
    add_member(segment, a1, entered=local(date(2024, 3, 1), 0))
    add_member(segment, a2, entered=local(date(2024, 3, 2), 0))
    add_member(segment, a3, entered=local(date(2024, 3, 3), 0))
    make_event(a1, "call", local(date(2024, 3, 1), 10))
    make_event(a2, "meeting", local(date(2024, 3, 20), 0))  # 18 days later: outside the response window
    make_event(a3, "email_open", local(date(2024, 3, 3), 1))  # not a touch

    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    engaged = row(table, segment.pk)

    assert engaged.values["response_rate"] == pytest.approx(1 / 3)
    assert engaged.samples["response_rate"] == 3
    assert engaged.values["speed_to_engage_hours"] == pytest.approx(10)
    assert engaged.values["meeting_acceptance"] == pytest.approx(0.5)
    assert engaged.samples["meeting_acceptance"] == 2


def test_cac_from_segment_spend(deals_world, euro_rate):
    segment = deals_world["a"]
    Spend.objects.create(month=date(2024, 3, 1), segment=segment, amount=Decimal(1000), currency="USD")
    Spend.objects.create(month=date(2024, 3, 1), segment=segment, amount=Decimal(500), currency="EUR")
    Spend.objects.create(month=date(2024, 4, 1), segment=segment, amount=Decimal(9999), currency="USD")

    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)
    a = row(table, segment.pk)

    # New customers in March: a1 and a2, whose first won new-business deals closed then.
    assert a.samples["cac"] == 2
    assert a.values["cac"] == pytest.approx((1000 + 550) / 2)


def test_tier_grouping_counts_not_icp():
    make_account(icp_tier=1)
    tier_two = make_account(icp_tier=2)
    make_account()
    make_deal(tier_two, status="won", created=date(2024, 3, 1), closed=date(2024, 3, 2), amount=50)

    table = kpi_table(grouping=grouping_for("tier"), period=MARCH)

    assert [r.label for r in table.rows] == ["Tier 1", "Tier 2", "Tier 3", "Not ICP", "Unassigned", "All accounts"]
    assert row(table, 1).values["accounts"] == 1
    assert row(table, 0).values["accounts"] == 1
    assert row(table, 2).values["win_rate"] == 1.0
    assert row(table, "total").values["accounts"] == 3


def test_periods_are_calendar_dates_in_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    account = make_account()
    segment = make_segment("Night owls")
    # 2024-03-31 23:30 in New York is already April 1st in UTC.
    add_member(segment, account, entered=local(date(2024, 3, 31), 23))
    make_event(account, "meeting", local(date(2024, 3, 31), 23) + timedelta(minutes=30))

    table = kpi_table(grouping=grouping_for("segment"), period=MARCH)

    assert row(table, segment.pk).samples["response_rate"] == 1
    assert row(table, segment.pk).values["meeting_acceptance"] == 1.0


def test_play_grouping_uses_enrollments_and_recorded_touches():
    from django.apps import apps

    Play = apps.get_model("plays", "Play")
    Enrollment = apps.get_model("plays", "Enrollment")
    play = Play.objects.create(name="Win back", slug="win-back", motion="defend", owner_team="sales", status="active")
    touched, untouched, waiting = make_account(), make_account(), make_account()
    entered = local(date(2024, 3, 4), 9)
    for account, first_touch in ((touched, entered + timedelta(hours=30)), (untouched, None)):
        Enrollment.objects.create(play=play, account=account, status="active", entered_at=entered,
                                  entered_on=entered.date(), first_touch_at=first_touch)
    Enrollment.objects.create(play=play, account=waiting, status="waitlisted", waitlisted_at=entered)
    make_deal(touched, status="won", created=date(2024, 3, 5), closed=date(2024, 3, 25), amount=900)
    Spend.objects.create(month=date(2024, 3, 1), program="win-back", amount=Decimal(1800), currency="USD")

    table = kpi_table(grouping=grouping_for("play"), period=MARCH)
    win_back = row(table, play.pk)

    assert win_back.values["accounts"] == 2
    assert win_back.values["response_rate"] == pytest.approx(0.5)
    assert win_back.values["speed_to_engage_hours"] == pytest.approx(30)
    assert win_back.values["win_rate"] == 1.0
    assert win_back.values["cac"] == pytest.approx(1800)


def test_play_grouping_as_of_entry():
    from django.apps import apps

    Play = apps.get_model("plays", "Play")
    Enrollment = apps.get_model("plays", "Enrollment")
    play = Play.objects.create(name="Expand", slug="expand", motion="grow", owner_team="sales", status="active")
    account = make_account()
    entered = local(date(2024, 3, 10), 9)
    Enrollment.objects.create(play=play, account=account, status="active", entered_at=entered, entered_on=entered.date())
    make_deal(account, status="won", created=date(2024, 3, 1), closed=date(2024, 3, 20), amount=10)
    make_deal(account, status="lost", created=date(2024, 3, 12), closed=date(2024, 3, 20), amount=10)

    table = kpi_table(grouping=grouping_for("play"), period=MARCH, basis="entry")

    assert row(table, play.pk).samples["win_rate"] == 1
    assert row(table, play.pk).values["win_rate"] == 0.0
    assert row(table, "unassigned").samples["win_rate"] == 1


def test_one_pass_matches_family_queries(euro_rate):
    """Today's figures (one query over every family) equal the per-family queries when no membership moved.

    As of entry reads each family on its own, and with every stay begun
    before the data, both must agree on deals, ARR and new customers.
    """
    switcher, churned, steady, late, repeat = (make_account() for _ in range(5))
    segment = make_segment("Everyone")
    for account in (switcher, churned, steady, late, repeat):
        add_member(segment, account, entered=date(2023, 1, 1))
    # ARR that changes currency reads as churn in the old currency; a zero opening is no cohort member.
    make_arr(switcher, date(2024, 3, 1), 1000, currency="EUR")
    make_arr(switcher, date(2024, 6, 1), 1500)
    make_arr(churned, date(2024, 3, 1), 800)
    make_arr(steady, date(2024, 3, 1), 500)
    make_arr(steady, date(2024, 6, 1), 650)
    make_arr(late, date(2024, 3, 1), 0)
    make_arr(late, date(2024, 6, 1), 300)
    # New customers: two wins in the period count once; an earlier win or an expansion deal counts none.
    make_deal(repeat, status="won", created=date(2024, 4, 1), closed=date(2024, 4, 10), amount=100)
    make_deal(repeat, status="won", created=date(2024, 4, 2), closed=date(2024, 5, 10), amount=None)
    make_deal(steady, status="won", created=date(2023, 5, 1), closed=date(2023, 6, 1), amount=50)
    make_deal(steady, status="won", created=date(2024, 4, 1), closed=date(2024, 4, 20), amount=70, currency="EUR")
    make_deal(churned, status="won", created=date(2024, 4, 1), closed=date(2024, 4, 20), amount=90, type="expansion")
    make_deal(late, status="open", created=date(2024, 5, 1), amount=40)
    make_deal(late, status="lost", created=date(2024, 1, 1), closed=date(2024, 7, 2), amount=60)
    Spend.objects.create(month=date(2024, 4, 1), segment=segment, amount=Decimal(300), currency="USD")
    quarter = parse_period("2024-Q2")

    current = row(kpi_table(grouping=grouping_for("segment"), period=quarter), segment.pk)
    entry = row(kpi_table(grouping=grouping_for("segment"), period=quarter, basis="entry"), segment.pk)

    for kpi in ("pipeline_created", "open_pipeline", "win_rate", "avg_deal_size", "sales_cycle_days",
                "nrr", "gross_churn", "expansion_rate", "cac"):
        assert current.values[kpi] == pytest.approx(entry.values[kpi], nan_ok=True), kpi
        assert current.samples[kpi] == entry.samples[kpi], kpi
    assert current.samples["nrr"] == 3
    assert current.values["nrr"] == pytest.approx(650 / (1000 * 1.1 + 800 + 500))
    assert current.samples["cac"] == 1
    assert current.values["cac"] == pytest.approx(300)
