"""Win rate by segment on the Maven CRM dataset: the product against pandas over the same files.

The data goes in through the import command; segments are one rule per
sector, materialized by the rule engine. pandas then reads the CSV files
directly and computes won ÷ (won + lost) per sector.
"""

import io
import json

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account
from insights.backtest import icp_backtest
from insights.kpis.groups import grouping_for
from insights.kpis.table import kpi_table
from insights.periods import parse_period
from segmentation.models import SegmentStatus
from segmentation.services.segments import segment_create, segment_recompute

pytestmark = [pytest.mark.acceptance, pytest.mark.django_db]

ACCOUNTS_MAPPING = {
    # The account name is the dataset's only key: the pipeline file joins on it.
    "columns": {"account": ["external_id", "name"], "subsidiary_of": "parent_external_id"},
    "units": {"annual_revenue": "millions"},
}


def import_file(kind, path, *args):
    output = io.StringIO()
    call_command("import_csv", kind, str(path), "--json", *args, stdout=output)
    return json.loads(output.getvalue())


@pytest.fixture
def maven(shared_data, tmp_path):
    folder = shared_data / "maven-crm-sales-opportunities"
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(ACCOUNTS_MAPPING), encoding="utf-8")
    import_file("accounts", folder / "accounts.csv", "--mapping", str(mapping))
    import_file("opportunities", folder / "sales_pipeline.csv")

    accounts = pd.read_csv(folder / "accounts.csv")
    pipeline = pd.read_csv(folder / "sales_pipeline.csv")
    # The import maps sectors to industries through the synonym table, so each
    # segment's rule names the industry its sector was stored as.
    stored = dict(Account.objects.values_list("external_id", "industry"))
    industry_of = accounts.assign(industry=accounts["account"].map(stored)).groupby("sector")["industry"].unique()
    assert all(len(industries) == 1 for industries in industry_of), industry_of
    segments = {}
    now = timezone.now()
    for sector, (industry,) in industry_of.items():
        segment = segment_create(
            name=f"Sector {sector}", slug=f"sector-{sector}", lens="firmographic",
            rule={"field": "industry", "op": "eq", "value": industry}, status=SegmentStatus.ACTIVE,
        )
        segment_recompute(segment=segment, now=now)
        segments[sector] = segment
    return {"accounts": accounts, "pipeline": pipeline, "segments": segments}


def pandas_win_rates(accounts, pipeline, start, end):
    closed = pipeline[pipeline["deal_stage"].isin(["Won", "Lost"])].copy()
    closed["close_date"] = pd.to_datetime(closed["close_date"])
    closed = closed[(closed["close_date"] >= start) & (closed["close_date"] <= end)]
    closed = closed.merge(accounts[["account", "sector"]], on="account", how="left")
    by_sector = closed.groupby("sector")["deal_stage"].agg(won=lambda s: (s == "Won").sum(), closed="count")
    return by_sector, closed


@pytest.mark.parametrize("period_text, start, end", [("2017", "2017-01-01", "2017-12-31"),
                                                     ("2017-Q2", "2017-04-01", "2017-06-30")])
def test_win_rate_by_segment_matches_pandas(maven, period_text, start, end):
    expected, closed = pandas_win_rates(maven["accounts"], maven["pipeline"], start, end)

    table = kpi_table(grouping=grouping_for("segment"), period=parse_period(period_text))
    rows = {row.key: row for row in table.rows}

    for sector, segment in maven["segments"].items():
        row = rows[str(segment.pk)]
        assert row.samples["win_rate"] == expected.at[sector, "closed"], sector
        assert row.values["win_rate"] == pytest.approx(expected.at[sector, "won"] / expected.at[sector, "closed"]), sector
    total = rows["total"]
    assert total.samples["win_rate"] == len(closed)
    assert total.values["win_rate"] == pytest.approx((closed["deal_stage"] == "Won").mean())
    # Every account has a sector, so no closed deal is left unassigned.
    assert rows["unassigned"].samples["win_rate"] == 0


def test_deal_size_and_totals_match_readme(maven):
    table = kpi_table(grouping=grouping_for("segment"), period=parse_period("2017"))
    total = next(row for row in table.rows if row.key == "total")

    # The dataset's README: 4,238 won and 2,473 lost deals, the mean won deal 2,360.91 USD.
    assert total.samples["win_rate"] == 4238 + 2473
    assert total.values["win_rate"] == pytest.approx(4238 / (4238 + 2473))
    assert total.values["avg_deal_size"] == pytest.approx(2360.91, abs=0.01)
    segment_closed = sum(row.samples["win_rate"] for row in table.rows if row.kind == "group")
    assert segment_closed == total.samples["win_rate"]


def test_as_of_entry_puts_earlier_deals_in_unassigned(maven):
    # The segments were materialized today, after every deal was created.
    table = kpi_table(grouping=grouping_for("segment"), period=parse_period("2017"), basis="entry")
    rows = {row.key: row for row in table.rows}

    assert rows["unassigned"].samples["win_rate"] == rows["total"].samples["win_rate"] == 4238 + 2473
    assert all(row.samples["win_rate"] == 0 for row in table.rows if row.kind == "group")


def test_backtest_on_real_deals_has_intervals(maven):
    result = icp_backtest(period=parse_period("2017"))
    total = result.tiers[-1]

    assert total.closed == 4238 + 2473
    assert total.win_rate_low < total.win_rate < total.win_rate_high
    assert total.deal_size_low < total.avg_deal_size < total.deal_size_high
